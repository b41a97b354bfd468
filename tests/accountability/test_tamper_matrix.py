"""The tamper matrix, on SQLite and PostgreSQL: every table of the record registry (and the
samples) × {edit a field, delete a row, insert a forged row, swap two rows}, each planted with
raw SQL and each found by `clearance ledger verify` (exit 4, naming the record).

One store per database holds at least two records of every kind; each tampering is planted,
verified, then undone, so one population serves all of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from accountability_support import cli
from record_zoo import delete, edit, forged_copy, insert, populate, rows, swap_ids, verdict

from clearance.accountability import acting_for_bootstrap
from clearance.store import RECORD_KINDS, SAMPLES_TABLE, Store
from people_support import first_admin, own_token

EXIT_TAMPERED = 4
ADMIN = "root"
LATER = datetime(2099, 1, 1, tzinfo=UTC)

EDITS: dict[str, tuple[str, Any]] = {
    "models": ("name", "forged-model"),
    "runs": ("status", "failed"),
    "samples": ("scores", {"match": {"value": 1.0}}),
    "assessments": ("policy_name", "forged"),
    "findings": ("verdict", "below"),
    "mitigations": ("description", "forged"),
    "principals": ("roles", ["admin"]),
    "api_tokens": ("expires_at", LATER),
    "use_cases": ("name", "forged"),
    "use_case_classifications": ("classes", []),
    "use_case_practices": ("signed_by", "mallory"),
    "governance_documents": ("content", b"swapped bytes"),
    "practice_evidence": ("note", "forged"),
    "use_case_decisions": ("kind", "approve"),
    "waivers": ("expires_at", LATER),
    "waiver_reports": ("note", "reported, honest"),
    "incidents": ("severity", "none"),
    "report_approvals": ("approver_name", "forged approver"),
    "model_signatures": ("event", "verified"),
    "critical_artifacts": ("custodian", "mallory"),
    "custody_entries": ("destination", "nowhere"),
    "critical_nodes": ("owner", "mallory"),
    "redteam_campaigns": ("rules_of_engagement", "anything goes"),
    "redteam_sessions": ("status", "open"),
    "redteam_turns": ("response", "a forged answer"),
    "redteam_attempts": ("confirmed_outcome", "refused"),
    "monitors": ("webhook_url", "http://attacker.example/hook"),
    "monitoring_runs": ("look", 99),
    "monitoring_alerts": ("webhook_status", "delivered: HTTP 204"),
    "monitoring_transcripts": ("messages", [{"role": "user", "content": "unredacted"}]),
}
"""A field of each table that an attacker would want changed."""

TABLES = [kind.table for kind in RECORD_KINDS] + [SAMPLES_TABLE]


def test_every_table_has_an_edit() -> None:
    assert sorted(EDITS) == sorted(TABLES)


@pytest.fixture
def zoo(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A store with two or more records of every kind; the CLI acts as administrator root."""
    if acting_for_bootstrap(store) is not None:  # SQLite (the PostgreSQL fixture added root)
        monkeypatch.setenv("CLEARANCE_TOKEN", own_token(store, first_admin(store, ADMIN)))
    populate(store, tmp_path, {})
    return store


def _targets(store: Store, name: str) -> list[dict[str, Any]]:
    """Rows that may be tampered with: not the administrator the CLI acts as, nor its token;
    for samples, rows of one run."""
    found = rows(store, name)
    if name == "principals":
        found = [r for r in found if r["id"] != ADMIN]
    if name == "api_tokens":
        found = [r for r in found if r["principal_id"] != ADMIN]
    if name == SAMPLES_TABLE:
        found = [r for r in found if r["run_id"] == found[-1]["run_id"]]
    assert len(found) >= 2, f"the zoo holds fewer than two {name} rows"
    return found


def _named(row: dict[str, Any], name: str) -> str:
    """The record id verification names for a row (a sample: its run)."""
    return str(row["run_id"] if name == SAMPLES_TABLE else row["id"])


Tamper = Callable[[Store, str, list[dict[str, Any]]], tuple[list[str], Callable[[], None]]]


def _edit(store: Store, name: str, targets: list[dict[str, Any]]) -> Any:
    row = targets[-1]
    column, value = EDITS[name]
    edit(store, name, row["id"], column, value)
    return [_named(row, name)], lambda: edit(store, name, row["id"], column, row[column])


def _delete(store: Store, name: str, targets: list[dict[str, Any]]) -> Any:
    row = targets[-1]
    delete(store, name, row["id"])
    return [_named(row, name)], lambda: insert(store, name, row)


def _insert(store: Store, name: str, targets: list[dict[str, Any]]) -> Any:
    forged = forged_copy(targets[-1], name)
    insert(store, name, forged)
    named = _named(forged, name)

    def undo() -> None:
        [planted] = [r for r in rows(store, name) if _named(r, name) == named and r not in targets]
        delete(store, name, planted["id"])

    return [named], undo


def _swap(store: Store, name: str, targets: list[dict[str, Any]]) -> Any:
    first, second = targets[0]["id"], targets[1]["id"]
    swap_ids(store, name, first, second)
    named = sorted({_named(targets[0], name), _named(targets[1], name)})
    return named, lambda: swap_ids(store, name, first, second)


TAMPERS: dict[str, Any] = {"edit": _edit, "delete": _delete, "insert": _insert, "swap": _swap}


def test_every_tampering_of_every_table_is_named(zoo: Store) -> None:
    code, clean = verdict({})
    assert code == 0, clean
    missed: list[str] = []
    for name in TABLES:
        for tamper_name, tamper in TAMPERS.items():
            named, undo = tamper(zoo, name, _targets(zoo, name))
            code, report = verdict({})
            undo()
            found = {p["record_id"] for p in report.get("record_problems", [])}
            if code != EXIT_TAMPERED or not set(named) <= found:
                missed.append(f"{tamper_name} {name}: exit {code}, named {sorted(found)}")
            elif not any(record in report["problem"] for record in named):
                missed.append(f"{tamper_name} {name}: the problem does not name {named}")
    missed += _orphan_sample_missed(zoo)
    assert missed == [], missed
    code, report = verdict({})
    assert code == 0, report
    result = cli("ledger", "verify")
    assert result.exit_code == 0, result.stderr


def _orphan_sample_missed(store: Store) -> list[str]:
    """A sample planted under a run that does not exist is named too."""
    orphan = {**_targets(store, SAMPLES_TABLE)[-1], "run_id": "no-such-run"}
    del orphan["id"]
    insert(store, SAMPLES_TABLE, orphan)
    code, report = verdict({})
    [planted] = [r for r in rows(store, SAMPLES_TABLE) if r["run_id"] == "no-such-run"]
    delete(store, SAMPLES_TABLE, planted["id"])
    found = {p["record_id"] for p in report.get("record_problems", [])}
    return [] if code == EXIT_TAMPERED and "no-such-run" in found else [f"orphan sample: {code}"]
