"""Faults a run must survive with a clear status and nothing lost: a server asking to wait an
hour, a refused key on every sample, empty answers, a corrupt journal, an unwritable journal
folder, a process that died mid-run, and a second resume of a run already being resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from clearance.access import LOCAL_ADMIN
from clearance.models import ModelOutput
from clearance.runner import (
    Journal,
    RunError,
    RunOptions,
    RunSummary,
    observed_status,
    resume_run,
    run_task,
)
from clearance.runner._lease import RunLease
from clearance.store import Store
from clearance.tasks import load_task

TaskFactory = Callable[..., Path]
FAST = {"retry_base": 0.01, "retry_max": 0.05, "timeout": 5.0}


async def _run(task_file: Path, base_url: str, **opts: object) -> tuple[RunSummary, Store]:
    store = Store.open()
    options = RunOptions(base_url=base_url, **{**FAST, **opts})  # type: ignore[arg-type]
    summary = await run_task(
        load_task(str(task_file)),
        "openai/stub",
        store=store,
        options=options,
        principal=LOCAL_ADMIN,
    )
    return summary, store


async def test_retry_after_of_an_hour_waits_only_the_retry_ceiling(
    mc_task: TaskFactory, make_stub
) -> None:
    stub = make_stub(faults="429:1", retry_after=3600)
    started = time.monotonic()
    summary, _ = await _run(mc_task(4), stub.base_url, retry_max=0.3, max_connections=4)
    assert (summary.status, summary.scored, summary.errors) == ("completed", 4, 0)
    assert time.monotonic() - started < 20  # not an hour
    assert stub.stats()["requests"] == 8


async def test_identical_refusals_stop_the_run_early_with_their_message(
    mc_task: TaskFactory, make_stub
) -> None:
    stub = make_stub(faults="401:100")
    summary, store = await _run(mc_task(30), stub.base_url, max_connections=1)
    assert summary.status == "failed"
    assert summary.stop_reason is not None
    assert "3 samples failed alike" in summary.stop_reason
    assert "HTTP 401: stub 401" in summary.stop_reason
    assert stub.stats()["requests"] == 3  # not 30
    messages = store.runs.error_messages(summary.id)
    assert len(messages) == 1
    assert messages[0][1] == ["q0", "q1", "q2"]


async def test_server_errors_that_a_retry_may_fix_do_not_stop_the_run_early(
    mc_task: TaskFactory, make_stub
) -> None:
    stub = make_stub(faults="500:1")
    summary, _ = await _run(mc_task(6), stub.base_url, max_connections=1, max_retries=0)
    assert summary.errors == 6
    assert summary.stop_reason == "no sample was scored: all 6 ended in error"


async def test_empty_and_null_answers_are_counted(
    mc_task: TaskFactory, write_script: Callable[[dict[str, str]], Path]
) -> None:
    task = load_task(str(mc_task(4)))
    script = write_script({"q0": "", "q1": "   ", "q2": "ANSWER: C", "q3": "ANSWER: D"})
    summary = await run_task(task, f"scripted/{script}", store=Store.open(), principal=LOCAL_ADMIN)
    assert (summary.status, summary.scored, summary.empty_answers) == ("completed", 4, 2)


def test_a_corrupt_journal_line_is_skipped_with_a_warning_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    journal = Journal(path)
    journal.append(("q0", 1), 0, ModelOutput(text="A"))
    journal.close()
    with path.open("ab") as f:
        f.write(b"{not json at all\n")
        f.write(b'{"s": "q1", "e": 1}\n')  # fields missing
        f.write(b'{"s": "q2", "e": 1, "c": 0, "o": {"text": 5}}\n')  # not an output
        f.write(json.dumps({"s": "q3", "e": 1, "c": 0, "o": {"text": "B"}}).encode() + b"\n")
    with pytest.warns(UserWarning, match="corrupt journal line skipped") as caught:
        replay = Journal.load(path)
    lines = [str(w.message) for w in caught]
    assert [f"line {n}" in m for n, m in zip((2, 3, 4), lines, strict=True)] == [True] * 3
    assert all("corrupt journal line skipped" in m for m in lines)
    assert {k: [o.text for o in v] for k, v in replay.items()} == {
        ("q0", 1): ["A"],
        ("q3", 1): ["B"],
    }


async def test_resume_continues_past_a_corrupt_journal_line(
    mc_task: TaskFactory, make_stub, clearance_home: Path
) -> None:
    stub = make_stub(faults="500:1")  # each sample's first call fails, its second succeeds
    summary, store = await _run(mc_task(3), stub.base_url, max_retries=0)
    assert summary.errors == 3
    journal = clearance_home / "journal" / f"{summary.id}.jsonl"
    journal.write_bytes(b"\x00\xff garbage\n" + b'{"s": 1}\n')
    with pytest.warns(UserWarning, match="line 1: corrupt journal line skipped"):
        resumed = await resume_run(summary.id, store=store, principal=LOCAL_ADMIN)
    assert (resumed.status, resumed.scored, resumed.errors) == ("completed", 3, 0)


@pytest.fixture
def blocked_journal(clearance_home: Path) -> Path:
    """A file where the journal folder should be: no process, root included, can write there."""
    clearance_home.mkdir(parents=True, exist_ok=True)
    blocker = clearance_home / "journal"
    blocker.write_text("a file where the folder should be")
    return blocker


@pytest.mark.usefixtures("blocked_journal")
async def test_an_unwritable_journal_folder_stops_before_any_run_is_recorded(
    mc_task: TaskFactory, make_stub
) -> None:
    stub = make_stub()
    store = Store.open()
    with pytest.raises(RunError, match="cannot write the run's journal"):
        await run_task(
            load_task(str(mc_task(3))),
            "openai/stub",
            store=store,
            options=RunOptions(base_url=stub.base_url, **FAST),  # type: ignore[arg-type]
            principal=LOCAL_ADMIN,
        )
    assert store.runs.newest() == []
    assert stub.stats()["requests"] == 0


async def test_a_second_resume_of_a_run_being_resumed_refuses_before_any_model_call(
    mc_task: TaskFactory, make_stub
) -> None:
    stub = make_stub(faults="500:1")
    summary, store = await _run(mc_task(3), stub.base_url, max_retries=0)
    before = stub.stats()["requests"]
    lease = RunLease.acquire(summary.id)  # as the first resume holds it
    try:
        started = time.monotonic()
        with pytest.raises(RunError, match="is being executed now by another process"):
            await resume_run(summary.id, store=store, principal=LOCAL_ADMIN)
        assert time.monotonic() - started < 5
    finally:
        lease.release(finished=False)
    assert stub.stats()["requests"] == before
    resumed = await resume_run(
        summary.id, store=store, principal=LOCAL_ADMIN
    )  # free again: it finishes
    assert (resumed.status, resumed.scored) == ("completed", 3)


def test_a_run_whose_process_was_killed_is_interrupted_not_running(
    mc_task: TaskFactory, make_stub, clearance_home: Path
) -> None:
    stub = make_stub(latency=0.05)
    cmd = [
        sys.executable,
        "-m",
        "clearance.cli",
        "eval",
        "run",
        str(mc_task(400)),
        "--model",
        "openai/stub",
        "--base-url",
        stub.base_url,
        "--max-connections",
        "2",
        "--quiet",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    store = Store.open()
    deadline = time.monotonic() + 60
    while not store.runs.newest() and time.monotonic() < deadline:
        time.sleep(0.1)
    (run,) = store.runs.newest()
    assert observed_status(run.id, run.status) == "running"  # its process holds the lease
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    run = store.runs.resolve(run.id)
    assert run.status == "running"  # what the dead process left in the store
    assert observed_status(run.id, run.status) == "interrupted"


class _Recorder:
    """A Progress that keeps every wait the engine reported."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def start(self, total: int, done: int) -> None:
        pass

    def update(self, done: int, errors: int) -> None:
        pass

    def waiting(self, seconds: float) -> None:
        self.waits.append(seconds)

    def stop(self) -> None:
        pass


async def test_the_wait_a_server_asked_for_is_reported_capped_to_the_ceiling(
    mc_task: TaskFactory, make_stub
) -> None:
    stub = make_stub(faults="429:1", retry_after=3600)
    progress = _Recorder()
    options = RunOptions(base_url=stub.base_url, **{**FAST, "retry_max": 1.0})  # type: ignore[arg-type]
    summary = await run_task(
        load_task(str(mc_task(2))), "openai/stub", store=Store.open(), options=options,
        progress=progress, principal=LOCAL_ADMIN,
    )  # fmt: skip
    assert summary.scored == 2
    shown = [w for w in progress.waits if w > 0]
    assert shown, "the progress line never showed the wait"
    assert max(shown) <= 1.0


def test_a_second_resume_process_refuses_while_the_first_runs(
    mc_task: TaskFactory, make_stub, clearance_home: Path
) -> None:
    # Each sample's first call fails at once; its second hangs, so the first resume is still
    # waiting on the server (for --timeout) when the second resume starts.
    stub = make_stub(faults="500:1,hang:1")
    cli = [sys.executable, "-m", "clearance.cli"]
    first = subprocess.run(
        [*cli, "eval", "run", str(mc_task(2)), "--model", "openai/stub", "--base-url",
         stub.base_url, "--max-retries", "0", "--timeout", "15", "--quiet", "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    run_id = json.loads(first.stdout)["id"]
    calls_before = stub.stats()["requests"]
    resuming = subprocess.Popen(
        [*cli, "eval", "resume", run_id, "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while stub.stats()["requests"] == calls_before and time.monotonic() < deadline:
            time.sleep(0.05)  # the first resume is waiting on the model now
        second = subprocess.run(
            [*cli, "eval", "resume", run_id, "--quiet"], capture_output=True, text=True, timeout=120
        )
        assert second.returncode == 1
        assert "is being executed now by another process" in " ".join(second.stderr.split())
    finally:
        resuming.communicate(timeout=300)
    assert stub.stats()["requests"] == calls_before + 2  # the second resume asked nothing
