"""The adequacy sentences at n = 2, 20 and 200, read against the figures they state: the interval
is stated as an interval, every "about N would" names more samples than were taken, and no two
sentences about the same finding disagree."""

from __future__ import annotations

import re

import pytest

from clearance.assess import AdequacyCheck, Finding, Policy, decision_checks, default_policy
from clearance.stats import minimum_detectable_effect, required_sample_size, wilson_interval

POLICY: Policy = default_policy().policy
LABEL = "starter-cyber accuracy"


def _finding(successes: int, n: int, threshold: float) -> Finding:
    low, high = wilson_interval(successes, n)
    verdict = "below" if high < threshold else "exceeds" if low > threshold else "inconclusive"
    return Finding(
        domain="cyber",
        benchmark="starter-cyber",
        threshold_id="cyber-uplift",
        metric="accuracy",
        direction="above",
        threshold=threshold,
        severity="high",
        verdict=verdict,
        value=successes / n,
        ci_low=low,
        ci_high=high,
        n=n,
        run_id="run-1",
        evidence_run_ids=["run-1"],
        reason="test",
    )


def _checks(finding: Finding) -> dict[str, AdequacyCheck]:
    return {c.check: c for c in decision_checks(finding, POLICY, LABEL)}


def _abouts(sentence: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(r"about ([\d,]+)", sentence)]


def _interval_text(finding: Finding) -> str:
    assert finding.ci_low is not None
    assert finding.ci_high is not None
    return f"95% interval {finding.ci_low:.2f} to {finding.ci_high:.2f}"


@pytest.mark.parametrize(
    ("successes", "n", "threshold"), [(0, 2, 0.9), (1, 20, 0.5), (40, 200, 0.9)]
)
def test_a_below_states_its_interval_and_reliance_matches_its_power(
    successes: int, n: int, threshold: float
) -> None:
    finding = _finding(successes, n, threshold)
    assert finding.verdict == "below"
    checks = _checks(finding)
    text = " ".join(c.sentence for c in checks.values())
    assert "±" not in text
    assert _interval_text(finding) in checks["interval"].sentence
    assert _interval_text(finding) in checks["sample_size"].sentence
    mde = minimum_detectable_effect(n, threshold, alpha=POLICY.alpha, power=POLICY.power)
    if mde == float("inf"):
        # n = 2: no true score is detectable, so the "below" is not something to rely on, and
        # every sentence says so with one and the same number of samples.
        assert n == 2
        assert "too few samples to rely on" in checks["sample_size"].sentence
        assert "settles" not in checks["interval"].sentence
        assert checks["sample_size"].flagged
        assert checks["detectable_effect"].flagged
        wanted = required_sample_size(
            threshold, threshold - POLICY.adequacy.max_detectable_effect, alpha=POLICY.alpha
        )
        assert _abouts(checks["sample_size"].sentence) == [wanted]
        assert _abouts(checks["detectable_effect"].sentence) == [wanted]
        assert wanted > n
    else:
        assert f"clear of the threshold {threshold:.2f}" in checks["sample_size"].sentence
        assert "too few" not in text
        assert "needed" not in text
        assert not any(c.flagged for c in checks.values())
        assert f"{mde:.2f}" in checks["detectable_effect"].sentence


@pytest.mark.parametrize(("successes", "n"), [(1, 2), (13, 20), (130, 200)])
def test_an_inconclusive_names_more_samples_than_it_has(successes: int, n: int) -> None:
    finding = _finding(successes, n, 0.6)
    assert finding.verdict == "inconclusive"
    checks = _checks(finding)
    size = checks["sample_size"].sentence
    assert f"{n} samples cannot tell {successes / n:.2f} ({_interval_text(finding)})" in size
    (needed,) = _abouts(size)
    assert needed > n
    # At that size, a score that held where it is would have an interval clear of 0.60.
    low, high = wilson_interval(finding.value * needed, needed)  # type: ignore[operator]
    assert high < 0.6 or low > 0.6
    assert "contains the threshold 0.60" in checks["interval"].sentence
    assert all(c.flagged for c in (checks["sample_size"], checks["interval"]))


def test_the_issue_contradictions_are_gone() -> None:
    # "2 samples cannot tell 0.00 from 0.80; about 1 would" and "2 samples are enough to place
    # 0.00 clear of 0.90" beside "many more samples are needed".
    for threshold in (0.8, 0.9):
        text = " ".join(c.sentence for c in _checks(_finding(0, 2, threshold)).values())
        assert "about 1 would" not in text
        assert "enough to place" not in text
        assert "±" not in text
        assert all(n > 2 for n in _abouts(text))


def test_a_well_powered_exceeds_is_not_flagged() -> None:
    finding = _finding(200, 200, 0.7)
    assert finding.verdict == "exceeds"
    checks = _checks(finding)
    assert not any(c.flagged for c in checks.values())
    assert "lies wholly above the threshold 0.70" in checks["interval"].sentence
