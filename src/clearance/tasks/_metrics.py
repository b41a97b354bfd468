"""Metrics: per-sample scores reduced over epochs, then estimated with an interval."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from clearance.stats import Estimate, mean_estimate, proportion_estimate
from clearance.tasks._registry import Registry

Reducer = Callable[[Sequence[float]], float]


@dataclass(frozen=True, slots=True)
class ScoredSample:
    """One stored sample-epoch as metrics see it (errored sample-epochs never get here)."""

    sample_id: str
    epoch: int
    cluster: str | None
    scores: dict[str, Any]
    metadata: dict[str, Any]


MetricFn = Callable[[Sequence[ScoredSample]], dict[str, dict[str, Any]]]
"""A task-specific metric over all scored samples (e.g. BBQ's bias scores); returns estimates
by name, each a dict with at least ``value`` (and ``stderr``, ``ci_low``, ``ci_high``, ``n``
where they exist)."""

MetricFactory = Callable[..., MetricFn]
metrics: Registry[MetricFactory] = Registry("metric")
metric = metrics.register

REDUCERS: dict[str, Reducer] = {
    "mean": statistics.fmean,
    "median": statistics.median,
    "mode": lambda v: statistics.mode(v),
    "max": max,
    "min": min,
    "at_least_1": lambda v: 1.0 if any(x > 0 for x in v) else 0.0,
}
METRICS = ("accuracy", "mean")
"""Also any ``NAME_rate``: the share of samples scoring 1, named for what it counts (a leak
rate is not an accuracy, and reports and policies must not read it as one)."""


def is_rate(metric: str) -> bool:
    return metric.endswith("_rate") and len(metric) > len("_rate")


def is_proportion(metric: str) -> bool:
    """Whether a run's metric key (``accuracy``, ``refusal/accuracy``, ``leak_rate``) is a share
    of samples, so its value lies in [0, 1]."""
    name = metric.rsplit("/", 1)[-1]
    return name == "accuracy" or is_rate(name)


def check_reducer(name: str) -> Reducer:
    try:
        return REDUCERS[name]
    except KeyError:
        raise ValueError(
            f"unknown epoch reducer {name!r}; choose one of: {', '.join(REDUCERS)}"
        ) from None


def metric_key(scorer: str, metric: str, primary: bool) -> str:
    """The primary scorer's metrics go by their bare name; others as ``scorer/metric``."""
    return metric if primary else f"{scorer}/{metric}"


def compute_metrics(
    rows: Iterable[ScoredSample],
    scorers: Sequence[tuple[str, Sequence[str]]],
    reducer: str = "mean",
    extra: Sequence[MetricFn] = (),
) -> dict[str, dict[str, Any]]:
    """Metrics for each scorer, then the task's own, from stored scored sample-epochs."""
    reduce = check_reducer(reducer)
    kept = list(rows) if extra else rows
    per_sample: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    clusters: dict[str, str | None] = {}
    for row in kept:
        clusters[row.sample_id] = row.cluster
        for name, score in row.scores.items():
            per_sample[name][row.sample_id].append(float(score["value"]))
    out: dict[str, dict[str, Any]] = {}
    for i, (name, metrics) in enumerate(scorers):
        by_sample = per_sample.get(name, {})
        ids = list(by_sample)
        values = [reduce(by_sample[s]) for s in ids]
        cl = [clusters[s] for s in ids]
        for metric in metrics:
            key = metric_key(name, metric, primary=i == 0)
            out[key] = _finite(_estimate(metric, values, cl).model_dump()) if values else _empty()
    for fn in extra:
        out.update({k: _finite(v) for k, v in fn(kept).items()})  # type: ignore[arg-type]
    return out


@metric("accuracy_by")
def accuracy_by(field: str, scorer: str | None = None) -> MetricFn:
    """Accuracy within each value of a metadata ``field`` (e.g. category, prompt type), as
    ``FIELD=VALUE/accuracy``; samples without the field are left out. ``scorer`` defaults to
    the first score of each sample."""

    def metric(rows: Sequence[ScoredSample]) -> dict[str, dict[str, Any]]:
        groups: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for r in rows:
            if field not in r.metadata or not r.scores:
                continue
            score = r.scores[scorer] if scorer else next(iter(r.scores.values()))
            groups[str(r.metadata[field])][r.sample_id].append(float(score["value"]))
        out = {}
        for value, by_sample in sorted(groups.items()):
            vals = [statistics.fmean(v) for v in by_sample.values()]
            out[f"{field}={value}/accuracy"] = _estimate("accuracy", vals, [None] * len(vals))
        return {k: v.model_dump() for k, v in out.items()}

    metric.__name__ = f"accuracy_by_{field}"
    return metric


def _finite(estimate: dict[str, Any]) -> dict[str, Any]:
    """JSON has no NaN or infinity: an undefined figure is stored as null."""
    return {
        k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in estimate.items()
    }


def _estimate(metric: str, values: list[float], clusters: list[str | None]) -> Estimate:
    has_clusters = any(c is not None for c in clusters)
    cl = clusters if has_clusters else None
    binary = all(v in (0.0, 1.0) for v in values)
    if is_rate(metric):
        if not binary:
            raise ValueError(f"metric {metric!r} is a rate, but some scores are not 0 or 1")
        return proportion_estimate(values, cl)
    if metric == "accuracy" and binary:
        return proportion_estimate(values, cl)
    if metric in METRICS:
        return mean_estimate(values, cl)
    raise ValueError(f"unknown metric {metric!r}; choose one of: {', '.join(METRICS)}")


def _empty() -> dict[str, Any]:
    return {"value": None, "stderr": None, "ci_low": None, "ci_high": None, "n": 0}
