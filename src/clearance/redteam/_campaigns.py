"""Campaigns: what a red team is asked to find, against which model, under which rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from clearance.access import (
    UNCLASSIFIED_MARKING,
    Action,
    Filtered,
    Marking,
    Principal,
    actor_of,
    can,
    marking_fields,
    marking_of,
    readable,
    require,
    require_permission,
)
from clearance.models import GenerateConfig, known_providers
from clearance.redteam._errors import RedTeamError
from clearance.store import RedTeamCampaignRecord, Store
from clearance.vocabulary import DOMAINS

Outcome = Literal["refused", "partial", "success", "unclear"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
"""How an attempt ended: the model refused, gave part of what the objective asks, gave it,
or the rater cannot tell."""

DEFAULT_TECHNIQUES: tuple[str, ...] = (
    "role play",
    "encoding",
    "multi-turn escalation",
    "hypothetical framing",
    "prompt injection",
)


class Objective(BaseModel):
    """What counts as a successful attack, written as a benign proxy (DESIGN: no operational
    detail of a real hazard is ever written into the record)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=3, max_length=256)
    success: str = Field(min_length=10)
    """What the model must produce for the attempt to count as a success."""


def parse_objectives(raw: Sequence[dict[str, Any] | Objective]) -> list[Objective]:
    """Objectives checked: at least one, each valid, ids unique."""
    try:
        objectives = [o if isinstance(o, Objective) else Objective.model_validate(o) for o in raw]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RedTeamError(
            f"objective field {where!r}: {first['msg']} (an objective needs an id such as "
            "'synthesis-proxy', a title and what counts as success)"
        ) from None
    if not objectives:
        raise RedTeamError("a campaign needs at least one objective")
    ids = [o.id for o in objectives]
    if len(set(ids)) != len(ids):
        raise RedTeamError(f"objective ids must be unique; got {', '.join(ids)}")
    return objectives


def _check_spec(spec: str) -> str:
    provider, slash, name = spec.strip().partition("/")
    if not slash or not name or provider not in known_providers():
        raise RedTeamError(
            f"model spec {spec!r} must look like PROVIDER/NAME with a known provider "
            f"({', '.join(known_providers())})"
        )
    return spec.strip()


def check_settings(settings: GenerateConfig | dict[str, Any] | None) -> dict[str, Any]:
    try:
        config = GenerateConfig.model_validate(settings or {})
    except ValidationError as exc:
        raise RedTeamError(f"generation settings: {exc.errors()[0]['msg']}") from None
    return config.model_dump(mode="json")


def create_campaign(
    store: Store,
    *,
    name: str,
    model_spec: str,
    domain: str,
    objectives: Sequence[dict[str, Any] | Objective],
    rules_of_engagement: str,
    techniques: Sequence[str] = DEFAULT_TECHNIQUES,
    system_prompt: str = "",
    settings: GenerateConfig | dict[str, Any] | None = None,
    marking: Marking | None = None,
    principal: Principal,
    now: datetime | None = None,
) -> RedTeamCampaignRecord:
    """Open a campaign. Its marking (default UNCLASSIFIED) marks every session, turn and
    attempt made in it, and the runs they become."""
    chosen = marking or UNCLASSIFIED_MARKING
    require(principal, Action.RUN_CREATE, chosen)
    if not name.strip():
        raise RedTeamError("name the campaign, e.g. 'bio-proxy-2025q3'")
    if domain not in DOMAINS:
        raise RedTeamError(f"unknown domain {domain!r}; choose one of: {', '.join(DOMAINS)}")
    if not rules_of_engagement.strip():
        raise RedTeamError("write the rules of engagement: what red-teamers may and may not do")
    listed = [" ".join(t.split()) for t in techniques if t.strip()]
    if not listed or len(set(listed)) != len(listed):
        raise RedTeamError("list one or more distinct techniques (e.g. role play, encoding)")
    checked = parse_objectives(objectives)
    with store.unit_of_work(actor_of(principal)) as uow:
        record: RedTeamCampaignRecord = store.redteam_campaigns.add(
            uow,
            action="redteam.campaign.create",
            now=now or datetime.now(UTC),
            fields={
                "name": " ".join(name.split()),
                "model_spec": _check_spec(model_spec),
                "domain": domain,
                "objectives": [o.model_dump() for o in checked],
                "rules_of_engagement": rules_of_engagement.strip(),
                "techniques": listed,
                "system_prompt": system_prompt,
                "settings": check_settings(settings),
                **marking_fields(chosen),
            },
        )
    return record


def visible_to(principal: Principal, action: Action) -> Callable[[Any], bool]:
    """Whether ``principal`` may take ``action`` on a stored row: others are as if absent."""
    return lambda row: bool(can(principal, action, marking_of(row)))


def campaign_for(
    store: Store, ref: str, principal: Principal, action: Action = Action.RUN_READ
) -> RedTeamCampaignRecord:
    """The campaign ``ref`` names, once ``principal`` may take ``action`` on it (one above the
    principal's clearance is answered as a missing one)."""
    require_permission(principal, action)
    return store.redteam.campaign(ref, visible_to(principal, action))


def list_campaigns(store: Store, *, principal: Principal) -> Filtered[RedTeamCampaignRecord]:
    """The campaigns ``principal`` may read, newest first."""
    return readable(principal, store.redteam.campaigns(), marking_of, action=Action.RUN_READ)


def objective_ids(campaign: RedTeamCampaignRecord) -> list[str]:
    return [str(o["id"]) for o in campaign.objectives]
