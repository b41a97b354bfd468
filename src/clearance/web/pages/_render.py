"""Rendering a page: its marking (banner top and bottom, and the header), the CSRF token its
forms carry, and who is signed in."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from clearance.access import UNCLASSIFIED_MARKING, Marking, join_markings
from clearance.web._auth import CSRF_COOKIE, Caller
from clearance.web._problems import MARKING_HEADER
from clearance.web._state import WebState


def csrf_for(request: Request, caller: Caller | None) -> str:
    """The CSRF token this page's forms carry: the session's, else this browser's cookie."""
    if caller is not None and caller.session is not None:
        return caller.session.csrf
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_csrf_cookie(request: Request, response: Any, token: str) -> None:
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )


def page_marking(markings: Iterable[Marking]) -> Marking:
    """The marking of a page: the join of what it shows (UNCLASSIFIED when nothing)."""
    return join_markings([UNCLASSIFIED_MARKING, *markings])


def render(
    request: Request,
    state: WebState,
    template: str,
    context: dict[str, Any],
    *,
    caller: Caller | None,
    marking: Marking = UNCLASSIFIED_MARKING,
    status: int = 200,
) -> HTMLResponse:
    token = csrf_for(request, caller)
    principal = caller.who.principal if caller is not None else None
    full = {
        "request": request,
        "marking": marking.banner(),
        "marking_class": marking.level.name.lower().replace("_", "-"),
        "csrf": token,
        "principal": principal,
        "via": caller.via if caller is not None else None,
        **context,
    }
    response = state.templates.TemplateResponse(request, template, full, status_code=status)
    response.headers[MARKING_HEADER] = marking.banner()
    set_csrf_cookie(request, response, token)
    return response
