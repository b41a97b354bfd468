"""Critical technical artifacts: registered with a marking and a custodian; every movement a
custody entry on the ledger; weights that are not the registered ones recorded and refused; an
artifact above the reader's clearance as absent as one that does not exist."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from signing_keys import key_pair
from supply_support import clearance

from clearance.access import LOCAL_ADMIN, AccessDenied, Marking, Principal, Role
from clearance.store import Store
from clearance.supplychain import (
    CustodyMismatchError,
    SupplyChainError,
    custody_of,
    record_custody,
    register_artifact,
    sign_weights,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EVALUATOR = Principal(
    id="eval-eve", name="Eve", roles=frozenset({Role.EVALUATOR}), clearance=Marking.parse("SECRET")
)
UNCLEARED = Principal(
    id="eval-ulf", name="Ulf", roles=frozenset({Role.EVALUATOR}), clearance=Marking.parse("U")
)
AUDITOR = Principal(
    id="aud-ada", name="Ada", roles=frozenset({Role.AUDITOR}), clearance=Marking.parse("TS")
)


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    path = tmp_path / "frontier.gguf"
    path.write_bytes(b"GGUF" + bytes(range(256)) * 16)
    return path


def test_every_movement_is_a_custody_entry_and_a_transfer_moves_custody(
    store: Store, weights: Path
) -> None:
    artifact = register_artifact(
        store, name="frontier weights", custodian="eval-eve", location="lab vault",
        marking=Marking.parse("SECRET"), principal=EVALUATOR, path=weights, now=T0,
    )  # fmt: skip
    record_custody(
        store, artifact.id, kind="copy", destination="AISI testing facility", path=weights,
        principal=EVALUATOR, now=T0,
    )  # fmt: skip
    record_custody(
        store, "frontier weights", kind="transfer", destination="AISI vault",
        to_custodian="aisi-ann", principal=EVALUATOR, note="for red-teaming", now=T0,
    )  # fmt: skip
    (held,) = custody_of(store, principal=AUDITOR)
    assert [e.kind for e in held.entries] == ["register", "copy", "transfer"]
    assert [e.digest_matches for e in held.entries] == [True, True, None]
    assert held.entries[-1].from_custodian == "eval-eve"
    assert (held.artifact.custodian, held.artifact.location) == ("aisi-ann", "AISI vault")
    assert all(e.marking_level == "SECRET" for e in held.entries)


def test_weights_that_are_not_the_registered_ones_are_recorded_and_refused(
    store: Store, weights: Path, tmp_path: Path
) -> None:
    artifact = register_artifact(
        store, name="frontier", custodian="eval-eve", location="vault",
        marking=Marking.parse("SECRET"), principal=EVALUATOR, path=weights, now=T0,
    )  # fmt: skip
    other = tmp_path / "other.gguf"
    other.write_bytes(b"GGUF" + bytes(99))
    with pytest.raises(CustodyMismatchError, match="custody did not change"):
        record_custody(
            store, artifact.id, kind="transfer", destination="elsewhere", to_custodian="mallory",
            path=other, principal=EVALUATOR, now=T0,
        )  # fmt: skip
    (held,) = custody_of(store, principal=AUDITOR)
    assert held.entries[-1].digest_matches is False
    assert held.artifact.custodian == "eval-eve"


def test_an_artifact_above_the_readers_clearance_is_absent(store: Store, weights: Path) -> None:
    register_artifact(
        store, name="frontier", custodian="eval-eve", location="vault",
        marking=Marking.parse("SECRET"), principal=EVALUATOR, path=weights, now=T0,
    )  # fmt: skip
    assert custody_of(store, principal=UNCLEARED) == []
    with pytest.raises(SupplyChainError, match="no critical artifact matches 'frontier'"):
        record_custody(
            store, "frontier", kind="export", destination="home", principal=UNCLEARED, now=T0
        )
    with pytest.raises(SupplyChainError, match="no critical artifact matches 'nothing'"):
        record_custody(
            store, "nothing", kind="export", destination="home", principal=UNCLEARED, now=T0
        )
    with pytest.raises(AccessDenied):
        register_artifact(
            store, name="x", custodian="a", location="b", marking=Marking.parse("SECRET"),
            principal=UNCLEARED, path=weights, now=T0,
        )  # fmt: skip


def test_an_evaluation_of_registered_weights_is_a_custody_entry(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """`eval run` on weights registered as an artifact records the evaluation (the signature
    check runs first; here the weights are not a real model, so loading them then fails)."""
    weights = tmp_path / "w.gguf"
    weights.write_bytes(b"GGUF" + bytes(64))
    private, _ = key_pair(tmp_path, "lab")
    sign_weights(sqlite_store, weights, private_key=private, principal=LOCAL_ADMIN)
    register_artifact(
        sqlite_store, name="w", custodian="lab", location="vault",
        marking=Marking.parse("U"), principal=LOCAL_ADMIN, path=weights,
    )  # fmt: skip
    (tmp_path / "t.jsonl").write_text('{"id": "a", "q": "hi", "a": "hi"}\n')
    (tmp_path / "t.yaml").write_text(
        "name: t\ndataset:\n  path: t.jsonl\n  fields: {id: id, input: q, target: a}\n"
        "scorer: includes\n"
    )
    clearance("eval", "run", str(tmp_path / "t.yaml"), "--model", f"gguf/{weights}", "--quiet")
    (held,) = custody_of(sqlite_store, principal=LOCAL_ADMIN)
    assert [e.kind for e in held.entries] == ["register", "evaluation"]
    assert held.entries[-1].digest_matches is True
    assert sqlite_store.supply_chain.signatures()[0].event == "verified"


def test_the_cli_registers_records_and_lists(store: Store, weights: Path) -> None:
    made = clearance(
        "cta", "register", "frontier", "--custodian", "lab", "--location", "vault",
        "--weights", str(weights), "--marking", "SECRET",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    moved = clearance(
        "cta", "record", "frontier", "--kind", "export", "--destination", "partner lab"
    )
    assert moved.exit_code == 0, moved.stderr
    listed = clearance("cta", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    (artifact,) = json.loads(listed.stdout)
    assert [e["kind"] for e in artifact["custody"]] == ["register", "export"]
    bad = clearance("cta", "record", "frontier", "--kind", "teleport", "--destination", "x")
    assert bad.exit_code == 1
    assert "unknown custody kind 'teleport'" in bad.stderr
