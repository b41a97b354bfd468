"""``scripted/PATH``: fixed answers by sample id, for tests, demos and re-scoring recorded outputs.

The file is JSONL, one sample a line: ``{"id": "q1", "output": "42"}``, or
``{"id": "q1", "outputs": ["first", "second"]}`` for successive calls within one sample (agent
loops); the last output repeats once the list runs out. For a likelihood request
(``loglikelihood``) the output is a JSON list of numbers, one log-likelihood per continuation:
``{"id": "q1", "output": "[-2.5, -0.5, -4.0]"}``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from clearance.models._registry import ModelSpecError, ProviderArgs
from clearance.models._types import (
    ChatMessage,
    GenerateConfig,
    ModelInfo,
    ModelOutput,
    PermanentModelError,
    Usage,
    current_epoch,
    current_sample_id,
)


class ScriptedModel:
    """Answers from a JSONL script, chosen by ``current_sample_id`` and ``current_epoch``.

    Calls within one (sample, epoch) take successive outputs. ``info.version`` is the SHA-256 of
    the file, so a run's provenance pins the exact answers it was given.
    """

    def __init__(self, *, spec: str, path: Path) -> None:
        content = _read(spec, path)
        self._path = path
        self._outputs = parse_script(content, path)
        self._calls: dict[tuple[str, int], int] = {}
        self._info = ModelInfo(
            spec=spec,
            provider="scripted",
            name=str(path),
            version=hashlib.sha256(content).hexdigest(),
        )

    @classmethod
    def from_args(cls, args: ProviderArgs) -> ScriptedModel:
        """Build from ``get_model``'s arguments; NAME is the script's path."""
        args.check_options(())
        return cls(spec=args.spec, path=Path(args.name).expanduser())

    @property
    def info(self) -> ModelInfo:
        """The script's path and SHA-256 (as ``version``)."""
        return self._info

    async def loglikelihood(
        self, messages: Sequence[ChatMessage], continuations: Sequence[str], config: GenerateConfig
    ) -> ModelOutput:
        """The next scripted output read as one log-likelihood per continuation."""
        out = await self.generate(messages, config)
        try:
            values = json.loads(out.text)
        except ValueError:
            values = None
        numeric = isinstance(values, list) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in values
        )
        if not numeric or len(values) != len(continuations):
            raise PermanentModelError(
                f"scripted model {self._path}: sample {current_sample_id.get()!r} was asked for "
                f"{len(continuations)} log-likelihoods; its output must be a JSON list of "
                f"{len(continuations)} numbers, got {out.text[:80]!r}"
            )
        best = max(values)
        return out.model_copy(
            update={
                "loglikelihoods": tuple(float(v) for v in values),
                "greedy": tuple(v == best for v in values),
            }
        )

    async def generate(
        self, messages: Sequence[ChatMessage], config: GenerateConfig
    ) -> ModelOutput:
        """The next scripted output for the current sample and epoch."""
        started = time.perf_counter()
        sample_id = current_sample_id.get()
        if sample_id is None:
            raise PermanentModelError(
                f"scripted model {self._path}: no current sample id; the runner sets "
                "clearance.models.current_sample_id before each sample"
            )
        outputs = self._outputs.get(sample_id)
        if outputs is None:
            raise PermanentModelError(
                f"scripted model {self._path}: no line with id {sample_id!r}; add "
                f'{{"id": {json.dumps(sample_id)}, "output": "..."}} to the file'
            )
        key = (sample_id, current_epoch.get())
        call = self._calls.get(key, 0)
        self._calls[key] = call + 1
        text = outputs[min(call, len(outputs) - 1)]
        prompt_words = sum(len(m.content.split()) for m in messages)
        return ModelOutput(
            text=text,
            usage=Usage(input_tokens=prompt_words, output_tokens=len(text.split())),
            latency=time.perf_counter() - started,
            raw={"id": sample_id, "epoch": key[1], "call": call + 1, "output": text},
        )

    async def aclose(self) -> None:
        """Nothing to release."""


def parse_script(content: bytes, path: Path) -> dict[str, list[str]]:
    """Outputs by sample id from JSONL ``content``; ``ModelSpecError`` naming file and line."""
    outputs: dict[str, list[str]] = {}
    first_line: dict[str, int] = {}
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelSpecError(f"scripted file {path}: not UTF-8 text ({exc})") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        sample_id, answers = _parse_line(line, f"scripted file {path} line {number}")
        if sample_id in first_line:
            raise ModelSpecError(
                f"scripted file {path} line {number}: id {sample_id!r} already appears on line "
                f'{first_line[sample_id]}; give each id one line (use "outputs" for several)'
            )
        first_line[sample_id] = number
        outputs[sample_id] = answers
    return outputs


def _parse_line(line: str, where: str) -> tuple[str, list[str]]:
    try:
        record: Any = json.loads(line)
    except ValueError as exc:
        raise ModelSpecError(f"{where}: not valid JSON ({exc})") from exc
    if not isinstance(record, dict):
        raise ModelSpecError(f"{where}: expected a JSON object, got {type(record).__name__}")
    sample_id = record.get("id")
    if isinstance(sample_id, bool) or not isinstance(sample_id, str | int):
        raise ModelSpecError(f'{where}: "id" must be a string or integer, got {sample_id!r}')
    has_one, has_many = "output" in record, "outputs" in record
    if has_one == has_many:
        raise ModelSpecError(f'{where}: give exactly one of "output" (text) or "outputs" (list)')
    answers = [record["output"]] if has_one else record["outputs"]
    if not isinstance(answers, list) or not answers:
        raise ModelSpecError(f'{where}: "outputs" must be a non-empty list of strings')
    if not all(isinstance(answer, str) for answer in answers):
        raise ModelSpecError(f"{where}: every output must be a string, got {answers!r}")
    return str(sample_id), answers


def _read(spec: str, path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ModelSpecError(
            f"model {spec!r}: scripted file {path} does not exist (use scripted/PATH to a JSONL "
            "file, e.g. scripted//abs/answers.jsonl or scripted/relative/answers.jsonl)"
        ) from exc
    except OSError as exc:
        raise ModelSpecError(f"model {spec!r}: cannot read scripted file {path}: {exc}") from exc
