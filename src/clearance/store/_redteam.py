"""Reads of red-teaming records: campaigns, sessions, turns and attempts.

Writes go through the typed repositories on :class:`Store` (``store.redteam_campaigns`` and
its siblings), which ledger each record's full content in the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clearance.errors import ClearanceError
from clearance.store._ids import find_row
from clearance.store._records import (
    RedTeamAttemptRecord,
    RedTeamCampaignRecord,
    RedTeamSessionRecord,
    RedTeamTurnRecord,
)
from clearance.store._schema import (
    RedTeamAttemptRow,
    RedTeamCampaignRow,
    RedTeamSessionRow,
    RedTeamTurnRow,
)
from clearance.store._uow import UnitOfWork

Visible = Callable[[Any], bool]


class RedTeamNotFoundError(ClearanceError, LookupError):
    """No red-team campaign, session, turn or attempt (or more than one) matches the id."""


class RedTeamStore:
    """The red-team tables, read."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def campaign(self, ref: str, visible: Visible | None = None) -> RedTeamCampaignRecord:
        """The campaign whose id is ``ref``, starts with it, or whose name it is."""
        with Session(self._engine) as s:
            row = find_row(
                s, RedTeamCampaignRow, ref, noun="red-team campaign",
                hint="clearance redteam list", error=RedTeamNotFoundError,
                name_column=RedTeamCampaignRow.name, visible=visible,
            )  # fmt: skip
            return RedTeamCampaignRecord.model_validate(row)

    def campaigns(self) -> list[RedTeamCampaignRecord]:
        """Every campaign, newest first."""
        stmt = select(RedTeamCampaignRow).order_by(
            RedTeamCampaignRow.created_at.desc(), RedTeamCampaignRow.id.desc()
        )
        with Session(self._engine) as s:
            return [RedTeamCampaignRecord.model_validate(r) for r in s.scalars(stmt)]

    def session(self, ref: str, visible: Visible | None = None) -> RedTeamSessionRecord:
        """The session whose id is ``ref`` or starts with it."""
        with Session(self._engine) as s:
            row = find_row(
                s, RedTeamSessionRow, ref, noun="red-team session",
                hint="clearance redteam show CAMPAIGN", error=RedTeamNotFoundError,
                visible=visible,
            )  # fmt: skip
            return RedTeamSessionRecord.model_validate(row)

    def sessions(self, campaign_id: str | None = None) -> list[RedTeamSessionRecord]:
        """Sessions (of one campaign, when given), oldest first."""
        stmt = select(RedTeamSessionRow).order_by(
            RedTeamSessionRow.created_at, RedTeamSessionRow.id
        )
        if campaign_id is not None:
            stmt = stmt.where(RedTeamSessionRow.campaign_id == campaign_id)
        with Session(self._engine) as s:
            return [RedTeamSessionRecord.model_validate(r) for r in s.scalars(stmt)]

    def turns(self, session_id: str) -> list[RedTeamTurnRecord]:
        """A session's turns, in the order they were made."""
        stmt = (
            select(RedTeamTurnRow)
            .where(RedTeamTurnRow.session_id == session_id)
            .order_by(RedTeamTurnRow.created_at, RedTeamTurnRow.id)
        )
        with Session(self._engine) as s:
            return [RedTeamTurnRecord.model_validate(r) for r in s.scalars(stmt)]

    def attempts(
        self,
        *,
        session_id: str | None = None,
        session_ids: list[str] | None = None,
        uow: UnitOfWork | None = None,
    ) -> list[RedTeamAttemptRecord]:
        """Attempts of one session (or of several), in the order they were tagged.

        Inside a unit of work pass ``uow``: the read then sees its uncommitted changes and, as
        it comes after the unit of work's first write, everything committed before it (on
        SQLite a second connection would wait for the write lock the unit of work holds)."""
        stmt = select(RedTeamAttemptRow).order_by(
            RedTeamAttemptRow.created_at, RedTeamAttemptRow.id
        )
        if session_id is not None:
            stmt = stmt.where(RedTeamAttemptRow.session_id == session_id)
        if session_ids is not None:
            stmt = stmt.where(RedTeamAttemptRow.session_id.in_(session_ids))
        if uow is not None:
            return [RedTeamAttemptRecord.model_validate(r) for r in uow.session.scalars(stmt)]
        with Session(self._engine) as s:
            return [RedTeamAttemptRecord.model_validate(r) for r in s.scalars(stmt)]

    def attempt(self, ref: str, visible: Visible | None = None) -> RedTeamAttemptRecord:
        """The attempt whose id is ``ref`` or starts with it."""
        with Session(self._engine) as s:
            row = find_row(
                s, RedTeamAttemptRow, ref, noun="red-team attempt",
                hint="clearance redteam show CAMPAIGN", error=RedTeamNotFoundError,
                visible=visible,
            )  # fmt: skip
            return RedTeamAttemptRecord.model_validate(row)
