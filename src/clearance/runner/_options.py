"""What a user chooses about how a run executes (not what it measures)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from clearance.models import DEFAULT_MAX_RESPONSE_BYTES

MAX_CONNECTIONS = 4096
"""The most concurrent model calls a run may ask for: past this a machine runs out of sockets
long before a server runs out of patience."""
SEED_LIMIT = 2**53 - 1
"""Seeds are recorded in provenance as JSON numbers, exact only up to 2^53 (RFC 8785)."""


class RunOptions(BaseModel):
    """Execution settings. Stored with the run so ``eval resume`` continues the same way."""

    model_config = ConfigDict(extra="forbid")

    limit: int | None = Field(default=None, ge=1)
    epochs: int | None = Field(default=None, ge=1)
    """Overrides the task's epochs."""
    max_connections: int = Field(default=32, ge=1, le=MAX_CONNECTIONS)
    timeout: float = Field(default=120.0, gt=0)
    """Seconds per model request."""
    max_retries: int = Field(default=6, ge=0)
    retry_base: float = Field(default=1.0, gt=0)
    """Seconds before the first retry; doubles each time, with jitter."""
    retry_max: float = Field(default=60.0, gt=0)
    """The retry ceiling: no wait between tries is longer, whatever a server's Retry-After says."""
    max_response_bytes: int = Field(default=DEFAULT_MAX_RESPONSE_BYTES, ge=1)
    """The most of one response body read; a longer answer is an error for its sample."""
    identical_errors_stop: int = Field(default=3, ge=1)
    """Stop the run after this many identical errors that no retry or sample can fix (a refused
    key, an unknown model, a context too long for every prompt)."""
    seed: int = Field(default=0, ge=-SEED_LIMIT, le=SEED_LIMIT)
    cache: bool = True
    """Cache responses (only ever used at temperature 0)."""
    fail_on_error: float | None = Field(default=None, ge=0)
    """Stop when errors exceed this: a count if >= 1, else a fraction of the planned total."""
    base_url: str | None = None
    data: str | None = None
    """A dataset path overriding the task's."""
    model_options: dict[str, Any] = Field(default_factory=dict)
    max_tokens: int | None = Field(default=None, ge=1)
    """Caps every generation at this many tokens, overriding the task's setting (the run's
    provenance records the settings used). A small cap keeps a slow local model's run short."""

    executor: Literal["asyncio", "ray"] = "asyncio"
    """Where samples are solved: this process's event loop, or Ray workers (this process stays
    the only writer of the store, journal and ledger)."""
    ray_address: str | None = None
    """The Ray cluster (``auto``, ``HOST:PORT`` or ``ray://HOST:PORT``); None starts a local one."""
    ray_workers: int | None = Field(default=None, ge=1)
    """Ray workers (actors) to use; None: one per CPU the cluster has."""

    def error_budget(self, total: int) -> float | None:
        if self.fail_on_error is None:
            return None
        return self.fail_on_error if self.fail_on_error >= 1 else self.fail_on_error * total


class RunSummary(BaseModel):
    """What ``clearance eval run --json`` prints."""

    id: str
    status: str
    total: int
    scored: int
    errors: int
    metrics: dict[str, dict[str, Any]]
    provenance: dict[str, Any]
    empty_answers: int = 0
    """Samples scored whose model answer was empty or null (each scored as given, and flagged)."""
    stop_reason: str | None = None
    """Why a ``failed`` run stopped, in words."""
