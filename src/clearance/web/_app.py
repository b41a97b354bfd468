"""The application: the API and the pages over one store, with the security headers, the
problem+json error answers and the static files (htmx, the style sheet)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

import clearance
from clearance.store import Store
from clearance.web import api, pages
from clearance.web._problems import (
    USER_ERRORS,
    on_http_error,
    on_request_invalid,
    on_unexpected,
    on_user_error,
)
from clearance.web._security import SecurityHeaders
from clearance.web._state import STATIC, WebState

OPENAPI_URL = "/api/v1/openapi.json"


def create_app(store: Store) -> FastAPI:
    """The web application over ``store`` (which the caller opens and closes)."""
    state = WebState(store=store)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        # Runs still queued or running stop like interrupted ones (resumable).
        await run_in_threadpool(state.jobs.close)

    app = FastAPI(
        lifespan=lifespan,
        title="Clearance",
        version=clearance.__version__,
        summary="Test AI models, decide how they may be used, keep an accountable record.",
        description=(
            "Authenticate with an API token (`clearance user token USER`) as "
            "`Authorization: Bearer clr_...`. Errors are RFC 9457 problem details carrying the "
            "CLI's messages. Every answer states its marking in the `Clearance-Marking` header "
            "and a `marking` field; listings say how many records were withheld and page with "
            "`cursor` (pass the previous page's `next_cursor`)."
        ),
        openapi_url=OPENAPI_URL,
        # The interactive docs pages load scripts from a CDN, which the CSP (and an offline
        # server) forbid: /api/docs is rendered here from the OpenAPI document instead.
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = state
    app.add_middleware(SecurityHeaders)
    for error in USER_ERRORS:
        app.add_exception_handler(error, pages.on_error)
    app.add_exception_handler(RequestValidationError, on_request_invalid)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


__all__ = ["create_app", "on_user_error"]
