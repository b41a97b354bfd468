"""The time a supply-chain record is made at: given by the caller (tests set it), else now."""

from __future__ import annotations

from datetime import UTC, datetime

from clearance.supplychain._errors import SupplyChainError


def moment(now: datetime | None) -> datetime:
    """``now`` as an aware UTC time (the current time when None)."""
    if now is None:
        return datetime.now(UTC)
    if now.utcoffset() is None:
        raise SupplyChainError(f"time {now.isoformat()} has no time zone; give a UTC time")
    return now.astimezone(UTC)
