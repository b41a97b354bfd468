"""Credentials: argon2id password hashes and hashed API tokens."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from clearance.errors import ClearanceError

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 1024
TOKEN_PREFIX = "clr_"
_TOKEN_BYTES = 30  # 30 random bytes are exactly 40 url-safe base64 characters, no padding
_TOKEN_PATTERN = re.compile(r"^clr_[A-Za-z0-9_-]{40}$")
_TOKEN_HASH_PATTERN = re.compile(r"^[0-9a-f]{64}$")

# argon2-cffi's defaults are RFC 9106's second recommended profile for argon2id.
_HASHER = PasswordHasher()


class PasswordPolicyError(ClearanceError, ValueError):
    """A new password does not meet the password policy; the message says what to change."""


class CredentialFormatError(ClearanceError, ValueError):
    """A stored hash is not in the expected format: the store holds something it should not."""


def check_password_policy(password: str) -> None:
    """Raise :class:`PasswordPolicyError` unless ``password`` may be set as a new password.

    The policy is length: at least 12 characters (NIST SP 800-63B favours length over
    composition rules) and at most 1024, so hashing stays cheap to refuse abuse.
    """
    if not isinstance(password, str):
        raise PasswordPolicyError(f"a password must be text, got {type(password).__name__}")
    if len(password) < PASSWORD_MIN_LENGTH:
        raise PasswordPolicyError(
            f"the password has {len(password)} characters; use at least {PASSWORD_MIN_LENGTH} "
            "(a passphrase of a few words is easiest)"
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise PasswordPolicyError(
            f"the password has {len(password)} characters; use at most {PASSWORD_MAX_LENGTH}"
        )
    if not password.strip():
        raise PasswordPolicyError("the password is only whitespace; choose one with other text")


def hash_password(password: str) -> str:
    """Check ``password`` against the policy and return its argon2id hash (PHC string)."""
    check_password_policy(password)
    return _HASHER.hash(password)


def _check_password_hash(password_hash: str) -> None:
    if not isinstance(password_hash, str) or not password_hash.startswith("$argon2"):
        raise CredentialFormatError(
            "the stored password hash is not an argon2 hash (it should start with '$argon2'); "
            "set the password again to store a proper hash"
        )


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; False on any mismatch, never raising.

    A stored value that is not an argon2 hash at all raises :class:`CredentialFormatError`, since
    that is a fault in the store, not a wrong password.
    """
    _check_password_hash(password_hash)
    if not isinstance(password, str):
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except VerifyMismatchError:
        return False
    except (InvalidHashError, VerificationError) as error:
        # Any other verification failure (libargon2's "Decoding failed" among them) means the
        # stored hash is damaged: reporting it as a wrong password would hide the fault.
        raise CredentialFormatError(
            f"the stored password hash cannot be read ({error}); set the password again"
        ) from error


def password_needs_rehash(password_hash: str) -> bool:
    """True when ``password_hash`` was made with weaker settings than today's: after a
    successful login, store ``hash_password(password)`` in its place."""
    _check_password_hash(password_hash)
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError as error:
        raise CredentialFormatError(
            f"the stored password hash cannot be read ({error}); set the password again"
        ) from error


def hash_api_token(token: str) -> str:
    """The SHA-256 hex digest under which ``token`` is stored and looked up.

    A fast unsalted hash is right here, unlike for passwords: a token carries 240 random bits,
    so no guessing or precomputed table can reach it, and a deterministic digest lets the store
    find the token's owner with one indexed lookup instead of trying every salted hash.
    """
    if not isinstance(token, str):
        raise TypeError(f"an API token must be text, got {type(token).__name__}")
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_api_token() -> tuple[str, str]:
    """A new API token and its hash: ``("clr_" + 40 url-safe characters, sha256 hex)``.

    Show the token to its owner once; store only the hash.
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
    return token, hash_api_token(token)


def looks_like_api_token(text: str) -> bool:
    """True when ``text`` has the shape of a Clearance API token (says nothing of validity)."""
    return isinstance(text, str) and _TOKEN_PATTERN.fullmatch(text) is not None


def verify_token(token: str, token_hash: str) -> bool:
    """True when ``token`` hashes to ``token_hash``, compared in constant time.

    A malformed stored hash raises :class:`CredentialFormatError`; a wrong or malformed token is
    simply False.
    """
    if not isinstance(token_hash, str) or not _TOKEN_HASH_PATTERN.fullmatch(token_hash):
        raise CredentialFormatError(
            "the stored token hash is not 64 lower-case hex characters (a SHA-256 digest); "
            "issue a new token with new_api_token()"
        )
    if not isinstance(token, str):
        return False
    return hmac.compare_digest(hash_api_token(token), token_hash)
