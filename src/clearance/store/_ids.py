"""Record ids: readable, and ordered by creation, so ties in time still sort as written."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

_lock = threading.Lock()
_last = datetime.min.replace(tzinfo=UTC)


def new_record_id(prefix: str | None = None) -> str:
    """``[PREFIX-]YYYYMMDD-HHMMSS-UUUUUUXX``: UTC time to the microsecond, strictly increasing
    within a process (two records in one microsecond still sort in the order made), then two
    random hex digits so separate processes do not collide."""
    global _last
    with _lock:
        now = datetime.now(UTC)
        if now <= _last:
            now = _last + timedelta(microseconds=1)
        _last = now
    body = f"{now:%Y%m%d-%H%M%S}-{now.microsecond:06d}{secrets.token_hex(1)}"
    return f"{prefix}-{body}" if prefix else body


def id_prefix_pattern(ref: str) -> str:
    """A SQL LIKE pattern (escape character ``\\``) for ids starting with ``ref``, so people
    can type a unique prefix of an id."""
    return ref.replace("%", r"\%").replace("_", r"\_") + "%"


def find_row(
    session: Session,
    row_type: Any,
    ref: str,
    *,
    noun: str,
    hint: str,
    error: type[LookupError],
    name_column: Any = None,
    visible: Callable[[Any], bool] | None = None,
) -> Any:
    """The row whose id is ``ref``; else the one whose id starts with it; else (with
    ``name_column``) the one with that exact name. None or several raise ``error`` saying how
    many matched and which command lists the ids.

    With ``visible``, rows it rejects (records above the reader's clearance) are treated as
    absent everywhere: they match no id, prefix or name and are never counted, so the answer
    is the same as if they did not exist."""
    shown = visible or (lambda _row: True)
    row = session.get(row_type, ref)
    if row is not None and shown(row):
        return row
    column = row_type.__table__.c.id
    pattern = select(row_type).where(column.like(id_prefix_pattern(ref), "\\"))
    rows = [found for found in session.scalars(pattern) if shown(found)]
    if not rows and name_column is not None:
        rows = [found for found in session.scalars(select(row_type).where(name_column == ref))]
        rows = [found for found in rows if shown(found)]
    if len(rows) != 1:
        by = " (by id, id prefix or exact name)" if name_column is not None else ""
        if not rows:
            raise error(f"no {noun} matches {ref!r}{by}; `{hint}` shows them")
        raise error(
            f"{len(rows)} {noun}s match {ref!r}{by}: {_candidates(rows)}; give more of the id"
        )
    return rows[0]


MOST_CANDIDATES_LISTED = 10


def _candidates(rows: Sequence[Any]) -> str:
    """The ids an ambiguous reference matched, in full, so the reader can pick one."""
    ids = sorted(str(row.id) for row in rows)
    shown = ", ".join(ids[:MOST_CANDIDATES_LISTED])
    more = len(ids) - MOST_CANDIDATES_LISTED
    return shown + (f" and {more} more" if more > 0 else "")
