"""When, and who may: the clock rule for the times governance services are given, and the
chief AI officer's own authority."""

from __future__ import annotations

from datetime import UTC, datetime

from clearance.access import AccessDenied, Action, Marking, Principal, Role, has_role, require
from clearance.governance._errors import GovernanceError


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
