"""Access checks the supply-chain services share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clearance.access import AccessDenied, Action, Principal, can, marking_of, require_permission


def permitted(principal: Principal, action: Action) -> bool:
    """Whether a role (or delegation) of ``principal`` grants ``action`` at all."""
    try:
        require_permission(principal, action)
    except AccessDenied:
        return False
    return True


def readable_by(principal: Principal) -> Callable[[Any], bool]:
    """Whether a stored row is one ``principal`` may read: others are treated as absent."""
    return lambda row: bool(can(principal, Action.SUPPLYCHAIN_READ, marking_of(row)))
