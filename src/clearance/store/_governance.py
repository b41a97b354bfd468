"""Use cases and their governance in the store: classifications, practices, evidence links,
decisions, waivers and their reports, incidents and documents.

Every write takes the :class:`UnitOfWork` it happens in and the time it happens at (services
pass ``now`` so that expiry and reporting deadlines can be tested), and records the record's
full content after the change as its ledger entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, desc, select
from sqlalchemy.orm import Session

from clearance.errors import ClearanceError
from clearance.store._ids import find_row, new_record_id
from clearance.store._records import (
    ClassificationRecord,
    DecisionRecord,
    DocumentRecord,
    EvidenceLinkRecord,
    FindingRecord,
    Governed,
    IncidentRecord,
    ModelRecord,
    PracticeRecord,
    RunRecord,
    UseCaseRecord,
    WaiverRecord,
    WaiverReportRecord,
)
from clearance.store._registry import kind_of_row, kind_of_table
from clearance.store._schema import (
    AlertRow,
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
    LedgerRow,
    ModelRow,
    ModelSignatureRow,
    MonitoringRunRow,
    MonitorRow,
    PracticeRow,
    RedTeamAttemptRow,
    RedTeamCampaignRow,
    RedTeamSessionRow,
    RedTeamTurnRow,
    RunRow,
    TranscriptRow,
    UseCaseRow,
    WaiverReportRow,
    WaiverRow,
)
from clearance.store._uow import UnitOfWork

Visible = Callable[[Any], bool]
"""Whether a stored row may be seen by the reader resolving a reference (see ``find_row``)."""


class GovernanceNotFoundError(ClearanceError, LookupError):
    """No use case, practice, waiver, incident or document (or more than one) matches."""


R = TypeVar("R", bound=Governed)

_ID_PREFIXES: dict[type[Base], str] = {
    UseCaseRow: "uc",
    ClassificationRow: "cl",
    PracticeRow: "pr",
    DocumentRow: "doc",
    EvidenceLinkRow: "ev",
    DecisionRow: "dc",
    WaiverRow: "wv",
    WaiverReportRow: "wr",
    IncidentRow: "in",
    # Red-team records share this one insert and update path (see ``Store.redteam_*``).
    RedTeamCampaignRow: "rc",
    RedTeamSessionRow: "rs",
    RedTeamTurnRow: "rt",
    RedTeamAttemptRow: "ra",
    MonitorRow: "mon",
    MonitoringRunRow: "mr",
    AlertRow: "al",
    TranscriptRow: "tr",
    ModelSignatureRow: "sig",
    CriticalArtifactRow: "cta",
    CustodyEntryRow: "cu",
    CriticalNodeRow: "cn",
}


class GovernanceStore:
    """Reads and writes of the governance tables. Writes go through a :class:`UnitOfWork`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- writes ------------------------------------------------------------------------------

    def insert(
        self,
        uow: UnitOfWork,
        row_type: type[Base],
        *,
        action: str,
        now: datetime,
        fields: Mapping[str, Any],
        actor: str | None = None,
    ) -> Any:
        """Add a row of ``row_type`` made at ``now``; ledger its full content as ``action``.

        ``actor`` overrides the recorded creator (an anonymous report is made by "anonymous").
        Returns the stored record (its type matches ``row_type``: UseCaseRow → UseCaseRecord).
        """
        values = {
            "id": new_record_id(_ID_PREFIXES[row_type]),
            "created_at": now,
            "created_by": actor or uow.actor,
            **fields,
        }
        row = row_type(**values)
        uow.session.add(row)
        kind = kind_of_row(row)
        return uow.record_row(action, row, kind.record)

    def update(
        self,
        uow: UnitOfWork,
        row_type: type[Base],
        record_id: str,
        *,
        action: str,
        changes: Mapping[str, Any],
    ) -> Any:
        """Change fields of one row; ledger its full content after the change as ``action``."""
        row = uow.session.get(row_type, record_id)
        if row is None:
            noun = kind_of_table(row_type).record_type.replace("_", " ")
            raise GovernanceNotFoundError(f"no {noun} {record_id!r}")
        for name, value in changes.items():
            if not hasattr(row, name):
                raise AttributeError(f"{row_type.__name__} has no column {name!r}")
            setattr(row, name, value)
        return uow.record_row(action, row, kind_of_row(row).record)

    # -- reads: use cases ----------------------------------------------------------------------

    def use_case(self, ref: str, visible: Visible | None = None) -> UseCaseRecord:
        """The use case whose id is ``ref``, whose id starts with it, or whose name it is
        (among the rows ``visible`` accepts, when given)."""
        with Session(self._engine) as s:
            row = find_row(
                s,
                UseCaseRow,
                ref,
                noun="use case",
                hint="clearance usecase list",
                error=GovernanceNotFoundError,
                name_column=UseCaseRow.name,
                visible=visible,
            )
            return UseCaseRecord.model_validate(row)

    def use_cases(self) -> list[UseCaseRecord]:
        """Every use case, oldest first."""
        with Session(self._engine) as s:
            stmt = select(UseCaseRow).order_by(UseCaseRow.created_at, UseCaseRow.id)
            return [UseCaseRecord.model_validate(r) for r in s.scalars(stmt)]

    def classifications(self, use_case_id: str) -> list[ClassificationRecord]:
        """A use case's classifications, newest first."""
        with Session(self._engine) as s:
            stmt = (
                select(ClassificationRow)
                .where(ClassificationRow.use_case_id == use_case_id)
                .order_by(desc(ClassificationRow.created_at), desc(ClassificationRow.id))
            )
            return [ClassificationRecord.model_validate(r) for r in s.scalars(stmt)]

    def practices(self, use_case_id: str, uow: UnitOfWork | None = None) -> list[PracticeRecord]:
        """A use case's practices, in the order they were created.

        Inside a unit of work pass ``uow``: the read then sees its uncommitted changes (and, on
        SQLite, does not wait for the write lock the unit of work holds)."""
        stmt = (
            select(PracticeRow)
            .where(PracticeRow.use_case_id == use_case_id)
            .order_by(PracticeRow.created_at, PracticeRow.id)
        )
        if uow is not None:
            return [PracticeRecord.model_validate(r) for r in uow.session.scalars(stmt)]
        with Session(self._engine) as s:
            return [PracticeRecord.model_validate(r) for r in s.scalars(stmt)]

    def evidence(
        self, *, use_case_id: str | None = None, practice_id: str | None = None
    ) -> list[EvidenceLinkRecord]:
        """Evidence links of one use case or one practice, oldest first."""
        with Session(self._engine) as s:
            stmt = select(EvidenceLinkRow).order_by(EvidenceLinkRow.created_at, EvidenceLinkRow.id)
            if use_case_id is not None:
                stmt = stmt.where(EvidenceLinkRow.use_case_id == use_case_id)
            if practice_id is not None:
                stmt = stmt.where(EvidenceLinkRow.practice_id == practice_id)
            return [EvidenceLinkRecord.model_validate(r) for r in s.scalars(stmt)]

    def decisions(self, use_case_id: str) -> list[DecisionRecord]:
        """A use case's requests and decisions, newest first."""
        with Session(self._engine) as s:
            stmt = (
                select(DecisionRow)
                .where(DecisionRow.use_case_id == use_case_id)
                .order_by(desc(DecisionRow.created_at), desc(DecisionRow.id))
            )
            return [DecisionRecord.model_validate(r) for r in s.scalars(stmt)]

    # -- reads: waivers, incidents, documents --------------------------------------------------

    def waiver(self, ref: str, visible: Visible | None = None) -> WaiverRecord:
        """The waiver whose id is ``ref``, or starts with it when that is unambiguous."""
        return self._resolve(
            WaiverRow, WaiverRecord, ref, "waiver", "clearance waiver list", visible
        )

    def waivers(self, use_case_id: str | None = None) -> list[WaiverRecord]:
        """Waivers (of one use case, when given), oldest first."""
        with Session(self._engine) as s:
            stmt = select(WaiverRow).order_by(WaiverRow.granted_at, WaiverRow.id)
            if use_case_id is not None:
                stmt = stmt.where(WaiverRow.use_case_id == use_case_id)
            return [WaiverRecord.model_validate(r) for r in s.scalars(stmt)]

    def waiver_reports(self, waiver_id: str | None = None) -> list[WaiverReportRecord]:
        """Reporting duties (of one waiver, when given), oldest first."""
        with Session(self._engine) as s:
            stmt = select(WaiverReportRow).order_by(WaiverReportRow.event_at, WaiverReportRow.id)
            if waiver_id is not None:
                stmt = stmt.where(WaiverReportRow.waiver_id == waiver_id)
            return [WaiverReportRecord.model_validate(r) for r in s.scalars(stmt)]

    def incident(self, ref: str, visible: Visible | None = None) -> IncidentRecord:
        """The incident whose id is ``ref``, or starts with it when that is unambiguous."""
        return self._resolve(
            IncidentRow, IncidentRecord, ref, "incident", "clearance incident list", visible
        )

    def incidents(self, use_case_id: str | None = None) -> list[IncidentRecord]:
        """Incidents (of one use case, when given), newest first."""
        with Session(self._engine) as s:
            stmt = select(IncidentRow).order_by(desc(IncidentRow.created_at), desc(IncidentRow.id))
            if use_case_id is not None:
                stmt = stmt.where(IncidentRow.use_case_id == use_case_id)
            return [IncidentRecord.model_validate(r) for r in s.scalars(stmt)]

    def document(self, ref: str, visible: Visible | None = None) -> DocumentRecord:
        """The document whose id is ``ref``, or starts with it when that is unambiguous (among
        the rows ``visible`` accepts, when given)."""
        return self._resolve(
            DocumentRow, DocumentRecord, ref, "document", "clearance practice show", visible
        )

    def documents(self, media_type: str | None = None) -> list[DocumentRecord]:
        """Documents (of one media type, when given), newest first."""
        with Session(self._engine) as s:
            stmt = select(DocumentRow).order_by(desc(DocumentRow.created_at), desc(DocumentRow.id))
            if media_type is not None:
                stmt = stmt.where(DocumentRow.media_type == media_type)
            return [DocumentRecord.model_validate(r) for r in s.scalars(stmt)]

    def document_content(self, document_id: str) -> bytes:
        """The bytes of a stored document."""
        with Session(self._engine) as s:
            content = s.scalar(select(DocumentRow.content).where(DocumentRow.id == document_id))
            if content is None:
                raise GovernanceNotFoundError(f"no document {document_id!r}")
            return bytes(content)

    def _resolve(
        self,
        row_type: type[Base],
        record_cls: type[R],
        ref: str,
        noun: str,
        hint: str,
        visible: Visible | None = None,
    ) -> R:
        with Session(self._engine) as s:
            row = find_row(
                s, row_type, ref, noun=noun, hint=hint, error=GovernanceNotFoundError,
                visible=visible,
            )  # fmt: skip
            return record_cls.model_validate(row)

    # -- reads: the evidence governance pins -----------------------------------------------------

    def last_entry_hash(self, record_type: str, record_id: str) -> str | None:
        """The hash of the newest ledger entry about one record, or None when it has none."""
        with Session(self._engine) as s:
            stmt = (
                select(LedgerRow.hash)
                .where(LedgerRow.record_type == record_type, LedgerRow.record_id == record_id)
                .order_by(desc(LedgerRow.seq))
                .limit(1)
            )
            return s.scalar(stmt)

    def newest_model(self, spec: str) -> ModelRecord | None:
        """The model most recently registered under ``spec`` (what the spec resolves to now)."""
        with Session(self._engine) as s:
            stmt = (
                select(ModelRow)
                .where(ModelRow.spec == spec)
                .order_by(desc(ModelRow.created_at), desc(ModelRow.id))
                .limit(1)
            )
            row = s.scalar(stmt)
            return ModelRecord.model_validate(row) if row is not None else None

    def newest_completed_run(
        self,
        task_name: str,
        model_spec: str,
        matching: Callable[[RunRecord], bool] | None = None,
    ) -> RunRecord | None:
        """The newest completed run of ``task_name`` on any model registered as ``model_spec``
        (of those ``matching`` accepts, when given)."""
        with Session(self._engine) as s:
            stmt = (
                select(RunRow)
                .join(ModelRow, ModelRow.id == RunRow.model_id)
                .where(
                    RunRow.task_name == task_name,
                    ModelRow.spec == model_spec,
                    RunRow.status == "completed",
                )
                .order_by(desc(RunRow.created_at), desc(RunRow.id))
            )
            for row in s.scalars(stmt):
                run = RunRecord.model_validate(row)
                if matching is None or matching(run):
                    return run
            return None

    def finding(self, ref: str, visible: Visible | None = None) -> FindingRecord:
        """The finding whose id is ``ref``, or starts with it when that is unambiguous (among
        the rows ``visible`` accepts, when given: the others are as if absent)."""
        with Session(self._engine) as s:
            row = find_row(
                s, FindingRow, ref, noun="finding", hint="clearance findings list",
                error=GovernanceNotFoundError, visible=visible,
            )  # fmt: skip
            return FindingRecord.model_validate(row)
