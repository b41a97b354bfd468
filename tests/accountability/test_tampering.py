"""Tampering planted with raw SQL, on SQLite and PostgreSQL: `clearance ledger verify` finds each
kind, names the first bad entry and exits non-zero; an untouched ledger verifies clean."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from accountability_support import (
    cli,
    eval_run,
    execute,
    last_seq_of,
    ledger_actions,
    ledger_rows,
    write_task,
)

from clearance.ledger import next_entry
from clearance.store import Store
from clearance.store._ledger import LedgerReader
from people_support import cli_enrolled

EXIT_TAMPERED = 4


@pytest.fixture
def runs(store: Store, tmp_path: Path) -> tuple[str, str]:
    """Two finished runs: the first clean, the second with one errored sample."""
    task, model = write_task(tmp_path / "a", 6)
    first = eval_run(task, model)
    task_b, model_b = write_task(tmp_path / "b", 6, missing=frozenset({2}))
    second = eval_run(task_b, model_b)
    return first, second


def verify(*extra: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    result = cli("ledger", "verify", "--json", *extra, env=env)
    assert result.stdout, result.stderr
    return result.exit_code, json.loads(result.stdout)


def seq_of(store: Store, action: str, occurrence: int = 0) -> int:
    return [row.seq for row in ledger_rows(store) if row.action == action][occurrence]


def test_an_untouched_ledger_verifies_clean(store: Store, runs: tuple[str, str]) -> None:
    code, report = verify()
    assert code == 0
    assert report["ok"] is True
    assert report["entries_checked"] == len(ledger_rows(store))
    # Two models, two runs (and on PostgreSQL the administrator and its token): every record
    # checked, and both runs' samples batch by batch.
    reader = LedgerReader(store.engine)
    team = len(reader.record_ids("principal")) + len(reader.record_ids("api_token"))
    assert report["records_checked"] == 4 + team
    assert report["sample_runs_checked"] == 2
    assert report["record_problems"] == []


def test_an_edited_entry_is_named(store: Store, runs: tuple[str, str]) -> None:
    target = seq_of(store, "run.create", 1)
    execute(store, "UPDATE ledger_entries SET actor = 'mallory' WHERE seq = :s", s=target)
    code, report = verify()
    assert code == EXIT_TAMPERED
    assert report["first_bad_seq"] == target
    assert f"entry {target}" in report["problem"]
    assert "does not match its content" in report["problem"]


def test_a_deleted_entry_is_named(store: Store, runs: tuple[str, str]) -> None:
    target = seq_of(store, "run.completed")
    execute(store, "DELETE FROM ledger_entries WHERE seq = :s", s=target)
    code, report = verify()
    assert code == EXIT_TAMPERED
    assert report["first_bad_seq"] == target
    assert f"entry {target} is missing" in report["problem"]


def test_an_inserted_entry_is_named(store: Store, runs: tuple[str, str]) -> None:
    target = seq_of(store, "run.completed")
    before = list(LedgerReader(store.engine).entries(up_to=target - 1))[-1]
    forged = next_entry(
        before,
        time=datetime.now(UTC),
        actor="mallory",
        action="run.completed",
        record_type="run",
        record_id="forged",
        change={"status": "completed"},
    )
    # Make room at `target` (in two steps: PostgreSQL checks the key row by row), then slip
    # in an entry that chains correctly to the one before it.
    execute(store, "UPDATE ledger_entries SET seq = seq + 1000 WHERE seq >= :s", s=target)
    execute(store, "UPDATE ledger_entries SET seq = seq - 999 WHERE seq >= :s", s=target + 1000)
    execute(
        store,
        "INSERT INTO ledger_entries (seq, time, actor, action, record_type, record_id, "
        "change_sha256, prev_hash, hash) VALUES (:seq, :time, :actor, :action, :record_type, "
        ":record_id, :change_sha256, :prev_hash, :hash)",
        **forged.model_dump(),
    )
    code, report = verify()
    assert code == EXIT_TAMPERED
    assert report["first_bad_seq"] == target
    assert "inserted" in report["problem"]


def test_reordered_entries_are_named(store: Store, runs: tuple[str, str]) -> None:
    first = seq_of(store, "samples.append")
    execute(store, "UPDATE ledger_entries SET seq = -1 WHERE seq = :s", s=first)
    execute(store, "UPDATE ledger_entries SET seq = :s WHERE seq = :t", s=first, t=first + 1)
    execute(store, "UPDATE ledger_entries SET seq = :t WHERE seq = -1", t=first + 1)
    code, report = verify()
    assert code == EXIT_TAMPERED
    assert report["first_bad_seq"] == first


def test_a_truncated_log_is_found_against_a_checkpoint(store: Store, runs: tuple[str, str]) -> None:
    signed = cli("ledger", "checkpoint")
    assert signed.exit_code == 0, signed.stderr
    size = len(ledger_rows(store))
    assert Path(signed.stdout.strip()).name == f"checkpoint-{size}.json"
    execute(store, "DELETE FROM ledger_entries WHERE seq > :s", s=size - 2)
    code, report = verify("--checkpoint", signed.stdout.strip())
    assert code == EXIT_TAMPERED
    assert report["first_bad_seq"] == size - 1
    assert "truncated" in report["problem"]
    # The newest checkpoint is also the default.
    assert verify()[1]["first_bad_seq"] == size - 1


@pytest.mark.parametrize(
    ("column", "value"),
    [("status", "'failed'"), ("metrics", '\'{"accuracy": {"value": 0.99}}\'')],
)
def test_a_run_edited_without_an_entry_is_named(
    store: Store, runs: tuple[str, str], column: str, value: str
) -> None:
    run_id = runs[0]
    execute(store, f"UPDATE runs SET {column} = {value} WHERE id = :r", r=run_id)
    code, report = verify()
    assert code == EXIT_TAMPERED
    assert report["first_bad_seq"] == last_seq_of(store, "run", run_id)
    assert run_id in report["problem"]
    assert "does not match its last ledger entry" in report["problem"]
    assert [p["record_id"] for p in report["record_problems"]] == [run_id]


def test_an_edited_sample_is_named_by_its_batch(store: Store, runs: tuple[str, str]) -> None:
    run_id = runs[1]
    execute(
        store,
        "UPDATE samples SET output = 'The answer is 7.' WHERE run_id = :r AND sample_id = 's3'",
        r=run_id,
    )
    code, report = verify()
    assert code == EXIT_TAMPERED
    assert report["first_bad_seq"] == last_seq_of(store, "samples", run_id)
    assert f"samples of run {run_id}" in report["problem"]


def test_a_deleted_sample_is_found(store: Store, runs: tuple[str, str]) -> None:
    run_id = runs[0]
    execute(store, "DELETE FROM samples WHERE run_id = :r AND sample_id = 's0'", r=run_id)
    code, report = verify()
    assert code == EXIT_TAMPERED
    assert "5 stored but the run's ledgered content counts 6" in report["problem"]


def test_a_swapped_password_hash_is_found(store: Store, runs: tuple[str, str]) -> None:
    token = cli_enrolled(cli, "ada", "--role", "admin", admin={})
    execute(store, "UPDATE principals SET password_hash = '$argon2id$forged' WHERE id = 'ada'")
    code, report = verify(env={"CLEARANCE_TOKEN": token})
    assert code == EXIT_TAMPERED
    assert report["first_bad_seq"] == last_seq_of(store, "principal", "ada")


def test_a_malformed_entry_is_named_not_a_crash(store: Store, runs: tuple[str, str]) -> None:
    execute(store, "UPDATE ledger_entries SET hash = 'not hex' WHERE seq = 2")
    code, report = verify()
    assert code == EXIT_TAMPERED
    assert report["first_bad_seq"] == 2


def test_the_text_report_names_the_first_bad_entry(store: Store, runs: tuple[str, str]) -> None:
    execute(store, "DELETE FROM ledger_entries WHERE seq = 3")
    result = cli("ledger", "verify")
    assert result.exit_code == EXIT_TAMPERED
    assert "FAILED" in result.stderr
    assert "entry 3 is missing" in " ".join(result.stderr.split())


def test_a_run_in_progress_is_noted_not_failed(store: Store, runs: tuple[str, str]) -> None:
    # A run whose process was killed after a batch: its last entry is a samples batch.
    # (A status change alone digests the whole run, so it is checked, not merely noted.)
    with store.unit_of_work("test") as uow:
        store.runs.set_status(uow, runs[0], "running")
    assert ledger_actions(store)[-1] == "run.status"
    code, report = verify()
    assert code == 0
    assert not any(runs[0] in note for note in report["notes"])
    row = {
        "sample_id": "late", "epoch": 1, "input": "q", "target": "A", "output": "A",
        "messages": [], "scores": {}, "cluster": None, "metadata_": {}, "input_tokens": 0,
        "output_tokens": 0, "latency": 0.0, "model_calls": 1, "error": None,
        "error_type": None, "raw": None, "completed_at": datetime.now(UTC),
    }  # fmt: skip
    with store.unit_of_work("test") as uow:
        store.runs.append_samples(uow, runs[0], [row])
    assert ledger_actions(store)[-1] == "samples.append"
    code, report = verify()
    assert code == 0
    assert any(runs[0] in note and "in progress" in note for note in report["notes"])


def test_a_resumed_run_has_every_sample_verified(store: Store, runs: tuple[str, str]) -> None:
    """A resume discards errored samples; it ledgers what remains (`samples.rebase`), so the
    run's samples are still checked one by one, not by count."""
    run_id = runs[1]
    resumed = cli("eval", "resume", run_id, "--json")
    assert resumed.exit_code == 0, resumed.stderr
    assert "samples.rebase" in ledger_actions(store)
    code, report = verify()
    assert code == 0, report
    assert report["sample_runs_checked"] == 2
    assert not any("count only" in note for note in report["notes"])
    execute(
        store,
        "UPDATE samples SET scores = :s WHERE run_id = :r AND sample_id = 's0'",
        s='{"numeric": {"value": 0.0}}',
        r=run_id,
    )
    code, report = verify()
    assert code == EXIT_TAMPERED
    assert f"samples of run {run_id}" in report["problem"]


def test_a_ledger_head_out_of_step_with_the_chain_is_named(
    store: Store, runs: tuple[str, str]
) -> None:
    size = len(ledger_rows(store))
    execute(store, "UPDATE ledger_head SET seq = seq + 1")
    code, report = verify()
    assert code == EXIT_TAMPERED
    assert "ledger head" in report["problem"]
    assert report["first_bad_seq"] == size + 1
