"""The pages: read without JavaScript, act with htmx. Each parses the request, calls a service
as the signed-in principal and renders a template; the services enforce access whatever a page
offers (a form is shown only to roles that may use it, as a courtesy)."""

from __future__ import annotations

import functools
import hmac
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clearance import accountability, assess, governance
from clearance.access import Action, Marking, can, marking_of
from clearance.accountability import AuthenticationError
from clearance.store import SampleQuery
from clearance.web._auth import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE, client_address
from clearance.web._paging import decode_cursor, encode_cursor, page_after
from clearance.web._problems import CsrfRefused, FormValueError
from clearance.web._state import CallerDep, StateDep
from clearance.web._views import (
    RunFilter,
    run_brief,
    sample_brief,
)
from clearance.web.pages._forms import (
    INTAKE_CHOICES,
    intake_from_form,
)
from clearance.web.pages._render import page_marking, render

router = APIRouter(include_in_schema=False)
PAGE = 50


# -- signing in ------------------------------------------------------------------------------


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, state: StateDep, next: str = "/") -> HTMLResponse:
    return render(
        request, state, "sign_in.html.j2", {"next": _local(next), "error": None}, caller=None
    )


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    state: StateDep,
    user: Annotated[str, Form(max_length=128)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(csrf_token, cookie):
        raise CsrfRefused()
    client = client_address(request)
    state.limiter.check(user, client)
    try:
        who = accountability.sign_in(state.store, user, password, via="web")
    except AuthenticationError as refused:
        state.limiter.failed(user, client)
        context = {"next": _local(next), "error": str(refused)}
        return render(request, state, "sign_in.html.j2", context, caller=None, status=401)
    csrf = secrets.token_urlsafe(32)
    credential = accountability.session_credential(state.store, who)
    session = state.sessions.start(who.principal.id, csrf, credential)
    response = RedirectResponse(_local(next), status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE, session, httponly=True, samesite="strict", secure=secure, path="/"
    )
    response.set_cookie(
        CSRF_COOKIE, csrf, httponly=True, samesite="strict", secure=secure, path="/"
    )
    return response


@router.post("/sign-out")
def sign_out(request: Request, state: StateDep, caller: CallerDep) -> Response:
    if caller.session is not None:
        accountability.sign_out(state.store, caller.who, via="web")
    state.sessions.end(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


# -- dashboard, runs, samples -------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, state: StateDep, caller: CallerDep) -> HTMLResponse:
    principal = caller.who.principal
    runs = state.runs(principal)
    visible = runs.visible
    findings = _maybe(lambda: assess.list_findings(state.store, latest=True, principal=principal))
    use_cases = _maybe(lambda: governance.list_use_cases(state.store, principal=principal))
    due = _maybe(lambda: governance.due_items(state.store, principal=principal)) or []
    verdicts: dict[str, dict[str, str]] = {}
    for f in findings or ():
        cell = verdicts.setdefault(f.model_spec, {})
        cell[f.domain] = _worst(cell.get(f.domain), f.verdict)
    domains = sorted({d for cells in verdicts.values() for d in cells})
    markings = [visible.banner]
    markings += [findings.banner] if findings else []
    markings += [use_cases.banner] if use_cases else []
    context = {
        "runs": list(runs.briefs[:10]),
        "run_count": len(runs.briefs),
        "runs_withheld": visible.withheld_notice,
        "verdicts": verdicts,
        "domains": domains,
        "findings_withheld": findings.withheld_notice if findings else None,
        "use_case_count": len(use_cases) if use_cases else None,
        "use_cases_withheld": use_cases.withheld_notice if use_cases else None,
        "due": due,
    }
    return render(
        request, state, "dashboard.html.j2", context, caller=caller, marking=page_marking(markings)
    )


@router.get("/runs", response_class=HTMLResponse)
def runs_page(
    request: Request,
    state: StateDep,
    caller: CallerDep,
    model: str = "",
    task: str = "",
    domain: str = "",
    status: str = "",
    cursor: str | None = None,
) -> HTMLResponse:
    wanted = RunFilter(
        model=model or None, task=task or None, domain=domain or None, status=status or None
    )
    runs = state.runs(caller.who.principal)
    visible = runs.visible
    shown, next_key = page_after(
        runs.kept(wanted), lambda r: str(r["id"]), decode_cursor("runs", cursor), PAGE
    )
    filters = {"model": model, "task": task, "domain": domain, "status": status}
    next_url = None
    if next_key:
        next_url = "/runs?" + urlencode(filters | {"cursor": encode_cursor("runs", next_key)})
    context = {
        "runs": shown,
        "filters": filters,
        "choices": {
            key: sorted({str(b[key]) for b in runs.briefs if b[key]})
            for key in ("model", "task", "domain", "status")
        },
        "withheld": visible.withheld_notice,
        "next_url": next_url,
        "may_start": bool(can(caller.who.principal, Action.RUN_CREATE, Marking())),
    }
    return render(
        request,
        state,
        "runs.html.j2",
        context,
        caller=caller,
        marking=page_marking([visible.banner]),
    )


@router.post("/runs", response_class=HTMLResponse)
def start_run(
    request: Request,
    state: StateDep,
    caller: CallerDep,
    task: Annotated[str, Form(max_length=200)],
    model: Annotated[str, Form(max_length=512)],
    limit: Annotated[str, Form(max_length=8)] = "",
    marking: Annotated[str, Form(max_length=200)] = "UNCLASSIFIED",
) -> Response:
    job = state.jobs.submit(
        caller.who, task.strip(), model.strip(), _whole(limit, "limit"), Marking.parse(marking)
    )
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, state: StateDep, caller: CallerDep, job_id: str) -> HTMLResponse:
    job = state.jobs.get(caller.who, job_id)
    return render(
        request,
        state,
        "job.html.j2",
        {"job": job},
        caller=caller,
        marking=Marking.parse(job.marking),
    )


@router.post("/jobs/{job_id}/cancellation")
def cancel_job(request: Request, state: StateDep, caller: CallerDep, job_id: str) -> Response:
    state.jobs.cancel(caller.who, job_id)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(
    request: Request,
    state: StateDep,
    caller: CallerDep,
    run_id: str,
    errors: str = "",
    q: Annotated[str, Query(max_length=200)] = "",
    scorer: str = "",
    min_score: str = "",
    max_score: str = "",
    cursor: str | None = None,
) -> HTMLResponse:
    sample_filter = {
        "errors": errors,
        "q": q,
        "scorer": scorer,
        "min_score": min_score,
        "max_score": max_score,
    }
    page = accountability.run_samples(
        state.store, caller.who.principal, run_id, _sample_query(sample_filter, cursor)
    )
    run = page.run
    context = {
        "run": run_brief(run),
        "record": run,
        "error_types": state.store.runs.error_summary(run.id) if run.errors else [],
        "samples": [sample_brief(s) for s in page.samples],
        "scorers": list(run.provenance.get("scorers", [])) or _scorer_names(page.samples),
        "filters": sample_filter,
        "next_url": _samples_next(run.id, sample_filter, page.next_after),
    }
    template = "_samples.html.j2" if request.headers.get("HX-Request") else "run.html.j2"
    return render(request, state, template, context, caller=caller, marking=marking_of(run))


@router.get("/runs/{run_id}/samples/{sample_id}", response_class=HTMLResponse)
def sample_page(
    request: Request,
    state: StateDep,
    caller: CallerDep,
    run_id: str,
    sample_id: str,
    epoch: int = 1,
) -> HTMLResponse:
    run, sample = accountability.run_sample(
        state.store, caller.who.principal, run_id, sample_id, epoch
    )
    # A red-team run's answers are what a person got a model to say: shown behind a content
    # warning, collapsed until the reader asks, as on the session's own page.
    sensitive = bool((run.options or {}).get("redteam"))
    context = {"run": run_brief(run), "sample": sample, "sensitive": sensitive}
    return render(request, state, "sample.html.j2", context, caller=caller, marking=marking_of(run))


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request, state: StateDep, caller: CallerDep, a: str = "", b: str = ""
) -> HTMLResponse:
    principal = caller.who.principal
    context: dict[str, Any] = {"a": a, "b": b, "rows": [], "runs": None}
    markings: list[Marking] = []
    if a and b:
        query = SampleQuery(limit=500)
        first = accountability.run_samples(state.store, principal, a, query)
        second = accountability.run_samples(state.store, principal, b, query)
        markings = [marking_of(first.run), marking_of(second.run)]
        scorer = _first_scorer(first.run.provenance, first.samples)
        after = {(s.sample_id, s.epoch): s for s in second.samples}
        rows = []
        for s in first.samples:
            other = after.get((s.sample_id, s.epoch))
            before_v = _score(s.scores, scorer)
            after_v = _score(other.scores, scorer) if other else None
            rows.append(
                {
                    "sample_id": s.sample_id,
                    "epoch": s.epoch,
                    "before": before_v,
                    "after": after_v,
                    "change": _change(before_v, after_v),
                }
            )
        context |= {
            "rows": rows,
            "scorer": scorer,
            "runs": (run_brief(first.run), run_brief(second.run)),
            "better": sum(1 for r in rows if r["change"] == "better"),
            "worse": sum(1 for r in rows if r["change"] == "worse"),
        }
    return render(
        request, state, "compare.html.j2", context, caller=caller, marking=page_marking(markings)
    )


# -- assessment --------------------------------------------------------------------------------


@router.get("/findings", response_class=HTMLResponse)
def findings_page(request: Request, state: StateDep, caller: CallerDep) -> HTMLResponse:
    principal = caller.who.principal
    findings = assess.list_findings(state.store, latest=True, principal=principal)
    assessments = assess.list_assessments(state.store, principal=principal)
    mitigations = _maybe(lambda: assess.list_mitigations(state.store, principal=principal))
    context = {
        "findings": list(findings),
        "assessments": list(assessments),
        "mitigations": list(mitigations or ()),
        "withheld": findings.withheld_notice or assessments.withheld_notice,
    }
    marking = page_marking(
        [findings.banner, assessments.banner, *([mitigations.banner] if mitigations else [])]
    )
    return render(request, state, "findings.html.j2", context, caller=caller, marking=marking)


# -- governance --------------------------------------------------------------------------------


@router.get("/use-cases", response_class=HTMLResponse)
def use_cases_page(request: Request, state: StateDep, caller: CallerDep) -> HTMLResponse:
    found = governance.list_use_cases(state.store, principal=caller.who.principal)
    context = {
        "views": list(found),
        "withheld": found.withheld_notice,
        "may_create": bool(can(caller.who.principal, Action.USECASE_CREATE, Marking())),
    }
    return render(
        request,
        state,
        "use_cases.html.j2",
        context,
        caller=caller,
        marking=page_marking([found.banner]),
    )


@router.get("/use-cases/new", response_class=HTMLResponse)
def new_use_case_page(request: Request, state: StateDep, caller: CallerDep) -> HTMLResponse:
    context = {"choices": INTAKE_CHOICES, "values": {}, "errors": []}
    return render(request, state, "use_case_new.html.j2", context, caller=caller)


@router.post("/use-cases", response_class=HTMLResponse)
async def add_use_case(request: Request, state: StateDep, caller: CallerDep) -> Response:
    form = await request.form()
    intake, marking_text = intake_from_form(form)
    try:
        marking = Marking.parse(marking_text)
        record = await _in_thread(
            governance.add_use_case,
            state.store,
            intake,
            marking=marking,
            principal=caller.who.principal,
        )
    except (governance.GovernanceError, ValueError, PermissionError) as refused:
        values = {key: form.getlist(key) for key in form if key != CSRF_FIELD}
        context = {
            "choices": INTAKE_CHOICES,
            "values": values,
            "errors": _problems(refused),
        }
        return render(request, state, "use_case_new.html.j2", context, caller=caller, status=422)
    return RedirectResponse(f"/use-cases/{quote(record.id)}", status_code=303)


@router.get("/use-cases/{ref}", response_class=HTMLResponse)
def use_case_page(
    request: Request, state: StateDep, caller: CallerDep, ref: str, error: str = ""
) -> HTMLResponse:
    return _use_case(request, state, caller, ref, [error] if error else [])


def _use_case(
    request: Request,
    state: Any,
    caller: Any,
    ref: str,
    errors: list[str],
    status: int = 200,
) -> HTMLResponse:
    principal = caller.who.principal
    view = governance.show_use_case(state.store, ref, principal=principal)
    marking = marking_of(view.use_case)
    decisions = governance.list_decisions(state.store, view.use_case.id, principal=principal)
    may = {
        action.value: bool(can(principal, action, marking))
        for action in (
            Action.USECASE_CLASSIFY,
            Action.PRACTICE_UPDATE,
            Action.PRACTICE_SIGN_INDEPENDENT_EVALUATION,
            Action.DECISION_REQUEST,
            Action.DECISION_APPROVE,
            Action.DECISION_DENY,
            Action.DECISION_SUSPEND,
            Action.WAIVER_GRANT,
        )
    }
    context = {
        "view": view,
        "decisions": list(decisions),
        "may": may,
        "errors": errors,
        "categories": _waiver_categories() if may[Action.WAIVER_GRANT.value] else [],
        "practice_statuses": governance.PRACTICE_STATUSES,
        "evidence_kinds": governance.EVIDENCE_KINDS,
    }
    return render(
        request, state, "use_case.html.j2", context, caller=caller, marking=marking, status=status
    )


@router.post("/use-cases/{ref}/classification", response_class=HTMLResponse)
def classify(
    request: Request,
    state: StateDep,
    caller: CallerDep,
    ref: str,
    override: Annotated[str, Form(max_length=500)] = "",
    justification: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    classes = [c.strip() for c in override.split(",") if c.strip()] or None
    return _act(
        request,
        state,
        caller,
        ref,
        lambda: governance.classify_use_case(
            state.store,
            ref,
            override=classes,
            justification=justification or None,
            principal=caller.who.principal,
        ),
    )


@router.post("/use-cases/{ref}/practices/{code}", response_class=HTMLResponse)
def update_practice(
    request: Request,
    state: StateDep,
    caller: CallerDep,
    ref: str,
    code: str,
    status: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    return _act(
        request,
        state,
        caller,
        ref,
        lambda: governance.update_practice(
            state.store,
            ref,
            code,
            status=status or None,
            note=note or None,
            principal=caller.who.principal,
        ),
    )


@router.post("/use-cases/{ref}/practices/{code}/evidence", response_class=HTMLResponse)
def link_evidence(
    request: Request,
    state: StateDep,
    caller: CallerDep,
    ref: str,
    code: str,
    kind: Annotated[str, Form(max_length=32)],
    evidence: Annotated[str, Form(max_length=512)],
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    return _act(
        request,
        state,
        caller,
        ref,
        lambda: governance.link_evidence(
            state.store, ref, code, kind, evidence, note=note, principal=caller.who.principal
        ),
    )


@router.post("/use-cases/{ref}/practices/{code}/signature", response_class=HTMLResponse)
def sign(
    request: Request,
    state: StateDep,
    caller: CallerDep,
    ref: str,
    code: str,
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    return _act(
        request,
        state,
        caller,
        ref,
        lambda: governance.sign_independent_evaluation(
            state.store, ref, code, note=note, principal=caller.who.principal
        ),
    )


@router.post("/use-cases/{ref}/decisions", response_class=HTMLResponse)
def decide(
    request: Request,
    state: StateDep,
    caller: CallerDep,
    ref: str,
    action: Annotated[str, Form(max_length=16)],
    rationale: Annotated[str, Form(max_length=5000)],
) -> Response:
    from clearance.web.api._governance import DecisionIn, take_decision

    def act() -> Any:
        body = DecisionIn.model_validate({"action": action, "rationale": rationale})
        return take_decision(state, caller, ref, body)

    return _act(request, state, caller, ref, act)


@router.post("/use-cases/{ref}/waivers", response_class=HTMLResponse)
def grant_waiver(
    request: Request,
    state: StateDep,
    caller: CallerDep,
    ref: str,
    practice: Annotated[str, Form(max_length=128)],
    category: Annotated[str, Form(max_length=128)],
    finding: Annotated[str, Form(max_length=10000)],
    days: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    return _act(
        request,
        state,
        caller,
        ref,
        lambda: governance.grant_waiver(
            state.store,
            ref,
            practice,
            category=category,
            finding=finding,
            days=_whole(days, "days"),
            principal=caller.who.principal,
        ),
    )


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, state: StateDep, caller: CallerDep) -> HTMLResponse:
    principal = caller.who.principal
    views = governance.list_use_cases(state.store, principal=principal)
    items = governance.due_items(state.store, within_days=60, principal=principal)
    waivers = _maybe(lambda: governance.list_waivers(state.store, principal=principal))
    context = {
        "items": items,
        "withheld": views.withheld_notice,
        "waivers": list(waivers or ()),
    }
    return render(
        request,
        state,
        "queue.html.j2",
        context,
        caller=caller,
        marking=page_marking([views.banner]),
    )


# -- ledger, reports, API docs -----------------------------------------------------------------


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, state: StateDep, caller: CallerDep) -> HTMLResponse:
    return _ledger(request, state, caller, None)


@router.post("/ledger/verification", response_class=HTMLResponse)
def verify_ledger(request: Request, state: StateDep, caller: CallerDep) -> HTMLResponse:
    result = accountability.verify_ledger(state.store, caller.who.principal)
    return _ledger(request, state, caller, result)


def _ledger(request: Request, state: Any, caller: Any, verification: Any) -> HTMLResponse:
    from clearance import reports

    entries = accountability.newest_entries(state.store, caller.who.principal, 100)
    context = {
        "status": reports.ledger_state(state.store),
        "entries": entries,
        "verification": verification,
        "may_verify": bool(can(caller.who.principal, Action.LEDGER_VERIFY, Marking())),
    }
    return render(request, state, "ledger.html.j2", context, caller=caller)


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, state: StateDep, caller: CallerDep) -> HTMLResponse:
    from clearance import reports

    models = sorted({str(b["model"]) for b in state.runs(caller.who.principal).briefs})
    context = {"kinds": reports.REPORT_KINDS, "formats": reports.REPORT_FORMATS, "models": models}
    return render(request, state, "reports.html.j2", context, caller=caller)


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request, state: StateDep) -> HTMLResponse:
    document = request.app.openapi()
    operations = [
        {"method": method.upper(), "path": path, **op}
        for path, item in document.get("paths", {}).items()
        for method, op in item.items()
    ]
    context = {"document": document, "operations": operations}
    return render(request, state, "docs.html.j2", context, caller=None)


# -- shared ------------------------------------------------------------------------------------


def _act(request: Request, state: Any, caller: Any, ref: str, act: Any) -> Response:
    """Run a governance action; back to the use case's page, showing the refusal if any."""
    try:
        act()
    except (governance.GovernanceError, ValueError, PermissionError, LookupError) as refused:
        return _use_case(request, state, caller, ref, _problems(refused), status=422)
    return RedirectResponse(f"/use-cases/{quote(ref)}", status_code=303)


async def _in_thread(function: Any, *args: Any, **kwargs: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args, **kwargs)


def _problems(error: BaseException) -> list[str]:
    problems = getattr(error, "problems", None)
    if isinstance(problems, list) and problems:
        return [str(p) for p in problems]
    return [str(error)]


def _maybe(read: Any) -> Any:
    """What ``read`` returns, or None when the principal may not read it at all (a dashboard
    shows the parts a role may see)."""
    try:
        return read()
    except PermissionError:
        return None


_VERDICT_ORDER = ["not tested", "below", "inconclusive", "exceeds"]


def _worst(current: str | None, verdict: str) -> str:
    if current is None:
        return verdict
    rank = {v: i for i, v in enumerate(_VERDICT_ORDER)}
    return max(current, verdict, key=lambda v: rank.get(v, 0))


def _sample_query(f: dict[str, str], cursor: str | None) -> SampleQuery:
    after = decode_cursor("samples", cursor)
    return SampleQuery(
        limit=PAGE,
        after=int(after) if after is not None else None,
        errors={"yes": True, "no": False}.get(f["errors"]),
        scorer=f["scorer"] or None,
        min_score=float(f["min_score"]) if f["min_score"] else None,
        max_score=float(f["max_score"]) if f["max_score"] else None,
        search=f["q"] or None,
    )


def _samples_next(run_id: str, f: dict[str, str], after: int | None) -> str | None:
    if after is None:
        return None
    query = {k: v for k, v in f.items() if v} | {"cursor": encode_cursor("samples", after)}
    return f"/runs/{quote(run_id)}?" + urlencode(query)


def _scorer_names(samples: Any) -> list[str]:
    names: dict[str, None] = {}
    for s in samples:
        names.update(dict.fromkeys(s.scores))
    return list(names)


def _first_scorer(provenance: dict[str, Any], samples: Any) -> str | None:
    names = list(provenance.get("scorers", [])) or _scorer_names(samples)
    return names[0] if names else None


def _score(scores: dict[str, Any], scorer: str | None) -> float | None:
    if scorer is None or scorer not in scores:
        return None
    value = scores[scorer].get("value")
    return float(value) if isinstance(value, int | float) else None


def _change(before: float | None, after: float | None) -> str:
    if before is None or after is None:
        return "missing"
    if after > before:
        return "better"
    return "worse" if after < before else "same"


@functools.cache
def _waiver_categories() -> list[str]:
    # The packaged rules file, parsed once: its YAML takes a second to read.
    return [c.code for c in governance.default_rules().rules.waivers.categories]


def _whole(text: str, what: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise FormValueError(f"{what} must be a whole number, not {text!r}")
    return int(text)


def _local(target: str) -> str:
    """``target`` if it is a path on this server, else "/" (no open redirect)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def now() -> datetime:
    return datetime.now(UTC)
