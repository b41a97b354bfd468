"""The types every model provider speaks: messages in, one output (kept as evidence) out."""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from clearance.errors import ClearanceError
from clearance.urls import without_credentials

DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024
"""The most of a response body read (8 MiB): a model's answer is a few kilobytes, and a server
that sends an endless or huge body must not take the machine's memory with it."""

Role = Literal["system", "user", "assistant", "tool"]


class ChatMessage(BaseModel):
    """One turn of a conversation."""

    model_config = ConfigDict(frozen=True)

    role: Role
    content: str


class GenerateConfig(BaseModel):
    """Generation settings. Part of the cache key and of a run's provenance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # The ranges every provider accepts; a value outside one is a mistake in a task file, better
    # named at load than returned as an HTTP 400 on every sample.
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1, le=10_000_000)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    seed: int | None = Field(default=None, ge=-(2**53 - 1), le=2**53 - 1)
    """Recorded in provenance as a JSON number, which is exact only below 2^53."""
    stop: tuple[str, ...] | None = None


class Usage(BaseModel):
    """Token counts reported by the provider (zeros when it reports none)."""

    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class ModelOutput(BaseModel):
    """What one generate call returned."""

    text: str
    finish_reason: str = "stop"
    usage: Usage = Field(default_factory=Usage)
    latency: float = 0.0
    """Seconds from sending the request to having the whole response."""
    raw: dict[str, Any] | None = None
    """The provider's response body as received, kept as evidence."""
    loglikelihoods: tuple[float, ...] | None = None
    """For a likelihood request: the log-probability of each continuation given the context
    (natural log, summed over the continuation's tokens); None for a generation."""
    greedy: tuple[bool, ...] | None = None
    """For a likelihood request: whether greedy decoding would produce each continuation."""


class ModelInfo(BaseModel):
    """Identity of a model under test, recorded in each run's provenance."""

    model_config = ConfigDict(frozen=True)

    spec: str
    """The spec the user gave, e.g. ``openai/gpt-4o`` or ``gguf/smollm2-135m``."""
    provider: str
    name: str
    base_url: str | None = None
    """The endpoint, kept without any credential it carried (see ``clearance.urls``)."""
    version: str | None = None
    weights_sha256: str | None = None

    @field_validator("base_url")
    @classmethod
    def _no_credentials(cls, value: str | None) -> str | None:
        return None if value is None else without_credentials(value)


@runtime_checkable
class ModelAPI(Protocol):
    """A model under test. Providers implement this; the runner calls nothing else."""

    @property
    def info(self) -> ModelInfo: ...

    async def generate(
        self, messages: Sequence[ChatMessage], config: GenerateConfig
    ) -> ModelOutput: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class LikelihoodAPI(Protocol):
    """A model that scores given continuations of a context instead of generating.

    ``loglikelihood`` returns one output whose ``loglikelihoods`` (and ``greedy``) hold one entry
    per continuation, in order. The context is :func:`likelihood_context` of the messages: plain
    text with no chat template, as lm-evaluation-harness scores multiple choice.
    """

    async def loglikelihood(
        self, messages: Sequence[ChatMessage], continuations: Sequence[str], config: GenerateConfig
    ) -> ModelOutput: ...


def likelihood_context(messages: Sequence[ChatMessage]) -> str:
    """The text a likelihood request continues: each message's content, blank-line separated.

    No chat template and no role names, so a one-message prompt is scored exactly as
    lm-evaluation-harness scores it; a system prompt (a mitigation) comes first as plain text.
    """
    return "\n\n".join(m.content for m in messages)


class ModelError(ClearanceError):
    """A model call failed. ``retryable`` tells the runner whether to try again."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.body = body


class RateLimitError(ModelError):
    """HTTP 429 or the provider's equivalent; ``retry_after`` in seconds when the server said."""

    retryable = True


class TransientModelError(ModelError):
    """5xx, timeouts, connection resets, unparseable bodies: worth retrying."""

    retryable = True


class PermanentModelError(ModelError):
    """Bad request, auth failure, unknown model, missing scripted answer: retrying cannot help."""

    retryable = False


current_sample_id: ContextVar[str | None] = ContextVar("current_sample_id", default=None)
"""The id of the sample being solved, set by the runner. Read by providers that answer
by sample (``scripted``); others ignore it."""

current_epoch: ContextVar[int] = ContextVar("current_epoch", default=1)
"""The epoch being solved (1-based), set by the runner."""


@runtime_checkable
class GenerationProgress(Protocol):
    """Where a local model reports progress inside one batched generation, which can take
    minutes: tokens generated so far across the batch, the most it may generate, and seconds
    since it began. Called from the generating thread, so it must be thread-safe."""

    def generating(self, tokens: int, planned: int, seconds: float) -> None: ...


generation_progress: ContextVar[GenerationProgress | None] = ContextVar(
    "generation_progress", default=None
)
"""Set by the runner when someone is watching (the CLI's progress bar); providers that generate
locally in batches (``hf``) report to it."""
