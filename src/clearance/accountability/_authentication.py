"""Proving who is acting: a password, an API token, or a web session's user reread.

Identity is accountability's concern; the store only keeps the principals and the hashes of
their credentials. Every refusal is an :class:`AuthenticationError` whose message says what to
do, without telling a guesser whether a user name exists.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from clearance.access import (
    CredentialFormatError,
    Principal,
    hash_api_token,
    looks_like_api_token,
    verify_password,
)
from clearance.errors import ClearanceError
from clearance.store import PrincipalNotFoundError, PrincipalRecord, Store

_NEW_TOKEN = "issue a new one with `clearance user token USER`"


class AuthenticationError(ClearanceError, PermissionError):
    """Credentials were missing, wrong, revoked or expired; the message says which, without
    telling a guesser whether a user name exists."""


def by_password(store: Store, user: str, password: str) -> Principal:
    """The principal ``user`` if ``password`` is its password."""
    refused = AuthenticationError(
        "wrong user name or password (CLEARANCE_USER / CLEARANCE_PASSWORD)"
    )
    try:
        record = store.principals.get(user)
    except PrincipalNotFoundError:
        raise refused from None
    if record.password_hash is None:
        raise refused
    try:
        matches = verify_password(record.password_hash, password)
    except CredentialFormatError as error:
        raise AuthenticationError(
            f"user {user}'s stored password hash is damaged ({error}); an administrator can "
            "set a new password, and `clearance ledger verify` shows whether it was altered"
        ) from error
    if not matches:
        raise refused
    return _active(record)


def by_token(store: Store, token: str, *, now: datetime | None = None) -> Principal:
    """The principal an API token belongs to, if the token is valid at ``now``."""
    if not looks_like_api_token(token):
        raise AuthenticationError(
            "CLEARANCE_TOKEN does not look like a Clearance API token (clr_ followed by 40 "
            "characters); issue one with `clearance user token USER`"
        )
    record = store.principals.token_by_hash(hash_api_token(token))
    if record is None:
        raise AuthenticationError(
            "the API token is not known to this store (mistyped, or issued by another "
            f"store?); {_NEW_TOKEN}"
        )
    moment = now or datetime.now(UTC)
    if record.revoked_at is not None:
        raise AuthenticationError(
            f"API token {record.id} was revoked at {record.revoked_at:%Y-%m-%d %H:%M} UTC; "
            f"{_NEW_TOKEN}"
        )
    if record.expires_at is not None and record.expires_at <= moment:
        raise AuthenticationError(
            f"API token {record.id} expired at {record.expires_at:%Y-%m-%d %H:%M} UTC; {_NEW_TOKEN}"
        )
    return _active(store.principals.get(record.principal_id))


def active_principal(store: Store, user: str, credential: str | None = None) -> Principal:
    """The principal ``user`` as it stands now, if it exists and is active (a web session
    rereads it on every request, so a revoked role or a deactivation applies at once). With
    ``credential`` (what :func:`credential_of` said when the session began), a password reset
    or change since then ends the session too: a reset is what an administrator does when an
    account may be in the wrong hands."""
    try:
        record = store.principals.get(user)
    except PrincipalNotFoundError:
        raise AuthenticationError(
            f"user {user} no longer exists; sign in again as another user"
        ) from None
    if credential is not None and not hmac.compare_digest(credential, _credential(record)):
        raise AuthenticationError(
            f"the password of {user} was reset or changed since this session began; sign in again"
        )
    return _active(record)


def credential_of(store: Store, user: str) -> str:
    """A digest of ``user``'s password as stored now, to bind a session to it."""
    return _credential(store.principals.get(user))


def _credential(record: PrincipalRecord) -> str:
    return hashlib.sha256((record.password_hash or "").encode()).hexdigest()


def _active(record: PrincipalRecord) -> Principal:
    if not record.active:
        raise AuthenticationError(
            f"user {record.id} is deactivated; an administrator can reactivate it with "
            f"`clearance user grant {record.id} --activate`"
        )
    return record.principal()
