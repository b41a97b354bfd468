"""One domain's look: the monitoring run against its baseline, by the sequential plan and by the
policy's thresholds (a new ``exceeds`` is an alarm, as a significant regression is)."""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel

from clearance.assess import LoadedPolicy, judge_run
from clearance.stats import SequentialLook, SpendingPlan, Worse, sequential_look
from clearance.store import RunRecord, Store


class DomainComparison(BaseModel):
    """A monitoring run of one task held against the approved baseline."""

    domain: str
    task_name: str
    run_id: str
    baseline_run_id: str | None
    baseline_source: str
    scorer: str | None
    current_rate: float | None
    look: SequentialLook | None
    new_exceeds: list[str]
    """Thresholds the monitoring run exceeds that the baseline did not."""
    sentence: str

    @property
    def regression(self) -> bool:
        return self.look is not None and self.look.alarm

    @property
    def alarm(self) -> bool:
        return self.regression or bool(self.new_exceeds)


def primary_scores(store: Store, run: RunRecord) -> tuple[str | None, dict[str, float]]:
    """The run's primary scorer and each sample's score under it (averaged over epochs)."""
    scorers = [str(s) for s in run.provenance.get("scorers") or []]
    if not scorers:
        return None, {}
    scorer = scorers[0]
    by_sample: dict[str, list[float]] = defaultdict(list)
    for sample_id, _epoch, _cluster, scores, _meta in store.runs.score_rows(run.id):
        if scorer in scores:
            by_sample[sample_id].append(float(scores[scorer]["value"]))
    return scorer, {sid: sum(v) / len(v) for sid, v in by_sample.items()}


def worse_direction(policy: LoadedPolicy, domain: str, task_name: str) -> Worse:
    """Which way the primary score moves when the system gets worse: against the policy's
    accuracy threshold for the benchmark or domain (a rise past an "above" line is the concern),
    and a fall where the policy sets none."""
    for threshold in policy.policy.for_benchmark(task_name) + policy.policy.for_domain(domain):
        if threshold.metric == "accuracy":
            return "higher" if threshold.direction == "above" else "lower"
    return "lower"


def compare(
    store: Store,
    policy: LoadedPolicy,
    plan: SpendingPlan,
    look: int,
    domain: str,
    current: RunRecord,
    baseline: RunRecord | None,
    baseline_source: str,
) -> DomainComparison:
    """Look ``look`` of ``current`` against ``baseline`` in ``domain``."""
    scorer, now = primary_scores(store, current)
    rate = sum(now.values()) / len(now) if now else None
    new_exceeds = _new_exceeds(policy, domain, current, baseline)
    base = {
        "domain": domain,
        "task_name": current.task_name,
        "run_id": current.id,
        "baseline_run_id": baseline.id if baseline else None,
        "baseline_source": baseline_source,
        "scorer": scorer,
        "current_rate": rate,
        "new_exceeds": new_exceeds,
    }
    exceeds = f"; newly exceeds {', '.join(new_exceeds)}" if new_exceeds else ""
    if baseline is None:
        sentence = f"{domain}: no approved baseline of {current.task_name} to compare with"
        return DomainComparison(**base, look=None, sentence=sentence + exceeds)
    _, before = primary_scores(store, baseline)
    if not now or not before:
        sentence = f"{domain}: no scored samples to compare ({current.task_name})"
        return DomainComparison(**base, look=None, sentence=sentence + exceeds)
    values = list(now.values()) + list(before.values())
    if any(v not in (0.0, 1.0) for v in values):
        sentence = (
            f"{domain}: {current.task_name} gives partial-credit scores; the sequential test "
            "compares 0/1 scores only, so only the policy's thresholds were applied"
        )
        return DomainComparison(**base, look=None, sentence=sentence + exceeds)
    paired = set(now) <= set(before)
    ids = sorted(now)
    baseline_scores = [before[i] for i in ids] if paired else list(before.values())
    result = sequential_look(
        plan,
        look,
        baseline_scores,
        [now[i] for i in ids],
        worse_direction(policy, domain, current.task_name),
        paired=paired,
    )
    verdict = "a significant regression" if result.alarm else "no significant regression"
    sentence = (
        f"{domain}: {current.task_name} {scorer} {result.current_rate:.1%} (n={result.current_n}) "
        f"against baseline {result.baseline_rate:.1%} (n={result.baseline_n}); look {look}, "
        f"one-sided p={result.p_value:.2g} at level {result.level:.2g}: {verdict}"
    )
    return DomainComparison(**base, look=result, sentence=sentence + exceeds)


def _new_exceeds(
    policy: LoadedPolicy, domain: str, current: RunRecord, baseline: RunRecord | None
) -> list[str]:
    found = []
    thresholds = policy.policy.for_benchmark(current.task_name) + policy.policy.for_domain(domain)
    for threshold in thresholds:
        if threshold.metric not in (current.metrics or {}):
            continue
        if judge_run(threshold, current, domain).verdict != "exceeds":
            continue
        before = judge_run(threshold, baseline, domain).verdict if baseline else None
        if before != "exceeds":
            found.append(threshold.id)
    return found
