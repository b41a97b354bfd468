"""``hf/PATH``: a transformers causal language model saved in a local directory, or one GGUF
file loaded through transformers' ``gguf_file`` (de-quantised to float32; needs the ``gguf``
and ``accelerate`` packages) (extra ``local``).

Concurrent ``generate`` calls are gathered into batches (up to ``max_batch_size`` prompts or
``batch_wait`` seconds) and generated together, left-padded, in a worker thread. A batch on a CPU
can take minutes, so each generation step reports progress (``generation_progress``) and checks
whether the model is being closed: Ctrl-C stops the batch after the step in flight instead of
waiting for the whole batch to finish.

``loglikelihood`` scores continuations of a plain-text context the way lm-evaluation-harness
does for ``multiple_choice`` tasks: no special tokens are added, trailing spaces of the context
move to the continuation, the pair is tokenised whole and split at the context's token count,
and the continuation's token log-probabilities are summed.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clearance.models._http import chat_turns
from clearance.models._providers.micro_batcher import MicroBatcher
from clearance.models._providers.weights_digest import weights_sha256
from clearance.models._registry import ModelSpecError, ProviderArgs
from clearance.models._types import (
    ChatMessage,
    GenerateConfig,
    GenerationProgress,
    ModelInfo,
    ModelOutput,
    Usage,
    generation_progress,
    likelihood_context,
)

INSTALL_HINT = "pip install 'clearance[local]'"
DEFAULT_MAX_TOKENS = 256
DEFAULT_BATCH_SIZE = 8
DEFAULT_BATCH_WAIT = 0.01
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
GGUF_SUFFIX = ".gguf"


@dataclass(frozen=True)
class _Request:
    messages: Sequence[ChatMessage]
    config: GenerateConfig


class HFModel:
    """A local transformers model, loaded on first use onto ``device`` (cuda when available).

    ``info.weights_sha256`` digests every weight file in the directory (name and SHA-256 of each),
    so a run pins the exact weights.
    """

    def __init__(
        self,
        *,
        spec: str,
        path: Path,
        device: str | None,
        max_batch_size: int,
        batch_wait: float,
    ) -> None:
        try:
            import torch
            import transformers
        except ImportError as exc:
            raise ModelSpecError(
                f"model {spec!r} needs transformers and torch ({exc}); {INSTALL_HINT}"
            ) from exc
        gguf = path.suffix.lower() == GGUF_SUFFIX and path.is_file()
        if not path.is_dir() and not gguf:
            raise ModelSpecError(
                f"model {spec!r}: {path} is neither a directory nor a .gguf file; hf/PATH must "
                "name a directory saved by save_pretrained (e.g. from `huggingface-cli download "
                "--local-dir`) or one GGUF file"
            )
        if max_batch_size < 1 or batch_wait < 0:
            raise ModelSpecError(
                f"model {spec!r}: max_batch_size ({max_batch_size}) must be >= 1 and "
                f"batch_wait ({batch_wait}) >= 0 seconds"
            )
        self._torch: Any = torch
        self._transformers: Any = transformers
        self._path = path.parent if gguf else path
        self._gguf_file: str | None = path.name if gguf else None
        self._forward_lock = threading.Lock()
        self._device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self._model: Any = None
        self._tokenizer: Any = None
        self._load_lock = asyncio.Lock()
        self._closing = threading.Event()
        self._batcher: MicroBatcher[_Request, ModelOutput] = MicroBatcher(
            self._generate_batch,
            max_size=max_batch_size,
            max_wait=batch_wait,
            group_key=lambda request: request.config,
        )
        digest = weights_sha256(path) if gguf else _directory_digest(spec, path)
        self._info = ModelInfo(spec=spec, provider="hf", name=str(path), weights_sha256=digest)

    @classmethod
    def from_args(cls, args: ProviderArgs) -> HFModel:
        """Build from ``get_model``'s arguments; options ``device``, ``max_batch_size``,
        ``batch_wait`` (seconds)."""
        args.check_options({"device", "max_batch_size", "batch_wait"})
        return cls(
            spec=args.spec,
            path=Path(args.name).expanduser(),
            device=args.option("device", str, None),
            max_batch_size=args.option("max_batch_size", int, DEFAULT_BATCH_SIZE),
            batch_wait=float(args.option("batch_wait", (int, float), DEFAULT_BATCH_WAIT)),
        )

    @property
    def info(self) -> ModelInfo:
        """The directory and the digest of its weights."""
        return self._info

    async def generate(
        self, messages: Sequence[ChatMessage], config: GenerateConfig
    ) -> ModelOutput:
        """One completion, generated in a batch with whatever else arrives at the same time."""
        if self._model is None:
            await self._load()
        return await self._batcher.submit(_Request(messages, config))

    async def aclose(self) -> None:
        """Stop the batch being generated after its current step, cancel waiting requests and
        release the model."""
        self._closing.set()
        await self._batcher.aclose()
        self._model = None
        self._tokenizer = None

    async def _load(self) -> None:
        async with self._load_lock:
            if self._model is None:
                self._tokenizer, self._model = await asyncio.to_thread(self._load_blocking)

    def _load_blocking(self) -> tuple[Any, Any]:
        transformers = self._transformers
        gguf: dict[str, Any] = {}
        if self._gguf_file is not None:
            self._check_gguf_packages()
            # de-quantised to float32: the precision lm-evaluation-harness is compared at
            gguf = {"gguf_file": self._gguf_file}
        tokenizer = transformers.AutoTokenizer.from_pretrained(self._path, **gguf)
        tokenizer.padding_side = "left"  # generation continues from the right edge of each row
        if tokenizer.pad_token is None:
            if tokenizer.eos_token is None:
                raise ModelSpecError(
                    f"hf model {self._path}: its tokenizer has neither a pad nor an eos token, "
                    "so prompts cannot be batched; set pad_token in tokenizer_config.json"
                )
            tokenizer.pad_token = tokenizer.eos_token
        if gguf:
            gguf["dtype"] = self._torch.float32
        model = transformers.AutoModelForCausalLM.from_pretrained(self._path, **gguf)
        model.to(self._device)
        model.eval()
        return tokenizer, model

    def _check_gguf_packages(self) -> None:
        import importlib.util

        missing = [p for p in ("gguf", "accelerate") if importlib.util.find_spec(p) is None]
        if missing:
            raise ModelSpecError(
                f"hf model {self._path / str(self._gguf_file)}: transformers needs the "
                f"{' and '.join(missing)} package(s) to load a GGUF file; "
                f"pip install {' '.join(missing)}"
            )

    async def loglikelihood(
        self, messages: Sequence[ChatMessage], continuations: Sequence[str], config: GenerateConfig
    ) -> ModelOutput:
        """The log-probability of each continuation after the messages' plain-text context."""
        if self._model is None:
            await self._load()
        context = likelihood_context(messages)
        return await asyncio.to_thread(self._score_blocking, context, list(continuations))

    def _score_blocking(self, context: str, continuations: list[str]) -> ModelOutput:
        started = time.perf_counter()
        scored = [self._score_one(context, c) for c in continuations]
        return ModelOutput(
            text="",
            usage=Usage(input_tokens=sum(n for _, _, n in scored)),
            latency=time.perf_counter() - started,
            loglikelihoods=tuple(ll for ll, _, _ in scored),
            greedy=tuple(g for _, g, _ in scored),
            raw={"continuations": continuations, "device": self._device},
        )

    def _score_one(self, context: str, continuation: str) -> tuple[float, bool, int]:
        torch, tokenizer = self._torch, self._tokenizer
        # lm-eval's _encode_pair: trailing spaces belong to the continuation's first token
        stripped = context.rstrip(" ")
        continuation = context[len(stripped) :] + continuation
        whole = tokenizer(stripped + continuation, add_special_tokens=False)["input_ids"]
        context_ids = tokenizer(stripped, add_special_tokens=False)["input_ids"]
        if not context_ids:  # nothing to condition on: start from the end-of-text token
            start = tokenizer.bos_token_id
            context_ids = [tokenizer.eos_token_id if start is None else start]
            whole = context_ids + whole
        target = whole[len(context_ids) :]
        if not target:
            raise ValueError(f"continuation {continuation!r} has no tokens to score")
        inputs = torch.tensor([whole[:-1]], device=self._device)
        with self._forward_lock, torch.inference_mode():
            logits = self._model(input_ids=inputs).logits[0].float()
        logprobs = logits[len(context_ids) - 1 :].log_softmax(dim=-1)
        wanted = torch.tensor(target, device=self._device)
        picked = logprobs.gather(1, wanted.unsqueeze(1)).squeeze(1)
        greedy = bool((logprobs.argmax(dim=-1) == wanted).all())
        return float(picked.sum()), greedy, len(whole)

    def _prompt(self, messages: Sequence[ChatMessage]) -> str:
        if self._tokenizer.chat_template:
            prompt: str = self._tokenizer.apply_chat_template(
                chat_turns(messages), tokenize=False, add_generation_prompt=True
            )
            return prompt
        lines = [f"{m.role}: {m.content}" for m in messages]
        return "\n".join([*lines, "assistant:"])

    def _generate_batch(self, requests: list[_Request]) -> list[ModelOutput]:
        started = time.perf_counter()
        torch, tokenizer = self._torch, self._tokenizer
        config = requests[0].config
        max_new = DEFAULT_MAX_TOKENS if config.max_tokens is None else config.max_tokens
        # a chat template writes its own special tokens; a plain prompt gets the usual ones
        encoded = tokenizer(
            [self._prompt(r.messages) for r in requests],
            return_tensors="pt",
            padding=True,
            add_special_tokens=not tokenizer.chat_template,
        ).to(self._device)
        options: dict[str, Any] = {
            "max_new_tokens": max_new,
            "pad_token_id": tokenizer.pad_token_id,
            "stopping_criteria": self._transformers.StoppingCriteriaList(
                [_StepWatch(self._closing, generation_progress.get(), len(requests), max_new)]
            ),
        }
        if config.temperature > 0:
            options.update(do_sample=True, temperature=config.temperature)
            if config.top_p is not None:
                options["top_p"] = config.top_p
        else:
            options["do_sample"] = False
        if config.seed is not None:
            torch.manual_seed(config.seed)
        with torch.inference_mode():
            # only these two: some tokenizers add token_type_ids, which generate() rejects
            generated = self._model.generate(
                input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"], **options
            )
        prompt_length = encoded["input_ids"].shape[1]
        prompt_tokens = encoded["attention_mask"].sum(dim=1).tolist()
        latency = time.perf_counter() - started
        return [
            self._output(
                row[prompt_length:].tolist(), int(n), max_new, config, latency, len(requests)
            )
            for row, n in zip(generated, prompt_tokens, strict=True)
        ]

    def _output(
        self,
        token_ids: list[int],
        prompt_tokens: int,
        max_new: int,
        config: GenerateConfig,
        latency: float,
        batch_size: int,
    ) -> ModelOutput:
        end_ids = self._end_token_ids()
        cut = next((i for i, t in enumerate(token_ids) if t in end_ids), None)
        kept = token_ids if cut is None else token_ids[:cut]
        finish = "stop" if cut is not None or len(kept) < max_new else "length"
        text = self._tokenizer.decode(kept, skip_special_tokens=True)
        for stop in config.stop or ():
            position = text.find(stop)
            if position >= 0:
                text, finish = text[:position], "stop"
        return ModelOutput(
            text=text,
            finish_reason=finish,
            usage=Usage(input_tokens=prompt_tokens, output_tokens=len(kept)),
            latency=latency,
            raw={"output_token_ids": kept, "batch_size": batch_size, "device": self._device},
        )

    def _end_token_ids(self) -> set[int]:
        ids: set[int] = set()
        for source in (self._model.generation_config.eos_token_id, self._tokenizer.eos_token_id):
            if isinstance(source, int):
                ids.add(source)
            elif isinstance(source, list | tuple):
                ids.update(i for i in source if isinstance(i, int))
        return ids


class _StepWatch:
    """A transformers stopping criterion called after every generation step: it reports tokens
    generated so far and stops the whole batch once the model is closing."""

    def __init__(
        self,
        closing: threading.Event,
        progress: GenerationProgress | None,
        batch_size: int,
        max_new: int,
    ) -> None:
        self._closing = closing
        self._progress = progress
        self._batch_size = batch_size
        self._planned = batch_size * max_new
        self._steps = 0
        self._started = time.perf_counter()

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        self._steps += 1
        if self._progress is not None:
            tokens = self._steps * self._batch_size
            self._progress.generating(tokens, self._planned, time.perf_counter() - self._started)
        stop = self._closing.is_set()
        return torch.full((input_ids.shape[0],), stop, dtype=torch.bool, device=input_ids.device)


def _directory_digest(spec: str, path: Path) -> str:
    weights = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in WEIGHT_SUFFIXES)
    if not weights:
        raise ModelSpecError(
            f"model {spec!r}: {path} holds no weight files ({', '.join(WEIGHT_SUFFIXES)})"
        )
    listing = "".join(f"{p.relative_to(path).as_posix()} {weights_sha256(p)}\n" for p in weights)
    return hashlib.sha256(listing.encode()).hexdigest()
