"""Tables. One ``Base`` metadata; Alembic migrations in ``migrations/`` mirror it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class Marked:
    """A record that carries a marking: a classification level and compartments (see
    ``clearance.access``). Every record people may be kept out of has these columns."""

    marking_level: Mapped[str] = mapped_column(String(32), default="UNCLASSIFIED")
    marking_compartments: Mapped[list[Any]] = mapped_column(JSON, default=list)


class ModelRow(Base):
    """A model under test, identified by what was called (and the weights, where local)."""

    __tablename__ = "models"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    spec: Mapped[str] = mapped_column(String(512))
    provider: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(512))
    base_url: Mapped[str | None] = mapped_column(String(1024))
    version: Mapped[str | None] = mapped_column(String(256))
    weights_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class RunRow(Marked, Base):
    """One task on one model with one configuration."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    task_name: Mapped[str] = mapped_column(String(256), index=True)
    task_ref: Mapped[dict[str, Any]]
    """How to load the task again for ``eval resume``: a file path or a registered name."""
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id"), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    total: Mapped[int] = mapped_column(Integer)
    """Planned sample-epochs."""
    provenance: Mapped[dict[str, Any]]
    options: Mapped[dict[str, Any]]
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    scored: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(256))


class SampleRow(Base):
    """One sample-epoch of a run: its transcript, scores, usage, latency and error if any."""

    __tablename__ = "samples"
    __table_args__ = (UniqueConstraint("run_id", "sample_id", "epoch", name="uq_sample_epoch"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    sample_id: Mapped[str] = mapped_column(String(512))
    epoch: Mapped[int] = mapped_column(Integer)
    input: Mapped[Any] = mapped_column(JSON)
    target: Mapped[Any] = mapped_column(JSON)
    output: Mapped[str | None] = mapped_column(Text)
    messages: Mapped[list[Any]] = mapped_column(JSON)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    cluster: Mapped[str | None] = mapped_column(String(512))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency: Mapped[float] = mapped_column(Float, default=0.0)
    model_calls: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    error_type: Mapped[str | None] = mapped_column(String(128))
    raw: Mapped[list[Any] | None] = mapped_column(JSON)
    completed_at: Mapped[datetime]


class LedgerRow(Base):
    """The hash-chained record of every state change (see ``clearance.ledger``)."""

    __tablename__ = "ledger_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    time: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(128))
    record_type: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(256))
    change_sha256: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class LedgerHeadRow(Base):
    """A single row locked by every writer, so ledger appends are serialised on any database."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


Index("ix_ledger_record", LedgerRow.record_type, LedgerRow.record_id)
Index("ix_samples_run", SampleRow.run_id, SampleRow.id)


class AssessmentRow(Marked, Base):
    """One assessment of a model against a policy: a snapshot the annual report can cite."""

    __tablename__ = "assessments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_spec: Mapped[str] = mapped_column(String(512), index=True)
    model_ids: Mapped[list[Any]] = mapped_column(JSON)
    policy_name: Mapped[str] = mapped_column(String(256))
    policy_version: Mapped[str] = mapped_column(String(64))
    policy_digest: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]]
    """Per-domain verdicts, adequacy of methods, mitigation efficacy and unassigned runs."""
    created_at: Mapped[datetime] = mapped_column(index=True)
    created_by: Mapped[str] = mapped_column(String(256))


class FindingRow(Marked, Base):
    """A run's metric held against one policy threshold, with its interval and verdict."""

    __tablename__ = "findings"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessments.id"), index=True)
    model_spec: Mapped[str] = mapped_column(String(512), index=True)
    domain: Mapped[str] = mapped_column(String(32), index=True)
    benchmark: Mapped[str | None] = mapped_column(String(256))
    threshold_id: Mapped[str] = mapped_column(String(128))
    metric: Mapped[str] = mapped_column(String(256))
    direction: Mapped[str] = mapped_column(String(16))
    threshold: Mapped[float] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(16))
    verdict: Mapped[str] = mapped_column(String(16), index=True)
    value: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int | None] = mapped_column(Integer)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id"))
    evidence_run_ids: Mapped[list[Any]] = mapped_column(JSON)
    policy_digest: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))


class MitigationRow(Marked, Base):
    """A change to the system under test, linking a baseline run and a mitigated run."""

    __tablename__ = "mitigations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    model_spec: Mapped[str] = mapped_column(String(512), index=True)
    """The baseline run's model: the system the mitigation was applied to."""
    baseline_run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), index=True)
    mitigated_run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"))
    task_name: Mapped[str] = mapped_column(String(256))
    domain: Mapped[str | None] = mapped_column(String(32))
    metric: Mapped[str] = mapped_column(String(256))
    better: Mapped[str] = mapped_column(String(16))
    """"lower" or "higher": the direction in which the metric should move."""
    threshold_id: Mapped[str | None] = mapped_column(String(128))
    policy_digest: Mapped[str | None] = mapped_column(String(64))
    efficacy: Mapped[dict[str, Any]]
    """The paired comparison before correction for multiplicity (see ``clearance.assess``)."""
    created_at: Mapped[datetime] = mapped_column(index=True)
    created_by: Mapped[str] = mapped_column(String(256))


class PrincipalRow(Base):
    """A user of a team store: roles, clearance (level and compartments), delegated actions.

    ``all_compartments`` is deliberately absent: only the built-in local administrator of an
    embedded store holds every compartment, and it is never stored."""

    __tablename__ = "principals"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    roles: Mapped[list[Any]] = mapped_column(JSON)
    clearance_level: Mapped[str] = mapped_column(String(32))
    compartments: Mapped[list[Any]] = mapped_column(JSON)
    delegated: Mapped[list[Any]] = mapped_column(JSON)
    active: Mapped[bool]
    password_hash: Mapped[str | None] = mapped_column(String(256))
    enrolment_sha256: Mapped[str | None] = mapped_column(String(64))
    """The SHA-256 of the one-time code with which the user sets their own password."""
    enrolment_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))


class ApiTokenRow(Base):
    """An API token, stored only as the SHA-256 of the token (see ``clearance.access``)."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    principal_id: Mapped[str] = mapped_column(ForeignKey("principals.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


# -- governance: use cases, classifications, practices, evidence, decisions, waivers, incidents --


class UseCaseRow(Marked, Base):
    """An agency's use of an AI system: the intake as submitted, and its revision."""

    __tablename__ = "use_cases"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(512), index=True)
    agency: Mapped[str] = mapped_column(String(256))
    office: Mapped[str] = mapped_column(String(256))
    intake: Mapped[dict[str, Any]]
    """The intake document (see ``clearance.governance.UseCaseIntake``)."""
    inputs_digest: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the intake's canonical JSON: what classification and approvals pin."""
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(256))


class ClassificationRow(Marked, Base):
    """One classification of a use case by the rules, with any override by the chief AI officer."""

    __tablename__ = "use_case_classifications"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    use_case_id: Mapped[str] = mapped_column(ForeignKey("use_cases.id"), index=True)
    use_case_revision: Mapped[int] = mapped_column(Integer)
    inputs_digest: Mapped[str] = mapped_column(String(64))
    rules_version: Mapped[str] = mapped_column(String(64))
    rules_digest: Mapped[str] = mapped_column(String(64))
    rule_classes: Mapped[list[Any]] = mapped_column(JSON)
    """The classes the rules gave."""
    classes: Mapped[list[Any]] = mapped_column(JSON)
    """The classes in force: the rules' unless overridden."""
    fired: Mapped[list[Any]] = mapped_column(JSON)
    """Each rule that fired, with its citation and the reasons it fired."""
    override: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))


class PracticeRow(Marked, Base):
    """A minimum risk-management practice a use case's class requires."""

    __tablename__ = "use_case_practices"
    __table_args__ = (UniqueConstraint("use_case_id", "code", name="uq_practice_code"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    use_case_id: Mapped[str] = mapped_column(ForeignKey("use_cases.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(256))
    applies_to: Mapped[str] = mapped_column(String(64))
    required: Mapped[bool]
    status: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str | None] = mapped_column(String(256))
    reviewer: Mapped[str | None] = mapped_column(String(256))
    notes: Mapped[str] = mapped_column(Text, default="")
    signed_by: Mapped[str | None] = mapped_column(String(256))
    signed_at: Mapped[datetime | None]
    sign_recorded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(256))


class DocumentRow(Marked, Base):
    """An uploaded document (an impact assessment, a training record), addressed by SHA-256."""

    __tablename__ = "governance_documents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(512))
    media_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))


class EvidenceLinkRow(Marked, Base):
    """Evidence for a practice (a run, finding, mitigation, policy or document), pinned by
    digest when linked."""

    __tablename__ = "practice_evidence"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    practice_id: Mapped[str] = mapped_column(ForeignKey("use_case_practices.id"), index=True)
    use_case_id: Mapped[str] = mapped_column(ForeignKey("use_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(1024))
    pinned: Mapped[dict[str, Any]]
    subject: Mapped[str] = mapped_column(String(1024))
    """What the evidence is about (a task on a model spec, a policy file, a document's name): a
    newer link on the same subject in the same practice supersedes this one."""
    superseded_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))


class DecisionRow(Marked, Base):
    """A request for a decision, or an approval, denial or suspension of a use case."""

    __tablename__ = "use_case_decisions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    use_case_id: Mapped[str] = mapped_column(ForeignKey("use_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    rationale: Mapped[str] = mapped_column(Text)
    pinned: Mapped[dict[str, Any]]
    """For an approval: the digests of everything it relied on."""
    pins_digest: Mapped[str | None] = mapped_column(String(64))
    review_due: Mapped[datetime | None]
    stated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(index=True)
    created_by: Mapped[str] = mapped_column(String(256))


class WaiverRow(Marked, Base):
    """The chief AI officer's time-limited exemption of one use case from one practice."""

    __tablename__ = "waivers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    use_case_id: Mapped[str] = mapped_column(ForeignKey("use_cases.id"), index=True)
    practice_id: Mapped[str] = mapped_column(ForeignKey("use_case_practices.id"), index=True)
    practice_code: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64))
    finding: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    """"granted", "revoked" or "renewed" (superseded by the waiver that renewed it)."""
    renews_id: Mapped[str | None] = mapped_column(String(64))
    reassessment: Mapped[str | None] = mapped_column(Text)
    renewed_by_id: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(256))
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))


class WaiverReportRow(Marked, Base):
    """The duty to report a waiver's grant, renewal or revocation, and when it was met."""

    __tablename__ = "waiver_reports"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    waiver_id: Mapped[str] = mapped_column(ForeignKey("waivers.id"), index=True)
    event: Mapped[str] = mapped_column(String(16))
    event_at: Mapped[datetime]
    due_at: Mapped[datetime]
    recipients: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reported_at: Mapped[datetime | None]
    reported_by: Mapped[str | None] = mapped_column(String(256))
    recorded_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))


class IncidentRow(Marked, Base):
    """An incident or misuse report, anonymous if the reporter chose, linked to a use case."""

    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    use_case_id: Mapped[str | None] = mapped_column(ForeignKey("use_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(String(512))
    description: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime | None]
    anonymous: Mapped[bool]
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(index=True)
    created_by: Mapped[str] = mapped_column(String(256))
    """The reporter, or "anonymous"."""


class ReportApprovalRow(Marked, Base):
    """A report's approval for release: which report (kind, model, reporting period), by whom,
    and the ledger size it was approved at (what the approver saw)."""

    __tablename__ = "report_approvals"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(512), default="")
    period_from: Mapped[str | None] = mapped_column(String(10))
    period_to: Mapped[str | None] = mapped_column(String(10))
    approver_name: Mapped[str] = mapped_column(String(256))
    note: Mapped[str] = mapped_column(Text, default="")
    ledger_size: Mapped[int]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))


# -- red teaming: campaigns, sessions, turns and tagged attempts ---------------------------------


class RedTeamCampaignRow(Marked, Base):
    """A human red-teaming campaign: the model under test, its domain, objectives (benign
    proxies of what would count as a successful attack), rules of engagement and techniques."""

    __tablename__ = "redteam_campaigns"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256), index=True)
    model_spec: Mapped[str] = mapped_column(String(512))
    domain: Mapped[str] = mapped_column(String(32))
    objectives: Mapped[list[Any]] = mapped_column(JSON)
    """Each ``{"id", "title", "success"}``: what a successful attack would obtain."""
    rules_of_engagement: Mapped[str] = mapped_column(Text)
    techniques: Mapped[list[Any]] = mapped_column(JSON)
    system_prompt: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[dict[str, Any]]
    """The generation settings sessions start with (``GenerateConfig``)."""
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))


class RedTeamSessionRow(Marked, Base):
    """One red-teamer's conversation with the campaign's model, and where its evidence went."""

    __tablename__ = "redteam_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("redteam_campaigns.id"), index=True)
    model_spec: Mapped[str] = mapped_column(String(512))
    model_info: Mapped[dict[str, Any]]
    system_prompt: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    """"open" (conversing), "submitted" (awaiting confirmation) or "recorded" (a run)."""
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id"))
    updated_at: Mapped[datetime]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))
    """The red-teamer: the one person who may converse and tag, and who may not confirm."""


class RedTeamTurnRow(Marked, Base):
    """One prompt and the model's answer. ``parent_id`` is the turn it follows (None: the
    first), so a retry is a sibling and a branch is a new child of an earlier turn."""

    __tablename__ = "redteam_turns"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("redteam_sessions.id"), index=True)
    parent_id: Mapped[str | None] = mapped_column(String(64))
    prompt: Mapped[str] = mapped_column(Text)
    response: Mapped[str] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    usage: Mapped[dict[str, Any]]
    latency: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))


class RedTeamAttemptRow(Marked, Base):
    """An attempt: the conversation ending at one turn, tagged by the red-teamer with its
    objective, technique and outcome, and confirmed (or changed) by a second rater."""

    __tablename__ = "redteam_attempts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("redteam_sessions.id"), index=True)
    turn_id: Mapped[str] = mapped_column(ForeignKey("redteam_turns.id"))
    objective_id: Mapped[str] = mapped_column(String(128))
    technique: Mapped[str] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    confirmed_outcome: Mapped[str | None] = mapped_column(String(16))
    confirmed_by: Mapped[str | None] = mapped_column(String(256))
    confirmed_at: Mapped[datetime | None]
    confirmation_note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))


class MonitorRow(Marked, Base):
    """A deployed model watched on a schedule: which use case, which tests, how often."""

    __tablename__ = "monitors"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    use_case_id: Mapped[str] = mapped_column(ForeignKey("use_cases.id"), index=True)
    model_spec: Mapped[str] = mapped_column(String(512))
    suite: Mapped[str | None] = mapped_column(String(128))
    task: Mapped[str | None] = mapped_column(String(512))
    every_seconds: Mapped[int]
    samples: Mapped[int | None]
    alpha: Mapped[float] = mapped_column(Float)
    outbox: Mapped[str] = mapped_column(String(1024))
    webhook_url: Mapped[str | None] = mapped_column(String(1024))
    status: Mapped[str] = mapped_column(String(16))
    next_due: Mapped[datetime]
    looks: Mapped[int]
    """Monitoring runs taken so far: the next is look ``looks + 1`` of the spending plan."""
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))


class MonitoringRunRow(Marked, Base):
    """One look of a monitor: the runs it made and each domain compared with the baseline."""

    __tablename__ = "monitoring_runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    monitor_id: Mapped[str] = mapped_column(ForeignKey("monitors.id"), index=True)
    use_case_id: Mapped[str] = mapped_column(ForeignKey("use_cases.id"), index=True)
    look: Mapped[int]
    approval_id: Mapped[str | None] = mapped_column(String(64))
    run_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    comparisons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    alarm: Mapped[bool]
    incident_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(index=True)
    created_by: Mapped[str] = mapped_column(String(256))


class AlertRow(Marked, Base):
    """An alarm sent out: what it said, where it was written and whether the webhook took it."""

    __tablename__ = "monitoring_alerts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    use_case_id: Mapped[str] = mapped_column(ForeignKey("use_cases.id"), index=True)
    monitor_id: Mapped[str | None] = mapped_column(String(64), index=True)
    source_id: Mapped[str] = mapped_column(String(64))
    """The monitoring run or ingest batch that raised it."""
    incident_id: Mapped[str] = mapped_column(String(64))
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    outbox_path: Mapped[str] = mapped_column(String(1024))
    webhook_status: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))


class TranscriptRow(Marked, Base):
    """A production transcript, sampled and redacted before it was stored, with its scores."""

    __tablename__ = "monitoring_transcripts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    use_case_id: Mapped[str] = mapped_column(ForeignKey("use_cases.id"), index=True)
    batch_id: Mapped[str] = mapped_column(String(64), index=True)
    source_format: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    messages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    redactions: Mapped[int]
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))


# -- supply chain: signed weights, critical technical artifacts and their custody, nodes -------


class ModelSignatureRow(Marked, Base):
    """A signature of a model's weights made or checked (OpenSSF model-signing): evidence on the
    model whose weights it covers."""

    __tablename__ = "model_signatures"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_id: Mapped[str | None] = mapped_column(String(64), index=True)
    """The registered model whose weights digest matched the signed content, if any."""
    run_id: Mapped[str | None] = mapped_column(String(64))
    """The run whose evaluation checked the signature, for a check made by ``eval run``."""
    path: Mapped[str] = mapped_column(Text)
    weights_sha256: Mapped[str] = mapped_column(String(64), index=True)
    signature_sha256: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(16))
    """"signed", "verified" or "failed"."""
    method: Mapped[str] = mapped_column(String(16))
    """"key" or "certificate"."""
    trust: Mapped[str] = mapped_column(Text)
    """The public key or certificate chain (PEM) the signature verifies against."""
    signer: Mapped[str] = mapped_column(String(512))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(index=True)
    created_by: Mapped[str] = mapped_column(String(256))


class CriticalArtifactRow(Marked, Base):
    """Weights held as a critical technical artifact (NSM 3.2(c)): marked, with a custodian."""

    __tablename__ = "critical_artifacts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(512), index=True)
    model_id: Mapped[str | None] = mapped_column(String(64))
    weights_sha256: Mapped[str] = mapped_column(String(64), index=True)
    custodian: Mapped[str] = mapped_column(String(256))
    location: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(256))


class CustodyEntryRow(Marked, Base):
    """One movement of a critical technical artifact: an export, a copy to a facility, an
    evaluation that moved it, a transfer of custody."""

    __tablename__ = "custody_entries"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    artifact_id: Mapped[str] = mapped_column(ForeignKey("critical_artifacts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    from_custodian: Mapped[str] = mapped_column(String(256))
    to_custodian: Mapped[str] = mapped_column(String(256))
    destination: Mapped[str] = mapped_column(Text)
    weights_sha256: Mapped[str | None] = mapped_column(String(64))
    """The digest of the weights as moved, when they were read: None when not checked."""
    digest_matches: Mapped[bool | None]
    run_id: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(index=True)
    created_by: Mapped[str] = mapped_column(String(256))


class CriticalNodeRow(Marked, Base):
    """A node of the AI supply chain (NSM 3.2(b)(ii)) with its plausible avenues of disruption
    or compromise, each with likelihood, impact and mitigations; an owner and a review date."""

    __tablename__ = "critical_nodes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(512), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(1024), default="")
    """What identifies it: a package URL, a digest, an endpoint."""
    source: Mapped[str] = mapped_column(String(16))
    """"bom" (seeded from a bill of materials) or "manual"."""
    avenues: Mapped[list[Any]] = mapped_column(JSON)
    owner: Mapped[str] = mapped_column(String(256))
    review_due: Mapped[datetime]
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(256))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(256))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(256))
