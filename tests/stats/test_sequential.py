"""The sequential monitoring test: exact one-sided tests checked against SciPy, the spending plan
checked by simulation (false alarms over 20 looks at or below the declared level; a degraded
model caught), and a naive every-look-at-alpha plan shown to fail the same simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from clearance.stats import (
    SpendingPlan,
    one_sided_fisher,
    one_sided_mcnemar,
    sequential_look,
)

ALPHA = 0.05
LOOKS = 20
REPETITIONS = 2000


def _tolerance(rate: float, repetitions: int) -> float:
    """Three Monte-Carlo standard errors of a rate estimated from ``repetitions`` runs: a true
    rate at ``rate`` exceeds it by chance about once in 740 seeds."""
    return 3.0 * math.sqrt(rate * (1.0 - rate) / repetitions)


def test_the_plan_spends_less_than_alpha_over_any_number_of_looks() -> None:
    plan = SpendingPlan(alpha=ALPHA)
    levels = [plan.level(k) for k in range(1, 1001)]
    assert levels == sorted(levels, reverse=True)
    assert sum(levels) == pytest.approx(plan.spent(1000))
    assert plan.spent(1000) < ALPHA
    assert plan.level(1) == pytest.approx(ALPHA / 2)
    with pytest.raises(ValueError, match="from 1"):
        plan.level(0)


def test_fisher_one_sided_matches_scipy() -> None:
    # 70/100 at baseline, 55/100 now: SciPy's table is [[current ok, current fail], [base ...]].
    ours = one_sided_fisher(70, 100, 55, 100, "lower")
    reference = scipy_stats.fisher_exact([[55, 45], [70, 30]], alternative="less").pvalue
    assert ours == pytest.approx(reference, rel=1e-9)
    higher = one_sided_fisher(10, 100, 25, 100, "higher")
    ref_higher = scipy_stats.fisher_exact([[25, 75], [10, 90]], alternative="greater").pvalue
    assert higher == pytest.approx(ref_higher, rel=1e-9)
    # An improvement is no evidence of a regression.
    assert one_sided_fisher(55, 100, 70, 100, "lower") > 0.9


def test_mcnemar_one_sided_matches_a_binomial_test() -> None:
    before = [1] * 30 + [1] * 12 + [0] * 3 + [0] * 55
    after = [1] * 30 + [0] * 12 + [1] * 3 + [0] * 55
    p, n = one_sided_mcnemar(before, after, "lower")
    assert n == 100
    assert p == pytest.approx(scipy_stats.binomtest(12, 15, 0.5, "greater").pvalue, rel=1e-12)
    assert one_sided_mcnemar(before, before, "lower") == (1.0, 100)
    with pytest.raises(ValueError, match="one score per item"):
        one_sided_mcnemar([1, 0], [1], "lower")
    with pytest.raises(ValueError, match="only 0 and 1"):
        one_sided_mcnemar([0.5], [1], "lower")


def test_a_bad_count_is_refused() -> None:
    with pytest.raises(ValueError, match="successes"):
        one_sided_fisher(11, 10, 1, 10, "lower")


def _first_alarm_two_sample(
    rng: np.random.Generator, plan_level: object, base_rate: float, now_rate: float, n: int
) -> int | None:
    baseline = (rng.random(n) < base_rate).astype(float)
    for look in range(1, LOOKS + 1):
        current = (rng.random(n) < now_rate).astype(float)
        level = plan_level(look)  # type: ignore[operator]
        p = one_sided_fisher(int(baseline.sum()), n, int(current.sum()), n, "lower")
        if p <= level:
            return look
    return None


def _false_alarm_rate(plan_level: object, seed: int) -> float:
    rng = np.random.default_rng(seed)
    alarms = sum(
        _first_alarm_two_sample(rng, plan_level, 0.7, 0.7, 100) is not None
        for _ in range(REPETITIONS)
    )
    return alarms / REPETITIONS


def test_no_degradation_over_20_looks_raises_false_alarms_at_no_more_than_alpha() -> None:
    plan = SpendingPlan(alpha=ALPHA)
    rate = _false_alarm_rate(plan.level, seed=20261202)
    assert rate <= ALPHA + _tolerance(ALPHA, REPETITIONS), rate


def test_the_same_simulation_catches_a_plan_that_tests_every_look_at_alpha() -> None:
    # The simulation has teeth: judging each of the 20 looks at 0.05 (no spending) raises a
    # false alarm in far more than 5% of repetitions, since every look is another chance.
    rate = _false_alarm_rate(lambda _look: ALPHA, seed=7)
    assert rate > ALPHA + _tolerance(ALPHA, REPETITIONS), rate


def test_paired_items_over_20_looks_keep_the_false_alarm_rate() -> None:
    # Each item has its own chance of being answered well (some easy, some hard); the deployed
    # model is unchanged, so every look redraws each item from the same chance.
    plan = SpendingPlan(alpha=ALPHA)
    rng = np.random.default_rng(31)
    alarms = 0
    for _ in range(REPETITIONS):
        chance = rng.beta(2.0, 1.0, size=80)
        baseline = (rng.random(80) < chance).astype(float)
        for look in range(1, LOOKS + 1):
            current = (rng.random(80) < chance).astype(float)
            if sequential_look(plan, look, baseline, current, "lower", paired=True).alarm:
                alarms += 1
                break
    rate = alarms / REPETITIONS
    assert rate <= ALPHA + _tolerance(ALPHA, REPETITIONS), rate


def test_a_degraded_model_is_caught() -> None:
    # Accuracy falls from 80% to 55% behind the same name: with 100 items a look, the plan
    # catches it within the 20 looks nearly always, and mostly at the first look.
    plan = SpendingPlan(alpha=ALPHA)
    rng = np.random.default_rng(5)
    trials = 500
    first = [_first_alarm_two_sample(rng, plan.level, 0.8, 0.55, 100) for _ in range(trials)]
    caught = sum(look is not None for look in first) / trials
    at_first_look = sum(look == 1 for look in first) / trials
    assert caught >= 0.95, caught
    assert at_first_look >= 0.8, at_first_look


def test_a_look_reports_its_rates_and_verdict() -> None:
    plan = SpendingPlan(alpha=ALPHA)
    look = sequential_look(plan, 1, [1] * 40, [1] * 20 + [0] * 20, "lower", paired=True)
    assert (look.baseline_rate, look.current_rate, look.effect) == (1.0, 0.5, -0.5)
    assert look.alarm
    assert look.method == "mcnemar-exact-one-sided"
    assert look.p_value == pytest.approx(0.5**20)
    worse_up = sequential_look(plan, 3, [0] * 40, [0] * 40, "higher", paired=False)
    assert not worse_up.alarm
    assert worse_up.level == pytest.approx(ALPHA / 12)
