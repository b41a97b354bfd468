"""Mitigations: a change to the system under test, and whether it worked.

Efficacy is a paired comparison of the baseline run and the mitigated run on the same samples
(each sample's score averaged over its epochs): the exact McNemar test when every score is 0 or
1, else the paired sign-flip permutation test. When several mitigations are judged together
(the domains of one assessment, or the ids given to ``mitigation show``), their p-values are
adjusted with Holm's step-down method, which keeps the chance of calling any ineffective
mitigation effective at or below alpha without assuming the tests are independent. A
mitigation is "effective" only when its adjusted p-value is below alpha and the change goes the
way the policy says is better.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

from pydantic import BaseModel

from clearance.access import Action, Principal, join_markings, marking_of, require
from clearance.assess._errors import AssessError, SampleMismatchError
from clearance.assess._evidence import domain_of, run_model_spec
from clearance.assess._findings import Verdict, judge_run
from clearance.assess._policy import LoadedPolicy, Threshold
from clearance.assess._wording import finite, p_value, rate
from clearance.stats import PairedResult, holm, mcnemar_exact, paired_permutation
from clearance.store import MitigationRecord, RunRecord, Store
from clearance.vocabulary import Better

MitigationKind = Literal["system_prompt", "output_filter", "fine_tune", "refusal_training", "other"]
MITIGATION_KINDS: tuple[MitigationKind, ...] = get_args(MitigationKind)


class MitigationEfficacy(BaseModel):
    """A mitigation's measured effect, corrected across the mitigations judged with it."""

    mitigation_id: str
    kind: str
    description: str
    task_name: str
    domain: str | None
    metric: str
    better: str
    baseline_run_id: str
    mitigated_run_id: str
    baseline_value: float
    mitigated_value: float
    effect: float
    """mitigated - baseline, per sample, averaged."""
    ci_low: float | None
    ci_high: float | None
    p_value: float
    p_adjusted: float
    """Holm-adjusted across the ``family_size`` mitigations judged together."""
    family_size: int
    alpha: float
    method: str
    n: int
    effective: bool
    baseline_verdict: Verdict | None = None
    mitigated_verdict: Verdict | None = None
    """Against the mitigation's threshold, when the policy in use has it."""
    sentence: str


def _scorer_for(run: RunRecord, metric: str) -> str:
    scorers = [str(s) for s in run.provenance.get("scorers") or []]
    if metric not in (run.metrics or {}):
        known = ", ".join(run.metrics or {}) or "none"
        raise AssessError(f"run {run.id} has no metric {metric!r}; its metrics: {known}")
    scorer = metric.split("/", 1)[0] if "/" in metric else (scorers[0] if scorers else "")
    if scorer not in scorers:
        raise AssessError(
            f"metric {metric!r} is not a per-sample score of run {run.id} (its scorers: "
            f"{', '.join(scorers) or 'none'}), so it cannot be compared sample by sample; "
            "choose a scorer's metric, e.g. accuracy"
        )
    return scorer


def _per_sample(store: Store, run: RunRecord, scorer: str) -> dict[str, float]:
    by_sample: dict[str, list[float]] = defaultdict(list)
    for sample_id, _epoch, _cluster, scores, _meta in store.runs.score_rows(run.id):
        if scorer in scores:
            by_sample[sample_id].append(float(scores[scorer]["value"]))
    return {sid: sum(v) / len(v) for sid, v in by_sample.items()}


def paired_efficacy(
    store: Store, baseline: RunRecord, mitigated: RunRecord, metric: str
) -> dict[str, Any]:
    """The paired comparison of two runs' per-sample scores for ``metric``, as stored."""
    before = _per_sample(store, baseline, _scorer_for(baseline, metric))
    after = _per_sample(store, mitigated, _scorer_for(mitigated, metric))
    if before.keys() != after.keys():
        raise SampleMismatchError(
            baseline.id, mitigated.id, before.keys() - after.keys(), after.keys() - before.keys()
        )
    if not before:
        raise AssessError(
            f"runs {baseline.id} and {mitigated.id} have no scored samples to compare"
        )
    ids = sorted(before)
    x, y = [before[i] for i in ids], [after[i] for i in ids]
    binary = all(v in (0.0, 1.0) for v in x + y)
    result: PairedResult = mcnemar_exact(x, y) if binary else paired_permutation(x, y)
    dumped = result.model_dump()
    dumped["ci_low"], dumped["ci_high"] = finite(result.ci_low), finite(result.ci_high)
    return dumped | {"baseline_value": sum(x) / len(x), "mitigated_value": sum(y) / len(y)}


def _completed(run: RunRecord, role: str) -> None:
    if run.status != "completed":
        raise AssessError(
            f"the {role} run {run.id} is {run.status}; finish it first "
            f"(`clearance eval resume {run.id}`)"
        )


def _threshold_for(policy: LoadedPolicy, run: RunRecord, domain: str | None) -> Threshold:
    candidates = policy.policy.for_benchmark(run.task_name) + (
        policy.policy.for_domain(domain) if domain else []
    )
    if not candidates:
        raise AssessError(
            f"policy {policy.source} has no threshold for benchmark {run.task_name} or domain "
            f"{domain or '(unassigned)'}; pass the metric and which way is better "
            "(--metric accuracy --better lower)"
        )
    return candidates[0]


def record_mitigation(
    store: Store,
    *,
    baseline_run: str,
    mitigated_run: str,
    kind: MitigationKind,
    description: str,
    policy: LoadedPolicy | None = None,
    metric: str | None = None,
    better: Better | None = None,
    task_domains: Mapping[str, str] | None = None,
    principal: Principal,
    actor: str | None = None,
) -> MitigationRecord:
    """Record a mitigation linking two runs of the same task and samples, with its efficacy.

    The metric and the better direction come from the policy's threshold for the baseline's
    benchmark (else its domain) unless both are given. Raises :class:`SampleMismatchError`
    naming the differing sample ids when the runs did not score the same samples.
    """
    if kind not in MITIGATION_KINDS:
        raise AssessError(
            f"unknown mitigation kind {kind!r}; choose one of: {', '.join(MITIGATION_KINDS)}"
        )
    if not description.strip():
        raise AssessError("describe what changed (e.g. 'system prompt forbids exploit detail')")
    if (metric is None) != (better is None):
        raise AssessError("give both --metric and --better, or neither (the policy decides)")
    if better is not None and better not in get_args(Better):
        raise AssessError(f"--better must be 'lower' or 'higher', got {better!r}")
    base = store.runs.resolve(baseline_run)
    after = store.runs.resolve(mitigated_run)
    for run in (base, after):
        require(principal, Action.RUN_READ, marking_of(run))
    marking = join_markings([marking_of(base), marking_of(after)])
    require(principal, Action.MITIGATION_CREATE, marking)
    _completed(base, "baseline")
    _completed(after, "mitigated")
    if base.id == after.id:
        raise AssessError("the baseline and mitigated runs are the same run; give two runs")
    if base.task_name != after.task_name:
        raise AssessError(
            f"the runs are of different tasks ({base.task_name} and {after.task_name}); a "
            "mitigation compares the same task before and after the change"
        )
    domain = domain_of(base, task_domains)
    threshold: Threshold | None = None
    if metric is None or better is None:
        if policy is None:
            raise AssessError("give a policy, or both a metric and which way is better")
        threshold = _threshold_for(policy, base, domain)
        metric, better = threshold.metric, threshold.better
    efficacy = paired_efficacy(store, base, after, metric)
    with store.unit_of_work(actor) as uow:
        return store.mitigations.create(
            uow,
            kind=kind,
            description=description.strip(),
            model_spec=run_model_spec(base),
            baseline_run_id=base.id,
            mitigated_run_id=after.id,
            task_name=base.task_name,
            domain=domain,
            metric=metric,
            better=better,
            threshold_id=threshold.id if threshold else None,
            policy_digest=policy.digest if threshold and policy else None,
            efficacy=efficacy,
            marking_level=marking.level.value,
            marking_compartments=sorted(marking.compartments),
        )


def _moved_well(better: str, effect: float) -> bool:
    return effect < 0 if better == "lower" else effect > 0


def _verdicts(
    store: Store, record: MitigationRecord, policy: LoadedPolicy | None
) -> tuple[Verdict | None, Verdict | None]:
    if policy is None or record.threshold_id is None:
        return None, None
    try:
        threshold = policy.policy.get(record.threshold_id)
    except LookupError:
        return None, None
    domain = record.domain or "unassigned"
    before = judge_run(threshold, store.runs.resolve(record.baseline_run_id), domain)
    after = judge_run(threshold, store.runs.resolve(record.mitigated_run_id), domain)
    return before.verdict, after.verdict


def _sentence(
    e: dict[str, Any],
    r: MitigationRecord,
    adjusted: float,
    size: int,
    effective: bool,
    alpha: float,
) -> str:
    kind = r.kind.replace("_", " ")
    change = "rose" if e["effect"] > 0 else "fell" if e["effect"] < 0 else "did not change"
    interval = (
        f"95% interval {rate(e['ci_low'])} to {rate(e['ci_high'])}"
        if e["ci_low"] is not None and e["ci_high"] is not None
        else "interval unbounded: too few samples"
    )
    tested = "mitigation" if size == 1 else "mitigations"
    verdict = (
        "effective"
        if effective
        else "not shown effective"
        + (
            " (it moved the wrong way)"
            if adjusted < alpha and not _moved_well(r.better, e["effect"])
            else f" (not significant at {alpha:g})"
        )
    )
    return (
        f"{kind} on {r.task_name}: {r.metric} {change} from {rate(e['baseline_value'])} to "
        f"{rate(e['mitigated_value'])} (change {e['effect']:+.2f}, {interval}; "
        f"{p_value(adjusted)} after Holm's correction across {size} {tested}; "
        f"{r.better} is better): {verdict}."
    )


def _verdict_note(record: MitigationRecord, before: Verdict | None, after: Verdict | None) -> str:
    if before is None or after is None:
        return ""
    return f" Against threshold {record.threshold_id}: {before} before, {after} after."


def assess_mitigations(
    store: Store,
    records: Sequence[MitigationRecord],
    *,
    alpha: float = 0.05,
    policy: LoadedPolicy | None = None,
) -> list[MitigationEfficacy]:
    """Judge mitigations together: Holm-adjusted p-values, and "effective" or not for each."""
    if not records:
        return []
    adjusted = holm([float(r.efficacy["p_value"]) for r in records])
    out = []
    for record, p_adj in zip(records, adjusted, strict=True):
        e = record.efficacy
        effective = p_adj < alpha and _moved_well(record.better, float(e["effect"]))
        before, after = _verdicts(store, record, policy)
        out.append(
            MitigationEfficacy(
                mitigation_id=record.id,
                kind=record.kind,
                description=record.description,
                task_name=record.task_name,
                domain=record.domain,
                metric=record.metric,
                better=record.better,
                baseline_run_id=record.baseline_run_id,
                mitigated_run_id=record.mitigated_run_id,
                baseline_value=float(e["baseline_value"]),
                mitigated_value=float(e["mitigated_value"]),
                effect=float(e["effect"]),
                ci_low=e["ci_low"],
                ci_high=e["ci_high"],
                p_value=float(e["p_value"]),
                p_adjusted=p_adj,
                family_size=len(records),
                alpha=alpha,
                method=str(e["method"]),
                n=int(e["n"]),
                effective=effective,
                baseline_verdict=before,
                mitigated_verdict=after,
                sentence=_sentence(e, record, p_adj, len(records), effective, alpha)
                + _verdict_note(record, before, after),
            )
        )
    return out
