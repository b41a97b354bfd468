"""A policy that parses but means nothing (a proportion threshold of 7, a benchmark that is
not in the catalogue) is refused at load, naming the line and the field."""

from __future__ import annotations

import pytest

from clearance.assess import PolicyError, parse_policy

POLICY = """\
name: p
version: 1
thresholds:
  - id: t1
    {scope}
    metric: {metric}
    direction: above
    threshold: {threshold}
    severity: high
    rationale: A threshold drawn here for a reason written out in full.
"""


def _error(**kw: object) -> PolicyError:
    fields = {"scope": "domain: cyber", "metric": "accuracy", "threshold": 0.5} | kw
    with pytest.raises(PolicyError) as caught:
        parse_policy(POLICY.format(**fields).encode(), "p.yaml")
    return caught.value


@pytest.mark.parametrize(("metric", "threshold"), [("accuracy", 7), ("refusal/leak_rate", -0.1)])
def test_a_proportion_threshold_outside_zero_to_one_is_refused(
    metric: str, threshold: float
) -> None:
    error = _error(metric=metric, threshold=threshold)
    assert error.line == 4
    assert f"{metric} is a proportion from 0 to 1" in str(error)
    assert "can never be crossed" in str(error)


def test_a_mean_may_take_any_finite_threshold() -> None:
    text = POLICY.format(scope="domain: cyber", metric="mean", threshold=7)
    assert parse_policy(text.encode(), "p.yaml").policy.thresholds[0].threshold == 7


def test_an_unknown_benchmark_is_refused_with_close_names() -> None:
    error = _error(scope="benchmark: wmdp-bioo")
    assert error.field == "thresholds[0].benchmark (threshold 't1')"
    assert error.line == 5
    assert "no benchmark 'wmdp-bioo' in the catalogue; did you mean wmdp-bio" in str(error)
