"""Witnesses in their own process: checkpoints are made and published automatically after a
command that wrote, and a full rewrite (hashes recomputed, checkpoint re-signed with the key
beside the database), a tail truncation and a fork are each caught against the witness."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from accountability_support import cli, eval_run, execute, ledger_size, said, write_task

from clearance.ledger import Witnessed, entry_hash
from clearance.store import LedgerReader, Store

EXIT_TAMPERED = 4


@dataclass
class WitnessProcess:
    url: str
    process: subprocess.Popen[str]

    def held(self) -> Witnessed | None:
        try:
            with urllib.request.urlopen(f"{self.url}/v1/logs/clearance", timeout=10) as answer:
                return Witnessed.model_validate(json.loads(answer.read()))
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise


@pytest.fixture
def witness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WitnessProcess]:
    """`clearance witness serve` in a process of its own, with its own folder and key; the
    store (CLEARANCE_WITNESSES) publishes to it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "clearance.cli", "witness", "serve",
         "--dir", str(tmp_path / "witness"), "--port", "0"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "listening on" in line, line
    served = WitnessProcess(url=line.split()[-1], process=process)
    monkeypatch.setenv("CLEARANCE_WITNESSES", served.url)
    try:
        yield served
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def store(clearance_home: Path) -> Iterator[Store]:
    clearance_home.mkdir(parents=True, exist_ok=True)
    opened = Store.open(f"sqlite:///{clearance_home / 'clearance.db'}")
    yield opened
    opened.close()


@dataclass
class WitnessedHistory:
    size: int
    """Entries the witness countersigned."""
    before_second_run: int
    """Entries before the second run was recorded."""
    second_run: str


@pytest.fixture
def witnessed(store: Store, witness: WitnessProcess, tmp_path: Path) -> WitnessedHistory:
    """Two runs, then a checkpoint the witness countersigned."""
    task, model = write_task(tmp_path / "a", 3, name="sums-a")
    eval_run(task, model)
    before = ledger_size(store)
    task, model = write_task(tmp_path / "b", 3, name="sums-b")
    second = eval_run(task, model)
    signed = cli("ledger", "checkpoint")
    assert signed.exit_code == 0, signed.stderr
    held = witness.held()
    assert held is not None
    assert held.checkpoint.tree_size == ledger_size(store)
    return WitnessedHistory(held.checkpoint.tree_size, before, second)


def _verify() -> tuple[int, dict[str, Any]]:
    result = cli("ledger", "verify", "--json")
    assert result.stdout, result.stderr
    return result.exit_code, json.loads(result.stdout)


def _rewrite_from(store: Store, seq: int, actor: str) -> None:
    """Rewrite entry ``seq`` (a new actor) and recompute every hash after it, as someone holding
    the database would: the chain verifies again on its own."""
    entries = list(LedgerReader(store.engine).entries())
    previous = entries[seq - 2].hash if seq > 1 else entries[0].prev_hash
    for entry in entries[seq - 1 :]:
        changed = entry.model_copy(
            update={"prev_hash": previous, **({"actor": actor} if entry.seq == seq else {})}
        )
        changed = changed.model_copy(update={"hash": entry_hash(changed)})
        execute(
            store,
            "UPDATE ledger_entries SET actor = :actor, prev_hash = :prev_hash, hash = :hash "
            "WHERE seq = :seq",
            actor=changed.actor, prev_hash=changed.prev_hash, hash=changed.hash, seq=changed.seq,
        )  # fmt: skip
        previous = changed.hash
    execute(store, "UPDATE ledger_head SET hash = :h", h=previous)


def _resign_locally(clearance_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Delete the checkpoints and sign the rewritten log with the key beside the database,
    without telling the witness."""
    for old in (clearance_home / "checkpoints").glob("*.json"):
        old.unlink()
    with monkeypatch.context() as quiet:
        quiet.delenv("CLEARANCE_WITNESSES")
        signed = cli("ledger", "checkpoint")
        assert signed.exit_code == 0, signed.stderr
        code, report = _verify()
        assert code == 0, report  # alone, the rewritten store vouches for itself


def test_a_command_that_wrote_is_checkpointed_and_witnessed(
    witness: WitnessProcess, clearance_home: Path, tmp_path: Path
) -> None:
    task, model = write_task(tmp_path / "t", 3)
    env = {**os.environ, "CLEARANCE_HOME": str(clearance_home)}
    ran = subprocess.run(
        [sys.executable, "-m", "clearance.cli", "eval", "run", str(task), "--model", model, "-q"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    store = Store.open(f"sqlite:///{clearance_home / 'clearance.db'}")
    size = ledger_size(store)
    store.close()
    assert (clearance_home / "checkpoints" / f"checkpoint-{size}.json").is_file()
    held = witness.held()
    assert held is not None
    assert held.checkpoint.tree_size == size
    code, report = _verify()
    assert code == 0, report
    assert report["witnesses_checked"] == [witness.url]


def test_a_full_rewrite_with_a_resigned_checkpoint_is_caught(
    store: Store,
    witnessed: WitnessedHistory,
    witness: WitnessProcess,
    clearance_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _rewrite_from(store, 2, actor="mallory")
    _resign_locally(clearance_home, monkeypatch)
    code, report = _verify()
    assert code == EXIT_TAMPERED
    assert "rewritten" in report["problem"]
    assert witness.url in report["problem"]


def test_a_truncated_tail_is_caught(
    store: Store,
    witnessed: WitnessedHistory,
    witness: WitnessProcess,
    clearance_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The second run vanishes: its entries cut from the end, its rows deleted, the head moved.
    keep = witnessed.before_second_run
    remaining = list(LedgerReader(store.engine).entries(up_to=keep))
    run = witnessed.second_run
    model = store.runs.resolve(run).model_id
    execute(store, "DELETE FROM samples WHERE run_id = :r", r=run)
    execute(store, "DELETE FROM runs WHERE id = :r", r=run)
    execute(store, "DELETE FROM models WHERE id = :m", m=model)
    execute(store, "DELETE FROM ledger_entries WHERE seq > :k", k=keep)
    execute(store, "UPDATE ledger_head SET seq = :s, hash = :h", s=keep, h=remaining[-1].hash)
    _resign_locally(clearance_home, monkeypatch)
    code, report = _verify()
    assert code == EXIT_TAMPERED
    assert report["first_bad_seq"] == keep + 1
    assert "truncated" in report["problem"]
    assert witness.url in report["problem"]


def test_a_fork_is_refused_by_the_witness_and_named(
    store: Store, witnessed: WitnessedHistory, witness: WitnessProcess, clearance_home: Path
) -> None:
    _rewrite_from(store, 3, actor="mallory")
    for old in (clearance_home / "checkpoints").glob("*.json"):
        old.unlink()
    # The forked history, signed with the store's own key, is offered to the witness: refused.
    offered = cli("ledger", "checkpoint")
    assert offered.exit_code != 0
    assert "fork" in said(offered.stderr)
    held = witness.held()
    assert held is not None
    assert held.checkpoint.tree_size == witnessed.size  # the witness kept what it had
    code, report = _verify()
    assert code == EXIT_TAMPERED
    assert witness.url in report["problem"]


def test_a_key_rotation_is_a_ledger_entry_the_witness_follows(
    store: Store, witnessed: WitnessedHistory, witness: WitnessProcess, clearance_home: Path
) -> None:
    old_key = witness.held()
    assert old_key is not None
    rotated = cli("ledger", "rotate-key")
    assert rotated.exit_code == 0, rotated.stderr
    entries = list(LedgerReader(store.engine).entries())
    rotation = [e for e in entries if e.action == "key.rotate"]
    assert [e.record_type for e in rotation] == ["signing_key"]
    held = witness.held()
    assert held is not None
    assert held.checkpoint.key_id == rotation[0].record_id != old_key.checkpoint.key_id
    assert held.checkpoint.tree_size == len(entries)
    code, report = _verify()
    assert code == 0, report
    # A key swapped in without the old key's endorsement is refused by the witness.
    key = clearance_home / "keys" / "ledger_ed25519.pem"
    key.unlink()
    (clearance_home / "keys" / "ledger_ed25519.pub.pem").unlink()
    forged = cli("ledger", "checkpoint")
    assert forged.exit_code != 0
    assert "endorsement" in said(forged.stderr)
