"""The ledger as an auditor reads it in the web application: its newest entries."""

from __future__ import annotations

from pydantic import BaseModel

from clearance.access import Action, Principal, require_permission
from clearance.store import LedgerReader, Store


class LedgerLine(BaseModel):
    """One entry as listed: what was done, by whom, when, to which kind of record. The record's
    id is left out: it may name a record above the reader's clearance (the signed export,
    `clearance ledger export`, holds every id for those who may export)."""

    seq: int
    time: str
    actor: str
    action: str
    record_type: str
    change_sha256: str
    hash: str


def newest_entries(store: Store, principal: Principal, limit: int = 50) -> list[LedgerLine]:
    """The ``limit`` newest ledger entries, newest first (``ledger.read``)."""
    require_permission(principal, Action.LEDGER_READ)
    reader = LedgerReader(store.engine)
    after = max(0, reader.size() - limit)
    lines = [
        LedgerLine(
            seq=e.seq,
            time=e.time.isoformat(),
            actor=e.actor,
            action=e.action,
            record_type=e.record_type,
            change_sha256=e.change_sha256,
            hash=e.hash,
        )
        for e in reader.entries(after=after)
    ]
    return lines[::-1]
