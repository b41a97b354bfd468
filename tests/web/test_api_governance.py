"""A use case through the API, as the people who act on it: intake (with the CLI's
validation), classification with its reasons, practices with evidence and a signature, a
decision, a waiver and its report; then incidents, the queue and the inventory."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_world import World, high_impact_intake

from clearance.governance import default_rules

INDEPENDENT = "independent-evaluation"


def test_intake_to_approval_and_waiver(client: TestClient, world: World) -> None:
    created = client.post(
        "/api/v1/use-cases", json={"intake": high_impact_intake()}, headers=world.auth("rory")
    )
    assert created.status_code == 201, created.text
    view = created.json()["item"]
    ref = view["use_case"]["id"]
    assert view["label"] == "high-impact"
    fired = view["classification"]["fired"]
    assert [f["id"] for f in fired] == ["H-2"]
    assert fired[0]["reasons"]
    codes = [p["practice"]["code"] for p in view["practices"]]
    assert len(codes) == 12
    run = world.public_run.id

    for code in codes:
        who = "ravi" if code == INDEPENDENT else "rory"
        linked = client.post(
            f"/api/v1/use-cases/{ref}/practices/{code}/evidence",
            json={"kind": "run", "ref": run},
            headers=world.auth(who),
        )
        assert linked.status_code == 201, linked.text
        if code in (INDEPENDENT, "impact-assessment"):
            continue  # signed below, and waived below
        done = client.post(
            f"/api/v1/use-cases/{ref}/practices/{code}",
            json={"status": "implemented"},
            headers=world.auth("rory"),
        )
        assert done.status_code == 200, done.text
    own = client.post(
        f"/api/v1/use-cases/{ref}/practices/{INDEPENDENT}/signature",
        json={},
        headers=world.auth("rory"),
    )
    assert own.status_code == 403  # a developer never signs her own evaluation
    signed = client.post(
        f"/api/v1/use-cases/{ref}/practices/{INDEPENDENT}/signature",
        json={"note": "Re-ran the evaluation."},
        headers=world.auth("ravi"),
    )
    assert signed.json()["item"]["signed_by"] == "ravi"

    blocked = client.post(
        f"/api/v1/use-cases/{ref}/decisions",
        json={"action": "approve", "rationale": "Looks ready."},
        headers=world.auth("carol"),
    )
    assert blocked.status_code == 409
    assert "impact-assessment" in blocked.json()["detail"]

    waiver = client.post(
        f"/api/v1/use-cases/{ref}/waivers",
        json={
            "practice": "impact-assessment",
            "category": default_rules().rules.waivers.categories[0].code,
            "finding": "The assessment would delay a mission-critical deployment by months "
            "while the system is already under close human review.",
            "days": 90,
        },
        headers=world.auth("carol"),
    )
    assert waiver.status_code == 201, waiver.text
    waiver_id = waiver.json()["item"]["waiver"]["id"]

    approved = client.post(
        f"/api/v1/use-cases/{ref}/decisions",
        json={"action": "approve", "rationale": "All practices met or waived."},
        headers=world.auth("carol"),
    )
    assert approved.status_code == 201, approved.text
    shown = client.get(f"/api/v1/use-cases/{ref}", headers=world.auth("carol")).json()["item"]
    assert shown["decision"]["state"] == "approved"
    decisions = client.get(f"/api/v1/use-cases/{ref}/decisions", headers=world.auth("carol"))
    assert [d["kind"] for d in decisions.json()["items"]] == ["approve"]

    reported = client.post(
        f"/api/v1/waivers/{waiver_id}/reports",
        json={"recipients": ["Deputy Secretary"]},
        headers=world.auth("carol"),
    )
    assert reported.status_code == 200, reported.text
    waivers = client.get("/api/v1/waivers", headers=world.auth("carol")).json()["items"]
    assert [w["waiver"]["id"] for w in waivers] == [waiver_id]
    assert waivers[0]["reporting_overdue"] is False


def test_intake_is_validated_as_the_cli_validates_it(client: TestClient, world: World) -> None:
    broken = high_impact_intake() | {"stage": "someday", "colour": "blue"}
    del broken["agency"]
    answer = client.post("/api/v1/use-cases", json={"intake": broken}, headers=world.auth("rory"))
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "field 'agency' is required" in detail
    assert "'someday' is not allowed" in detail
    assert "field 'colour' is not an intake field" in detail


def test_incidents_queue_and_inventory(client: TestClient, world: World) -> None:
    reported = client.post(
        "/api/v1/incidents",
        json={
            "kind": "misuse",
            "severity": "moderate",
            "summary": "Prompted for a personnel file",
            "description": "An analyst asked for a named employee's file.",
            "use_case": world.secret_use_case,
        },
        headers=world.auth("rory"),
    )
    assert reported.status_code == 201, reported.text
    assert reported.headers["Clearance-Marking"] == "SECRET"  # the use case's marking
    listed = client.get("/api/v1/incidents", headers=world.auth("rory")).json()
    assert listed["items"][0]["summary"] == "Prompted for a personnel file"
    hidden = client.get("/api/v1/incidents", headers=world.auth("ursula")).json()
    assert hidden["items"] == []
    assert hidden["withheld"] == 1
    due = client.get("/api/v1/due", headers=world.auth("carol"))
    assert due.status_code == 200
    csv = client.get("/api/v1/inventory", params={"format": "omb-csv"}, headers=world.auth("carol"))
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["Clearance-Marking"] == "SECRET"
