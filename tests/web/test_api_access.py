"""The access matrix through the API: a reader below a record's marking never sees its id,
title or a metric, only how many records were withheld; a hidden record answers exactly as a
missing one; roles still decide what each may do."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from web_world import PASSWORD, SECRET_TASK, SECRET_USE_CASE, World

from clearance.access import Marking
from clearance.accountability import remark_run, sign_in

READS = (
    "/api/v1/runs",
    "/api/v1/use-cases",
    "/api/v1/findings",
    "/api/v1/assessments",
    "/api/v1/incidents",
    "/api/v1/due",
    "/api/v1/inventory",
    "/api/v1/inventory?format=omb-csv",
    "/api/v1/ledger?entries=500",
    "/api/v1/reports/annual?format=json",
    "/api/v1/reports/inventory?format=json",
)


def _secrets(world: World) -> list[str]:
    return [SECRET_TASK, SECRET_USE_CASE, world.secret_run.id, world.secret_use_case]


@pytest.mark.parametrize("path", READS)
def test_an_unclassified_reader_sees_no_secret_id_or_title(
    client: TestClient, world: World, path: str
) -> None:
    answer = client.get(path, headers=world.auth("ursula"))
    assert answer.status_code == 200, answer.text
    for secret in _secrets(world):
        assert secret not in answer.text, f"{secret} leaked through {path}"
    assert answer.headers["Clearance-Marking"] == "UNCLASSIFIED"


def test_listings_count_what_they_withheld(client: TestClient, world: World) -> None:
    runs = client.get("/api/v1/runs", headers=world.auth("ursula")).json()
    assert [r["id"] for r in runs["items"]] == [world.public_run.id]
    assert runs["withheld"] == 1
    assert "1 record withheld" in runs["withheld_notice"]
    use_cases = client.get("/api/v1/use-cases", headers=world.auth("ursula")).json()
    assert use_cases["items"] == []
    assert use_cases["withheld"] == 1
    cleared = client.get("/api/v1/runs", headers=world.auth("eve")).json()
    assert cleared["withheld"] == 0


@pytest.mark.parametrize("suffix", ["", "/samples", "/samples/s0", "/samples/s0/raw", "/export"])
def test_a_hidden_run_answers_as_a_missing_one(
    client: TestClient, world: World, suffix: str
) -> None:
    hidden_id = world.secret_run.id
    missing_id = "f" * len(hidden_id)
    hidden = client.get(f"/api/v1/runs/{hidden_id}{suffix}", headers=world.auth("ursula"))
    missing = client.get(f"/api/v1/runs/{missing_id}{suffix}", headers=world.auth("ursula"))
    assert hidden.status_code == missing.status_code == 404
    assert dict(hidden.headers) == dict(missing.headers) | {
        "content-length": hidden.headers["content-length"]
    }
    assert hidden.text.replace(hidden_id, "ID") == missing.text.replace(missing_id, "ID")
    assert (
        hidden.json()["detail"] == f"no run matches {hidden_id!r}; `clearance eval list` shows them"
    )
    assert client.get(f"/api/v1/runs/{hidden_id}{suffix}", headers=world.auth("eve")).is_success


def test_roles_decide_what_each_may_do(client: TestClient, world: World) -> None:
    refused = client.get("/api/v1/users", headers=world.auth("eve"))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "eve may not user.manage" in refused.json()["detail"]
    assert client.get("/api/v1/users", headers=world.auth("root")).status_code == 200
    waiver = client.post(
        f"/api/v1/use-cases/{world.secret_use_case}/waivers",
        json={"practice": "x", "category": "y", "finding": "z"},
        headers=world.auth("root"),
    )
    assert waiver.status_code == 403
    assert "reserved to the chief AI officer" in waiver.json()["detail"]


def test_no_credentials_is_a_401_with_the_way_in(client: TestClient) -> None:
    answer = client.get("/api/v1/runs")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert "/sign-in" in answer.json()["detail"]
    forged = client.get("/api/v1/runs", headers={"Authorization": "Bearer clr_" + "x" * 40})
    assert forged.status_code == 401
    assert "not known to this store" in forged.json()["detail"]


def test_a_new_marking_applies_at_once_to_listings(client: TestClient, world: World) -> None:
    before = client.get("/api/v1/runs", headers=world.auth("ursula")).json()
    assert [r["id"] for r in before["items"]] == [world.public_run.id]
    root = sign_in(world.store, "root", PASSWORD, via="tests")
    remark_run(world.store, root, world.public_run.id, Marking.parse("SECRET"))
    after = client.get("/api/v1/runs", headers=world.auth("ursula")).json()
    assert after["items"] == []
    assert after["withheld"] == 2


@pytest.mark.parametrize("fmt", ["html", "md", "json"])
def test_reports_render_in_each_format_with_their_marking(
    client: TestClient, world: World, fmt: str
) -> None:
    answer = client.get(
        "/api/v1/reports/annual",
        params={"format": fmt, "download": "true"},
        headers=world.auth("eve"),
    )
    assert answer.status_code == 200, answer.text
    # No assessment is SECRET, so neither is the annual report, which shows assessments only.
    assert answer.headers["Clearance-Marking"] == "UNCLASSIFIED"
    assert "UNCLASSIFIED" in answer.text
    assert answer.headers["content-disposition"].endswith(f'.{fmt}"')
