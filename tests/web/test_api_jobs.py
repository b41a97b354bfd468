"""Starting a run through the API: queued, executed by the server's worker thread, polled to
its end, cancelled while it runs (and left resumable), refused when it may not be started."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_world import World, scripted_answers


def _poll_for(
    client: TestClient, world: World, job: str, ready: Callable[[dict[str, Any]], bool], what: str
) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        item: dict[str, Any] = client.get(f"/api/v1/jobs/{job}", headers=world.auth("eve")).json()[
            "item"
        ]
        if ready(item):
            return item
        time.sleep(0.2)
    raise AssertionError(f"job {job} never reached {what}")


def _poll(client: TestClient, world: World, job: str, until: set[str]) -> dict[str, Any]:
    return _poll_for(client, world, job, lambda item: item["state"] in until, str(until))


def test_a_run_started_through_the_api_completes(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    model = scripted_answers(tmp_path / "answers.jsonl", "starter-cyber", 3)
    started = client.post(
        "/api/v1/runs",
        json={
            "task": "starter-cyber",
            "model": model,
            "limit": 3,
            "marking": "SECRET",
        },
        headers=world.auth("eve"),
    )
    assert started.status_code == 202, started.text
    job = started.json()["item"]
    assert job["state"] in ("queued", "running")
    assert started.headers["Clearance-Marking"] == "SECRET"
    done = _poll(client, world, job["id"], {"completed", "failed", "cancelled"})
    assert done["state"] == "completed", done
    assert done["total"] == 3
    assert done["done"] == 3
    run = client.get(f"/api/v1/runs/{done['run_id']}", headers=world.auth("eve")).json()["item"]
    assert run["task"] == "starter-cyber"
    assert run["created_by"] == "eve"
    assert run["marking"] == "SECRET"
    listed = client.get("/api/v1/jobs", headers=world.auth("eve")).json()["items"]
    assert [j["id"] for j in listed] == [job["id"]]
    other = client.get(f"/api/v1/jobs/{job['id']}", headers=world.auth("ursula"))
    assert other.status_code == 404


def test_a_running_run_is_cancelled_and_stays_resumable(
    client: TestClient, world: World, make_stub: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub = make_stub(latency=30.0)
    monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    started = client.post(
        "/api/v1/runs",
        json={"task": "starter-cyber", "model": "openai/stub", "limit": 4},
        headers=world.auth("eve"),
    )
    job = started.json()["item"]["id"]
    # Running is not enough: the pre-flight check calls the server before the run is recorded.
    # The job learns its total once the run exists.
    recorded = _poll_for(
        client, world, job, lambda item: item["total"] is not None, "a recorded run"
    )
    assert recorded["state"] == "running", recorded
    deadline = time.monotonic() + 30
    while stub.stats().get("requests", 0) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    cancelled = client.delete(f"/api/v1/jobs/{job}", headers=world.auth("eve"))
    assert cancelled.status_code == 200
    ended = _poll(client, world, job, {"cancelled", "failed", "completed"})
    assert ended["state"] == "cancelled"
    assert ended["run_id"]
    run = client.get(f"/api/v1/runs/{ended['run_id']}", headers=world.auth("eve")).json()["item"]
    assert run["status"] != "completed"
    assert run["scored"] == 0


def test_runs_that_may_not_be_started_are_refused(client: TestClient, world: World) -> None:
    above = client.post(
        "/api/v1/runs",
        json={"task": "starter-cyber", "model": "openai/x", "marking": "SECRET"},
        headers=world.auth("ursula"),
    )
    assert above.status_code == 403
    path = client.post(
        "/api/v1/runs",
        json={"task": "/etc/passwd.yaml", "model": "openai/x"},
        headers=world.auth("eve"),
    )
    assert path.status_code == 422
    assert "not a registered task name" in path.json()["detail"]
    auditor = client.post(
        "/api/v1/runs",
        json={"task": "starter-cyber", "model": "openai/x"},
        headers=world.auth("carol"),
    )
    assert auditor.status_code == 403
