"""`ledger verify` covers every supply-chain record: a signature, an artifact, a custody entry
and a critical node each changed with raw SQL (as someone holding the database would) is found
and named, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from signing_keys import key_pair
from sqlalchemy import text
from supply_support import clearance

from clearance.access import LOCAL_ADMIN, Marking
from clearance.store import Store
from clearance.supplychain import (
    Avenue,
    add_node,
    record_custody,
    register_artifact,
    sign_weights,
)

EXIT_TAMPERED = 4
FORGERIES = {
    "model_signatures": ("event", "verified"),
    "critical_artifacts": ("custodian", "mallory"),
    "custody_entries": ("destination", "mallory's laptop"),
    "critical_nodes": ("owner", "mallory"),
}


def _verify() -> tuple[int, dict[str, Any]]:
    result = clearance("ledger", "verify", "--json")
    assert result.stdout, result.stderr
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("table", sorted(FORGERIES))
def test_a_changed_supply_chain_record_fails_verification(
    store: Store, tmp_path: Path, table: str
) -> None:
    weights = tmp_path / "w.gguf"
    weights.write_bytes(b"GGUF" + bytes(512))
    private, _ = key_pair(tmp_path, "lab")
    sign_weights(store, weights, private_key=private, principal=LOCAL_ADMIN)
    artifact = register_artifact(
        store, name="w", custodian="eve", location="vault", marking=Marking.parse("SECRET"),
        principal=LOCAL_ADMIN, path=weights,
    )  # fmt: skip
    record_custody(
        store, artifact.id, kind="copy", destination="facility", path=weights,
        principal=LOCAL_ADMIN,
    )  # fmt: skip
    add_node(
        store, name="w", kind="weights", owner="dana", principal=LOCAL_ADMIN,
        review_due=datetime(2027, 1, 1, tzinfo=UTC), avenues=[Avenue(avenue="theft")],
    )  # fmt: skip
    code, clean = _verify()
    assert code == 0, clean

    column, value = FORGERIES[table]
    with store.engine.begin() as conn:
        row_id = conn.execute(text(f"SELECT id FROM {table} ORDER BY id DESC LIMIT 1")).scalar()
        conn.execute(text(f"UPDATE {table} SET {column} = :v WHERE id = :id"),
                     {"v": value, "id": row_id})  # fmt: skip
    code, report = _verify()
    assert code == EXIT_TAMPERED
    assert row_id in {p["record_id"] for p in report["record_problems"]}
