"""Agreement between two raters beyond chance: Cohen's kappa with a confidence interval."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence

from pydantic import BaseModel, ConfigDict

from clearance.stats._estimate import NORMAL
from clearance.stats._inputs import require_confidence


class KappaEstimate(BaseModel):
    """Cohen's kappa for two raters' labels of the same items, with its interval.

    ``kappa`` is None (and so is the interval) when chance agreement is total: both raters gave
    every item the same one label, so agreement beyond chance is undefined, not perfect.
    """

    model_config = ConfigDict(frozen=True)

    kappa: float | None
    stderr: float | None
    ci_low: float | None
    ci_high: float | None
    observed: float
    """The share of items the raters labelled alike."""
    expected: float
    """The share they would label alike by chance, from each rater's own label frequencies."""
    n: int
    confidence: float
    method: str = "cohen-1960"


def kappa_estimate(
    first: Sequence[Hashable], second: Sequence[Hashable], confidence: float = 0.95
) -> KappaEstimate:
    """Cohen's kappa of two label lists (any number of categories) and a normal interval.

    kappa = (po - pe) / (1 - pe); the standard error is Cohen's (1960) large-sample
    approximation sqrt(po (1 - po) / (n (1 - pe)^2)), and the interval is clipped to [-1, 1].
    With few items the interval is wide, which is the point of reporting it.
    """
    require_confidence(confidence)
    n = len(first)
    if n == 0 or n != len(second):
        raise ValueError(
            f"kappa needs two equally long, non-empty label lists; got {n} and {len(second)}"
        )
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    counts_first, counts_second = Counter(first), Counter(second)
    expected = sum(counts_first[c] * counts_second[c] for c in counts_first) / (n * n)
    common = {"observed": observed, "expected": expected, "n": n, "confidence": confidence}
    if expected >= 1.0:
        return KappaEstimate(kappa=None, stderr=None, ci_low=None, ci_high=None, **common)
    kappa = (observed - expected) / (1.0 - expected)
    stderr = math.sqrt(observed * (1.0 - observed) / n) / (1.0 - expected)
    z = NORMAL.inv_cdf(0.5 + confidence / 2.0)
    low, high = max(-1.0, kappa - z * stderr), min(1.0, kappa + z * stderr)
    return KappaEstimate(kappa=kappa, stderr=stderr, ci_low=low, ci_high=high, **common)
