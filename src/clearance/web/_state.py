"""What the application holds for its lifetime, and the dependencies routes declare."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import jinja2
from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from clearance.access import Principal
from clearance.store import Store
from clearance.web._auth import Caller, Sessions, SignInLimiter, check_csrf, identify
from clearance.web._jobs import RunJobs
from clearance.web._views import RunListing, RunListings

TEMPLATES = Path(__file__).parent / "pages" / "templates"
STATIC = Path(__file__).parent / "static"


@dataclass
class WebState:
    store: Store
    sessions: Sessions = field(default_factory=Sessions)
    limiter: SignInLimiter = field(default_factory=SignInLimiter)
    templates: Jinja2Templates = field(default_factory=lambda: page_templates())
    run_listings: RunListings = field(default_factory=RunListings)
    jobs: RunJobs = field(init=False)

    def __post_init__(self) -> None:
        self.jobs = RunJobs(self.store)

    def runs(self, principal: Principal) -> RunListing:
        """The runs ``principal`` may read (kept while the ledger has not moved)."""
        return self.run_listings.of(self.store, principal)


def page_templates() -> Jinja2Templates:
    # Autoescaping for every template: by default Jinja escapes only names ending in .html, and
    # ours end in .html.j2, so a use case named <script>… would otherwise run in a reader's page.
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True
    )
    return Jinja2Templates(env=environment)


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def _identified(request: Request, state: Annotated[WebState, Depends(web_state)]) -> Caller:
    # A plain function: FastAPI runs it in its thread pool, off the event loop (it reads the
    # store).
    return identify(request, state.store, state.sessions)


async def _caller(request: Request, caller: Annotated[Caller, Depends(_identified)]) -> Caller:
    await check_csrf(request, caller)
    return caller


CallerDep = Annotated[Caller, Depends(_caller)]
"""Who the request acts as, with its CSRF token checked for a state change."""
StateDep = Annotated[WebState, Depends(web_state)]
