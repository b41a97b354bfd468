"""Signing in and out of the web application, each on the ledger, and who a session acts as."""

from __future__ import annotations

from datetime import UTC, datetime

from clearance.access import actor_of
from clearance.accountability._authentication import active_principal, by_password, credential_of
from clearance.accountability._session import Acting
from clearance.store import SIGN_IN_RECORD_TYPE, Store

SIGN_IN_RECORD = SIGN_IN_RECORD_TYPE
"""The record type of sign-in and sign-out entries (declared in the store's record registry)."""


def sign_in(store: Store, user: str, password: str, *, via: str) -> Acting:
    """``user`` if ``password`` is theirs (AuthenticationError otherwise, with one message for
    a wrong password and an unknown user, so the answer tells nobody which ids exist). The
    sign-in is a ledger entry (``session.sign_in``) naming ``via``, e.g. ``web``."""
    principal = by_password(store, user, password)
    who = Acting(principal=principal, actor=actor_of(principal))
    _ledger(store, who, "session.sign_in", via)
    return who


def session_credential(store: Store, who: Acting) -> str:
    """What a new session of ``who`` is bound to: their password as stored now."""
    return credential_of(store, who.principal.id)


def sign_out(store: Store, who: Acting, *, via: str) -> None:
    """Record that ``who`` signed out (``session.sign_out``)."""
    _ledger(store, who, "session.sign_out", via)


def session_acting(store: Store, user: str, credential: str | None = None) -> Acting:
    """Who a signed-in session of ``user`` acts as now: reread from the store on every request,
    so a deactivation or a revoked role applies at once (AuthenticationError once inactive, or
    once the password is no longer the one ``credential`` was taken from at sign-in)."""
    principal = active_principal(store, user, credential)
    return Acting(principal=principal, actor=actor_of(principal))


def _ledger(store: Store, who: Acting, action: str, via: str) -> None:
    change = {"user": who.principal.id, "via": via, "at": datetime.now(UTC).isoformat()}
    with store.unit_of_work(who.actor) as uow:
        uow.record(action, SIGN_IN_RECORD, who.principal.id, change)
