"""Errors as RFC 9457 problem details (``application/problem+json``), carrying the very
messages the CLI prints, mapped by the error's type; nothing else (no traceback) reaches a user."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from clearance.access import UNCLASSIFIED_MARKING
from clearance.accountability import AuthenticationError, ExportChangedError, PrincipalExistsError
from clearance.errors import (
    EXIT_ERRORS,
    EXIT_FAULT,
    EXIT_INTERRUPTED,
    EXIT_TAMPERED,
    EXIT_USAGE,
    ClearanceError,
)
from clearance.governance import ApprovalBlockedError
from clearance.store import StoreError

PROBLEM_JSON = "application/problem+json"
MARKING_HEADER = "Clearance-Marking"
_log = logging.getLogger("clearance.web")


class TooManyAttempts(ClearanceError):
    """Sign-in refused for a while after repeated failures."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"too many failed sign-ins; wait {retry_after} seconds before trying again"
        )


class FormValueError(ClearanceError, ValueError):
    """A form field that cannot be read as what it must be; the message names the field."""


class CsrfRefused(ClearanceError):
    """A state-changing request without the form's CSRF token."""

    def __init__(self) -> None:
        super().__init__(
            "this request carries no valid CSRF token; reload the page and submit the form "
            "again (API clients authenticate with a bearer token instead)"
        )


@dataclass(frozen=True)
class ProblemKind:
    status: int
    slug: str


# A ClearanceError whose class declares an exit code other than "bad input" says what it is by
# that code, as the CLI reads it: these come before any type below.
_BY_EXIT_CODE: dict[int, ProblemKind] = {
    EXIT_USAGE: ProblemKind(400, "bad-request"),
    EXIT_ERRORS: ProblemKind(422, "run-failed"),
    EXIT_TAMPERED: ProblemKind(409, "ledger-tampered"),
    EXIT_FAULT: ProblemKind(503, "fault"),
    EXIT_INTERRUPTED: ProblemKind(503, "interrupted"),
}

# Most specific first: the first type an error is an instance of decides its status. Every
# error Clearance raises on purpose is a ClearanceError that keeps its builtin base (LookupError
# for "no such record", PermissionError for a refusal, ValueError for a bad input), so a new
# error needs no line here; one with no such base is still a bad input (422), never a 500.
_KINDS: tuple[tuple[type[Exception], ProblemKind], ...] = (
    (TooManyAttempts, ProblemKind(429, "too-many-attempts")),
    (CsrfRefused, ProblemKind(403, "csrf")),
    (AuthenticationError, ProblemKind(401, "not-signed-in")),
    (PermissionError, ProblemKind(403, "access-denied")),
    (PrincipalExistsError, ProblemKind(409, "exists")),
    (ExportChangedError, ProblemKind(409, "changed")),
    (ApprovalBlockedError, ProblemKind(409, "approval-blocked")),
    (LookupError, ProblemKind(404, "not-found")),
    (StoreError, ProblemKind(503, "store-unavailable")),
    (ValidationError, ProblemKind(422, "invalid")),
    (ValueError, ProblemKind(422, "invalid")),
    (ClearanceError, ProblemKind(422, "invalid")),
)

USER_ERRORS: tuple[type[Exception], ...] = tuple(kind for kind, _ in _KINDS)
"""Every error whose message is for the user (the pages show it beside the form)."""


def problem_kind(error: BaseException) -> ProblemKind:
    """The HTTP status and problem type of ``error``: 500 only for an error Clearance did not
    raise on purpose (whose detail stays in the server's log)."""
    if isinstance(error, ClearanceError) and error.exit_code in _BY_EXIT_CODE:
        # E.g. the ledger or a record failed verification: said as plainly as the CLI says it.
        return _BY_EXIT_CODE[error.exit_code]
    for kind, problem in _KINDS:
        if isinstance(error, kind):
            return problem
    return ProblemKind(500, "internal")


def problem_response(
    request: Request, status: int, slug: str, detail: str, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:clearance:problem:{slug}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "marking": UNCLASSIFIED_MARKING.banner(),
        **extra,
    }
    headers = {MARKING_HEADER: UNCLASSIFIED_MARKING.banner()}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="clearance"'
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def on_user_error(request: Request, error: Exception) -> JSONResponse:
    kind = problem_kind(error)
    if kind.status == 500:
        return await on_unexpected(request, error)
    if kind.slug == "fault":
        # Something failed that the request does not explain: the operator needs to know too.
        _log.error("fault on %s %s: %s", request.method, request.url.path, error)
    hint = getattr(error, "hint", "")
    extra = {"hint": hint} if isinstance(error, ClearanceError) and hint else {}
    response = problem_response(request, kind.status, kind.slug, str(error), **extra)
    if isinstance(error, TooManyAttempts):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


async def on_request_invalid(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [_where(e) for e in error.errors()]
    return problem_response(request, 422, "invalid", "; ".join(problems), errors=problems)


async def on_http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    slug = "not-found" if error.status_code == 404 else "http"
    detail = str(error.detail) if error.detail else HTTPStatus(error.status_code).phrase
    return problem_response(request, error.status_code, slug, detail)


async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
    # The detail goes to the server's log; the user gets a sentence, never a traceback.
    _log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem_response(
        request,
        500,
        "internal",
        "the server failed to answer this request; the error is in the server's log",
    )


def _where(error: Any) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg"))
