"""Who acts, when, and on what marking: what every governance service needs first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from clearance.access import (
    LOCAL_ADMIN,
    AccessDenied,
    Action,
    Marking,
    Principal,
    Role,
    has_role,
    require,
)
from clearance.governance._errors import GovernanceError
from clearance.store import local_actor


class Marked(Protocol):
    """A stored record with a marking."""

    @property
    def marking_level(self) -> str: ...

    @property
    def marking_compartments(self) -> list[str]: ...


def actor_of(principal: Principal) -> str:
    """The name the ledger records for ``principal``: the local user for :data:`LOCAL_ADMIN`,
    the principal's id otherwise. Separation-of-duties checks compare these names."""
    return local_actor() if principal.id == LOCAL_ADMIN.id else principal.id


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


def marking_of(record: Marked) -> Marking:
    """The marking a stored record carries."""
    return Marking(level=record.marking_level, compartments=frozenset(record.marking_compartments))


def marking_fields(marking: Marking) -> dict[str, object]:
    """The marking columns of a row."""
    return {
        "marking_level": marking.level.value,
        "marking_compartments": sorted(marking.compartments),
    }


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
