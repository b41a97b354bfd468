"""Sequential tests for monitoring: one look after another against a fixed baseline, with the
chance of any false alarm, over every look ever taken, held at the declared level.

Each look asks a one-sided question, "is the current rate worse than the baseline's?", with an
exact test (McNemar's binomial test on the discordant pairs when the items are the same, Fisher's
exact test when they differ). Look ``k`` is judged at level ``alpha / (k * (k + 1))``: the
levels sum to ``alpha * (1 - 1 / (K + 1)) < alpha`` over any number ``K`` of looks, so by the
union bound the family-wise false-alarm rate stays below ``alpha`` however many looks a monitor
takes and however the looks are correlated (they all share one baseline). This is an
alpha-spending plan with an open horizon (Lan and DeMets' idea with the spending function
``alpha * k / (k + 1)``); it gives up power at late looks for validity without a planned end.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from clearance.stats._inputs import Scores, as_binary_scores, require_nonempty

Worse = Literal["lower", "higher"]
"""Which way a rate moves when the system gets worse."""


class SpendingPlan(BaseModel):
    """How the false-alarm budget ``alpha`` is spent over looks 1, 2, 3, ..."""

    model_config = ConfigDict(frozen=True)

    alpha: float = Field(default=0.05, gt=0.0, lt=1.0)

    def level(self, look: int) -> float:
        """The significance level of look ``look`` (1-based)."""
        if look < 1:
            raise ValueError(f"looks are numbered from 1; got {look}")
        return self.alpha / (look * (look + 1))

    def spent(self, looks: int) -> float:
        """The budget used by the first ``looks`` looks (always below ``alpha``)."""
        if looks < 0:
            raise ValueError(f"a number of looks cannot be negative; got {looks}")
        return self.alpha * (1.0 - 1.0 / (looks + 1))


class SequentialLook(BaseModel):
    """One look: the baseline and current rates, the one-sided p-value, and the verdict."""

    model_config = ConfigDict(frozen=True)

    look: int
    level: float
    """The level this look is judged at, under the plan."""
    p_value: float
    """One-sided, for "the current rate is worse than the baseline's"."""
    method: Literal["mcnemar-exact-one-sided", "fisher-exact-one-sided"]
    worse: Worse
    baseline_rate: float
    current_rate: float
    baseline_n: int
    current_n: int
    alarm: bool
    """True when ``p_value <= level``: a regression the plan lets us call."""

    @property
    def effect(self) -> float:
        """current - baseline."""
        return self.current_rate - self.baseline_rate


def one_sided_fisher(
    baseline_successes: int,
    baseline_n: int,
    current_successes: int,
    current_n: int,
    worse: Worse,
) -> float:
    """Fisher's exact one-sided p-value that the current rate is ``worse`` than the baseline's.

    Conditional on the total successes, the current group's count is hypergeometric under no
    change; a "lower" regression is evidence in its lower tail, a "higher" one in its upper."""
    _check_counts(baseline_successes, baseline_n, "baseline")
    _check_counts(current_successes, current_n, "current")
    from scipy import stats as scipy_stats  # ~1 s and ~70 MB: only where a test is computed

    total = baseline_n + current_n
    successes = baseline_successes + current_successes
    if worse == "lower":
        p = float(scipy_stats.hypergeom.cdf(current_successes, total, successes, current_n))
    else:
        p = float(scipy_stats.hypergeom.sf(current_successes - 1, total, successes, current_n))
    return min(1.0, p)


def one_sided_mcnemar(before: Scores, after: Scores, worse: Worse) -> tuple[float, int]:
    """McNemar's exact one-sided p-value that ``after`` is ``worse`` than ``before`` on the same
    items (0/1 scores), and the number of items. Under no change a discordant pair is equally
    likely either way round."""
    x = as_binary_scores(before, "before")
    y = as_binary_scores(after, "after")
    if x.size != y.size:
        raise ValueError(
            f"paired scores need one score per item on both sides; got {x.size} and {y.size}"
        )
    require_nonempty(x, "before")
    worsened = int(np.sum((x == 1) & (y == 0)) if worse == "lower" else np.sum((x == 0) & (y == 1)))
    improved = int(np.sum(x != y)) - worsened
    discordant = worsened + improved
    if discordant == 0:
        return 1.0, int(x.size)
    from scipy import stats as scipy_stats

    p = float(scipy_stats.binom.sf(worsened - 1, discordant, 0.5))
    return min(1.0, p), int(x.size)


def sequential_look(
    plan: SpendingPlan,
    look: int,
    baseline: Scores,
    current: Scores,
    worse: Worse,
    *,
    paired: bool,
) -> SequentialLook:
    """Judge look ``look`` of ``current`` 0/1 scores against ``baseline`` under ``plan``.

    ``paired`` means the two score lists are the same items in the same order (McNemar);
    otherwise they are two samples (Fisher)."""
    level = plan.level(look)
    base = as_binary_scores(baseline, "baseline")
    now = as_binary_scores(current, "current")
    require_nonempty(base, "baseline")
    require_nonempty(now, "current")
    if paired:
        p, _ = one_sided_mcnemar(base, now, worse)
        method: Literal["mcnemar-exact-one-sided", "fisher-exact-one-sided"] = (
            "mcnemar-exact-one-sided"
        )
    else:
        p = one_sided_fisher(int(base.sum()), base.size, int(now.sum()), now.size, worse)
        method = "fisher-exact-one-sided"
    return SequentialLook(
        look=look,
        level=level,
        p_value=p,
        method=method,
        worse=worse,
        baseline_rate=float(base.mean()),
        current_rate=float(now.mean()),
        baseline_n=int(base.size),
        current_n=int(now.size),
        alarm=p <= level,
    )


def _check_counts(successes: int, n: int, name: str) -> None:
    if n < 1 or not 0 <= successes <= n:
        raise ValueError(
            f"{name}: {successes} successes out of {n} is not a count of scored samples; "
            "it needs 0 <= successes <= n and n >= 1"
        )
