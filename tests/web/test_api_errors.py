"""An error Clearance raises on purpose reaches an API client as problem details with its own
message, whatever its class: one the web layer's list of types has never heard of is answered by
its exit code, never as a 500 with the detail hidden (nor, worse, a traceback)."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from clearance.errors import (
    EXIT_ERRORS,
    EXIT_FAULT,
    EXIT_INTERRUPTED,
    EXIT_TAMPERED,
    EXIT_USAGE,
    ClearanceError,
)


class NovelError(ClearanceError):
    """No builtin base and the default exit code: a bad input the web layer never listed."""

    hint = "pass a value the novel check accepts"


class NovelUsageError(ClearanceError):
    exit_code = EXIT_USAGE


class NovelRunFailed(ClearanceError):
    exit_code = EXIT_ERRORS


class NovelTampered(ClearanceError, RuntimeError):
    exit_code = EXIT_TAMPERED


class NovelFault(ClearanceError, ValueError):
    """A fault, though it keeps a ValueError base: its exit code says what it is."""

    exit_code = EXIT_FAULT


class NovelInterrupted(ClearanceError):
    exit_code = EXIT_INTERRUPTED


class NovelOddCode(ClearanceError):
    """An exit code no front end knows yet: still a user's error, not a server failure."""

    exit_code = 77


class NotClearances(RuntimeError):
    """Raised by nobody on purpose: the server hides its detail."""


def _raise(error: Exception) -> None:
    raise error


@pytest.fixture
def raising(client: TestClient) -> TestClient:
    """The app with one extra route that raises the error named in its path."""
    errors: dict[str, type[Exception]] = {
        cls.__name__: cls
        for cls in (
            NovelError,
            NovelUsageError,
            NovelRunFailed,
            NovelTampered,
            NovelFault,
            NovelInterrupted,
            NovelOddCode,
            NotClearances,
        )
    }

    async def fail(name: str) -> None:
        _raise(errors[name](f"the {name} check refused the request; fix the {name} input"))

    app = client.app
    assert isinstance(app, FastAPI)
    app.add_api_route("/api/v1/test-errors/{name}", fail, methods=["GET"])
    return client


@pytest.mark.parametrize(
    ("name", "status", "slug"),
    [
        ("NovelError", 422, "invalid"),
        ("NovelUsageError", 400, "bad-request"),
        ("NovelRunFailed", 422, "run-failed"),
        ("NovelTampered", 409, "ledger-tampered"),
        ("NovelFault", 503, "fault"),
        ("NovelInterrupted", 503, "interrupted"),
        ("NovelOddCode", 422, "invalid"),
    ],
)
def test_an_unlisted_clearance_error_answers_by_its_exit_code_with_its_message(
    raising: TestClient, name: str, status: int, slug: str
) -> None:
    answer = raising.get(f"/api/v1/test-errors/{name}")
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["type"] == f"urn:clearance:problem:{slug}"
    assert body["detail"] == f"the {name} check refused the request; fix the {name} input"
    assert "Traceback" not in answer.text


def test_an_unlisted_error_carries_its_class_hint(raising: TestClient) -> None:
    body = raising.get("/api/v1/test-errors/NovelError").json()
    assert body["hint"] == "pass a value the novel check accepts"


def test_a_fault_is_told_to_the_client_and_logged_for_the_operator(
    raising: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="clearance.web"):
        raising.get("/api/v1/test-errors/NovelFault")
    assert any("NovelFault check refused" in r.getMessage() for r in caplog.records)


def test_an_error_nobody_raised_on_purpose_is_a_500_without_its_detail(
    client: TestClient,
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)

    async def fail() -> None:
        _raise(NotClearances("secret internals of the server"))

    app.add_api_route("/api/v1/test-errors-unplanned", fail, methods=["GET"])
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as quiet:
        answer = quiet.get("/api/v1/test-errors-unplanned")
    assert answer.status_code == 500
    assert answer.json()["type"] == "urn:clearance:problem:internal"
    assert "secret internals" not in answer.text
    assert "Traceback" not in answer.text
