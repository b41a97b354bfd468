"""The ledger as an auditor reads it in the web application: its newest entries."""

from __future__ import annotations

from pydantic import BaseModel

from clearance.access import Action, Principal, require_permission
from clearance.accountability._entry_sight import EntrySight
from clearance.ledger import LedgerEntry
from clearance.store import LedgerReader, Store


class LedgerLine(BaseModel):
    """One entry as listed: what was done, by whom, when, to which kind of record. The record's
    id is left out (the signed export, `clearance ledger export`, holds the ids of what the
    exporter may read)."""

    seq: int
    time: str
    actor: str
    action: str
    record_type: str
    change_sha256: str
    hash: str


def newest_entries(store: Store, principal: Principal, limit: int = 50) -> list[LedgerLine]:
    """The ``limit`` newest ledger entries the principal may see, newest first
    (``ledger.read``). Entries of records the principal may not know of are left out without a
    trace: not even their number, time or actor says that such records exist."""
    require_permission(principal, Action.LEDGER_READ)
    reader = LedgerReader(store.engine)
    sight = EntrySight.of(reader, principal)
    found: list[LedgerEntry] = []
    up_to = reader.size()
    window = max(limit, 1) * 4
    # Backwards in widening windows: the newest visible entries without reading the whole log,
    # however many hidden ones lie between them.
    while up_to > 0 and len(found) < limit:
        after = max(0, up_to - window)
        shown = [e for e in reader.entries(after=after, up_to=up_to) if sight.shows(e)]
        found.extend(reversed(shown))
        up_to, window = after, window * 2
    return [
        LedgerLine(
            seq=e.seq,
            time=e.time.isoformat(),
            actor=e.actor,
            action=e.action,
            record_type=e.record_type,
            change_sha256=e.change_sha256,
            hash=e.hash,
        )
        for e in found[:limit]
    ]
