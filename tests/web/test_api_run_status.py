"""A run's status on the web is the one `eval list` shows: a run left ``running`` in the store by
a process that is gone reads as ``interrupted``, in the API, its filter and the pages alike."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from test_auth import sign_in
from web_world import World

from clearance.runner._lease import RunLease

pytestmark = pytest.mark.each_database  # on the embedded store and on PostgreSQL


def _left_running(world: World) -> str:
    run_id = world.public_run.id
    with world.store.unit_of_work("root") as uow:
        world.store.runs.set_status(uow, run_id, "running")
    return run_id


def _status(client: TestClient, world: World, run_id: str) -> tuple[str, str, list[str]]:
    auth = world.auth("eve")
    listed = client.get("/api/v1/runs", headers=auth).json()["items"]
    (in_list,) = [r["status"] for r in listed if r["id"] == run_id]
    one = client.get(f"/api/v1/runs/{run_id}", headers=auth).json()["item"]["status"]
    interrupted = client.get("/api/v1/runs", params={"status": "interrupted"}, headers=auth)
    return in_list, one, [r["id"] for r in interrupted.json()["items"]]


def test_a_run_whose_process_is_gone_shows_as_interrupted(client: TestClient, world: World) -> None:
    run_id = _left_running(world)
    lease = RunLease.acquire(run_id)  # a live process executing it
    try:
        assert _status(client, world, run_id) == ("running", "running", [])
    finally:
        lease.release(finished=False)  # the process is gone; the store still says running
    assert world.store.runs.resolve(run_id).status == "running"
    assert _status(client, world, run_id) == ("interrupted", "interrupted", [run_id])
    assert sign_in(client, "eve").status_code == 303
    assert "· interrupted ·" in client.get(f"/runs/{run_id}").text
    listed = client.get("/runs", params={"status": "interrupted"}).text
    assert f'href="/runs/{run_id}"' in listed
