"""Ctrl-C in the middle of the long commands (`suite run` waiting on a slow model, `serve` with a
run of its own executing, `eval resume`) stops them without a traceback and leaves the store
free: no process holds its write lock or a run's lease, a write succeeds at once, and the
ledger verifies. No sequence of interrupted commands locks a store."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "clearance.cli"]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _runs(db: Path) -> list[tuple[str, str]]:
    try:
        with sqlite3.connect(db) as c:
            return [(str(i), str(s)) for i, s in c.execute("SELECT id, status FROM runs")]
    except sqlite3.OperationalError:  # not created yet
        return []


def _wait(condition: object, proc: subprocess.Popen[str], limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError("the command never got under way")


def _interrupt(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert "Traceback" not in out + err, out + err
    assert proc.returncode in (0, 130), out + err
    return " ".join((out + err).split())


def _assert_store_free(db: Path) -> None:
    # Nobody holds the write lock: taking it does not wait at all.
    with sqlite3.connect(db, timeout=0, isolation_level=None) as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    from clearance.runner import observed_status

    assert all(observed_status(i, s) != "running" for i, s in _runs(db)), _runs(db)
    wrote = subprocess.run(
        [*CLI, "eval", "run", str(EXAMPLES / "task.yaml"), "--model",
         f"scripted/{EXAMPLES / 'answers.jsonl'}", "--quiet"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert wrote.returncode == 0, wrote.stderr
    verified = subprocess.run([*CLI, "ledger", "verify"], capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def _start(*args: str, base_url: str = "") -> subprocess.Popen[str]:
    env = os.environ | ({"OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "stub"} if base_url else {})
    return subprocess.Popen(
        [*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


@pytest.mark.slow
def test_ctrl_c_during_suite_run_and_its_resume_leaves_the_store_free(
    make_stub, clearance_home: Path
) -> None:
    stub = make_stub(latency=1.0)
    db = clearance_home / "clearance.db"
    suite = _start(
        "suite", "run", "capabilities", "--model", "openai/stub", "--limit", "3",
        "--max-connections", "1", base_url=stub.base_url,
    )  # fmt: skip
    _wait(lambda: bool(_runs(db)) and stub.stats()["requests"] > 0, suite)
    said = _interrupt(suite)
    assert suite.returncode == 130
    assert "clearance eval resume" in said
    _assert_store_free(db)

    (stopped,) = [i for i, s in _runs(db) if s != "completed"]
    resume = _start("eval", "resume", stopped, base_url=stub.base_url)
    before = stub.stats()["requests"]
    _wait(lambda: stub.stats()["requests"] > before, resume)
    _interrupt(resume)
    _assert_store_free(db)


@pytest.mark.slow
def test_ctrl_c_during_serve_with_a_run_executing_leaves_the_store_free(
    make_stub, clearance_home: Path
) -> None:
    stub = make_stub(latency=1.0)
    db = clearance_home / "clearance.db"
    clearance_home.mkdir(parents=True, exist_ok=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"OPENAI_BASE_URL": stub.base_url, "OPENAI_API_KEY": "stub"},
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            with urllib.request.urlopen(f"{base}/sign-in", timeout=2):
                return True
        except OSError:
            return False

    _wait(up, server)
    # A user-less embedded store: the server acts as the local administrator, as the CLI does,
    # and a bearer-less state change needs the CSRF pair of cookie and header.
    started = urllib.request.Request(
        f"{base}/api/v1/runs",
        data=json.dumps({"task": "starter-science", "model": "openai/stub"}).encode(),
        headers={
            "Content-Type": "application/json",
            "X-CSRF-Token": "t" * 32,
            "Cookie": f"clearance_csrf={'t' * 32}",
        },
        method="POST",
    )
    with urllib.request.urlopen(started, timeout=30) as answer:
        assert answer.status == 202
    _wait(lambda: stub.stats()["requests"] > 0, server)
    _interrupt(server)
    _assert_store_free(db)
