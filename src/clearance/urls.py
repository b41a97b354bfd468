"""URLs as they may be kept and shown: without the credentials some carry.

``https://user:secret@host/v1?api_key=...`` authenticates by its text, so a URL as given must
never reach the store, the ledger, a report, a log line or an error message; only the copy
with its user information and secret query parameters removed does."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_QUERY_KEYS = frozenset(
    {
        "access_token", "api-key", "api_key", "apikey", "auth", "code", "key", "pass",
        "password", "pwd", "secret", "sig", "signature", "token", "x-api-key",
    }
)  # fmt: skip
"""Query parameters that carry a credential (compared case-insensitively)."""


def without_credentials(url: str) -> str:
    """``url`` with any ``user:password@`` and secret query parameters removed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    if ":" in (parts.hostname or "") and not host.startswith("["):
        host = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port is not None else "")
    netloc = host if "@" in parts.netloc else parts.netloc
    query = urlencode(
        [
            (key, value)
            for key, value in parse_qsl(parts.query, keep_blank_values=True)
            if key.lower() not in SECRET_QUERY_KEYS
        ]
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
