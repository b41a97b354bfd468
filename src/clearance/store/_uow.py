"""The one write path: a transaction that appends a ledger entry for every change it makes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clearance import commithooks
from clearance.ledger import GENESIS_HASH, LedgerEntry, change_digest, entry_hash
from clearance.store._engine import writing
from clearance.store._registry import kind_of_row, require_ledgered_type
from clearance.store._schema import Base, LedgerHeadRow, LedgerRow

R = TypeVar("R", bound=BaseModel)


class UnitOfWork:
    """A transaction on the store. Use as a context manager; it commits on a clean exit.

    Every state change inside it must be described with :meth:`record`, which appends the
    ledger entry in the same transaction: the change and its entry commit or vanish together.
    """

    def __init__(self, engine: Engine, actor: str) -> None:
        self._engine = engine
        self.actor = actor
        self._session: Session | None = None
        self._head: LedgerHeadRow | None = None
        self.entries: list[LedgerEntry] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its `with` block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = Session(writing(self._engine), expire_on_commit=False)
        self._session.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        committed = False
        try:
            if exc_type is None:
                session.commit()
                committed = True
            else:
                session.rollback()
        finally:
            session.close()
            self._session = None
        if committed and self.entries:
            commithooks.committed(self._engine, self.entries)

    def record(
        self, action: str, record_type: str, record_id: str, change: Mapping[str, Any]
    ) -> LedgerEntry:
        """Append the ledger entry for one change made in this transaction.

        ``record_type`` must be in the record registry: an entry about a type that verification
        and export do not know would be a record nobody checks.
        """
        require_ledgered_type(record_type)
        head = self._lock_head()
        unhashed = LedgerEntry(
            seq=head.seq + 1,
            time=datetime.now(UTC),
            actor=self.actor,
            action=action,
            record_type=record_type,
            record_id=record_id,
            change_sha256=change_digest(change),
            prev_hash=head.hash,
            hash=GENESIS_HASH,
        )
        entry = unhashed.model_copy(update={"hash": entry_hash(unhashed)})
        self.session.add(LedgerRow(**entry.model_dump()))
        head.seq, head.hash = entry.seq, entry.hash
        self.entries.append(entry)
        return entry

    def record_row(self, action: str, row: Base, shape: type[R]) -> R:
        """Ledger a stored row's full content after a change (as its registered kind digests
        it, so `ledger verify` recomputes the same digest) and return it as ``shape``."""
        kind = kind_of_row(row)
        if shape is not kind.record:
            raise TypeError(f"{kind.record_type} rows are read as {kind.record.__name__}")
        self.session.flush()
        content = kind.content(row)
        self.record(action, kind.record_type, str(content["id"]), content)
        return shape.model_validate(row, from_attributes=True)

    def _lock_head(self) -> LedgerHeadRow:
        if self._head is None:
            # FOR UPDATE serialises appends on PostgreSQL; SQLite's BEGIN IMMEDIATE already has.
            stmt = select(LedgerHeadRow).where(LedgerHeadRow.id == 1).with_for_update()
            self._head = self.session.execute(stmt).scalar_one()
        return self._head
