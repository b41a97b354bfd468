"""The red-team pages: campaigns, a session's conversation (retry, branch, tag), and the second
rater's confirmations. Each calls a ``clearance.redteam`` service as the signed-in principal,
which enforces access and separation of duties whatever a page offers."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clearance import accountability, redteam
from clearance.access import Action, Marking, actor_of, can, marking_of
from clearance.store import RedTeamTurnRecord
from clearance.vocabulary import DOMAINS
from clearance.web._problems import FormValueError
from clearance.web._state import CallerDep, StateDep
from clearance.web.pages._render import page_marking, render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=20_000)]
Short = Annotated[str, Form(max_length=512)]


def _back(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def _session_page(session_id: str, at: str | None = None) -> Response:
    return _back(f"/redteam/sessions/{quote(session_id)}" + (f"?at={quote(at)}" if at else ""))


def parse_objective_lines(text: str) -> list[dict[str, str]]:
    """Objectives typed one a line as ``id | title | what counts as success``."""
    objectives = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3:
            raise FormValueError(
                f"objectives line {number}: write 'id | title | what counts as success', "
                f"got {line.strip()!r}"
            )
        objectives.append(dict(zip(("id", "title", "success"), parts, strict=True)))
    return objectives


@router.get("/redteam", response_class=HTMLResponse)
def campaigns_page(request: Request, state: StateDep, caller: CallerDep) -> HTMLResponse:
    principal = caller.who.principal
    found = redteam.list_campaigns(state.store, principal=principal)
    context = {
        "campaigns": list(found),
        "withheld": found.withheld_notice,
        "may_create": bool(can(principal, Action.RUN_CREATE, Marking.parse("UNCLASSIFIED"))),
        "domains": list(DOMAINS),
        "techniques": ", ".join(redteam.DEFAULT_TECHNIQUES),
    }
    marking = page_marking([found.banner])
    return render(request, state, "redteam.html.j2", context, caller=caller, marking=marking)


@router.post("/redteam")
def create_campaign(
    state: StateDep,
    caller: CallerDep,
    name: Short,
    model: Short,
    domain: Short,
    objectives: Text,
    rules: Text,
    techniques: Text,
    system_prompt: Text = "",
    marking: Short = "UNCLASSIFIED",
) -> Response:
    made = redteam.create_campaign(
        state.store,
        name=name,
        model_spec=model,
        domain=domain,
        objectives=parse_objective_lines(objectives),
        rules_of_engagement=rules,
        techniques=[t for t in techniques.split(",") if t.strip()],
        system_prompt=system_prompt,
        marking=Marking.parse(marking or "UNCLASSIFIED"),
        principal=caller.who.principal,
    )
    return _back(f"/redteam/campaigns/{quote(made.id)}")


@router.get("/redteam/campaigns/{ref}", response_class=HTMLResponse)
def campaign_page(request: Request, state: StateDep, caller: CallerDep, ref: str) -> HTMLResponse:
    principal = caller.who.principal
    summary = redteam.summarise_campaign(state.store, ref, principal=principal)
    context = {
        "s": summary,
        "may_attack": bool(can(principal, Action.RUN_CREATE, marking_of(summary.campaign))),
    }
    return render(
        request, state, "redteam_campaign.html.j2", context, caller=caller, marking=summary.marking
    )


@router.post("/redteam/campaigns/{ref}/sessions")
async def start_session(state: StateDep, caller: CallerDep, ref: str) -> Response:
    session = await redteam.start_session(state.store, ref, principal=caller.who.principal)
    return _session_page(session.id)


def _branches(turns: list[RedTeamTurnRecord], path_ids: set[str]) -> list[RedTeamTurnRecord]:
    """Turns off the path shown that no other turn follows: the ends of the other branches."""
    followed = {t.parent_id for t in turns}
    return [t for t in turns if t.id not in path_ids and t.id not in followed]


@router.get("/redteam/sessions/{ref}", response_class=HTMLResponse)
def session_page(
    request: Request, state: StateDep, caller: CallerDep, ref: str, at: str | None = None
) -> HTMLResponse:
    principal = caller.who.principal
    view = redteam.show_session(state.store, ref, principal=principal)
    last = at or (view.turns[-1].id if view.turns else None)
    path = redteam.conversation(view.turns, last)
    path_ids = {t.id for t in path}
    owner = actor_of(principal) == view.session.created_by
    run: Any = (
        accountability.readable_run(state.store, principal, view.session.run_id)
        if view.session.run_id
        else None
    )
    context = {
        "v": view,
        "path": path,
        "branches": _branches(view.turns, path_ids),
        "attempts_by_turn": {a.turn_id: a for a in view.attempts},
        "owner": owner,
        "may_confirm": not owner
        and view.session.status == "submitted"
        and bool(can(principal, Action.RUN_CREATE, marking_of(view.session))),
        "outcomes": redteam.OUTCOMES,
        "objectives": {str(o["id"]): str(o["title"]) for o in view.campaign.objectives},
        "run": run,
        "metric": redteam.METRIC,
        "objective_metric": redteam.objective_metric,
    }
    marking = page_marking([marking_of(view.session)])
    return render(request, state, "redteam_session.html.j2", context, caller=caller,
                  marking=marking)  # fmt: skip


@router.post("/redteam/sessions/{ref}/turns")
async def send_turn(
    state: StateDep, caller: CallerDep, ref: str, prompt: Text, parent: Short = ""
) -> Response:
    turn = await redteam.send_turn(
        state.store, ref, prompt, parent_id=parent or None, principal=caller.who.principal
    )
    return _session_page(ref, turn.id)


@router.post("/redteam/sessions/{ref}/turns/{turn_id}/retry")
async def retry_turn(state: StateDep, caller: CallerDep, ref: str, turn_id: str) -> Response:
    turn = await redteam.retry_turn(state.store, ref, turn_id, principal=caller.who.principal)
    return _session_page(ref, turn.id)


@router.post("/redteam/sessions/{ref}/attempts")
def tag_attempt(
    state: StateDep,
    caller: CallerDep,
    ref: str,
    turn: Short,
    objective: Short,
    technique: Short,
    outcome: Short,
    note: Text = "",
) -> Response:
    redteam.tag_attempt(
        state.store, ref, turn, objective_id=objective, technique=technique, outcome=outcome,
        note=note, principal=caller.who.principal,
    )  # fmt: skip
    return _session_page(ref, turn)


@router.post("/redteam/sessions/{ref}/submission")
def submit_session(state: StateDep, caller: CallerDep, ref: str) -> Response:
    redteam.submit_session(state.store, ref, principal=caller.who.principal)
    return _session_page(ref)


@router.post("/redteam/attempts/{attempt_id}/confirmation")
def confirm_attempt(
    state: StateDep, caller: CallerDep, attempt_id: str, outcome: Short, note: Text = ""
) -> Response:
    confirmed = redteam.confirm_attempt(
        state.store, attempt_id, outcome=outcome, note=note, principal=caller.who.principal
    )
    return _session_page(confirmed.session_id)
