"""Approvals of reports for release: written through the unit of work (one ledger entry each),
read back newest first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, desc, select
from sqlalchemy.orm import Session

from clearance.store._ids import new_record_id
from clearance.store._records import ReportApprovalRecord
from clearance.store._schema import ReportApprovalRow
from clearance.store._uow import UnitOfWork


class ReportApprovalStore:
    """The report_approvals table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(
        self,
        uow: UnitOfWork,
        *,
        kind: str,
        subject: str,
        period: tuple[str | None, str | None],
        approver_name: str,
        note: str,
        ledger_size: int,
        marking: tuple[str, list[str]],
        now: datetime,
    ) -> ReportApprovalRecord:
        """Store one approval and append its ledger entry in ``uow``."""
        row = ReportApprovalRow(
            id=new_record_id("ra"),
            kind=kind,
            subject=subject,
            period_from=period[0],
            period_to=period[1],
            approver_name=approver_name,
            note=note,
            ledger_size=ledger_size,
            created_at=now,
            created_by=uow.actor,
            marking_level=marking[0],
            marking_compartments=marking[1],
        )
        uow.session.add(row)
        return uow.record_row("report.approve", row, ReportApprovalRecord)

    def approvals(
        self, kind: str, subject: str, period: tuple[str | None, str | None]
    ) -> list[ReportApprovalRecord]:
        """The approvals of one report (kind, subject and period), newest first."""
        stmt = (
            select(ReportApprovalRow)
            .where(
                ReportApprovalRow.kind == kind,
                ReportApprovalRow.subject == subject,
                ReportApprovalRow.period_from.is_(None)
                if period[0] is None
                else ReportApprovalRow.period_from == period[0],
                ReportApprovalRow.period_to.is_(None)
                if period[1] is None
                else ReportApprovalRow.period_to == period[1],
            )
            .order_by(desc(ReportApprovalRow.created_at), desc(ReportApprovalRow.id))
        )
        with Session(self._engine) as s:
            return [ReportApprovalRecord.model_validate(r) for r in s.scalars(stmt)]
