"""One retry policy for every caller of a model: the runner and the model-graded judge alike."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How a caller retries the errors a provider marks retryable (rate limits, 5xx).

    A server's ``Retry-After`` is honoured up to ``max_seconds`` (a server may ask for an hour
    or the year 2099: the caller waits at most the ceiling, then tries again), with a little
    jitter so that many waiting callers do not return at once. Without one, the wait doubles
    from ``base_seconds`` per attempt up to the ceiling, drawn from its upper half.
    """

    max_retries: int = 4
    base_seconds: float = 1.0
    max_seconds: float = 30.0

    def capped(self, retry_after: float | None) -> float | None:
        """A server's requested wait, held to the ceiling."""
        return None if retry_after is None else min(retry_after, self.max_seconds)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 0)."""
        capped = self.capped(retry_after)
        if capped is not None:
            jitter = random.uniform(0, 0.1 * capped + 0.05)
            return min(capped + jitter, self.max_seconds)
        ceiling = min(self.max_seconds, self.base_seconds * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)
