"""Users of a team store: adding them, their roles and clearances, and their API tokens.

Each call that changes something is one ledgered change. Nobody raises their own roles or
clearance, nobody grants a clearance they do not hold, and the last administrator cannot be
removed, so a store is never left with nobody able to manage it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from clearance.access import (
    AccessDenied,
    Action,
    Level,
    Marking,
    Principal,
    Role,
    actor_of,
    can,
    hash_password,
    require_permission,
)
from clearance.accountability._authentication import AuthenticationError
from clearance.accountability._session import Acting
from clearance.errors import ClearanceError
from clearance.store import (
    ApiTokenRecord,
    PrincipalNotFoundError,
    PrincipalRecord,
    PrincipalStore,
    Store,
)

_USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")


class UserError(ClearanceError, ValueError):
    """A user change that cannot be made as asked; the message says what to do instead."""


ENROLMENT_LIFETIME = timedelta(days=7)
"""How long an enrolment code stays usable."""


@dataclass(frozen=True)
class NewUser:
    """A user just added, and the one-time code with which they set their own password (None
    for the first administrator, who gave a password)."""

    record: PrincipalRecord
    enrolment_code: str | None


def add_user(
    store: Store,
    acting: Acting,
    *,
    id: str,
    name: str,
    roles: Iterable[Role],
    clearance: Marking,
    password: str | None = None,
) -> NewUser:
    """Add a user (``principal.create``) with a one-time enrolment code, to hand to them: they
    set their own password with it (:func:`enrol`), so nobody else ever knows it.

    Only the first user of a store (an administrator) is added with a ``password``: there is
    nobody yet to hand a code to. An administrator grants no role, level or compartment they do
    not hold themselves."""
    principals = store.principals
    require_permission(acting.principal, Action.USER_MANAGE)
    if not _USER_ID.fullmatch(id):
        raise UserError(
            f"user id {id!r} is not valid; use 1 to 128 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit (e.g. 'ada' or 'ada@agency.gov')"
        )
    wanted = frozenset(roles)
    first = not principals.ever_had_users()
    if first and Role.ADMIN not in wanted:
        raise UserError(
            "the first user of a store must hold the admin role (add --role admin): once a "
            "store has users, only an administrator can manage them"
        )
    if password is not None and not first:
        raise UserError(
            f"users set their own passwords: {id} gets a one-time enrolment code to set theirs "
            "with `clearance user enrol` (only the first administrator is added with one)"
        )
    _check_grantable(acting.principal, clearance, wanted)
    password_hash = hash_password(password) if password is not None else None
    code, enrolment = (None, None) if password is not None else _new_enrolment()
    with store.unit_of_work(acting.actor) as uow:
        record = principals.add(
            uow,
            id=id,
            name=name.strip() or id,
            roles=wanted,
            clearance=clearance,
            password_hash=password_hash,
            enrolment=enrolment,
        )
    return NewUser(record=record, enrolment_code=code)


def enrol(store: Store, user: str, code: str, password: str) -> Acting:
    """Set ``user``'s own password with their one-time enrolment code (``principal.enrol``,
    recorded as the user's own act) and return them as the acting principal."""
    password_hash = hash_password(password)
    principals = store.principals
    with store.unit_of_work(user) as uow:
        record = principals.enrol(uow, user, code, password_hash, datetime.now(UTC))
    if record is None:
        raise AuthenticationError(
            f"the enrolment code for {user!r} is wrong, used or expired; ask an administrator "
            f"for a new one (`clearance user reset {user}`)"
        )
    principal = record.principal()
    return Acting(principal=principal, actor=actor_of(principal))


def reset_password(store: Store, acting: Acting, user: str) -> str:
    """Reset another user's password (``principal.reset``): clears it, revokes every API token
    of theirs, and returns a new one-time enrolment code for them to set a new one. The
    administrator never learns a password, so never holds a credential that acts as them."""
    _check_manages_other(acting.principal, user)
    record = store.principals.get(user)
    _check_grantable(acting.principal, record.principal().clearance, frozenset())
    code, enrolment = _new_enrolment()
    with store.unit_of_work(acting.actor) as uow:
        store.principals.reset(uow, user, enrolment)
    return code


def _new_enrolment() -> tuple[str, tuple[str, datetime]]:
    code = f"enr_{secrets.token_urlsafe(24)}"
    digest = hashlib.sha256(code.encode()).hexdigest()
    return code, (digest, datetime.now(UTC) + ENROLMENT_LIFETIME)


def list_users(store: Store, principal: Principal) -> list[PrincipalRecord]:
    """Every user (``user.manage``)."""
    require_permission(principal, Action.USER_MANAGE)
    return store.principals.all()


def list_tokens(
    store: Store, principal: Principal, user: str | None = None
) -> list[ApiTokenRecord]:
    """API tokens (hashes and dates, never the tokens): one user's, or everyone's.

    Users may list their own; listing anyone else's needs ``user.manage``."""
    if user != principal.id:
        require_permission(principal, Action.USER_MANAGE)
    return store.principals.tokens(user)


def grant(
    store: Store,
    acting: Acting,
    user: str,
    *,
    roles: Iterable[Role] = (),
    compartments: Iterable[str] = (),
    level: Level | None = None,
    activate: bool = False,
) -> PrincipalRecord | None:
    """Give ``user`` roles, compartments, a clearance level, or reactivate it: one
    ``principal.grant`` entry, or None (nothing written) when it already had all of them."""
    principals = store.principals
    _check_manages_other(acting.principal, user)
    record = principals.get(user)
    now = record.principal()
    new_roles = now.roles | frozenset(roles)
    clearance = Marking(
        level=level if level is not None else now.clearance.level,
        compartments=now.clearance.compartments | frozenset(compartments),
    )
    _check_grantable(acting.principal, clearance, new_roles - now.roles)
    if new_roles == now.roles and clearance == now.clearance and (now.active or not activate):
        return None
    with store.unit_of_work(acting.actor) as uow:
        return principals.update(
            uow,
            user,
            action="principal.grant",
            roles=new_roles,
            clearance=clearance,
            active=True if activate else None,
        )


def revoke(
    store: Store,
    acting: Acting,
    user: str,
    *,
    roles: Iterable[Role] = (),
    compartments: Iterable[str] = (),
    level: Level | None = None,
    deactivate: bool = False,
) -> PrincipalRecord | None:
    """Take roles or compartments from ``user``, lower its clearance level to ``level``, or
    deactivate it: one ``principal.revoke`` entry, or None when there was nothing to take."""
    principals = store.principals
    require_permission(acting.principal, Action.USER_MANAGE)
    record = principals.get(user)
    now = record.principal()
    removed = frozenset(roles)
    new_roles = now.roles - removed
    if level is not None and level > now.clearance.level:
        raise UserError(
            f"revoke lowers a clearance; {level.value} is above {user}'s "
            f"{now.clearance.level.value} (use `clearance user grant --level` to raise it)"
        )
    dropped = Marking(compartments=frozenset(compartments)).compartments
    clearance = Marking(
        level=level if level is not None else now.clearance.level,
        compartments=now.clearance.compartments - dropped,
    )
    active = now.active and not deactivate
    if new_roles == now.roles and clearance == now.clearance and active == now.active:
        return None
    if Role.ADMIN in now.roles and now.active and (Role.ADMIN not in new_roles or not active):
        _check_not_last_admin(principals, user)
    with store.unit_of_work(acting.actor) as uow:
        return principals.update(
            uow,
            user,
            action="principal.revoke",
            roles=new_roles,
            clearance=clearance,
            active=False if deactivate else None,
        )


def set_password(store: Store, acting: Acting, user: str, password: str) -> PrincipalRecord:
    """Change one's own password (``principal.set_password``). Nobody sets another user's
    password: an administrator resets it (:func:`reset_password`) and the user enrols again."""
    if user != acting.principal.id:
        raise UserError(
            f"nobody sets another user's password; `clearance user reset {user}` gives them a "
            "one-time code to set their own (and revokes their tokens)"
        )
    password_hash = hash_password(password)
    principals = store.principals
    with store.unit_of_work(acting.actor) as uow:
        return principals.update(
            uow, user, action="principal.set_password", password_hash=password_hash
        )


def issue_token(
    store: Store,
    acting: Acting,
    user: str,
    *,
    name: str,
    expires_in: timedelta | None = None,
) -> tuple[str, ApiTokenRecord]:
    """A new API token for ``user`` (``token.issue``): returned once, stored only as its hash.

    Tokens are issued only to the signed-in user for themselves: a token for someone else
    would be a credential that acts as them."""
    if user != acting.principal.id:
        raise AccessDenied(
            f"API tokens are issued only to their owner: sign in as {user} to issue one (an "
            "administrator can `clearance user reset` a user who lost access)",
            principal_id=acting.principal.id,
            action=Action.USER_MANAGE,
        )
    if expires_in is not None and expires_in <= timedelta(0):
        raise UserError("a token's lifetime must be positive (e.g. --expires-days 90)")
    expires_at = datetime.now(UTC) + expires_in if expires_in is not None else None
    principals = store.principals
    principals.get(user)
    with store.unit_of_work(acting.actor) as uow:
        return principals.issue_token(
            uow, user, name=name.strip() or "token", expires_at=expires_at
        )


def revoke_token(
    store: Store, acting: Acting, token_id: str, *, owner: str | None = None
) -> ApiTokenRecord:
    """Revoke an API token (``token.revoke``): one's own, or anyone's with ``user.manage``.

    With ``owner``, the token must belong to that user (a guard against a mistyped id)."""
    principals = store.principals
    found = {token.id: token for token in principals.tokens()}
    token = found.get(token_id)
    if token is None:
        raise PrincipalNotFoundError(
            f"no API token {token_id!r}; `clearance user list --tokens` shows token ids"
        )
    if owner is not None and token.principal_id != owner:
        raise UserError(f"token {token_id} belongs to {token.principal_id}, not {owner}")
    if token.principal_id != acting.principal.id:
        require_permission(acting.principal, Action.USER_MANAGE)
    with store.unit_of_work(acting.actor) as uow:
        return principals.revoke_token(uow, token_id)


def _check_manages_other(principal: Principal, user: str) -> None:
    require_permission(principal, Action.USER_MANAGE)
    if principal.id == user:
        raise AccessDenied(
            "nobody grants themselves roles, compartments or clearance; ask another administrator",
            principal_id=principal.id,
            action=Action.USER_MANAGE,
        )


_GUARDED_ROLES = frozenset({Role.ADMIN, Role.CHIEF_AI_OFFICER})
"""Roles only a holder may grant: they carry the powers of granting and of waiving."""


def _check_grantable(principal: Principal, clearance: Marking, roles: frozenset[Role]) -> None:
    decision = can(principal, Action.USER_MANAGE, clearance)
    if not decision:
        raise AccessDenied(
            f"cannot grant clearance {clearance.banner()} ({decision.reason}): only a clearance "
            "you hold yourself can be granted",
            principal_id=principal.id,
            action=Action.USER_MANAGE,
        )
    beyond = sorted(role.value for role in (roles & _GUARDED_ROLES) - principal.roles)
    if beyond:
        raise AccessDenied(
            f"cannot grant the role(s) {', '.join(beyond)}: administration and the chief AI "
            "officer's powers are granted only by someone who holds them",
            principal_id=principal.id,
            action=Action.USER_MANAGE,
        )


def _check_not_last_admin(principals: PrincipalStore, user: str) -> None:
    admins = [
        record.id
        for record in principals.all()
        if record.active and Role.ADMIN.value in record.roles
    ]
    if admins == [user]:
        raise UserError(
            f"{user} is the last active administrator; grant admin to someone else first, "
            "or nobody could manage users any more"
        )
