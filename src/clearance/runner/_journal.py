"""The run journal: every model response appended as it arrives, so a killed run's answers
survive for ``eval resume`` even when their sample had not been scored and stored yet."""

from __future__ import annotations

import json
import os
import warnings
from collections import defaultdict
from pathlib import Path

from pydantic import ValidationError

from clearance.models import ModelOutput

JournalKey = tuple[str, int]  # (sample id, epoch)


class Journal:
    """Append-only JSON lines, one per model response, written with a single ``write(2)``.

    A write reaches the kernel before the call returns, so it survives the process being
    killed (not a power cut: the store is the durable record; this only spares repeat calls).
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def append(self, key: JournalKey, call: int, output: ModelOutput) -> None:
        line = json.dumps(
            {"s": key[0], "e": key[1], "c": call, "o": output.model_dump(mode="json")},
            separators=(",", ":"),
        )
        os.write(self._fd, line.encode() + b"\n")

    def close(self) -> None:
        os.close(self._fd)

    @staticmethod
    def load(path: Path) -> dict[JournalKey, list[ModelOutput]]:
        """Responses by sample-epoch, in call order. A torn final line (the process died
        mid-write) is expected after a kill and is skipped quietly; any other line that cannot be
        read is skipped with a warning naming it, and its sample is simply asked again."""
        replay: dict[JournalKey, dict[int, ModelOutput]] = defaultdict(dict)
        if not path.exists():
            return {}
        lines = path.read_bytes().split(b"\n")
        for n, line in enumerate(lines, start=1):
            if not line:
                continue
            try:
                key, call, output = _entry(json.loads(line))
            except (ValueError, KeyError, TypeError, ValidationError) as exc:
                if n >= len(lines) - 1 and isinstance(exc, json.JSONDecodeError):
                    break
                warnings.warn(
                    f"{path} line {n}: corrupt journal line skipped ({_why(exc)}); "
                    "its sample will be asked again",
                    UserWarning,
                    stacklevel=2,
                )
                continue
            replay[key][call] = output
        return {k: [v[i] for i in sorted(v)] for k, v in replay.items()}


def _entry(rec: object) -> tuple[JournalKey, int, ModelOutput]:
    if not isinstance(rec, dict):
        raise TypeError("not a JSON object")
    sid, epoch, call = rec["s"], rec["e"], rec["c"]
    if not isinstance(sid, str) or type(epoch) is not int or type(call) is not int:
        raise TypeError("sample id, epoch or call index of the wrong type")
    return (sid, epoch), call, ModelOutput.model_validate(rec["o"])


def _why(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    if isinstance(exc, ValidationError):
        return "the model output in it is malformed"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
