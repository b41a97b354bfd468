"""Reads of monitoring records: monitors, their looks, alerts and ingested transcripts.

Writes go through the typed repositories on :class:`~clearance.store.Store` (``store.monitors``
and the others), which ledger every change in the caller's unit of work.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, desc, select
from sqlalchemy.orm import Session

from clearance.store._governance import GovernanceNotFoundError, Visible
from clearance.store._ids import find_row
from clearance.store._records import (
    AlertRecord,
    MonitoringRunRecord,
    MonitorRecord,
    TranscriptRecord,
)
from clearance.store._schema import AlertRow, MonitoringRunRow, MonitorRow, TranscriptRow
from clearance.store._uow import UnitOfWork


class MonitoringStore:
    """Reads of the monitoring tables."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def monitor(self, ref: str, visible: Visible | None = None) -> MonitorRecord:
        """The monitor whose id is ``ref``, or starts with it when that is unambiguous."""
        with Session(self._engine) as s:
            row = find_row(
                s, MonitorRow, ref, noun="monitor", hint="clearance monitor list",
                error=GovernanceNotFoundError, visible=visible,
            )  # fmt: skip
            return MonitorRecord.model_validate(row)

    def monitors(self, use_case_id: str | None = None) -> list[MonitorRecord]:
        """Monitors (of one use case, when given), oldest first."""
        stmt = select(MonitorRow).order_by(MonitorRow.created_at, MonitorRow.id)
        if use_case_id is not None:
            stmt = stmt.where(MonitorRow.use_case_id == use_case_id)
        with Session(self._engine) as s:
            return [MonitorRecord.model_validate(r) for r in s.scalars(stmt)]

    def claim_due(
        self, uow: UnitOfWork, monitor_id: str, now: datetime | None
    ) -> MonitorRecord | None:
        """The monitor, read and locked inside ``uow``, if it is active and (when ``now`` is
        given) due at ``now``: two callers claiming at once see the first one's claim."""
        stmt = select(MonitorRow).where(MonitorRow.id == monitor_id).with_for_update()
        row = uow.session.scalars(stmt).one_or_none()
        if row is None or row.status != "active":
            return None
        record = MonitorRecord.model_validate(row)
        return record if now is None or record.next_due <= now else None

    def monitoring_runs(
        self, *, monitor_id: str | None = None, use_case_id: str | None = None
    ) -> list[MonitoringRunRecord]:
        """Looks (of one monitor or use case), oldest first."""
        stmt = select(MonitoringRunRow).order_by(MonitoringRunRow.created_at, MonitoringRunRow.id)
        if monitor_id is not None:
            stmt = stmt.where(MonitoringRunRow.monitor_id == monitor_id)
        if use_case_id is not None:
            stmt = stmt.where(MonitoringRunRow.use_case_id == use_case_id)
        with Session(self._engine) as s:
            return [MonitoringRunRecord.model_validate(r) for r in s.scalars(stmt)]

    def alerts(self, use_case_id: str | None = None) -> list[AlertRecord]:
        """Alerts (of one use case), newest first."""
        stmt = select(AlertRow).order_by(desc(AlertRow.created_at), desc(AlertRow.id))
        if use_case_id is not None:
            stmt = stmt.where(AlertRow.use_case_id == use_case_id)
        with Session(self._engine) as s:
            return [AlertRecord.model_validate(r) for r in s.scalars(stmt)]

    def transcripts(
        self, *, use_case_id: str | None = None, batch_id: str | None = None
    ) -> list[TranscriptRecord]:
        """Ingested transcripts (of one use case or batch), in the order they occurred."""
        stmt = select(TranscriptRow).order_by(TranscriptRow.occurred_at, TranscriptRow.id)
        if use_case_id is not None:
            stmt = stmt.where(TranscriptRow.use_case_id == use_case_id)
        if batch_id is not None:
            stmt = stmt.where(TranscriptRow.batch_id == batch_id)
        with Session(self._engine) as s:
            return [TranscriptRecord.model_validate(r) for r in s.scalars(stmt)]
