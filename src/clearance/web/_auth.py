"""Who a request acts as: an API token (``Authorization: Bearer``, the CLI's tokens), a signed-in
session's cookie, or, on an embedded store with no users, the local administrator (the CLI's
rule). Sessions live in the server's memory; CSRF tokens guard every state change that does not
come with a bearer token; failed sign-ins are rate-limited by user and by client address."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from threading import Lock

from fastapi import Request

from clearance.accountability import (
    TOKEN_VARIABLE,
    Acting,
    AuthenticationError,
    acting,
    session_acting,
)
from clearance.store import Store
from clearance.web._problems import CsrfRefused, TooManyAttempts

SESSION_COOKIE = "clearance_session"
CSRF_COOKIE = "clearance_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class WebSession:
    user: str
    csrf: str
    started: float
    seen: float
    credential: str = ""
    """A digest of the user's password at sign-in: a reset or change ends the session."""


@dataclass
class Sessions:
    """Signed-in sessions by the SHA-256 of their cookie (the cookie itself is never kept)."""

    idle_seconds: float = 30 * 60
    max_seconds: float = 12 * 3600
    _by_digest: dict[str, WebSession] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)

    def start(self, user: str, csrf: str, credential: str = "") -> str:
        cookie = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._by_digest[_digest(cookie)] = WebSession(user, csrf, now, now, credential)
        return cookie

    def find(self, cookie: str | None) -> WebSession | None:
        if not cookie:
            return None
        now = time.monotonic()
        key = _digest(cookie)
        with self._lock:
            found = self._by_digest.get(key)
            if found is None:
                return None
            if now - found.seen > self.idle_seconds or now - found.started > self.max_seconds:
                del self._by_digest[key]
                return None
            found.seen = now
            return found

    def end(self, cookie: str | None) -> None:
        if cookie:
            with self._lock:
                self._by_digest.pop(_digest(cookie), None)


@dataclass
class SignInLimiter:
    """At most ``per_user`` failed sign-ins per user id and ``per_client`` per client address
    within ``window`` seconds; past that, sign-in is refused until the oldest failure ages out."""

    per_user: int = 5
    per_client: int = 20
    window: float = 300.0
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)

    def check(self, user: str, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key, allowed in (
                (f"user:{user}", self.per_user),
                (f"client:{client}", self.per_client),
            ):
                recent = self._recent(key, now)
                if len(recent) >= allowed:
                    raise TooManyAttempts(max(1, int(recent[0] + self.window - now) + 1))

    def failed(self, user: str, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (f"user:{user}", f"client:{client}"):
                self._recent(key, now).append(now)

    def _recent(self, key: str, now: float) -> deque[float]:
        recent = self._failures.setdefault(key, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        return recent


@dataclass(frozen=True)
class Caller:
    """Who a request acts as, and how it proved it."""

    who: Acting
    via: str
    """``token``, ``session`` or ``local`` (an embedded store with no users)."""
    session: WebSession | None = None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def identify(request: Request, store: Store, sessions: Sessions) -> Caller:
    """Who ``request`` acts as; AuthenticationError (with the CLI's message) when nobody."""
    token = bearer_token(request)
    if token is not None:
        return Caller(acting(store, {TOKEN_VARIABLE: token}), "token")
    session = sessions.find(request.cookies.get(SESSION_COOKIE))
    if session is not None:
        try:
            who = session_acting(store, session.user, session.credential or None)
        except AuthenticationError:
            sessions.end(request.cookies.get(SESSION_COOKIE))
            raise
        return Caller(who, "session", session)
    try:
        return Caller(acting(store, {}), "local")
    except AuthenticationError:
        raise AuthenticationError(
            "sign in first: open /sign-in in a browser, or send an API token as "
            "'Authorization: Bearer clr_...' (`clearance user token USER` issues one)"
        ) from None


async def check_csrf(request: Request, caller: Caller) -> None:
    """Refuse a state change that rides on ambient credentials (a cookie, or none at all on a
    user-less local store) unless it carries the page's CSRF token: a field of the form or the
    ``X-CSRF-Token`` header, matching this browser's CSRF cookie and its session."""
    if request.method in SAFE_METHODS or caller.via == "token":
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    cookie = request.cookies.get(CSRF_COOKIE)
    expected = caller.session.csrf if caller.session is not None else cookie
    if not sent or not cookie or not expected:
        raise CsrfRefused()
    if not (hmac.compare_digest(sent, cookie) and hmac.compare_digest(sent, expected)):
        raise CsrfRefused()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
