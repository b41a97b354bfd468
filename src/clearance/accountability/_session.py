"""Who is acting: the principal a command runs as, from the store and the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from clearance.access import LOCAL_ADMIN, Principal, actor_of
from clearance.accountability._authentication import AuthenticationError, by_password, by_token
from clearance.store import Store

TOKEN_VARIABLE = "CLEARANCE_TOKEN"
USER_VARIABLE = "CLEARANCE_USER"
PASSWORD_VARIABLE = "CLEARANCE_PASSWORD"


@dataclass(frozen=True)
class Acting:
    """The principal a command acts as, and the actor its ledger entries name."""

    principal: Principal
    actor: str


def acting(store: Store, environ: Mapping[str, str] | None = None) -> Acting:
    """Resolve the acting principal of ``store`` from ``environ`` (default ``os.environ``).

    An embedded SQLite store with no users acts as :data:`~clearance.access.LOCAL_ADMIN`, with no
    login. A store with users needs ``CLEARANCE_TOKEN`` (an API token) or ``CLEARANCE_USER`` and
    ``CLEARANCE_PASSWORD``. A team (PostgreSQL) store with no users yet refuses everything but
    adding the first administrator. Raises :class:`AuthenticationError` saying what to set.
    """
    env = os.environ if environ is None else environ
    principal = _resolve(store, env)
    return Acting(principal=principal, actor=actor_of(principal))


def acting_for_bootstrap(store: Store) -> Acting | None:
    """The local administrator when ``store`` never had users (so the first can be added on any
    database: whoever can reach an empty store administers it), else None."""
    if store.principals.ever_had_users():
        return None
    return Acting(principal=LOCAL_ADMIN, actor=actor_of(LOCAL_ADMIN))


def _resolve(store: Store, env: Mapping[str, str]) -> Principal:
    principals = store.principals
    token = env.get(TOKEN_VARIABLE, "").strip()
    user = env.get(USER_VARIABLE, "").strip()
    if principals.count() == 0:
        if principals.ever_had_users():
            raise AuthenticationError(
                "this store's ledger shows it had users, but it holds none now: its principals "
                "were removed outside Clearance. Nobody acts on it until they are restored "
                "(from a backup): it does not fall back to the local administrator"
            )
        if store.engine.dialect.name == "sqlite":
            return LOCAL_ADMIN
        raise AuthenticationError(
            "this team store has no users yet, so nobody can act on it; add the first "
            "administrator with `clearance user add ID --name NAME --role admin --password-stdin`"
        )
    if token:
        return by_token(store, token)
    if user:
        password = env.get(PASSWORD_VARIABLE)
        if not password:
            raise AuthenticationError(
                f"{USER_VARIABLE} is set but {PASSWORD_VARIABLE} is not; set both, or set "
                f"{TOKEN_VARIABLE} to an API token instead"
            )
        return by_password(store, user, password)
    raise AuthenticationError(
        "this store has users, so commands need to know who you are: set "
        f"{TOKEN_VARIABLE} to an API token (`clearance user token USER` issues one), or "
        f"{USER_VARIABLE} and {PASSWORD_VARIABLE}"
    )
