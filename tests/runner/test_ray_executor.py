"""`--executor ray` on a real local Ray cluster (2 CPUs, started once for this module): every
fault of the stub server recovered with the same calls as in-process, no sample lost or stored
twice, a worker killed mid-run costs nothing but its batch, and Ray stays an optional import.
The two-node cluster is in test_ray_cluster.py."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from stub_runs import run_on_stub, stored_ids

from clearance.access import LOCAL_ADMIN
from clearance.runner import RunOptions, RunSummary, run_task
from clearance.store import Store
from clearance.tasks import load_task

pytestmark = [pytest.mark.slow, pytest.mark.ray]
ray = pytest.importorskip("ray")

TaskFactory = Callable[..., Path]
RAY = {"executor": "ray"}


@pytest.fixture(scope="module", autouse=True)
def local_cluster() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def _run(task_file: Path, base_url: str, **opts: Any) -> tuple[RunSummary, Store]:
    return asyncio.run(run_on_stub(task_file, base_url, **{**RAY, **opts}))


@pytest.mark.parametrize(
    ("faults", "extra_per_sample"),
    [("429:2", 2), ("500:2", 2), ("garbage:2", 2), ("reset:2", 2), ("hang:1", 1)],
)
def test_each_fault_is_retried_on_the_workers_with_no_sample_lost_or_doubled(
    mc_task: TaskFactory, make_stub: Any, faults: str, extra_per_sample: int
) -> None:
    stub = make_stub(faults=faults, retry_after=0.01)
    timeout = 0.5 if "hang" in faults else 5.0
    summary, store = _run(mc_task(12), stub.base_url, max_connections=4, timeout=timeout)
    assert (summary.status, summary.scored, summary.errors) == ("completed", 12, 0)
    stored = stored_ids(store, summary.id)
    assert sorted(stored) == sorted((f"q{i}", 1) for i in range(12))
    # Exactly the calls the in-process engine makes: each fault retried once per attempt, no
    # batch sent twice while its worker lived.
    assert stub.stats()["requests"] == 12 * (1 + extra_per_sample)
    assert summary.provenance["model"]["spec"] == "openai/stub"


def test_a_killed_worker_costs_its_batch_only_and_nothing_is_stored_twice(
    mc_task: TaskFactory, make_stub: Any, solver_actor_pids: Callable[[], list[int]]
) -> None:
    stub = make_stub(latency=0.3)
    killed: list[int] = []

    def kill_a_worker() -> None:
        deadline = time.monotonic() + 120
        while stub.stats()["requests"] < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in solver_actor_pids():
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            return

    killer = threading.Thread(target=kill_a_worker)
    killer.start()
    summary, store = _run(mc_task(40), stub.base_url, max_connections=4)
    killer.join()
    assert killed, "no Ray worker process was found to kill"
    assert (summary.status, summary.scored, summary.errors) == ("completed", 40, 0)
    stored = stored_ids(store, summary.id)
    assert len(stored) == len(set(stored)) == 40
    # The killed worker's unreturned answers are asked again; nothing else is.
    stats = stub.stats()
    again = stats["requests"] - 40
    assert 0 <= again <= 2 * 2  # its two batches of two (4 connections over 2 workers)
    assert stats["repeated"] <= again


def test_a_model_that_differs_on_a_worker_stops_the_run_naming_it(
    mc_task: TaskFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A scripted model's version is its file's SHA-256, as a local model's is its weights
    # digest: a worker that finds other contents than the run recorded must not answer.
    from clearance.runner import _ray as ray_executor

    script = tmp_path / "answers.jsonl"
    script.write_text('{"id": "q0", "output": "ANSWER: A"}\n')
    real_connect = ray_executor.connect

    def connect_then_change(address: str | None) -> Any:
        # After the driver recorded the model, before any worker loads it.
        script.write_text('{"id": "q0", "output": "ANSWER: C"}\n')
        return real_connect(address)

    monkeypatch.setattr(ray_executor, "connect", connect_then_change)
    store = Store.open()
    with pytest.raises(ray_executor.RayExecutorError, match="not the one the run started with"):
        asyncio.run(
            run_task(
                load_task(str(mc_task(4))),
                f"scripted/{script}",
                store=store,
                options=RunOptions(executor="ray"),
                principal=LOCAL_ADMIN,
            )
        )


def test_without_ray_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from clearance.runner._ray import RayExecutorError, import_ray

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(RayExecutorError, match=r"`ray` extra"):
        import_ray()


def test_the_runner_does_not_import_ray_until_asked() -> None:
    probe = "import sys, clearance.runner, clearance.cli; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
