"""Private files: under the usual umask 022, nothing Clearance keeps under $CLEARANCE_HOME (the
store, its WAL, caches, journals, checkpoints, keys) is readable by another user, and `ledger
verify` names anything it finds wider."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from accountability_support import cli, write_task

from clearance.store import Store


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _clearance(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The `clearance` command in its own process, started from a shell with umask 022."""
    command = " ".join(["umask 022;", "exec", sys.executable, "-m", "clearance.cli", *args])
    env = {**os.environ, "CLEARANCE_HOME": str(home)}
    env.pop("CLEARANCE_DATABASE_URL", None)
    return subprocess.run(
        ["sh", "-c", command], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _readable_by_others(home: Path) -> list[str]:
    return [
        f"{path} {stat.S_IMODE(path.stat().st_mode):04o}"
        for path in [home, *home.rglob("*")]
        if stat.S_IMODE(path.stat().st_mode) & 0o077
    ]


def test_no_file_under_home_is_readable_by_others_under_umask_022(
    clearance_home: Path, tmp_path: Path
) -> None:
    task, model = write_task(tmp_path / "task", 3)
    for args in (
        ("eval", "run", str(task), "--model", model, "-q"),
        ("ledger", "checkpoint"),
        ("ledger", "verify"),
    ):
        done = _clearance(clearance_home, *args)
        assert done.returncode == 0, done.stderr
    kept = {path.name for path in clearance_home.rglob("*")}
    assert {"clearance.db", "responses.db", "ledger_ed25519.pem", "checkpoints"} <= kept
    assert stat.S_IMODE(clearance_home.stat().st_mode) == 0o700
    assert _readable_by_others(clearance_home) == []


def test_the_store_is_private_when_opened_as_a_library(
    clearance_home: Path, usual_umask: None
) -> None:
    store = Store.open()
    try:
        with store.unit_of_work("tester") as uow:
            uow.session.connection()
        assert stat.S_IMODE(clearance_home.stat().st_mode) == 0o700
        assert _readable_by_others(clearance_home) == []
    finally:
        store.close()


def test_verify_names_files_others_can_read(clearance_home: Path, usual_umask: None) -> None:
    # Opening the store narrows the home folder and the database file again (repaired, not
    # merely reported), so the warning is shown for what Clearance does not reopen.
    signed = cli("ledger", "checkpoint")
    assert signed.exit_code == 0, signed.stderr
    checkpoint = Path(signed.stdout.strip())
    checkpoint.chmod(0o644)
    result = cli("ledger", "verify", "--json")
    assert result.exit_code == 0, result.stderr
    notes = json.loads(result.stdout)["notes"]
    assert any(str(checkpoint) in note and "0644" in note for note in notes), notes
    text = cli("ledger", "verify")
    assert "readable by other users" in " ".join(text.stderr.split())
