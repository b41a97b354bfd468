"""Cursor pagination: an opaque cursor names the position after the last item shown, so a page
stays right while new records arrive, and a client never computes an offset."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from clearance.errors import ClearanceError

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class CursorError(ClearanceError, ValueError):
    """A cursor this server did not issue (or for another listing)."""


def encode_cursor(kind: str, position: Any) -> str:
    text = json.dumps({"k": kind, "p": position}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> Any:
    """The position in ``cursor`` (None for no cursor); CursorError when it is not one of ours."""
    if cursor is None or cursor == "":
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict) or data.get("k") != kind or "p" not in data:
        raise CursorError(
            f"cursor {cursor[:40]!r} is not a {kind} cursor from this server; use the "
            "next_cursor of the previous page, or leave it out for the first page"
        )
    return data["p"]


def page_after(
    items: Sequence[T], key: Callable[[T], str], after: str | None, limit: int
) -> tuple[list[T], str | None]:
    """Up to ``limit`` of ``items`` following the one whose ``key`` is ``after``, and the key to
    continue after (None on the last page). An ``after`` no longer listed starts from the top."""
    start = 0
    if after is not None:
        keys = [key(item) for item in items]
        start = keys.index(after) + 1 if after in keys else 0
    shown = list(items[start : start + limit])
    more = start + limit < len(items)
    return shown, key(shown[-1]) if more and shown else None
