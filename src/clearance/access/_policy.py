"""The policy decision: may this principal take this action on a record with this marking."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from clearance.access._marking import Marking
from clearance.access._principal import Principal
from clearance.access._roles import ROLE_PERMISSIONS, WAIVER_ACTIONS, Action, Role, permissions_of
from clearance.errors import ClearanceError


class AccessDenied(ClearanceError, PermissionError):
    """An action was refused. ``reason`` is the bare sentence; the message adds who and what."""

    def __init__(
        self,
        reason: str,
        *,
        principal_id: str | None = None,
        action: Action | None = None,
        marking: Marking | None = None,
    ) -> None:
        self.reason = reason
        self.principal_id = principal_id
        self.action = action
        self.marking = marking
        super().__init__(_denial_message(reason, principal_id, action, marking))


def _denial_message(
    reason: str, principal_id: str | None, action: Action | None, marking: Marking | None
) -> str:
    if principal_id is None or action is None:
        return reason
    target = f" on a {marking.banner()} record" if marking is not None else ""
    return f"{principal_id} may not {action.value}{target}: {reason}"


class Decision(BaseModel):
    """The answer of :func:`can`: truthy when allowed, with a sentence saying why either way."""

    model_config = ConfigDict(frozen=True)

    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def _roles_phrase(principal: Principal, verb_singular: str, verb_plural: str) -> str:
    names = sorted(role.value for role in principal.roles)
    if not names:
        return f"principal {principal.id} holds no role, and no role it holds {verb_singular}"
    if len(names) == 1:
        return f"role {names[0]} {verb_singular}"
    return f"roles {', '.join(names)} {verb_plural}"


def permission_refusal(principal: Principal, action: Action) -> str | None:
    """Why ``principal`` may not take ``action`` at all (whatever the marking), or None."""
    if not principal.active:
        return f"principal {principal.id} is inactive"
    if action in principal.permissions:
        return None
    refusal = _roles_phrase(principal, "does not permit", "do not permit") + f" {action.value}"
    if action in WAIVER_ACTIONS:
        refusal += " (waivers are reserved to the chief AI officer)"
    return refusal


def clearance_refusals(principal: Principal, marking: Marking) -> list[str]:
    """Why ``principal``'s clearance does not cover ``marking``: level, compartments, or both."""
    refusals = []
    if principal.clearance.level < marking.level:
        refusals.append(
            f"clearance {principal.clearance.level.value} does not dominate {marking.level.value}"
        )
    missing = principal.missing_compartments(marking.compartments)
    if missing:
        refusals.append(f"missing compartments: {', '.join(sorted(missing))}")
    return refusals


def _permission_grounds(principal: Principal, action: Action) -> str:
    granting = frozenset(role for role in principal.roles if action in ROLE_PERMISSIONS[role])
    if not granting:
        return f"{action.value} was delegated to {principal.id}"
    names = sorted(role.value for role in granting)
    noun, verb = ("role", "permits") if len(names) == 1 else ("roles", "permit")
    return f"{noun} {', '.join(names)} {verb} {action.value}"


def _check_arguments(principal: object, marking: object) -> None:
    if not isinstance(principal, Principal):
        raise TypeError(f"principal must be a Principal, got {type(principal).__name__}")
    if not isinstance(marking, Marking):
        raise TypeError(
            f"marking must be a Marking (e.g. Marking.parse('SECRET//BIO')), "
            f"got {type(marking).__name__}"
        )


def can(principal: Principal, action: Action | str, marking: Marking) -> Decision:
    """Whether ``principal`` may take ``action`` on a record marked ``marking``.

    Allowed when the principal is active, one of its roles (or a delegation) permits the action,
    its clearance level is at least the record's, and it holds every compartment the record
    carries. A refusal's reason names every check that failed.
    """
    _check_arguments(principal, marking)
    checked = Action.parse(action)
    refusal = permission_refusal(principal, checked)
    if refusal is not None and not principal.active:
        return Decision(allowed=False, reason=refusal)
    refusals = [refusal] if refusal is not None else []
    refusals += clearance_refusals(principal, marking)
    if refusals:
        return Decision(allowed=False, reason="; ".join(refusals))
    grounds = _permission_grounds(principal, checked)
    return Decision(
        allowed=True,
        reason=(
            f"{grounds}, and clearance {principal.clearance_banner()} dominates {marking.banner()}"
        ),
    )


def require(principal: Principal, action: Action | str, marking: Marking) -> None:
    """Like :func:`can`, but raise :class:`AccessDenied` with the reason when refused."""
    decision = can(principal, action, marking)
    if not decision:
        raise AccessDenied(
            decision.reason,
            principal_id=principal.id,
            action=Action.parse(action),
            marking=marking,
        )


def require_permission(principal: Principal, action: Action | str) -> None:
    """Raise :class:`AccessDenied` unless ``principal`` may take ``action`` on some record.

    For actions that touch no marked record (``user.manage``, ``ledger.checkpoint``) and for
    checking a listing is allowed at all before filtering it.
    """
    if not isinstance(principal, Principal):
        raise TypeError(f"principal must be a Principal, got {type(principal).__name__}")
    checked = Action.parse(action)
    refusal = permission_refusal(principal, checked)
    if refusal is not None:
        raise AccessDenied(refusal, principal_id=principal.id, action=checked)


def delegate(grantor: Principal, grantee: Principal, *actions: Action | str) -> Principal:
    """``grantee`` with ``actions`` delegated to it by ``grantor`` (e.g. ``decision.approve``).

    The grantor must hold each action through one of its own roles (a delegation is not passed
    on) and waiver actions are refused: the Framework makes them the chief AI officer's alone.
    The caller stores the returned principal and ledgers the delegation.
    """
    if not actions:
        raise ValueError("name at least one action to delegate, e.g. 'decision.approve'")
    wanted = frozenset(Action.parse(action) for action in actions)
    reserved = wanted & WAIVER_ACTIONS
    if reserved:
        raise AccessDenied(
            f"{', '.join(sorted(reserved))} cannot be delegated: waivers are reserved to the "
            "chief AI officer",
            principal_id=grantor.id,
            action=min(reserved),
        )
    if not grantor.active:
        raise AccessDenied(f"principal {grantor.id} is inactive and cannot delegate")
    not_held = wanted - permissions_of(grantor.roles)
    if not_held:
        raise AccessDenied(
            f"{grantor.id} cannot delegate {', '.join(sorted(not_held))}: "
            "none of its roles permits it, and only what a role permits can be delegated"
        )
    return Principal.model_validate({**dict(grantee), "delegated": grantee.delegated | wanted})


def revoke_delegation(grantee: Principal, *actions: Action | str) -> Principal:
    """``grantee`` without the delegated ``actions`` (those not delegated are ignored)."""
    removed = frozenset(Action.parse(action) for action in actions)
    return Principal.model_validate({**dict(grantee), "delegated": grantee.delegated - removed})


def has_role(principal: Principal, role: Role) -> bool:
    """True when ``principal`` is active and holds ``role`` itself (not through delegation)."""
    return principal.active and role in principal.roles
