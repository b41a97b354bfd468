"""A store whose write lock another process really holds (an open ``BEGIN IMMEDIATE`` on the
SQLite file, as a long import or a stuck writer would): reading commands go on at once, a
writing command waits a bounded time and then either proceeds (the lock was let go) or ends in
one line naming the lock, with nothing half-written and the ledger still verifying."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "clearance.cli"]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RUN = [
    "eval",
    "run",
    str(EXAMPLES / "task.yaml"),
    "--model",
    f"scripted/{EXAMPLES / 'answers.jsonl'}",
]
HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def store_with_a_run(clearance_home: Path) -> Path:
    done = _cli(*RUN, "--quiet")
    assert done.returncode == 0, done.stderr
    return clearance_home / "clearance.db"


@pytest.fixture
def write_lock(store_with_a_run: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the store's write lock until a line is written to its stdin."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store_with_a_run)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    yield holder
    if holder.poll() is None:
        holder.communicate("\n", timeout=30)


def _release(holder: subprocess.Popen[str]) -> None:
    holder.communicate("\n", timeout=30)
    assert holder.returncode == 0


def _runs() -> list[dict[str, object]]:
    listed = _cli("eval", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    runs: list[dict[str, object]] = json.loads(listed.stdout)
    return runs


def test_reading_commands_do_not_wait_for_a_writer(write_lock: subprocess.Popen[str]) -> None:
    # Each would wait the whole lock timeout (30 s) and fail if a read took the write lock.
    assert [r["status"] for r in _runs()] == ["completed"]
    verified = _cli("ledger", "verify", timeout=25)
    assert verified.returncode == 0, verified.stderr
    assert write_lock.poll() is None  # the lock was held throughout


@pytest.mark.slow
def test_a_write_held_up_past_the_wait_ends_in_one_line_with_nothing_written(
    write_lock: subprocess.Popen[str], clearance_home: Path
) -> None:
    blocked = _cli(*RUN, "--quiet")
    said = " ".join((blocked.stdout + blocked.stderr).split())
    assert blocked.returncode != 0
    assert "Traceback" not in said
    assert "another process holds the store's write lock" in said
    assert len(blocked.stderr.strip().splitlines()) <= 2, blocked.stderr
    _release(write_lock)
    assert len(_runs()) == 1  # no run half-recorded
    leftovers = sorted(p.name for p in (clearance_home / "journal").iterdir())
    assert not [name for name in leftovers if name.endswith(".jsonl")], leftovers
    verified = _cli("ledger", "verify")
    assert verified.returncode == 0, verified.stderr


def test_a_write_waits_for_a_lock_that_is_let_go_and_then_proceeds(
    write_lock: subprocess.Popen[str],
) -> None:
    writer = subprocess.Popen(
        [*CLI, *RUN, "--quiet", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # Time to start and reach the lock: a writer that gave up at once would have ended.
    with contextlib.suppress(subprocess.TimeoutExpired):
        writer.wait(timeout=10)
    assert writer.returncode is None, writer.communicate()
    _release(write_lock)
    out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert json.loads(out)["status"] == "completed"
    assert [r["status"] for r in _runs()] == ["completed", "completed"]
    assert _cli("ledger", "verify").returncode == 0
