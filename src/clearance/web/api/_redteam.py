"""/api/v1/redteam: campaigns (listed, summarised, exported) and sessions, as the CLI's
`clearance redteam list|show|export` give them."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from clearance import redteam
from clearance.access import marking_of
from clearance.web._marked import listing, one
from clearance.web._state import CallerDep, StateDep

router = APIRouter(prefix="/redteam", tags=["redteam"])


@router.get("/campaigns", summary="Red-team campaigns you may read, newest first")
def list_campaigns(state: StateDep, caller: CallerDep) -> JSONResponse:
    found = redteam.list_campaigns(state.store, principal=caller.who.principal)
    return listing(list(found), found.banner, withheld=found.withheld, notice=found.withheld_notice)


@router.get(
    "/campaigns/{ref}",
    summary="A campaign: attack success per objective with intervals, raters' kappa, sessions",
)
def show_campaign(state: StateDep, caller: CallerDep, ref: str) -> JSONResponse:
    summary = redteam.summarise_campaign(state.store, ref, principal=caller.who.principal)
    return one(summary, summary.marking)


@router.get("/campaigns/{ref}/export", summary="A campaign with every session's transcript")
def export_campaign(state: StateDep, caller: CallerDep, ref: str) -> JSONResponse:
    exported = redteam.export_campaign(state.store, ref, principal=caller.who.principal)
    return one(exported, exported.summary.marking)


@router.get("/sessions/{ref}", summary="A session: its turns and tagged attempts")
def show_session(state: StateDep, caller: CallerDep, ref: str) -> JSONResponse:
    view = redteam.show_session(state.store, ref, principal=caller.who.principal)
    return one(view, marking_of(view.session))
