"""/api/v1 governance: use cases (intake with the CLI's validation), classification with its
reasons, practices (status, evidence, signature), decisions, waivers and their reports,
incidents, the inventory and the chief AI officer's queue."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from clearance import governance
from clearance.access import UNCLASSIFIED_MARKING, Marking, join_markings, marking_of
from clearance.web._marked import listing, one
from clearance.web._paging import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor, page_after
from clearance.web._problems import MARKING_HEADER
from clearance.web._state import CallerDep, StateDep

router = APIRouter(tags=["governance"])
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


class IntakeIn(BaseModel):
    intake: dict[str, Any] = Field(description="The intake fields, as in an intake YAML file")
    marking: str = Field("UNCLASSIFIED", description="LEVEL//COMPARTMENT..., e.g. SECRET//BIO")


class ClassifyIn(BaseModel):
    override: list[str] | None = None
    justification: str | None = None


class PracticeIn(BaseModel):
    status: str | None = None
    owner: str | None = None
    reviewer: str | None = None
    note: str | None = None


class EvidenceIn(BaseModel):
    kind: str = Field(description="run, finding, mitigation, policy or document")
    ref: str
    note: str = ""


class SignatureIn(BaseModel):
    note: str = ""


class DecisionIn(BaseModel):
    action: Literal["request", "approve", "deny", "suspend"]
    rationale: str
    review_by: datetime | None = None


class WaiverIn(BaseModel):
    practice: str
    category: str
    finding: str
    days: int | None = Field(None, ge=1)


class WaiverRevokeIn(BaseModel):
    reason: str


class WaiverRenewIn(BaseModel):
    finding: str
    reassessment: str
    category: str | None = None
    days: int | None = Field(None, ge=1)


class WaiverReportIn(BaseModel):
    recipients: list[str] = Field(min_length=1)
    note: str = ""


class IncidentIn(BaseModel):
    kind: str
    severity: str
    summary: str
    description: str
    use_case: str | None = None
    anonymous: bool = False
    marking: str | None = None


def use_case_json(view: governance.UseCaseView) -> dict[str, Any]:
    data = view.model_dump(mode="json")
    data["classes"] = view.classes
    data["label"] = view.label
    data["marking"] = marking_of(view.use_case).banner()
    return data


@router.get("/use-cases", summary="Use cases you may read, with where each stands")
def list_use_cases(
    state: StateDep, caller: CallerDep, limit: Limit = DEFAULT_LIMIT, cursor: str | None = None
) -> JSONResponse:
    found = governance.list_use_cases(state.store, principal=caller.who.principal)
    shown, next_key = page_after(
        list(found), lambda v: v.use_case.id, decode_cursor("use-cases", cursor), limit
    )
    return listing(
        [use_case_json(v) for v in shown],
        found.banner,
        withheld=found.withheld,
        notice=found.withheld_notice,
        next_cursor=encode_cursor("use-cases", next_key) if next_key else None,
    )


@router.post("/use-cases", status_code=201, summary="Intake a use case (classified at once)")
def add_use_case(state: StateDep, caller: CallerDep, body: IntakeIn) -> JSONResponse:
    record = governance.add_use_case(
        state.store,
        body.intake,
        marking=Marking.parse(body.marking),
        principal=caller.who.principal,
    )
    view = governance.show_use_case(state.store, record.id, principal=caller.who.principal)
    return one(use_case_json(view), marking_of(record), 201)


@router.get("/use-cases/{ref}", summary="One use case: classification, practices, decision")
def show_use_case(state: StateDep, caller: CallerDep, ref: str) -> JSONResponse:
    view = governance.show_use_case(state.store, ref, principal=caller.who.principal)
    return one(use_case_json(view), marking_of(view.use_case))


@router.post("/use-cases/{ref}/classification", summary="Classify again, or override")
def classify(state: StateDep, caller: CallerDep, ref: str, body: ClassifyIn) -> JSONResponse:
    record = governance.classify_use_case(
        state.store,
        ref,
        override=body.override,
        justification=body.justification,
        principal=caller.who.principal,
    )
    return one(record, marking_of(record))


@router.post("/use-cases/{ref}/practices/{code}", summary="Set a practice's status or owner")
def update_practice(
    state: StateDep, caller: CallerDep, ref: str, code: str, body: PracticeIn
) -> JSONResponse:
    record = governance.update_practice(
        state.store, ref, code, **body.model_dump(), principal=caller.who.principal
    )
    return one(record, marking_of(record))


@router.post("/use-cases/{ref}/practices/{code}/evidence", summary="Link pinned evidence")
def link_evidence(
    state: StateDep, caller: CallerDep, ref: str, code: str, body: EvidenceIn
) -> JSONResponse:
    record = governance.link_evidence(
        state.store, ref, code, body.kind, body.ref, note=body.note, principal=caller.who.principal
    )
    return one(record, marking_of(record), 201)


@router.post("/use-cases/{ref}/practices/{code}/signature", summary="Sign the evaluation")
def sign(
    state: StateDep, caller: CallerDep, ref: str, code: str, body: SignatureIn
) -> JSONResponse:
    record = governance.sign_independent_evaluation(
        state.store, ref, code, note=body.note, principal=caller.who.principal
    )
    return one(record, marking_of(record))


@router.get("/use-cases/{ref}/decisions", summary="A use case's decisions, oldest first")
def list_decisions(state: StateDep, caller: CallerDep, ref: str) -> JSONResponse:
    found = governance.list_decisions(state.store, ref, principal=caller.who.principal)
    return listing(list(found), found.banner, withheld=found.withheld, notice=found.withheld_notice)


@router.post("/use-cases/{ref}/decisions", status_code=201, summary="Request or take a decision")
def decide(state: StateDep, caller: CallerDep, ref: str, body: DecisionIn) -> JSONResponse:
    record = take_decision(state, caller, ref, body)
    return one(record, marking_of(record), 201)


def take_decision(state: Any, caller: Any, ref: str, body: DecisionIn) -> Any:
    """The decision service ``body.action`` names (shared by the API and the decision form)."""
    principal = caller.who.principal
    if body.action == "approve":
        return governance.approve_use_case(
            state.store,
            ref,
            rationale=body.rationale,
            review_by=body.review_by,
            principal=principal,
        )
    act = {
        "request": governance.request_decision,
        "deny": governance.deny_use_case,
        "suspend": governance.suspend_use_case,
    }[body.action]
    return act(state.store, ref, rationale=body.rationale, principal=principal)


@router.get("/waivers", summary="Waivers you may read, with their states and reports")
def list_waivers(state: StateDep, caller: CallerDep, use_case: str | None = None) -> JSONResponse:
    found = governance.list_waivers(
        state.store, use_case_ref=use_case, principal=caller.who.principal
    )
    items = [v.model_dump(mode="json") | {"reporting_overdue": v.reporting_overdue} for v in found]
    return listing(items, found.banner, withheld=found.withheld, notice=found.withheld_notice)


@router.post("/use-cases/{ref}/waivers", status_code=201, summary="Grant a waiver (CAIO only)")
def grant_waiver(state: StateDep, caller: CallerDep, ref: str, body: WaiverIn) -> JSONResponse:
    view = governance.grant_waiver(
        state.store,
        ref,
        body.practice,
        category=body.category,
        finding=body.finding,
        days=body.days,
        principal=caller.who.principal,
    )
    return one(view, marking_of(view.waiver), 201)


@router.post("/waivers/{ref}/revocation", summary="Revoke a waiver (CAIO only)")
def revoke_waiver(
    state: StateDep, caller: CallerDep, ref: str, body: WaiverRevokeIn
) -> JSONResponse:
    view = governance.revoke_waiver(
        state.store, ref, reason=body.reason, principal=caller.who.principal
    )
    return one(view, marking_of(view.waiver))


@router.post("/waivers/{ref}/renewal", status_code=201, summary="Renew a waiver (CAIO only)")
def renew_waiver(state: StateDep, caller: CallerDep, ref: str, body: WaiverRenewIn) -> JSONResponse:
    view = governance.renew_waiver(
        state.store, ref, **body.model_dump(), principal=caller.who.principal
    )
    return one(view, marking_of(view.waiver), 201)


@router.post("/waivers/{ref}/reports", summary="Record that a waiver event was reported")
def report_waiver(
    state: StateDep, caller: CallerDep, ref: str, body: WaiverReportIn
) -> JSONResponse:
    view = governance.record_waiver_report(
        state.store, ref, recipients=body.recipients, note=body.note, principal=caller.who.principal
    )
    return one(view, marking_of(view.waiver))


@router.get("/incidents", summary="Incidents you may read, newest first")
def list_incidents(state: StateDep, caller: CallerDep, use_case: str | None = None) -> JSONResponse:
    found = governance.list_incidents(
        state.store, use_case_ref=use_case, principal=caller.who.principal
    )
    return listing(list(found), found.banner, withheld=found.withheld, notice=found.withheld_notice)


@router.post("/incidents", status_code=201, summary="Report an incident or misuse")
def report_incident(state: StateDep, caller: CallerDep, body: IncidentIn) -> JSONResponse:
    record = governance.report_incident(
        state.store,
        kind=body.kind,
        severity=body.severity,
        summary=body.summary,
        description=body.description,
        use_case_ref=body.use_case,
        anonymous=body.anonymous,
        marking=Marking.parse(body.marking) if body.marking else None,
        principal=caller.who.principal,
    )
    return one(record, marking_of(record), 201)


@router.get("/incidents/{ref}", summary="One incident")
def show_incident(state: StateDep, caller: CallerDep, ref: str) -> JSONResponse:
    record = governance.show_incident(state.store, ref, principal=caller.who.principal)
    return one(record, marking_of(record))


@router.get("/due", summary="What falls due: re-reviews, expiring waivers, overdue reports")
def due(state: StateDep, caller: CallerDep, within_days: int = 30) -> JSONResponse:
    items = governance.due_items(
        state.store, within_days=within_days, principal=caller.who.principal
    )
    views = governance.list_use_cases(state.store, principal=caller.who.principal)
    return listing(items, views.banner, withheld=views.withheld, notice=views.withheld_notice)


@router.get("/inventory", summary="The annual inventory: JSON, or the Framework's or OMB's CSV")
def inventory(
    state: StateDep,
    caller: CallerDep,
    format: Literal["json", "framework-csv", "omb-csv"] = "json",
) -> Response:
    principal = caller.who.principal
    found = governance.list_use_cases(state.store, principal=principal)
    marking = join_markings([found.banner, UNCLASSIFIED_MARKING])
    if format == "omb-csv":
        text = governance.omb_inventory_csv(state.store, principal=principal)
        return _csv(text, marking, "omb-inventory.csv")
    built = governance.framework_inventory(state.store, principal=principal)
    if format == "framework-csv":
        return _csv(governance.framework_inventory_csv(built), marking, "inventory.csv")
    return one(governance.inventory_json(built), marking)


def _csv(text: str, marking: Marking, name: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            MARKING_HEADER: marking.banner(),
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )
