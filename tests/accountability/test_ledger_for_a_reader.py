"""`ledger export` and `ledger verify` for a reader cleared below some records: an UNCLASSIFIED
auditor over a store holding SECRET records made by someone who made nothing else.

The auditor's export holds only entries of records they may read; every other entry is its
seq and hashes, so the chain and the signed Merkle root still verify. No id, title or actor of a
hidden record is in any exported file or in anything either command prints; both report how
much they withheld; tampering with a hidden record, or with a withheld line, is still caught."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from accountability_support import cli, execute, said

from clearance.access import Marking, Role
from clearance.governance import add_use_case, report_incident
from clearance.ledger import verify_export
from clearance.store import Store
from people_support import (
    enrolled_user,
    first_admin,
    own_token,
    translation_intake,
)

EXIT_TAMPERED = 4
SPY = "mallory-spy"
"""The only actor of the hidden records: her name must appear nowhere the auditor looks."""
HIDDEN_TITLE = "zebra crossing"


@pytest.fixture
def world(sqlite_store: Store, clearance_home: Path) -> dict[str, Any]:
    store = sqlite_store
    root = first_admin(store, "root", clearance=Marking.of("TS", "BIO"))
    owner = enrolled_user(
        store, root, "olive", roles=[Role.RISK_OWNER, Role.EVALUATOR],
        clearance=Marking.of("UNCLASSIFIED"),
    )  # fmt: skip
    spy = enrolled_user(
        store, root, SPY, roles=[Role.RISK_OWNER, Role.EVALUATOR],
        clearance=Marking.of("SECRET", "BIO"),
    )  # fmt: skip
    auditor = enrolled_user(
        store, root, "audrey", roles=[Role.AUDITOR], clearance=Marking.of("UNCLASSIFIED")
    )

    def use_case(name: str, who: Any, marking: Marking) -> str:
        intake = {**translation_intake(), "name": name, "developers": [who.principal.id]}
        made = add_use_case(store, intake, marking=marking, principal=who.principal)
        report_incident(
            store, use_case_ref=made.id, kind="incident", severity="low",
            summary=f"incident of {name}", description="d", principal=who.principal,
        )  # fmt: skip
        return made.id

    open_id = use_case("open translation", owner, Marking.of("UNCLASSIFIED"))
    hidden_id = use_case(HIDDEN_TITLE, spy, Marking.of("SECRET", "BIO"))
    return {
        "store": store,
        "open": open_id,
        "hidden": hidden_id,
        "auditor": {"CLEARANCE_TOKEN": own_token(store, auditor)},
        "root": {"CLEARANCE_TOKEN": own_token(store, root)},
        "pem": (clearance_home / "keys" / "ledger_ed25519.pub.pem"),
    }


def _secrets(world: dict[str, Any]) -> list[str]:
    return [world["hidden"], HIDDEN_TITLE, SPY, "SECRET", "BIO"]


def _assert_nothing_hidden_in(text: str, world: dict[str, Any], where: str) -> None:
    for secret in _secrets(world):
        assert secret not in text, f"{secret!r} is in {where}"


def test_an_auditor_exports_only_what_they_may_see_and_it_verifies(
    world: dict[str, Any], tmp_path: Path
) -> None:
    export = tmp_path / "export"
    done = cli("ledger", "export", str(export), "--json", env=world["auditor"])
    assert done.exit_code == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["banner"] == "UNCLASSIFIED"
    assert summary["withheld"] >= 2  # the hidden use case and its incident, at least
    assert summary["entries_withheld"] > 0
    assert "withheld" in said(done.stderr)
    _assert_nothing_hidden_in(done.stdout + done.stderr, world, "the command's output")
    for path in export.iterdir():
        _assert_nothing_hidden_in(path.read_text(), world, path.name)

    lines = [json.loads(line) for line in (export / "entries.jsonl").read_text().splitlines()]
    withheld = [line for line in lines if line.get("withheld")]
    assert len(withheld) == summary["entries_withheld"]
    assert all(set(line) == {"seq", "withheld", "prev_hash", "hash"} for line in withheld)
    shown = {(line["record_type"], line["record_id"]) for line in lines if "actor" in line}
    assert ("use_case", world["open"]) in shown
    # The export's own statement says how many entries it withholds, under the signature.
    records = [json.loads(r) for r in (export / "records.jsonl").read_text().splitlines()]
    (statement,) = [r["content"] for r in records if r["record_type"] == "export"]
    assert statement["withheld_entries"] == summary["entries_withheld"]

    verified = cli("ledger", "verify-export", str(export), "--public-key", str(world["pem"]))
    assert verified.exit_code == 0, verified.stderr
    assert f"({summary['entries_withheld']} withheld" in said(verified.stdout)
    report = verify_export(export, world["pem"].read_bytes(), statement_type="export")
    assert report.ok
    assert report.entries_withheld == summary["entries_withheld"]


def test_a_full_reader_exports_every_entry_whole(world: dict[str, Any], tmp_path: Path) -> None:
    done = cli("ledger", "export", str(tmp_path / "x"), "--json", env=world["root"])
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["entries_withheld"] == 0
    assert HIDDEN_TITLE in (tmp_path / "x" / "records.jsonl").read_text()


def _rewrite_line(path: Path, change: Any) -> None:
    lines = path.read_text().splitlines()
    lines = [change(json.loads(line), line) for line in lines]
    path.write_text("".join(line + "\n" for line in lines))


def test_tampering_with_a_withheld_line_is_caught(world: dict[str, Any], tmp_path: Path) -> None:
    from clearance.ledger import canonical_json

    export = tmp_path / "export"
    assert cli("ledger", "export", str(export), env=world["auditor"]).exit_code == 0
    pem = world["pem"].read_bytes()
    entries = export / "entries.jsonl"
    original = entries.read_text()

    def manifest_follows() -> None:
        # An attacker who edits a file also fixes its digest in the (unsigned) manifest.
        import hashlib

        manifest = json.loads((export / "manifest.json").read_text())
        manifest["files"]["entries.jsonl"] = hashlib.sha256(entries.read_bytes()).hexdigest()
        (export / "manifest.json").write_bytes(canonical_json(manifest))

    def forged_hash(data: dict[str, Any], line: str) -> str:
        if data.get("withheld") and data["seq"] == first_withheld:
            data["hash"] = "0" * 64
            return canonical_json(data).decode()
        return line

    def hidden_whole_entry(data: dict[str, Any], line: str) -> str:
        # A whole entry passed off as withheld: chain and root still hold, the count does not.
        if data.get("record_id") == world["open"] and "actor" in data:
            fields = {k: data[k] for k in ("seq", "prev_hash", "hash")} | {"withheld": True}
            return canonical_json(fields).decode()
        return line

    first_withheld = next(
        json.loads(line)["seq"] for line in original.splitlines() if '"withheld"' in line
    )
    for change in (forged_hash, hidden_whole_entry):
        entries.write_text(original)
        _rewrite_line(entries, change)
        manifest_follows()
        report = verify_export(export, pem, statement_type="export")
        assert not report.ok, change.__name__
    entries.write_text(original)
    manifest_follows()
    assert verify_export(export, pem, statement_type="export").ok


def test_verify_for_an_auditor_counts_the_hidden_and_names_none(world: dict[str, Any]) -> None:
    clean = cli("ledger", "verify", "--json", env=world["auditor"])
    assert clean.exit_code == 0, clean.stderr
    result = json.loads(clean.stdout)
    assert result["entries_withheld"] > 0
    assert result["records_withheld"] >= 2
    _assert_nothing_hidden_in(clean.stdout + clean.stderr, world, "verify --json")
    text = cli("ledger", "verify", env=world["auditor"])
    assert text.exit_code == 0
    assert "withheld" in said(text.stderr)

    # The hidden use case's title edited outside the ledger: still caught, not named.
    execute(world["store"], "UPDATE use_cases SET name = 'forged' WHERE id = :id",
            id=world["hidden"])  # fmt: skip
    caught = cli("ledger", "verify", "--json", env=world["auditor"])
    assert caught.exit_code == EXIT_TAMPERED
    found = json.loads(caught.stdout)
    assert not found["ok"]
    assert found["record_problems"][0]["record_type"] == "withheld"
    _assert_nothing_hidden_in(caught.stdout + caught.stderr, world, "a failed verify")
    # Someone cleared for it is told which record.
    named = cli("ledger", "verify", "--json", env=world["root"])
    assert named.exit_code == EXIT_TAMPERED
    assert world["hidden"] in json.loads(named.stdout)["problem"]
    # An open record's tampering is named to the auditor, as ever.
    execute(world["store"], "UPDATE use_cases SET name = 'forged' WHERE id = :id",
            id=world["open"])  # fmt: skip
    both = json.loads(cli("ledger", "verify", "--json", env=world["auditor"]).stdout)
    assert world["open"] in " ".join(p["problem"] for p in both["record_problems"])
