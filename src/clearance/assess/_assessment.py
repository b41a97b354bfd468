"""The assessment service: a model's findings, adequacy of methods and mitigations, stored as
one snapshot the annual report can cite."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel

from clearance.access import (
    Action,
    Filtered,
    Marking,
    Principal,
    join_markings,
    marking_of,
    readable,
    require,
)
from clearance.assess._adequacy import DomainAdequacy, HumanLabel, assess_adequacy
from clearance.assess._evidence import Evidence, gather_evidence, resolve_model
from clearance.assess._findings import DomainSummary, Finding, assess_findings, summarise_domains
from clearance.assess._mitigation import MitigationEfficacy, assess_mitigations
from clearance.assess._policy import LoadedPolicy, load_policy
from clearance.store import (
    AssessmentRecord,
    FindingRecord,
    MitigationRecord,
    Store,
)


class UnassignedRun(BaseModel):
    """A run left out because nothing places its task in a domain."""

    run_id: str
    task_name: str
    sentence: str


class Assessment(BaseModel):
    """What the safety assessments of one model found, against one policy."""

    id: str | None
    """Set once stored; None for an assessment that was not saved."""
    model_spec: str
    model_ids: list[str]
    policy_name: str
    policy_version: str
    policy_digest: str
    policy_source: str
    created_at: datetime | None
    created_by: str | None
    marking: str
    """The banner: the join of the markings of every run and mitigation it rests on."""
    domains: list[DomainSummary]
    findings: list[Finding]
    adequacy: list[DomainAdequacy]
    mitigations: list[MitigationEfficacy]
    not_tested: list[str]
    """Domains with no completed run at all."""
    unassigned_runs: list[UnassignedRun]
    withheld_runs: int
    """Runs of this model above the principal's clearance, left out of every figure."""


def _unassigned(evidence: Evidence) -> list[UnassignedRun]:
    return [
        UnassignedRun(
            run_id=run.id,
            task_name=run.task_name,
            sentence=f"run {run.id} of task {run.task_name} is in no domain (not a catalogue "
            f"benchmark); assign one with --task-domain {run.task_name}=DOMAIN to count it",
        )
        for run in evidence.unassigned
    ]


def _model_mitigations(store: Store, spec: str, principal: Principal) -> list[MitigationRecord]:
    """The newest visible mitigation of each task applied to this model, oldest first."""
    visible = readable(
        principal,
        store.mitigations.newest(spec),
        lambda m: marking_of(m),
        action=Action.MITIGATION_READ,
    )
    latest: dict[str, MitigationRecord] = {}
    for record in visible:
        latest.setdefault(record.task_name, record)
    return sorted(latest.values(), key=lambda m: (m.created_at, m.id))


def assess_model(
    store: Store,
    model: str,
    *,
    policy: LoadedPolicy | None = None,
    labels: Sequence[HumanLabel] = (),
    task_domains: Mapping[str, str] | None = None,
    principal: Principal,
    actor: str | None = None,
    save: bool = True,
) -> Assessment:
    """Assess ``model`` (a spec or models.id) against ``policy`` (default: the packaged one).

    Uses the latest completed run of each benchmark the principal may read. With ``save``, the
    assessment and each finding are stored, one ledger entry apiece.
    """
    loaded = policy or load_policy()
    evidence = gather_evidence(store, model, principal, task_domains)
    findings = assess_findings(loaded.policy, evidence)
    mitigation_records = _model_mitigations(store, evidence.model_spec, principal)
    mitigations = assess_mitigations(
        store, mitigation_records, alpha=loaded.policy.alpha, policy=loaded
    )
    marking = join_markings([evidence.marking] + [marking_of(m) for m in mitigation_records])
    assessment = Assessment(
        id=None,
        model_spec=evidence.model_spec,
        model_ids=list(evidence.model_ids),
        policy_name=loaded.policy.name,
        policy_version=loaded.policy.version,
        policy_digest=loaded.digest,
        policy_source=loaded.source,
        created_at=None,
        created_by=None,
        marking=marking.banner(),
        domains=summarise_domains(findings, evidence),
        findings=findings,
        adequacy=assess_adequacy(store, loaded.policy, evidence, findings, labels),
        mitigations=mitigations,
        not_tested=[d for d, runs in evidence.by_domain.items() if not runs],
        unassigned_runs=_unassigned(evidence),
        withheld_runs=evidence.withheld,
    )
    if not save:
        return assessment
    require(principal, Action.FINDING_CREATE, marking)
    return _save(store, assessment, marking, actor)


_SUMMARY_FIELDS = {
    "policy_source",
    "domains",
    "adequacy",
    "mitigations",
    "not_tested",
    "unassigned_runs",
    "withheld_runs",
}


def _save(store: Store, assessment: Assessment, marking: Marking, actor: str | None) -> Assessment:
    summary = assessment.model_dump(mode="json", include=_SUMMARY_FIELDS)
    with store.unit_of_work(actor) as uow:
        record, stored = store.findings.create_assessment(
            uow,
            assessment={
                "model_spec": assessment.model_spec,
                "model_ids": assessment.model_ids,
                "policy_name": assessment.policy_name,
                "policy_version": assessment.policy_version,
                "policy_digest": assessment.policy_digest,
                "summary": summary,
                "marking_level": marking.level.value,
                "marking_compartments": sorted(marking.compartments),
            },
            findings=[f.stored_fields() for f in assessment.findings],
        )
    findings = [
        f.model_copy(update={"id": kept.id})
        for f, kept in zip(assessment.findings, stored, strict=True)
    ]
    return assessment.model_copy(
        update={
            "id": record.id,
            "created_at": record.created_at,
            "created_by": record.created_by,
            "findings": findings,
        }
    )


def _finding_marking(record: FindingRecord) -> Marking:
    return marking_of(record)


def list_findings(
    store: Store,
    *,
    model: str | None = None,
    assessment: str | None = None,
    latest: bool = False,
    principal: Principal,
) -> Filtered[FindingRecord]:
    """Stored findings the principal may read: of one model, one assessment, or all.

    ``latest`` keeps only each model's most recent assessment.
    """
    spec = resolve_model(store, model)[0] if model else None
    assessment_id = store.findings.get_assessment(assessment).id if assessment else None
    records = store.findings.findings(assessment_id=assessment_id, model_spec=spec)
    if latest:
        newest: dict[str, str] = {}
        for a in store.findings.assessments(spec):
            newest.setdefault(a.model_spec, a.id)
        records = [r for r in records if newest.get(r.model_spec) == r.assessment_id]
    return readable(principal, records, _finding_marking, action=Action.FINDING_READ)


def list_assessments(
    store: Store, *, model: str | None = None, principal: Principal
) -> Filtered[AssessmentRecord]:
    """Stored assessments the principal may read, newest first."""
    spec = resolve_model(store, model)[0] if model else None
    return readable(
        principal,
        store.findings.assessments(spec),
        lambda a: marking_of(a),
        action=Action.FINDING_READ,
    )


def list_mitigations(
    store: Store, *, model: str | None = None, principal: Principal
) -> Filtered[MitigationRecord]:
    """Stored mitigations the principal may read, newest first."""
    spec = resolve_model(store, model)[0] if model else None
    return readable(
        principal,
        store.mitigations.newest(spec),
        lambda m: marking_of(m),
        action=Action.MITIGATION_READ,
    )


def show_mitigations(
    store: Store,
    refs: Sequence[str],
    *,
    policy: LoadedPolicy | None = None,
    principal: Principal,
) -> list[MitigationEfficacy]:
    """The named mitigations judged together (Holm across them), each after an access check."""
    loaded = policy or load_policy()
    records: list[MitigationRecord] = []
    for ref in refs:
        record = store.mitigations.resolve(ref)
        if any(r.id == record.id for r in records):
            continue
        marking = marking_of(record)
        require(principal, Action.MITIGATION_READ, marking)
        records.append(record)
    return assess_mitigations(store, records, alpha=loaded.policy.alpha, policy=loaded)
