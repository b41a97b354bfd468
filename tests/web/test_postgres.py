"""The API on a PostgreSQL store (CLEARANCE_DATABASE_URL): the same listings, filters, pages
and no-oracle answers as on the embedded store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_world import SECRET_TASK, World, build_world

from clearance.store import Store
from clearance.web import create_app

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_client(postgres_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, World]]:
    store = Store.open(postgres_url)
    try:
        world = build_world(store, tmp_path / "tasks")
        with TestClient(create_app(store), base_url="http://127.0.0.1") as client:
            yield client, world
    finally:
        store.close()


def test_the_api_on_postgresql(pg_client: tuple[TestClient, World]) -> None:
    client, world = pg_client
    runs = client.get("/api/v1/runs", headers=world.auth("ursula")).json()
    assert [r["id"] for r in runs["items"]] == [world.public_run.id]
    assert runs["withheld"] == 1
    assert SECRET_TASK not in str(runs)
    url = f"/api/v1/runs/{world.public_run.id}/samples"
    wrong = client.get(
        url, params={"scorer": "numeric", "max_score": 0.5}, headers=world.auth("eve")
    ).json()
    assert [s["sample_id"] for s in wrong["items"]] == ["s1", "s3", "s5", "s7", "s9", "s11"]
    first = client.get(url, params={"limit": 5}, headers=world.auth("eve")).json()
    rest = client.get(
        url, params={"limit": 50, "cursor": first["next_cursor"]}, headers=world.auth("eve")
    ).json()
    assert len(first["items"]) + len(rest["items"]) == 12
    found = client.get(url, params={"q": "s1"}, headers=world.auth("eve")).json()
    assert {s["sample_id"] for s in found["items"]} == {"s1", "s10", "s11"}
    hidden = client.get(f"/api/v1/runs/{world.secret_run.id}", headers=world.auth("ursula"))
    missing_id = "f" * len(world.secret_run.id)
    missing = client.get(f"/api/v1/runs/{missing_id}", headers=world.auth("ursula"))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text.replace(world.secret_run.id, "ID") == missing.text.replace(missing_id, "ID")
