"""No write-down: the rules for changing a record's marking."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from clearance.access._marking import Marking
from clearance.access._policy import AccessDenied, require
from clearance.access._principal import Principal
from clearance.access._roles import Action, Role
from clearance.errors import ClearanceError


class RemarkError(ClearanceError, ValueError):
    """A marking change was asked for without what it needs (a reason to lower)."""


class Remark(BaseModel):
    """An allowed change of marking, ready for the service to apply and ledger."""

    model_config = ConfigDict(frozen=True)

    old: Marking
    new: Marking
    direction: Literal["raise", "lower", "unchanged"]
    reason: str | None


def check_remark(
    principal: Principal, old: Marking, new: Marking, reason: str | None = None
) -> Remark:
    """Check that ``principal`` may change a record's marking from ``old`` to ``new``.

    Raising (``new`` dominates ``old``) needs ``marking.raise``. Anything else lowers (a lower
    level, a dropped compartment, or both) and needs the admin role itself, not a delegation,
    plus a non-empty ``reason`` for the ledger. Either way the principal must be cleared for both
    markings: nobody moves a record to or from a marking they could not read. Raises
    :class:`AccessDenied` or :class:`RemarkError`; returns the :class:`Remark` to ledger.
    """
    if new.dominates(old):
        require(principal, Action.MARKING_RAISE, old)
        require(principal, Action.MARKING_RAISE, new)
        direction: Literal["raise", "lower", "unchanged"] = "unchanged" if new == old else "raise"
        return Remark(old=old, new=new, direction=direction, reason=_clean(reason))
    require(principal, Action.MARKING_LOWER, old)
    require(principal, Action.MARKING_LOWER, new)
    if Role.ADMIN not in principal.roles:
        raise AccessDenied(
            "lowering a marking needs the admin role itself; a delegated marking.lower is not "
            "enough",
            principal_id=principal.id,
            action=Action.MARKING_LOWER,
            marking=old,
        )
    cleaned = _clean(reason)
    if cleaned is None:
        raise RemarkError(
            f"lowering {old.banner()} to {new.banner()} needs a reason, which is written to the "
            "ledger; pass a non-empty reason (e.g. 'declassified by review 2024-17')"
        )
    return Remark(old=old, new=new, direction="lower", reason=cleaned)


def _clean(reason: str | None) -> str | None:
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise RemarkError(f"reason must be text, got {type(reason).__name__}")
    return reason.strip() or None
