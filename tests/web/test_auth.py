"""Signing in and the web's defences: cookies, CSRF, rate limits, security headers, the
ledger's record of sign-ins, and problem details."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from web_world import PASSWORD, World

from clearance.store import LedgerReader
from clearance.web import create_app


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the form carries no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, user: str, password: str = PASSWORD) -> object:
    form = client.get("/sign-in")
    return client.post(
        "/sign-in",
        data={"user": user, "password": password, "csrf_token": _csrf(form.text), "next": "/runs"},
        follow_redirects=False,
    )


def test_sign_in_sets_a_strict_httponly_session_and_ledgers_it(
    client: TestClient, world: World
) -> None:
    before = LedgerReader(world.store.engine).size()
    answer = sign_in(client, "eve")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/runs"
    cookies = answer.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("clearance_session="))
    assert "HttpOnly" in session
    assert "SameSite=strict" in session
    assert "Secure" not in session
    page = client.get("/runs")
    assert page.status_code == 200
    assert "Eve (SECRET)" in page.text
    entries = list(LedgerReader(world.store.engine).entries(after=before))
    assert [(e.action, e.record_type, e.record_id, e.actor) for e in entries] == [
        ("session.sign_in", "sign_in", "eve", "eve")
    ]


def test_behind_tls_the_cookies_are_secure(world: World) -> None:
    with TestClient(create_app(world.store), base_url="https://clearance.test") as tls:
        answer = sign_in(tls, "eve")
        assert all("Secure" in c for c in answer.headers.get_list("set-cookie"))
        assert "max-age" in tls.get("/sign-in").headers["strict-transport-security"]


def test_a_wrong_password_and_an_unknown_user_read_the_same(client: TestClient) -> None:
    wrong = sign_in(client, "eve", "not the password at all")
    nobody = sign_in(client, "nobody-here", "not the password at all")
    assert wrong.status_code == nobody.status_code == 401
    message = re.search(r'class="errors" role="alert">([^<]+)<', wrong.text)
    assert message
    assert message.group(1) in nobody.text


def test_sign_in_is_rate_limited(client: TestClient) -> None:
    statuses = [sign_in(client, "eve", f"guess number {i}").status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]
    limited = sign_in(client, "eve")  # even the right password waits now
    assert limited.status_code == 429
    assert "too many failed sign-ins" in limited.text


def test_posts_without_the_csrf_token_are_refused(client: TestClient, world: World) -> None:
    refused = client.post("/sign-in", data={"user": "eve", "password": PASSWORD})
    assert refused.status_code == 403
    assert sign_in(client, "carol").status_code == 303
    forged = client.post(
        f"/use-cases/{world.secret_use_case}/decisions",
        data={"action": "approve", "rationale": "forged from another site"},
    )
    assert forged.status_code == 403
    assert "no valid CSRF token" in forged.text
    wrong = client.post("/sign-out", data={"csrf_token": "x" * 43}, follow_redirects=False)
    assert wrong.status_code == 403
    api = client.post(
        f"/api/v1/use-cases/{world.secret_use_case}/decisions",
        json={"action": "approve", "rationale": "forged"},
    )
    assert api.status_code == 403
    assert api.json()["type"] == "urn:clearance:problem:csrf"


def test_a_bearer_token_needs_no_csrf_token(client: TestClient, world: World) -> None:
    answer = client.post(
        "/api/v1/incidents",
        json={"kind": "incident", "severity": "low", "summary": "s", "description": "d"},
        headers=world.auth("eve"),
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["item"]["created_by"] == "eve"


def test_sign_out_ends_the_session(client: TestClient) -> None:
    sign_in(client, "eve")
    page = client.get("/runs")
    out = client.post("/sign-out", data={"csrf_token": _csrf(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/runs", follow_redirects=False).headers["location"].startswith("/sign-in")


def test_next_never_leaves_the_site(client: TestClient) -> None:
    form = client.get("/sign-in")
    answer = client.post(
        "/sign-in",
        data={
            "user": "eve",
            "password": PASSWORD,
            "csrf_token": _csrf(form.text),
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_every_answer_has_strict_security_headers(client: TestClient, world: World) -> None:
    for path in ("/sign-in", "/api/v1/runs", "/static/style.css", "/nope"):
        headers = client.get(path, headers=world.auth("eve")).headers
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"


def test_errors_are_problem_details_without_tracebacks(client: TestClient, world: World) -> None:
    invalid = client.get("/api/v1/runs", params={"limit": 0}, headers=world.auth("eve"))
    assert invalid.status_code == 422
    body = invalid.json()
    assert body["type"] == "urn:clearance:problem:invalid"
    assert "limit" in body["detail"]
    assert body["instance"] == "/api/v1/runs"
    assert body["marking"] == "UNCLASSIFIED"
    unknown = client.get("/api/v1/nothing-here", headers=world.auth("eve"))
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert "Traceback" not in invalid.text + unknown.text
