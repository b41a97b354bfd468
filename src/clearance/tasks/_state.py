"""What a solver works on and a scorer reads: one sample-epoch in progress."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from clearance.datasets import Sample
from clearance.models import ChatMessage, ModelOutput

Generate = Callable[[Sequence[ChatMessage]], Awaitable[ModelOutput]]
"""Calls the model under test with the task's generation settings (retries, cache and limits
are the runner's business, not the solver's)."""

Loglikelihood = Callable[[Sequence[ChatMessage], Sequence[str]], Awaitable[ModelOutput]]
"""Asks the model under test for the log-likelihood of each continuation after the messages
(``ModelOutput.loglikelihoods``), through the same journal, cache and retries as ``Generate``."""


@dataclass
class TaskState:
    """A sample being solved. Solvers change it; scorers read it."""

    sample: Sample
    epoch: int
    seed: int
    messages: list[ChatMessage]
    target: str | tuple[str, ...]
    choices: tuple[str, ...] | None = None
    output: ModelOutput | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    loglikelihood: Loglikelihood | None = None
    """Set by the runner when the model under test can score continuations; None otherwise."""
    likelihood_kind: str = "continuation"
    """``continuation`` (whole continuations scored, lm-eval style) or ``next_token`` (only the
    next token's log-probabilities: multiple choice is then scored by option letters)."""

    @classmethod
    def start(cls, sample: Sample, epoch: int, seed: int) -> TaskState:
        if isinstance(sample.input, str):
            messages = [ChatMessage(role="user", content=sample.input)]
        else:
            messages = list(sample.input)
        return cls(
            sample=sample,
            epoch=epoch,
            seed=seed,
            messages=messages,
            target=sample.target,
            choices=sample.choices,
        )

    @property
    def output_text(self) -> str:
        return self.output.text if self.output is not None else ""

    @property
    def targets(self) -> tuple[str, ...]:
        return (self.target,) if isinstance(self.target, str) else self.target

    def user_prompt(self) -> str:
        """The text of the last user message (what templates rewrite)."""
        for msg in reversed(self.messages):
            if msg.role == "user":
                return msg.content
        return ""

    def set_user_prompt(self, text: str) -> None:
        for i in range(len(self.messages) - 1, -1, -1):
            if self.messages[i].role == "user":
                self.messages[i] = ChatMessage(role="user", content=text)
                return
        self.messages.append(ChatMessage(role="user", content=text))
