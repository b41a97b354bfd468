"""The one registry of record types: every table that holds a ledgered record, declared once.

Writes (:meth:`UnitOfWork.record_row`), ``ledger verify``, ``ledger export`` and
``ledger verify-export`` all read this registry, so a table added here is written, verified and
exported alike, and a table left out of it is caught by a test (every table with a record id is
either a :class:`RecordKind`, the batched samples, or the ledger's own bookkeeping).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from clearance.access import Action
from clearance.errors import ClearanceError
from clearance.store._records import (
    AlertRecord,
    ApiTokenRecord,
    AssessmentRecord,
    ClassificationRecord,
    CriticalArtifactRecord,
    CriticalNodeRecord,
    CustodyEntryRecord,
    DecisionRecord,
    DocumentRecord,
    EvidenceLinkRecord,
    FindingRecord,
    IncidentRecord,
    MitigationRecord,
    ModelRecord,
    ModelSignatureRecord,
    MonitoringRunRecord,
    MonitorRecord,
    PracticeRecord,
    PrincipalRecord,
    RedTeamAttemptRecord,
    RedTeamCampaignRecord,
    RedTeamSessionRecord,
    RedTeamTurnRecord,
    ReportApprovalRecord,
    RunRecord,
    TranscriptRecord,
    UseCaseRecord,
    WaiverRecord,
    WaiverReportRecord,
)
from clearance.store._schema import (
    AlertRow,
    ApiTokenRow,
    AssessmentRow,
    Base,
    ClassificationRow,
    CriticalArtifactRow,
    CriticalNodeRow,
    CustodyEntryRow,
    DecisionRow,
    DocumentRow,
    EvidenceLinkRow,
    FindingRow,
    IncidentRow,
    MitigationRow,
    ModelRow,
    ModelSignatureRow,
    MonitoringRunRow,
    MonitorRow,
    PracticeRow,
    PrincipalRow,
    RedTeamAttemptRow,
    RedTeamCampaignRow,
    RedTeamSessionRow,
    RedTeamTurnRow,
    ReportApprovalRow,
    RunRow,
    TranscriptRow,
    UseCaseRow,
    WaiverReportRow,
    WaiverRow,
)


class UnregisteredRecordError(ClearanceError, KeyError):
    """A write or a read named a record type (or a table) that the registry does not hold."""


@dataclass(frozen=True)
class RecordKind:
    """One ledgered record type: its table, its stored shape, and who may read it."""

    record_type: str
    """The ``record_type`` its ledger entries carry."""
    row: type[Base]
    record: type[BaseModel]
    read_action: Action | None
    """The permission that lets a reader see it (exports, ``ledger verify`` for a reader);
    None when it never leaves the store (principals and tokens: they hold credential hashes)."""
    marked: bool = True
    """Whether it carries ``marking_level``/``marking_compartments`` columns."""

    @property
    def table(self) -> str:
        return str(self.row.__tablename__)

    def content(self, row: Any) -> dict[str, Any]:
        """The record's full content as its ledger entries digest it: every column."""
        content = self.record.model_validate(row, from_attributes=True).model_dump(mode="json")
        for late in getattr(self.record, "ADDED_LATER", frozenset()):
            if content.get(late) is None:
                del content[late]
        if isinstance(row, DocumentRow):
            # A document's bytes are too big for an entry; their digest stands for them, taken
            # from the bytes stored now, so bytes swapped under an unchanged ``sha256`` column
            # still fail verification.
            content["sha256"] = hashlib.sha256(bytes(row.content)).hexdigest()
        return content


RECORD_KINDS: tuple[RecordKind, ...] = (
    RecordKind("model", ModelRow, ModelRecord, Action.RUN_READ, marked=False),
    RecordKind("run", RunRow, RunRecord, Action.RUN_READ),
    RecordKind("assessment", AssessmentRow, AssessmentRecord, Action.FINDING_READ),
    RecordKind("finding", FindingRow, FindingRecord, Action.FINDING_READ),
    RecordKind("mitigation", MitigationRow, MitigationRecord, Action.MITIGATION_READ),
    RecordKind("principal", PrincipalRow, PrincipalRecord, None, marked=False),
    RecordKind("api_token", ApiTokenRow, ApiTokenRecord, None, marked=False),
    RecordKind("use_case", UseCaseRow, UseCaseRecord, Action.USECASE_READ),
    RecordKind("classification", ClassificationRow, ClassificationRecord, Action.USECASE_READ),
    RecordKind("practice", PracticeRow, PracticeRecord, Action.USECASE_READ),
    RecordKind("document", DocumentRow, DocumentRecord, Action.USECASE_READ),
    RecordKind("evidence_link", EvidenceLinkRow, EvidenceLinkRecord, Action.USECASE_READ),
    RecordKind("decision", DecisionRow, DecisionRecord, Action.USECASE_READ),
    RecordKind("waiver", WaiverRow, WaiverRecord, Action.WAIVER_READ),
    RecordKind("waiver_report", WaiverReportRow, WaiverReportRecord, Action.WAIVER_READ),
    RecordKind("incident", IncidentRow, IncidentRecord, Action.INCIDENT_READ),
    RecordKind("report_approval", ReportApprovalRow, ReportApprovalRecord, Action.REPORT_GENERATE),
    RecordKind("redteam_campaign", RedTeamCampaignRow, RedTeamCampaignRecord, Action.RUN_READ),
    RecordKind("redteam_session", RedTeamSessionRow, RedTeamSessionRecord, Action.RUN_READ),
    RecordKind("redteam_turn", RedTeamTurnRow, RedTeamTurnRecord, Action.RUN_READ),
    RecordKind("redteam_attempt", RedTeamAttemptRow, RedTeamAttemptRecord, Action.RUN_READ),
    RecordKind("monitor", MonitorRow, MonitorRecord, Action.USECASE_READ),
    RecordKind("monitoring_run", MonitoringRunRow, MonitoringRunRecord, Action.USECASE_READ),
    RecordKind("alert", AlertRow, AlertRecord, Action.INCIDENT_READ),
    RecordKind("transcript", TranscriptRow, TranscriptRecord, Action.USECASE_READ),
    RecordKind("model_signature", ModelSignatureRow, ModelSignatureRecord, Action.SUPPLYCHAIN_READ),
    RecordKind(
        "critical_artifact", CriticalArtifactRow, CriticalArtifactRecord, Action.SUPPLYCHAIN_READ
    ),
    RecordKind("custody_entry", CustodyEntryRow, CustodyEntryRecord, Action.SUPPLYCHAIN_READ),
    RecordKind("critical_node", CriticalNodeRow, CriticalNodeRecord, Action.SUPPLYCHAIN_READ),
)
"""Every record type kept in a table of its own, ledgered with its full content."""

SAMPLES_RECORD_TYPE = "samples"
"""A run's samples: ledgered batch by batch (``samples.append``; ``samples.rebase`` when a resume
discards errored ones), each entry digesting the rows it wrote, not one entry per row."""

SAMPLES_TABLE = "samples"

EXPORT_RECORD_TYPE = "export"
"""The record type of the entry each ledger export appends, describing the export itself."""

SIGN_IN_RECORD_TYPE = "sign_in"
"""The record type of sign-in and sign-out entries (the record id is the user's id)."""

SIGNING_KEY_RECORD_TYPE = "signing_key"
"""The record type of the entries that introduce and rotate the checkpoint signing key."""

LEDGER_ONLY_TYPES: frozenset[str] = frozenset(
    {SAMPLES_RECORD_TYPE, EXPORT_RECORD_TYPE, SIGN_IN_RECORD_TYPE, SIGNING_KEY_RECORD_TYPE}
)
"""Record types whose entries describe something outside a table of records: sample batches,
ledger exports (their content is in the export directory), sign-ins and signing-key rotations."""

BOOKKEEPING_TABLES: frozenset[str] = frozenset({"ledger_entries", "ledger_head"})
"""The ledger itself: verified as a hash chain, not as records."""

EXPORTED_RECORD_TYPES: frozenset[str] = frozenset(
    {kind.record_type for kind in RECORD_KINDS if kind.read_action is not None}
    | {EXPORT_RECORD_TYPE}
)
"""What ``ledger export`` may write into ``records.jsonl`` and ``verify-export`` accepts there."""

KINDS: Mapping[str, RecordKind] = {kind.record_type: kind for kind in RECORD_KINDS}
_BY_ROW: Mapping[type[Base], RecordKind] = {kind.row: kind for kind in RECORD_KINDS}


def record_kind(record_type: str) -> RecordKind:
    """The registered kind of ``record_type``."""
    try:
        return KINDS[record_type]
    except KeyError:
        raise UnregisteredRecordError(_unregistered(record_type)) from None


def kind_of_table(row_type: type[Base]) -> RecordKind:
    """The registered kind whose rows are ``row_type``."""
    try:
        return _BY_ROW[row_type]
    except KeyError:
        raise UnregisteredRecordError(_unregistered(row_type.__name__)) from None


def kind_of_row(row: Base) -> RecordKind:
    """The registered kind of a stored row."""
    return kind_of_table(type(row))


def require_ledgered_type(record_type: str) -> None:
    """Refuse a ledger entry about a type that verification and export would not know."""
    if record_type not in KINDS and record_type not in LEDGER_ONLY_TYPES:
        raise UnregisteredRecordError(_unregistered(record_type))


def _unregistered(what: str) -> str:
    return (
        f"{what!r} is not in the record registry (clearance.store._registry.RECORD_KINDS); "
        "declare it there so that writes, `ledger verify` and `ledger export` all cover it"
    )
