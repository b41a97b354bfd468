"""Cohen's kappa with its interval, against figures worked by hand."""

from __future__ import annotations

import math

import pytest

from clearance.stats import kappa_estimate


def test_kappa_of_three_categories_matches_the_hand_computation() -> None:
    # Agreements: items 1, 3, 4, 5 -> po = 4/6. Rater A: s2 p1 r3; rater B: s2 p2 r2, so
    # pe = (2*2 + 1*2 + 3*2) / 36 = 1/3 and kappa = (2/3 - 1/3) / (2/3) = 0.5.
    # SE = sqrt(po (1 - po) / n) / (1 - pe) = sqrt((2/3)(1/3)/6) / (2/3) = 0.288675...
    first = ["success", "success", "partial", "refused", "refused", "refused"]
    second = ["success", "partial", "partial", "refused", "refused", "success"]
    found = kappa_estimate(first, second)
    assert found.observed == pytest.approx(4 / 6)
    assert found.expected == pytest.approx(1 / 3)
    assert found.kappa == pytest.approx(0.5)
    assert found.stderr == pytest.approx(0.2886751, abs=1e-6)
    assert found.ci_low == pytest.approx(0.5 - 1.959964 * 0.2886751, abs=1e-5)
    assert found.ci_high == 1.0  # 1.0658 clipped: kappa cannot exceed 1


def test_a_two_by_two_table_worked_by_hand() -> None:
    # 4 both success, 1 success/refused, 1 refused/success, 4 both refused: po = 0.8, pe = 0.5,
    # kappa = 0.6, SE = sqrt(0.8 * 0.2 / 10) / 0.5 = 0.2529822.
    first = ["s"] * 5 + ["r"] * 5
    second = ["s"] * 4 + ["r"] + ["s"] + ["r"] * 4
    found = kappa_estimate(first, second)
    assert found.kappa == pytest.approx(0.6)
    assert found.stderr == pytest.approx(0.2529822, abs=1e-6)
    assert found.ci_low == pytest.approx(0.6 - 1.959964 * 0.2529822, abs=1e-5)


def test_total_chance_agreement_leaves_kappa_undefined_not_perfect() -> None:
    found = kappa_estimate(["refused"] * 4, ["refused"] * 4)
    assert found.kappa is None
    assert found.ci_low is None
    assert found.observed == 1.0


def test_perfect_agreement_has_a_zero_width_interval_at_one() -> None:
    found = kappa_estimate(["a", "b", "a"], ["a", "b", "a"])
    assert found.kappa == 1.0
    assert found.ci_low == 1.0
    assert math.isclose(found.stderr or 0, 0)


@pytest.mark.parametrize(("first", "second"), [([], []), (["a"], ["a", "b"])])
def test_unequal_or_empty_label_lists_are_refused(first: list[str], second: list[str]) -> None:
    with pytest.raises(ValueError, match="equally long"):
        kappa_estimate(first, second)
