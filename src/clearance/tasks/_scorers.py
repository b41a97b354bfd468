"""Scorers: read a finished state and say how good the answer was. Registered by name."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from pydantic import BaseModel, Field

from clearance.tasks._answers import extract_choice, extract_number, normalize_text, numbers_equal
from clearance.tasks._registry import Registry
from clearance.tasks._state import TaskState


class Score(BaseModel):
    """One scorer's verdict on one sample-epoch."""

    value: float
    answer: str | None = None
    """What the scorer read as the model's answer; None when it could not extract one."""
    explanation: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class Scorer(Protocol):
    """Scores a finished state. ``name`` keys its scores; ``metrics`` are its defaults."""

    name: str
    metrics: tuple[str, ...]

    async def __call__(self, state: TaskState) -> Score: ...


ScorerFactory = Callable[..., Scorer]
scorers: Registry[ScorerFactory] = Registry("scorer")
scorer = scorers.register


class _Check:
    """A scorer built from a plain synchronous function (scoring text is CPU-only)."""

    def __init__(
        self, name: str, fn: Callable[[TaskState], Score], metrics: tuple[str, ...]
    ) -> None:
        self.name = name
        self.metrics = metrics
        self._fn = fn

    async def __call__(self, state: TaskState) -> Score:
        return self._fn(state)


def _binary(ok: bool, answer: str | None, **meta: Any) -> Score:
    return Score(value=1.0 if ok else 0.0, answer=answer, metadata=meta)


@scorer("exact")
def exact() -> Scorer:
    """The whole output equals a target, after normalisation."""

    def check(state: TaskState) -> Score:
        got = normalize_text(state.output_text)
        return _binary(any(got == normalize_text(t) for t in state.targets), got)

    return _Check("exact", check, ("accuracy",))


@scorer("includes")
def includes() -> Scorer:
    """A target appears in the output, after normalisation."""

    def check(state: TaskState) -> Score:
        got = normalize_text(state.output_text)
        return _binary(any(normalize_text(t) in got for t in state.targets), state.output_text)

    return _Check("includes", check, ("accuracy",))


@scorer("choice")
def choice() -> Scorer:
    """The multiple-choice letter the model gave matches the target letter."""

    def check(state: TaskState) -> Score:
        n = len(state.choices or ())
        got = extract_choice(state.output_text, n, state.choices)
        targets = {t.strip().upper() for t in state.targets}
        return _binary(got is not None and got in targets, got, extracted=got is not None)

    return _Check("choice", check, ("accuracy",))


@scorer("choice_norm")
def choice_norm() -> Scorer:
    """Likelihood scoring's length-normalised answer (lm-eval's ``acc_norm``): the option with
    the highest log-likelihood per character, read from ``multiple_choice_likelihood``."""

    def check(state: TaskState) -> Score:
        found = state.metadata.get("likelihood", {}).get("answer_norm")
        if not isinstance(found, str):
            raise ValueError(
                f"sample {state.sample.id!r}: choice_norm reads the likelihood solver's "
                "answer; this task's solver is not multiple_choice_likelihood"
            )
        targets = {t.strip().upper() for t in state.targets}
        return _binary(found in targets, found)

    return _Check("choice_norm", check, ("accuracy",))


def _target_number(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        return extract_number(text)


@scorer("numeric")
def numeric() -> Scorer:
    """The number the model gave equals the target number (GSM8K style)."""

    def check(state: TaskState) -> Score:
        got = extract_number(state.output_text)
        wanted = [n for n in (_target_number(t) for t in state.targets) if n is not None]
        if not wanted:
            raise ValueError(f"sample {state.sample.id!r}: target has no number: {state.target!r}")
        ok = got is not None and any(numbers_equal(got, w) for w in wanted)
        return _binary(ok, None if got is None else str(got), extracted=got is not None)

    return _Check("numeric", check, ("accuracy",))
