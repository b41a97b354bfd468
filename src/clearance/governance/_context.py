"""When, and who may: the clock rule for the times governance services are given, and the
chief AI officer's own authority."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from clearance.access import (
    AccessDenied,
    Action,
    Marking,
    Principal,
    Role,
    can,
    has_role,
    marking_of,
    require,
    require_permission,
)
from clearance.governance._errors import GovernanceError
from clearance.store import Store, UseCaseRecord, WaiverRecord


def moment(now: datetime | None) -> datetime:
    """``now`` as an aware UTC time (the current time when None)."""
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise GovernanceError(
            f"time {now.isoformat()} has no time zone; governance times are UTC, "
            "e.g. datetime(2025, 1, 1, tzinfo=UTC)"
        )
    return now.astimezone(UTC)


def stated_time(
    stated: datetime | None, *, now: datetime, since: datetime, since_what: str
) -> datetime:
    """The time someone states for what they record (``now``, the store's time of recording,
    when they state none). It may only lie between the record it concerns (``since``, described
    as ``since_what``) and now: dated earlier it could make a duty read as met before it arose,
    dated later it records the future. Both times are kept, so a stated time never replaces the
    store's own."""
    if stated is None:
        return now
    when = moment(stated)
    if when > now:
        raise GovernanceError(
            f"the stated time {when:%Y-%m-%d %H:%M} UTC is in the future; give a time between "
            f"{since_what} ({since:%Y-%m-%d %H:%M} UTC) and now"
        )
    if when < since:
        raise GovernanceError(
            f"the stated time {when:%Y-%m-%d %H:%M} UTC is before {since_what} "
            f"({since:%Y-%m-%d %H:%M} UTC); give a time between it and now"
        )
    return when


def require_chief_ai_officer(
    principal: Principal, action: Action, marking: Marking, doing: str
) -> None:
    """Refuse unless ``principal`` may take ``action`` on ``marking`` and holds the chief AI
    officer role itself: what the Framework keeps to that officer is not delegated, nor
    granted by the administrator role."""
    require(principal, action, marking)
    if not has_role(principal, Role.CHIEF_AI_OFFICER):
        raise AccessDenied(
            f"{doing} needs the chief_ai_officer role itself",
            principal_id=principal.id,
            action=action,
            marking=marking,
        )


def readable_by(principal: Principal, action: Action) -> Callable[[Any], bool]:
    """Whether ``principal`` may take ``action`` on a stored (marked) row: the filter lookups
    apply, so a record above the reader's clearance is answered as one that does not exist."""
    return lambda row: bool(can(principal, action, marking_of(row)))


def use_case_for(store: Store, ref: str, principal: Principal, action: Action) -> UseCaseRecord:
    """The use case ``ref`` names among those ``principal`` may take ``action`` on.

    AccessDenied when no role permits ``action`` at all; a use case above the principal's
    clearance gives the same "no use case matches" as a missing one, and never counts towards
    an ambiguous prefix."""
    require_permission(principal, action)
    return store.governance.use_case(ref, visible=readable_by(principal, action))


def waiver_for(store: Store, ref: str, principal: Principal, action: Action) -> WaiverRecord:
    """The waiver ``ref`` names among those ``principal`` may take ``action`` on (as
    :func:`use_case_for`)."""
    require_permission(principal, action)
    return store.governance.waiver(ref, visible=readable_by(principal, action))
