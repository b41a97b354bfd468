"""The one registry of record types: no table with a record id escapes it, each registered kind's
ledgered content covers every column of its table, and writes refuse unregistered types."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearance.store import (
    BOOKKEEPING_TABLES,
    RECORD_KINDS,
    SAMPLES_TABLE,
    RecordKind,
    Store,
    UnregisteredRecordError,
)
from clearance.store._schema import Base, DocumentRow

DIGESTED_ELSEWHERE = {(DocumentRow.__tablename__, "content")}
"""Columns a kind covers by digest rather than verbatim: a document's bytes, by its sha256."""


def test_every_table_with_a_record_id_is_registered() -> None:
    registered = {kind.table for kind in RECORD_KINDS}
    unregistered = [
        name
        for name, table in Base.metadata.tables.items()
        if "id" in table.columns
        and name not in registered
        and name not in BOOKKEEPING_TABLES
        and name != SAMPLES_TABLE
    ]
    assert unregistered == [], (
        f"tables {unregistered} hold records but are not in clearance.store._registry: "
        "`ledger verify` and `ledger export` would not see them"
    )


def test_the_registry_is_one_kind_per_table_and_per_type() -> None:
    assert len({k.table for k in RECORD_KINDS}) == len(RECORD_KINDS)
    assert len({k.record_type for k in RECORD_KINDS}) == len(RECORD_KINDS)


@pytest.mark.parametrize("kind", RECORD_KINDS, ids=lambda k: k.record_type)
def test_each_kind_ledgers_every_column(kind: RecordKind) -> None:
    columns = {c.key for c in kind.row.__mapper__.column_attrs}
    covered = set(kind.record.model_fields)
    missing = columns - covered - {c for t, c in DIGESTED_ELSEWHERE if t == kind.table}
    assert missing == set(), f"{kind.table} columns {missing} are not in its ledgered content"


def test_a_write_about_an_unregistered_type_is_refused(clearance_home: Path) -> None:
    clearance_home.mkdir(parents=True)
    store = Store.open(f"sqlite:///{clearance_home / 'clearance.db'}")
    try:
        with (
            pytest.raises(UnregisteredRecordError, match="not in the record registry"),
            store.unit_of_work("tester") as uow,
        ):
            uow.record("note.create", "note", "n1", {"text": "unchecked"})
    finally:
        store.close()
