"""Users through the API: an administrator adds a user and hands over the one-time code; the
user enrols with it (no sign-in needed, guesses rate-limited), signs in and gets a token; roles
are granted and revoked; a password reset ends the user's tokens and web sessions and gives a new
code. Nobody but an administrator manages users, no administrator acts above their own
clearance, and no answer carries a password hash or an enrolment code's digest."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from test_auth import sign_in
from web_world import PASSWORD, World

from clearance.store import LedgerReader

pytestmark = pytest.mark.each_database  # on the embedded store and on PostgreSQL

NEW_PASSWORD = "a long and private passphrase 7"


def _add(client: TestClient, world: World, user: str = "nina", **extra: object) -> str:
    body = {"id": user, "name": "Nina New", "roles": ["evaluator"], "clearance": "SECRET", **extra}
    added = client.post("/api/v1/users", json=body, headers=world.auth("root"))
    assert added.status_code == 201, added.text
    item = added.json()["item"]
    assert "password_hash" not in item
    assert "enrolment_sha256" not in item
    code: str = item["enrolment_code"]
    return code


def _own_token(client: TestClient, user: str) -> dict[str, str]:
    """Sign in as ``user`` and issue their own token (nobody issues one for someone else)."""
    assert sign_in(client, user, NEW_PASSWORD).status_code == 303
    csrf = {"X-CSRF-Token": client.cookies["clearance_csrf"]}
    token = client.post(f"/api/v1/users/{user}/tokens", json={"name": "ci"}, headers=csrf)
    assert token.status_code == 201, token.text
    return {"Authorization": f"Bearer {token.json()['item']['token']}"}


def _enrol(client: TestClient, user: str, code: str, password: str = NEW_PASSWORD) -> object:
    return client.post(f"/api/v1/users/{user}/enrolment", json={"code": code, "password": password})


def test_a_user_added_by_an_administrator_enrols_signs_in_and_gets_a_token(
    client: TestClient, world: World
) -> None:
    code = _add(client, world)
    before = LedgerReader(world.store.engine).size()
    enrolled = _enrol(client, "nina", code)
    assert enrolled.status_code == 200, enrolled.text
    assert enrolled.json()["item"] == {"user": "nina", "enrolled": True}
    assert LedgerReader(world.store.engine).size() == before + 1  # principal.enrol
    again = _enrol(client, "nina", code, "another passphrase entirely 9")
    assert again.status_code == 401  # the code is spent
    assert "wrong, used or expired" in again.json()["detail"]
    refused = client.post("/api/v1/users/nina/tokens", json={}, headers=world.auth("root"))
    assert refused.status_code == 403  # not even an administrator gets a credential of hers
    mine = _own_token(client, "nina")
    assert client.get("/api/v1/session", headers=mine).json()["item"]["id"] == "nina"
    listed = client.get("/api/v1/users", headers=world.auth("root")).json()["items"]
    nina = next(u for u in listed if u["id"] == "nina")
    assert nina["roles"] == ["evaluator"]
    assert all("password_hash" not in u and "enrolment_sha256" not in u for u in listed)


@pytest.mark.parametrize("who", ["eve", "carol", "ursula"])
def test_only_an_administrator_manages_users(client: TestClient, world: World, who: str) -> None:
    auth = world.auth(who)
    attempts = [
        client.get("/api/v1/users", headers=auth),
        client.post("/api/v1/users", json={"id": "x", "roles": ["admin"]}, headers=auth),
        client.post("/api/v1/users/eve/grants", json={"roles": ["admin"]}, headers=auth),
        client.post("/api/v1/users/root/revocations", json={"roles": ["admin"]}, headers=auth),
        client.post("/api/v1/users/root/password-reset", headers=auth),
    ]
    assert [a.status_code for a in attempts] == [403] * 5, [a.text for a in attempts]
    assert all(a.headers["content-type"] == "application/problem+json" for a in attempts)
    assert client.get("/api/v1/session", headers=world.auth("root")).status_code == 200


def test_roles_are_granted_and_revoked_and_apply_at_once(client: TestClient, world: World) -> None:
    eve = world.auth("eve")
    assert client.get("/api/v1/users", headers=eve).status_code == 403
    granted = client.post(
        "/api/v1/users/eve/grants", json={"roles": ["auditor"]}, headers=world.auth("root")
    )
    assert granted.status_code == 200, granted.text
    assert sorted(granted.json()["item"]["roles"]) == ["auditor", "evaluator"]
    assert "password_hash" not in granted.json()["item"]
    revoked = client.post(
        "/api/v1/users/eve/revocations",
        json={"roles": ["evaluator"], "level": "UNCLASSIFIED"},
        headers=world.auth("root"),
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["item"]["roles"] == ["auditor"]
    # Her token now reads at UNCLASSIFIED: the SECRET run is gone from her listing at once.
    runs = client.get("/api/v1/runs", headers=eve).json()
    assert world.secret_run.id not in {r["id"] for r in runs["items"]}
    assert runs["withheld"] >= 1
    nothing = client.post(
        "/api/v1/users/eve/revocations", json={"roles": ["cao"]}, headers=world.auth("root")
    )
    assert nothing.status_code == 422  # no such role: a clear problem, not a 500


def test_the_last_administrator_cannot_be_revoked(client: TestClient, world: World) -> None:
    answer = client.post(
        "/api/v1/users/root/revocations", json={"roles": ["admin"]}, headers=world.auth("root")
    )
    assert answer.status_code in (403, 409, 422), answer.text
    assert "admin" in answer.json()["detail"]
    assert client.get("/api/v1/users", headers=world.auth("root")).status_code == 200


def test_an_administrator_cannot_add_a_user_above_their_own_clearance(
    client: TestClient, world: World
) -> None:
    code = _add(client, world, "sam", roles=["admin"], clearance="SECRET")
    assert _enrol(client, "sam", code).status_code == 200
    sam = _own_token(client, "sam")
    above = client.post(
        "/api/v1/users",
        json={"id": "tess", "roles": ["evaluator"], "clearance": "TS"},
        headers=sam,
    )
    assert above.status_code == 403, above.text
    reset_above = client.post("/api/v1/users/root/password-reset", headers=sam)
    assert reset_above.status_code == 403, reset_above.text


def test_a_reset_ends_tokens_and_web_sessions_and_gives_a_new_code(
    client: TestClient, world: World
) -> None:
    assert sign_in(client, "eve").status_code == 303
    assert client.get("/runs").status_code == 200  # signed in by cookie
    reset = client.post("/api/v1/users/eve/password-reset", headers=world.auth("root"))
    assert reset.status_code == 200, reset.text
    code = reset.json()["item"]["enrolment_code"]
    # Her token is revoked, and the session her old password opened is over.
    assert client.get("/api/v1/runs", headers=world.auth("eve")).status_code == 401
    after = client.get("/api/v1/runs")
    assert after.status_code == 401, after.text
    assert "reset or changed" in after.json()["detail"]
    assert sign_in(client, "eve", PASSWORD).status_code == 401  # the old password is gone
    assert _enrol(client, "eve", code).status_code == 200
    assert sign_in(client, "eve", NEW_PASSWORD).status_code == 303


def test_guessing_an_enrolment_code_is_rate_limited(client: TestClient, world: World) -> None:
    code = _add(client, world)
    answers = [_enrol(client, "nina", f"guess-{i}").status_code for i in range(6)]
    assert answers[:5] == [401] * 5
    assert answers[5] == 429
    # Even the right code waits now: the limit holds for the user, whoever guesses.
    assert _enrol(client, "nina", code).status_code == 429
