"""What the store hands out: plain validated records, never live ORM objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from clearance.access import Action, Marking, Principal, Role


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC time, however the database handed it back."""
    # Every time is written as UTC and the ledger digested it so: a record read back must say
    # UTC too, or it would not match its ledger entry. SQLite hands back naive datetimes, and a
    # PostgreSQL server in another time zone hands back that zone's offset.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UTCDateTime = Annotated[datetime, AfterValidator(as_utc)]
"""A stored time, read back as UTC on every database."""


class RunRecord(BaseModel):
    """A run as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    task_name: str
    task_ref: dict[str, Any]
    model_id: str
    status: str
    total: int
    provenance: dict[str, Any]
    options: dict[str, Any]
    metrics: dict[str, Any] | None
    scored: int
    errors: int
    input_tokens: int
    output_tokens: int
    created_at: UTCDateTime
    finished_at: UTCDateTime | None
    created_by: str
    marking_level: str
    marking_compartments: list[str]


class SampleRecord(BaseModel):
    """One sample-epoch as stored."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    run_id: str
    sample_id: str
    epoch: int
    input: Any
    target: Any
    output: str | None
    messages: list[Any]
    scores: dict[str, Any]
    cluster: str | None
    metadata: dict[str, Any] = Field(validation_alias="metadata_")
    input_tokens: int
    output_tokens: int
    latency: float
    model_calls: int
    error: str | None
    error_type: str | None
    raw: list[Any] | None
    completed_at: UTCDateTime


class ModelRecord(BaseModel):
    """A model as stored: its id and the spec it was called by."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    spec: str
    provider: str
    name: str
    base_url: str | None
    version: str | None
    weights_sha256: str | None
    created_at: UTCDateTime


class Stored(BaseModel):
    """A stored record."""

    model_config = ConfigDict(from_attributes=True)


class AssessmentRecord(Stored):
    """An assessment as stored: which model, which policy (by digest), when, and its summary."""

    id: str
    model_spec: str
    model_ids: list[str]
    policy_name: str
    policy_version: str
    policy_digest: str
    summary: dict[str, Any]
    created_at: UTCDateTime
    created_by: str
    marking_level: str
    marking_compartments: list[str]


class FindingRecord(Stored):
    """A finding as stored: one threshold held against the evidence, with its verdict."""

    id: str
    assessment_id: str
    model_spec: str
    domain: str
    benchmark: str | None
    threshold_id: str
    metric: str
    direction: str
    threshold: float
    severity: str
    verdict: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int | None
    run_id: str | None
    evidence_run_ids: list[str]
    policy_digest: str
    reason: str
    created_at: UTCDateTime
    created_by: str
    marking_level: str
    marking_compartments: list[str]


class MitigationRecord(Stored):
    """A mitigation as stored, with its paired efficacy before multiplicity correction."""

    id: str
    kind: str
    description: str
    model_spec: str
    baseline_run_id: str
    mitigated_run_id: str
    task_name: str
    domain: str | None
    metric: str
    better: str
    threshold_id: str | None
    policy_digest: str | None
    efficacy: dict[str, Any]
    created_at: UTCDateTime
    created_by: str
    marking_level: str
    marking_compartments: list[str]


class PrincipalRecord(BaseModel):
    """A principal as stored. Lists are kept sorted so one state has one content digest."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: str
    name: str
    roles: list[str]
    clearance_level: str
    compartments: list[str]
    delegated: list[str]
    active: bool
    password_hash: str | None
    enrolment_sha256: str | None = None
    enrolment_expires_at: UTCDateTime | None = None
    created_at: UTCDateTime
    created_by: str

    def principal(self) -> Principal:
        """The principal the access policy reasons about."""
        return Principal(
            id=self.id,
            name=self.name,
            roles=frozenset(Role.parse(role) for role in self.roles),
            clearance=Marking(
                level=self.clearance_level, compartments=frozenset(self.compartments)
            ),
            delegated=frozenset(Action.parse(action) for action in self.delegated),
            active=self.active,
        )


class ApiTokenRecord(BaseModel):
    """An API token as stored: only the SHA-256 of the token, never the token."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: str
    principal_id: str
    token_sha256: str
    name: str
    created_at: UTCDateTime
    expires_at: UTCDateTime | None
    revoked_at: UTCDateTime | None


class Governed(BaseModel):
    """A stored governance record: who made it, when, and its marking."""

    model_config = ConfigDict(from_attributes=True)

    ADDED_LATER: ClassVar[frozenset[str]] = frozenset()
    """Fields added after records of this kind were first ledgered: left out of the ledgered
    content while empty, so a record written before they existed still matches its entries."""

    id: str
    created_at: UTCDateTime
    created_by: str
    marking_level: str
    marking_compartments: list[str]


class UseCaseRecord(Governed):
    """A use case as stored: its intake, the intake's digest and its revision."""

    name: str
    agency: str
    office: str
    intake: dict[str, Any]
    inputs_digest: str
    revision: int
    updated_at: UTCDateTime
    updated_by: str


class ClassificationRecord(Governed):
    """One classification: the rules' classes, the classes in force, and why."""

    use_case_id: str
    use_case_revision: int
    inputs_digest: str
    rules_version: str
    rules_digest: str
    rule_classes: list[str]
    classes: list[str]
    fired: list[dict[str, Any]]
    override: dict[str, Any] | None


class PracticeRecord(Governed):
    """A minimum practice of one use case, with its status, owner and reviewer."""

    use_case_id: str
    code: str
    title: str
    applies_to: str
    required: bool
    status: str
    owner: str | None
    reviewer: str | None
    notes: str
    signed_by: str | None
    signed_at: UTCDateTime | None
    """When the signer says they signed (stated; by default the time of recording)."""
    updated_at: UTCDateTime
    updated_by: str
    sign_recorded_at: UTCDateTime | None = None
    """When the store recorded the sign-off (the store's clock)."""

    ADDED_LATER: ClassVar[frozenset[str]] = frozenset({"sign_recorded_at"})


class DocumentRecord(Governed):
    """An uploaded document, without its bytes (see :meth:`GovernanceStore.document_content`)."""

    filename: str
    media_type: str
    size: int
    sha256: str
    description: str


class EvidenceLinkRecord(Governed):
    """Evidence linked to a practice, with the digests pinned when it was linked."""

    practice_id: str
    use_case_id: str
    kind: str
    ref: str
    pinned: dict[str, Any]
    subject: str
    superseded_by: str | None
    note: str


class DecisionRecord(Governed):
    """A request, approval, denial or suspension; an approval pins what it relied on."""

    use_case_id: str
    kind: str
    rationale: str
    pinned: dict[str, Any]
    pins_digest: str | None
    review_due: UTCDateTime | None
    stated_at: UTCDateTime | None = None
    """When the decider says it was decided (``created_at`` is when the store recorded it)."""

    ADDED_LATER: ClassVar[frozenset[str]] = frozenset({"stated_at"})


class WaiverRecord(Governed):
    """A waiver of one practice of one use case."""

    use_case_id: str
    practice_id: str
    practice_code: str
    category: str
    finding: str
    granted_at: UTCDateTime
    expires_at: UTCDateTime
    status: str
    renews_id: str | None
    reassessment: str | None
    renewed_by_id: str | None
    revoked_at: UTCDateTime | None
    revoked_by: str | None
    revocation_reason: str | None


class WaiverReportRecord(Governed):
    """The duty to report one waiver event, and whether and when it was met."""

    waiver_id: str
    event: str
    event_at: UTCDateTime
    due_at: UTCDateTime
    recipients: list[str]
    reported_at: UTCDateTime | None
    """When the reporter says the report was made (stated)."""
    reported_by: str | None
    note: str
    recorded_at: UTCDateTime | None = None
    """When the store recorded the report (the store's clock)."""

    ADDED_LATER: ClassVar[frozenset[str]] = frozenset({"recorded_at"})


class IncidentRecord(Governed):
    """An incident or misuse report."""

    use_case_id: str | None
    kind: str
    severity: str
    summary: str
    description: str
    occurred_at: UTCDateTime | None
    anonymous: bool
    status: str


class ReportApprovalRecord(Governed):
    """A report approved for release, as stored."""

    kind: str
    subject: str
    """The model spec of a model report; empty for the others."""
    period_from: str | None
    period_to: str | None
    approver_name: str
    note: str
    ledger_size: int
    """The ledger's size when the approver approved: the record they saw."""


class RedTeamCampaignRecord(Governed):
    """A red-teaming campaign as stored."""

    name: str
    model_spec: str
    domain: str
    objectives: list[dict[str, Any]]
    rules_of_engagement: str
    techniques: list[str]
    system_prompt: str
    settings: dict[str, Any]


class RedTeamSessionRecord(Governed):
    """A red-teaming session as stored (``created_by`` is the red-teamer)."""

    campaign_id: str
    model_spec: str
    model_info: dict[str, Any]
    system_prompt: str
    settings: dict[str, Any]
    status: str
    run_id: str | None
    updated_at: UTCDateTime


class RedTeamTurnRecord(Governed):
    """One prompt of a session and the model's answer."""

    session_id: str
    parent_id: str | None
    prompt: str
    response: str
    error: str | None
    usage: dict[str, Any]
    latency: float


class RedTeamAttemptRecord(Governed):
    """A tagged attempt and its confirmation by a second rater."""

    session_id: str
    turn_id: str
    objective_id: str
    technique: str
    outcome: str
    note: str
    confirmed_outcome: str | None
    confirmed_by: str | None
    confirmed_at: UTCDateTime | None
    confirmation_note: str
    updated_at: UTCDateTime


class MonitorRecord(Governed):
    """A monitor of a deployed model, as stored."""

    use_case_id: str
    model_spec: str
    suite: str | None
    task: str | None
    every_seconds: int
    samples: int | None
    alpha: float
    outbox: str
    webhook_url: str | None
    status: str
    next_due: UTCDateTime
    looks: int


class MonitoringRunRecord(Governed):
    """One look of a monitor, as stored."""

    monitor_id: str
    use_case_id: str
    look: int
    approval_id: str | None
    run_ids: list[str]
    comparisons: list[dict[str, Any]]
    alarm: bool
    incident_id: str | None


class AlertRecord(Governed):
    """An alarm sent to the outbox (and the webhook, when configured), as stored."""

    use_case_id: str
    monitor_id: str | None
    source_id: str
    incident_id: str
    reasons: list[str]
    outbox_path: str
    webhook_status: str


class TranscriptRecord(Governed):
    """An ingested production transcript (redacted before storing), as stored."""

    use_case_id: str
    batch_id: str
    source_format: str
    occurred_at: UTCDateTime
    messages: list[dict[str, Any]]
    redactions: int
    scores: dict[str, Any]


class ModelSignatureRecord(Governed):
    """A signature of a model's weights made or checked, as stored."""

    model_id: str | None
    run_id: str | None
    path: str
    weights_sha256: str
    signature_sha256: str
    event: str
    method: str
    trust: str
    signer: str
    detail: str


class CriticalArtifactRecord(Governed):
    """A critical technical artifact, as stored."""

    name: str
    model_id: str | None
    weights_sha256: str
    custodian: str
    location: str
    description: str
    updated_at: UTCDateTime
    updated_by: str


class CustodyEntryRecord(Governed):
    """One movement of a critical technical artifact, as stored."""

    artifact_id: str
    kind: str
    from_custodian: str
    to_custodian: str
    destination: str
    weights_sha256: str | None
    digest_matches: bool | None
    run_id: str | None
    note: str
    occurred_at: UTCDateTime


class CriticalNodeRecord(Governed):
    """A critical node of the AI supply chain, as stored."""

    name: str
    kind: str
    ref: str
    source: str
    avenues: list[dict[str, Any]]
    owner: str
    review_due: UTCDateTime
    reviewed_at: UTCDateTime | None
    reviewed_by: str | None
    notes: str
    updated_at: UTCDateTime
    updated_by: str
