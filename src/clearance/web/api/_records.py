"""/api/v1: assessments, findings, mitigations, the policy in force, reports, the ledger, users
and their tokens, and who the caller is."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from clearance import accountability, assess, reports
from clearance.access import (
    UNCLASSIFIED_MARKING,
    Action,
    Level,
    Marking,
    Role,
    require_permission,
)
from clearance.store import PrincipalRecord
from clearance.web._auth import client_address
from clearance.web._marked import listing, one
from clearance.web._problems import MARKING_HEADER
from clearance.web._state import CallerDep, StateDep

router = APIRouter()

_REPORT_MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}


class UserIn(BaseModel):
    id: str
    name: str = ""
    roles: list[str] = Field(min_length=1)
    clearance: str = "UNCLASSIFIED"
    password: str | None = None


class AccessChangeIn(BaseModel):
    """Roles, compartments and a level to grant or take."""

    roles: list[str] = []
    compartments: list[str] = []
    level: str | None = None

    def change(self) -> dict[str, Any]:
        """The keyword arguments ``accountability.grant`` and ``revoke`` share."""
        return {
            "roles": [Role.parse(r) for r in self.roles],
            "compartments": self.compartments,
            "level": Level.parse(self.level) if self.level else None,
        }


class GrantIn(AccessChangeIn):
    activate: bool = False


class RevokeIn(AccessChangeIn):
    deactivate: bool = False


class EnrolIn(BaseModel):
    code: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class TokenIn(BaseModel):
    name: str = "api"
    expires_days: int | None = Field(None, ge=1, le=3650)


@router.get("/session", tags=["session"], summary="Who you are acting as")
def whoami(caller: CallerDep) -> JSONResponse:
    p = caller.who.principal
    body = {
        "id": p.id,
        "name": p.name,
        "roles": sorted(r.value for r in p.roles),
        "clearance": p.clearance_banner(),
        "via": caller.via,
    }
    return one(body, UNCLASSIFIED_MARKING)


@router.get("/assessments", tags=["assessment"], summary="Assessments you may read")
def list_assessments(state: StateDep, caller: CallerDep, model: str | None = None) -> JSONResponse:
    found = assess.list_assessments(state.store, model=model, principal=caller.who.principal)
    return listing(list(found), found.banner, withheld=found.withheld, notice=found.withheld_notice)


@router.get("/findings", tags=["assessment"], summary="Findings: verdicts with intervals")
def list_findings(
    state: StateDep,
    caller: CallerDep,
    model: str | None = None,
    assessment: str | None = None,
    latest: bool = False,
) -> JSONResponse:
    found = assess.list_findings(
        state.store,
        model=model,
        assessment=assessment,
        latest=latest,
        principal=caller.who.principal,
    )
    return listing(list(found), found.banner, withheld=found.withheld, notice=found.withheld_notice)


@router.get("/mitigations", tags=["assessment"], summary="Mitigations and their efficacy")
def list_mitigations(state: StateDep, caller: CallerDep, model: str | None = None) -> JSONResponse:
    found = assess.list_mitigations(state.store, model=model, principal=caller.who.principal)
    return listing(list(found), found.banner, withheld=found.withheld, notice=found.withheld_notice)


@router.get("/policies/current", tags=["assessment"], summary="The thresholds policy in force")
def current_policy(caller: CallerDep) -> JSONResponse:
    require_permission(caller.who.principal, Action.POLICY_READ)
    loaded = assess.load_policy()
    return one(loaded, UNCLASSIFIED_MARKING)


@router.get(
    "/reports/{kind}",
    tags=["reports"],
    summary="Render a report (annual, model, inventory, waivers) as HTML, PDF, Markdown or JSON",
)
def report(
    state: StateDep,
    caller: CallerDep,
    kind: reports.ReportKind,
    format: reports.ReportFormat = "html",
    model: str | None = None,
    download: bool = False,
) -> Response:
    built = reports.build_report(state.store, kind, model=model, principal=caller.who.principal)
    data = reports.render(built, format)
    headers = {MARKING_HEADER: built.banner}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="clearance-{kind}.{format}"'
    media = _REPORT_MEDIA.get(format, "application/octet-stream")
    return Response(data, media_type=media, headers=headers)


@router.get("/ledger", tags=["ledger"], summary="The ledger's size, Merkle root and checkpoint")
def ledger_status(
    state: StateDep, caller: CallerDep, entries: Annotated[int, Query(ge=0, le=500)] = 20
) -> JSONResponse:
    lines = accountability.newest_entries(state.store, caller.who.principal, entries)
    status = reports.ledger_state(state.store)
    body = status.model_dump(mode="json") | {
        "entries": [line.model_dump() for line in lines],
        # Where the log's checkpoints are held (names only, credentials stripped).
        "witnesses": [witness.name for witness in accountability.configured_witnesses()],
    }
    return one(body, UNCLASSIFIED_MARKING)


@router.post("/ledger/verification", tags=["ledger"], summary="Verify the chain and records")
def verify(state: StateDep, caller: CallerDep) -> JSONResponse:
    result = accountability.verify_ledger(state.store, caller.who.principal)
    return one(result, UNCLASSIFIED_MARKING)


@router.get("/ledger/checkpoints", tags=["ledger"], summary="The newest signed checkpoint")
def newest_checkpoint(caller: CallerDep) -> JSONResponse:
    require_permission(caller.who.principal, Action.LEDGER_READ)
    path = accountability.newest_checkpoint()
    item: Any = None
    if path is not None:
        item = {"file": path.name, **accountability.load_checkpoint(path).model_dump(mode="json")}
    return one(item, UNCLASSIFIED_MARKING)


@router.post("/ledger/checkpoints", status_code=201, tags=["ledger"], summary="Sign a checkpoint")
def create_checkpoint(state: StateDep, caller: CallerDep) -> JSONResponse:
    written = accountability.create_checkpoint(state.store, caller.who.principal)
    item = {"file": written.path.name, **written.checkpoint.model_dump(mode="json")}
    return one(item, UNCLASSIFIED_MARKING, 201)


def _user(record: PrincipalRecord | None) -> dict[str, Any] | None:
    """A user as the API shows it: never a password hash, nor the digest of an enrolment code."""
    if record is None:
        return None
    return record.model_dump(mode="json", exclude={"password_hash", "enrolment_sha256"})


@router.get("/users", tags=["users"], summary="Every user (administrators)")
def list_users(state: StateDep, caller: CallerDep) -> JSONResponse:
    users = accountability.list_users(state.store, caller.who.principal)
    return listing([_user(u) for u in users], UNCLASSIFIED_MARKING)


@router.post("/users", status_code=201, tags=["users"], summary="Add a user (administrators)")
def add_user(state: StateDep, caller: CallerDep, body: UserIn) -> JSONResponse:
    added = accountability.add_user(
        state.store,
        caller.who,
        id=body.id,
        name=body.name,
        roles=[Role.parse(r) for r in body.roles],
        clearance=Marking.parse(body.clearance),
        password=body.password,
    )
    # The one-time enrolment code goes to the administrator, to hand to the new user, who sets
    # their own password with it.
    item = _user(added.record) or {}
    return one(item | {"enrolment_code": added.enrolment_code}, UNCLASSIFIED_MARKING, 201)


@router.post(
    "/users/{user}/enrolment",
    tags=["users"],
    summary="Set your own password with your one-time enrolment code (no sign-in needed)",
)
def enrol(state: StateDep, request: Request, user: str, body: EnrolIn) -> JSONResponse:
    # Open to anyone, as sign-in is, so failures count against the same limits: a code cannot
    # be guessed by trying many.
    client = client_address(request)
    state.limiter.check(user, client)
    try:
        who = accountability.enrol(state.store, user, body.code, body.password)
    except accountability.AuthenticationError:
        state.limiter.failed(user, client)
        raise
    return one({"user": who.principal.id, "enrolled": True}, UNCLASSIFIED_MARKING)


@router.post(
    "/users/{user}/password-reset",
    tags=["users"],
    summary="Reset a user's password (administrators): their tokens and sessions end; a new "
    "one-time enrolment code is returned",
)
def reset_password(state: StateDep, caller: CallerDep, user: str) -> JSONResponse:
    code = accountability.reset_password(state.store, caller.who, user)
    return one({"user": user, "enrolment_code": code}, UNCLASSIFIED_MARKING)


@router.post("/users/{user}/grants", tags=["users"], summary="Grant roles or clearance")
def grant(state: StateDep, caller: CallerDep, user: str, body: GrantIn) -> JSONResponse:
    record = accountability.grant(
        state.store, caller.who, user, **body.change(), activate=body.activate
    )
    return one(_user(record), UNCLASSIFIED_MARKING)


@router.post("/users/{user}/revocations", tags=["users"], summary="Take roles or clearance")
def revoke(state: StateDep, caller: CallerDep, user: str, body: RevokeIn) -> JSONResponse:
    record = accountability.revoke(
        state.store, caller.who, user, **body.change(), deactivate=body.deactivate
    )
    return one(_user(record), UNCLASSIFIED_MARKING)


@router.get("/users/{user}/tokens", tags=["users"], summary="A user's API tokens (hashes only)")
def list_tokens(state: StateDep, caller: CallerDep, user: str) -> JSONResponse:
    tokens = accountability.list_tokens(state.store, caller.who.principal, user)
    return listing(tokens, UNCLASSIFIED_MARKING)


@router.post("/users/{user}/tokens", status_code=201, tags=["users"], summary="Issue a token")
def issue_token(state: StateDep, caller: CallerDep, user: str, body: TokenIn) -> JSONResponse:
    expires = timedelta(days=body.expires_days) if body.expires_days else None
    token, record = accountability.issue_token(
        state.store, caller.who, user, name=body.name, expires_in=expires
    )
    item = record.model_dump(mode="json") | {"token": token}
    return one(item, UNCLASSIFIED_MARKING, 201)


@router.delete("/tokens/{token_id}", tags=["users"], summary="Revoke an API token")
def revoke_token(state: StateDep, caller: CallerDep, token_id: str) -> JSONResponse:
    record = accountability.revoke_token(state.store, caller.who, token_id)
    return one(record, UNCLASSIFIED_MARKING)
