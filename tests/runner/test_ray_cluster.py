"""`--executor ray` on a two-node Ray cluster on loopback (`ray start --head` and a second
`ray start --address`, once for this module, stopped even when a test fails): the fault suite
from this process as the driver, and `clearance eval run --executor ray --ray-address` as a
user runs it with a worker killed mid-run."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from clearance.access import LOCAL_ADMIN
from clearance.runner import RunOptions, run_task
from clearance.store import Store
from clearance.tasks import load_task

pytestmark = [pytest.mark.slow, pytest.mark.ray]
ray = pytest.importorskip("ray")

TaskFactory = Callable[..., Path]
SRC = Path(__file__).resolve().parents[2] / "src"
RAY = Path(sys.executable).parent / "ray"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    # A loopback test cluster without Ray's token authentication: a second `ray start` and
    # the drivers would otherwise need the token the head wrote to ~/.ray.
    mode = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    env = {
        **os.environ,
        "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    address = f"127.0.0.1:{_free_port()}"
    common = ["--num-cpus=1", "--disable-usage-stats"]
    try:
        subprocess.run(
            [RAY, "start", "--head", f"--port={address.split(':')[1]}",
             "--node-ip-address=127.0.0.1", "--include-dashboard=false", *common],
            env=env, check=True, timeout=300, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [RAY, "start", f"--address={address}", "--node-ip-address=127.0.0.1", *common],
            env=env, check=True, timeout=300, capture_output=True,
        )  # fmt: skip
        yield address
    finally:
        if ray.is_initialized():
            ray.shutdown()
        subprocess.run([RAY, "stop", "--force"], env=env, timeout=300, capture_output=True)
        if mode is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = mode


def test_two_nodes_recover_every_fault_with_the_same_calls(
    cluster: str, mc_task: TaskFactory, make_stub: Any
) -> None:
    stub = make_stub(faults="429:1,500:1,garbage:1,reset:1,hang:1", retry_after=0.01)
    store = Store.open()
    options = RunOptions(
        base_url=stub.base_url,
        executor="ray",
        ray_address=cluster,
        max_connections=4,
        timeout=0.5,
        retry_base=0.01,
        retry_max=0.05,
    )
    summary = asyncio.run(
        run_task(
            load_task(str(mc_task(12))),
            "openai/stub",
            store=store,
            options=options,
            principal=LOCAL_ADMIN,
        )
    )
    alive = [n for n in ray.nodes() if n["Alive"]]
    ray.shutdown()
    assert len(alive) == 2
    assert (summary.status, summary.scored, summary.errors) == ("completed", 12, 0)
    stored = [(s.sample_id, s.epoch) for s in store.runs.samples(summary.id)]
    assert sorted(stored) == sorted((f"q{i}", 1) for i in range(12))
    assert stub.stats()["requests"] == 12 * 6  # five faults, then the answer


def test_the_cli_on_two_nodes_survives_a_killed_worker(
    cluster: str,
    mc_task: TaskFactory,
    make_stub: Any,
    clearance_home: Path,
    solver_actor_pids: Callable[[], list[int]],
) -> None:
    stub = make_stub(latency=0.3)
    env = {
        **os.environ,
        "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "CLEARANCE_HOME": str(clearance_home),
    }
    run = subprocess.Popen(
        [sys.executable, "-m", "clearance.cli", "eval", "run", str(mc_task(40)),
         "--model", "openai/stub", "--base-url", stub.base_url, "--max-connections", "4",
         "--executor", "ray", "--ray-address", cluster, "--json", "--quiet"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while stub.stats()["requests"] < 6 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
    victims = solver_actor_pids()
    assert victims, "no Ray worker process was found to kill"
    os.kill(victims[0], signal.SIGKILL)
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    summary = json.loads(out.splitlines()[-1])
    assert (summary["status"], summary["scored"], summary["errors"]) == ("completed", 40, 0)
    store = Store.open()
    stored = [(s.sample_id, s.epoch) for s in store.runs.samples(summary["id"])]
    assert len(stored) == len(set(stored)) == 40
    stats = stub.stats()
    again = stats["requests"] - 40  # only the dead worker's two batches of two, at most
    assert 0 <= again <= 2 * 2
    assert stats["repeated"] <= again
