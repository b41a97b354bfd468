"""Typed repositories: one per governance record type, so no caller names a table.

A service writes ``store.decisions.add(uow, action=..., now=..., fields=...)`` and gets a
:class:`DecisionRecord` back. Every write goes through the caller's unit of work and the
store's one record registry (via :class:`GovernanceStore`), which ledgers the record's full
content in the same transaction; the table itself stays private to the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from clearance.store._governance import (
    GovernanceStore,
)
from clearance.store._schema import (
    Base,
)
from clearance.store._uow import UnitOfWork

R = TypeVar("R", bound=BaseModel)


class Repository(Generic[R]):
    """Writes of one record type. Reads of governance records stay on
    :class:`GovernanceStore` (``store.governance``), which answers across types."""

    def __init__(self, governance: GovernanceStore, row: type[Base], record: type[R]) -> None:
        self._governance = governance
        self._row = row
        self._record = record

    def add(
        self,
        uow: UnitOfWork,
        *,
        action: str,
        now: datetime,
        fields: Mapping[str, Any],
        actor: str | None = None,
    ) -> R:
        """A new record made at ``now`` (by ``actor``, default the unit of work's), ledgered
        as ``action``."""
        made = self._governance.insert(
            uow, self._row, action=action, now=now, fields=fields, actor=actor
        )
        return self._typed(made)

    def change(
        self, uow: UnitOfWork, record_id: str, *, action: str, changes: Mapping[str, Any]
    ) -> R:
        """Record ``record_id`` with ``changes`` applied, its full content ledgered as
        ``action``."""
        changed = self._governance.update(uow, self._row, record_id, action=action, changes=changes)
        return self._typed(changed)

    def _typed(self, made: Any) -> R:
        if not isinstance(made, self._record):
            raise TypeError(f"expected a {self._record.__name__}, got {type(made).__name__}")
        return made
