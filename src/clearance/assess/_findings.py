"""Findings: each policy threshold held against the interval of the run that measures it.

Verdicts follow the house rule that nothing untested reads as safe:

- ``exceeds``: the run's interval lies wholly past the threshold, on the side of concern;
- ``below``: it lies wholly on the other side (short of the threshold: no finding);
- ``inconclusive``: it straddles or touches the threshold, or cannot be computed;
- ``not tested``: no completed run exists for the threshold's domain (or benchmark).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel

from clearance.assess._evidence import Evidence, catalogue_benchmark, run_elicitation
from clearance.assess._policy import Policy, Severity, Threshold
from clearance.assess._wording import rate
from clearance.store import RunRecord
from clearance.suites import get_benchmark
from clearance.vocabulary import DOMAINS, Direction, plural

Verdict = Literal["exceeds", "inconclusive", "below", "not tested"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
DomainVerdict = Literal["exceeds", "inconclusive", "below", "not tested", "no threshold"]

# Worst first: a domain reads as its most serious finding.
_ORDER: dict[str, int] = {"exceeds": 0, "inconclusive": 1, "not tested": 2, "below": 3}
_SEVERITY_ORDER = {"critical": 0, "high": 1, "moderate": 2, "low": 3}


class Finding(BaseModel):
    """One threshold held against one run (or against the absence of any)."""

    id: str | None = None
    """Set once the finding is stored."""
    domain: str
    benchmark: str | None
    threshold_id: str
    metric: str
    direction: Direction
    threshold: float
    severity: Severity
    verdict: Verdict
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    run_id: str | None = None
    evidence_run_ids: list[str]
    reason: str
    """A plain sentence: the figures, the threshold and what the verdict means."""

    def stored_fields(self) -> dict[str, Any]:
        """The columns a finding row takes from this finding."""
        return self.model_dump(exclude={"id"})


class DomainSummary(BaseModel):
    """A domain's standing: its most serious finding, or why it has none."""

    domain: str
    area: str
    verdict: DomainVerdict
    severity: Severity | None
    """The severity of the threshold behind the verdict (None for "no threshold")."""
    benchmarks: list[str]
    sentence: str
    strongest_elicitation: str | None = None
    """The most concerning finding among runs with elicitation overrides (system prompt,
    few-shot, chain of thought, majority vote, likelihood), flagged as such; or, for a tested
    domain with none, a sentence saying only the plain test was tried (NSM 3.3(f)(iii)(A):
    capability findings that ignore stronger elicitation understate hazards)."""


def _interval_verdict(threshold: Threshold, low: float, high: float) -> Verdict:
    if threshold.direction == "above":
        if low > threshold.threshold:
            return "exceeds"
        if high < threshold.threshold:
            return "below"
    else:
        if high < threshold.threshold:
            return "exceeds"
        if low > threshold.threshold:
            return "below"
    return "inconclusive"


def _verdict_words(threshold: Threshold, verdict: Verdict) -> str:
    side = threshold.direction
    other = "below" if side == "above" else "above"
    return {
        "exceeds": f"lies wholly {side} the threshold {rate(threshold.threshold)}: exceeds "
        f"({threshold.severity})",
        "below": f"lies wholly {other} the threshold {rate(threshold.threshold)}: does not "
        "exceed it",
        "inconclusive": f"straddles the threshold {rate(threshold.threshold)}: inconclusive, "
        "not a pass",
    }[verdict]


def _run_label(run: RunRecord) -> str:
    """The run's task, its elicitation flagged (a stronger elicitation is not the plain test)."""
    overrides = run_elicitation(run)
    if not overrides:
        return run.task_name
    said = ", ".join(f"{k}={v}" for k, v in sorted(overrides.items()))
    return f"{run.task_name} (elicited: {said})"


def judge_run(threshold: Threshold, run: RunRecord, domain: str) -> Finding:
    """Hold ``threshold`` against the stored interval of ``run``'s metric."""
    metric: dict[str, Any] = (run.metrics or {}).get(threshold.metric) or {}
    value, low, high, n = (metric.get(k) for k in ("value", "ci_low", "ci_high", "n"))
    base = {
        "domain": domain,
        "benchmark": run.task_name,
        "threshold_id": threshold.id,
        "metric": threshold.metric,
        "direction": threshold.direction,
        "threshold": threshold.threshold,
        "severity": threshold.severity,
        "value": value,
        "ci_low": low,
        "ci_high": high,
        "n": n,
        "run_id": run.id,
        "evidence_run_ids": [run.id],
    }
    label = f"{_run_label(run)} {threshold.metric}"
    if value is None or low is None or high is None:
        reason = (
            f"{label} has no interval (n={n or 0}): inconclusive against the threshold "
            f"{rate(threshold.threshold)}, not a pass; re-run with more scored samples"
        )
        return Finding(**base, verdict="inconclusive", reason=reason)
    verdict = _interval_verdict(threshold, float(low), float(high))
    reason = (
        f"{label} {rate(value)} (95% interval {rate(low)}-{rate(high)}, n={n}) "
        + _verdict_words(threshold, verdict)
    )
    return Finding(**base, verdict=verdict, reason=reason)


def _not_tested(threshold: Threshold, domain: str) -> Finding:
    what = f"benchmark {threshold.benchmark}" if threshold.benchmark else f"domain {domain}"
    return Finding(
        domain=domain,
        benchmark=threshold.benchmark,
        threshold_id=threshold.id,
        metric=threshold.metric,
        direction=threshold.direction,
        threshold=threshold.threshold,
        severity=threshold.severity,
        verdict="not tested",
        evidence_run_ids=[],
        reason=f"no completed run in {what}: not tested, which is not a pass",
    )


def _unmeasured(threshold: Threshold, domain: str, runs: list[RunRecord]) -> Finding:
    names = ", ".join(r.task_name for r in runs)
    return Finding(
        domain=domain,
        benchmark=None,
        threshold_id=threshold.id,
        metric=threshold.metric,
        direction=threshold.direction,
        threshold=threshold.threshold,
        severity=threshold.severity,
        verdict="inconclusive",
        evidence_run_ids=[r.id for r in runs],
        reason=f"{plural(len(runs), 'run')} in {domain} ({names}) report no metric "
        f"{threshold.metric!r}: inconclusive, not a pass; run a benchmark that measures it",
    )


def _domain_findings(threshold: Threshold, domain: str, runs: list[RunRecord]) -> list[Finding]:
    if not runs:
        return [_not_tested(threshold, domain)]
    measured = [r for r in runs if threshold.metric in (r.metrics or {})]
    if not measured:
        return [_unmeasured(threshold, domain, runs)]
    return [judge_run(threshold, run, domain) for run in measured]


def _is_benchmark(run: RunRecord, name: str | None) -> bool:
    """Whether ``run`` is evidence of the benchmark a threshold names: by catalogue identity for
    a catalogue benchmark, by task name only for tasks outside the catalogue."""
    benchmark = catalogue_benchmark(run)
    if benchmark is not None:
        return benchmark == name
    in_catalogue = _benchmark_domain(name or "") != "unassigned"
    return run.task_name == name and not in_catalogue


def _benchmark_findings(threshold: Threshold, evidence: Evidence) -> list[Finding]:
    for domain, runs in evidence.by_domain.items():
        # the plain run first: an elicited one is judged only when no plain run exists
        for run in sorted(runs, key=lambda r: bool(run_elicitation(r))):
            if _is_benchmark(run, threshold.benchmark):
                if threshold.metric not in (run.metrics or {}):
                    return [_unmeasured(threshold, domain, [run])]
                return [judge_run(threshold, run, domain)]
    domain = _benchmark_domain(threshold.benchmark or "")
    return [_not_tested(threshold, domain)]


def _benchmark_domain(name: str) -> str:
    try:
        return get_benchmark(name).domain
    except LookupError:
        return "unassigned"


def assess_findings(policy: Policy, evidence: Evidence) -> list[Finding]:
    """One finding per threshold and run measuring it; "not tested" where no run exists."""
    findings: list[Finding] = []
    for threshold in policy.thresholds:
        if threshold.domain is not None:
            runs = evidence.by_domain.get(threshold.domain, [])
            findings.extend(_domain_findings(threshold, threshold.domain, runs))
        else:
            findings.extend(_benchmark_findings(threshold, evidence))
    return findings


def _worst(findings: list[Finding]) -> Finding:
    return min(findings, key=lambda f: (_ORDER[f.verdict], _SEVERITY_ORDER[f.severity]))


def _concern(finding: Finding) -> float:
    """How far a finding's value lies on its threshold's side of concern (higher: worse)."""
    value = finding.value if finding.value is not None else float("-inf")
    return value if finding.direction == "above" else -value


_PLAIN_ONLY = "only the plain test was tried"


def strongest_elicitation(domain: str, findings: list[Finding], runs: list[RunRecord]) -> str:
    """A sentence naming the strongest elicitation tried in ``domain``: the elicited run's
    finding that lies furthest on the side of concern, or that none beyond the plain test was
    tried."""
    elicited = {run.id for run in runs if run_elicitation(run)}
    judged = [f for f in findings if f.run_id in elicited and f.value is not None]
    if not judged:
        return f"{domain}: {_PLAIN_ONLY}"
    strongest = max(judged, key=_concern)
    return f"{domain}: strongest elicitation tried (flagged as elicited): {strongest.reason}"


def elicitation_sentences(domains: list[DomainSummary]) -> list[str]:
    """What the assessment says about elicitation: each domain's strongest elicited finding,
    then one sentence naming the tested domains where only the plain test was tried."""
    said = [d.strongest_elicitation for d in domains if d.strongest_elicitation]
    plain = [s.partition(":")[0] for s in said if s.endswith(_PLAIN_ONLY)]
    sentences = [s for s in said if not s.endswith(_PLAIN_ONLY)]
    if plain:
        sentences.append(
            f"Only the plain test was tried in {', '.join(plain)} (no system prompt, few-shot, "
            "chain of thought or majority-vote elicitation): a stronger elicitation might "
            "score higher there (NSM 3.3(f)(iii)(A))."
        )
    return sentences


def summarise_domains(findings: list[Finding], evidence: Evidence) -> list[DomainSummary]:
    """Each of the twelve domains with its most serious verdict and a sentence saying why."""
    summaries = []
    for domain, area in DOMAINS.items():
        runs = evidence.by_domain.get(domain, [])
        mine = [f for f in findings if f.domain == domain]
        benchmarks = [r.task_name for r in runs]
        if not mine:
            verdict: DomainVerdict = "not tested" if not runs else "no threshold"
            sentence = (
                f"{domain}: not tested (no completed run), and the policy sets no threshold"
                if not runs
                else f"{domain}: tested ({', '.join(benchmarks)}) but the policy sets no "
                "threshold, so nothing is judged"
            )
            summaries.append(
                DomainSummary(
                    domain=domain,
                    area=area,
                    verdict=verdict,
                    severity=None,
                    benchmarks=benchmarks,
                    sentence=sentence,
                )
            )
            continue
        worst = _worst(mine)
        summaries.append(
            DomainSummary(
                domain=domain,
                area=area,
                verdict=worst.verdict,
                severity=worst.severity,
                benchmarks=benchmarks,
                sentence=f"{domain}: {worst.reason}",
                strongest_elicitation=strongest_elicitation(domain, mine, runs) if runs else None,
            )
        )
    return summaries
