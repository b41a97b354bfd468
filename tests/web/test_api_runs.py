"""The runs API: listing with filters and cursors, one run, samples by page and filter, one
transcript, the raw response and the streamed export, each marked."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from web_world import PUBLIC_TASK, SECRET_TASK, World

pytestmark = pytest.mark.each_database  # on the embedded store and on PostgreSQL


def test_runs_list_filters_and_marks(client: TestClient, world: World) -> None:
    answer = client.get("/api/v1/runs", headers=world.auth("eve"))
    assert answer.status_code == 200
    body = answer.json()
    assert {r["task"] for r in body["items"]} == {PUBLIC_TASK, SECRET_TASK}
    assert body["marking"] == "SECRET" == answer.headers["Clearance-Marking"]
    only = client.get(
        "/api/v1/runs", params={"task": PUBLIC_TASK}, headers=world.auth("eve")
    ).json()
    assert [r["id"] for r in only["items"]] == [world.public_run.id]
    none = client.get(
        "/api/v1/runs", params={"status": "running"}, headers=world.auth("eve")
    ).json()
    assert none["items"] == []


def test_runs_page_with_a_cursor(client: TestClient, world: World) -> None:
    first = client.get("/api/v1/runs", params={"limit": 1}, headers=world.auth("root")).json()
    assert len(first["items"]) == 1
    assert first["next_cursor"]
    second = client.get(
        "/api/v1/runs",
        params={"limit": 1, "cursor": first["next_cursor"]},
        headers=world.auth("root"),
    ).json()
    assert len(second["items"]) == 1
    assert second["next_cursor"] is None
    assert first["items"][0]["id"] != second["items"][0]["id"]


def test_a_forged_cursor_is_a_clear_problem(client: TestClient, world: World) -> None:
    answer = client.get("/api/v1/runs", params={"cursor": "bm9wZQ"}, headers=world.auth("eve"))
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert "not a runs cursor from this server" in answer.json()["detail"]


def test_one_run_with_metrics_and_provenance(client: TestClient, world: World) -> None:
    answer = client.get(f"/api/v1/runs/{world.public_run.id}", headers=world.auth("eve"))
    item = answer.json()["item"]
    assert item["metrics"]["accuracy"]["ci_low"] is not None
    assert item["provenance"]["dataset"]["digest"]
    assert answer.headers["Clearance-Marking"] == "UNCLASSIFIED"


def test_samples_page_filter_and_search(client: TestClient, world: World) -> None:
    url = f"/api/v1/runs/{world.public_run.id}/samples"
    first = client.get(url, params={"limit": 5}, headers=world.auth("eve")).json()
    assert [s["sample_id"] for s in first["items"]] == ["s0", "s1", "s2", "s3", "s4"]
    rest = client.get(
        url, params={"limit": 100, "cursor": first["next_cursor"]}, headers=world.auth("eve")
    ).json()
    assert len(rest["items"]) == 7
    assert rest["next_cursor"] is None
    wrong = client.get(
        url, params={"scorer": "numeric", "max_score": 0.5}, headers=world.auth("eve")
    ).json()
    assert [s["sample_id"] for s in wrong["items"]] == ["s1", "s3", "s5", "s7", "s9", "s11"]
    found = client.get(url, params={"q": "s1"}, headers=world.auth("eve")).json()
    assert {s["sample_id"] for s in found["items"]} == {"s1", "s10", "s11"}
    literal = client.get(url, params={"q": "%"}, headers=world.auth("eve")).json()
    assert literal["items"] == []


def test_transcript_and_raw(client: TestClient, world: World) -> None:
    url = f"/api/v1/runs/{world.public_run.id}/samples/s2"
    item = client.get(url, headers=world.auth("eve")).json()["item"]
    assert item["messages"][0]["role"] == "user"
    assert "2 + 2" in json.dumps(item["messages"])
    assert item["scores"]["numeric"]["value"] == 1.0
    raw = client.get(url + "/raw", headers=world.auth("eve")).json()["item"]
    assert raw["sample_id"] == "s2"
    missing = client.get(url.replace("s2", "s999"), headers=world.auth("eve"))
    assert missing.status_code == 404
    assert "has no sample 's999'" in missing.json()["detail"]


def test_export_streams_every_sample_with_the_marking_first(
    client: TestClient, world: World
) -> None:
    answer = client.get(f"/api/v1/runs/{world.secret_run.id}/export", headers=world.auth("eve"))
    assert answer.status_code == 200
    assert answer.headers["Clearance-Marking"] == "SECRET"
    lines = [json.loads(line) for line in answer.text.splitlines()]
    assert lines[0] == {"marking": "SECRET", "run": world.secret_run.id}
    assert len(lines) == 1 + 4
