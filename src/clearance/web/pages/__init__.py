"""The pages (Jinja2 templates, htmx served as a static file)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from clearance.accountability import AuthenticationError
from clearance.web._problems import on_user_error, problem_kind
from clearance.web.pages import _redteam
from clearance.web.pages._routes import router

router.include_router(_redteam.router)

__all__ = ["on_error", "router"]


async def on_error(request: Request, error: Exception) -> Response:
    """A refused or failed request: problem+json for the API; for a page, the sign-in page when
    nobody is signed in, else the error page with the service's message."""
    if request.url.path.startswith("/api/") and request.url.path != "/api/docs":
        return await on_user_error(request, error)
    if isinstance(error, AuthenticationError) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)
    kind = problem_kind(error)
    if kind.status == 500:
        return await on_user_error(request, error)
    from clearance.web._state import web_state
    from clearance.web.pages._render import render

    context = {"status": kind.status, "message": str(error)}
    return render(
        request, web_state(request), "error.html.j2", context, caller=None, status=kind.status
    )
