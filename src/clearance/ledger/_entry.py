"""One ledger entry and the hash that chains it to the one before."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from clearance.ledger._canonical import (
    CanonicalJSONError,
    change_digest,
    rfc3339_utc,
    sha256_hex,
)

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of entry 1: there is nothing before it."""

HexDigest = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
"""A lower-case hex SHA-256 digest."""

Name = Annotated[str, Field(min_length=1)]

# For objects of ASCII keys, strings and safe integers, which is all an entry holds, the standard
# library's compact sorted JSON is byte for byte RFC 8785 (same escapes, lower-case \u00xx, UTF-8
# kept); test_ledger_properties checks this against rfc8785. It is ~10x faster than the pure-Python
# rfc8785 serialiser, which matters when verifying millions of entries.
_ENTRY_ENCODER = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
)


class LedgerEntry(BaseModel):
    """Who did what to which record, when, with the change's digest, chained to the entry before.

    ``change_sha256`` is :func:`change_digest` of the record's content after the change, so a
    record's current content can be checked against its last entry.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int = Field(ge=1)
    time: datetime
    actor: Name
    action: Name
    record_type: Name
    record_id: Name
    change_sha256: HexDigest
    prev_hash: HexDigest
    hash: HexDigest

    @field_validator("time")
    @classmethod
    def _utc_time(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                "time has no time zone; pass an aware UTC datetime, e.g. datetime.now(UTC)"
            )
        return value.astimezone(UTC)


class WithheldEntry(BaseModel):
    """An entry in the place of one its reader may not see: only its seq and the two hashes
    that chain it, so the chain and the Merkle root still verify while who did what to which
    record stays in the store. Its content cannot be checked, only its place in the chain."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int = Field(ge=1)
    withheld: Literal[True] = True
    prev_hash: HexDigest
    hash: HexDigest


ChainLink = LedgerEntry | WithheldEntry
"""What a chain is made of as a reader gets it: whole entries, and withheld ones."""


def withheld_entry(entry: LedgerEntry) -> WithheldEntry:
    """``entry`` reduced to its place in the chain."""
    return WithheldEntry(seq=entry.seq, prev_hash=entry.prev_hash, hash=entry.hash)


def link_json(link: ChainLink) -> bytes:
    """The canonical JSON of a whole entry, or of a withheld one (one line of an export)."""
    if isinstance(link, WithheldEntry):
        fields = {"seq": link.seq, "withheld": True, "prev_hash": link.prev_hash, "hash": link.hash}
        return _canonical_entry_json(fields)
    return entry_json(link)


def entry_fields(entry: LedgerEntry) -> dict[str, Any]:
    """The entry as a JSON object: every field, ``time`` as RFC 3339 UTC with microseconds."""
    return {
        "seq": entry.seq,
        "time": rfc3339_utc(entry.time),
        "actor": entry.actor,
        "action": entry.action,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "change_sha256": entry.change_sha256,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def entry_json(entry: LedgerEntry) -> bytes:
    """The canonical JSON of the whole entry (one line of an export's ``entries.jsonl``)."""
    return _canonical_entry_json(entry_fields(entry))


def entry_hash(entry: LedgerEntry) -> str:
    """SHA-256 (hex) of the canonical JSON of every field but ``hash``.

    The entry's own ``hash`` is ignored, so this tells what it should be.
    """
    fields = entry_fields(entry)
    del fields["hash"]
    return sha256_hex(_canonical_entry_json(fields))


def next_entry(
    prev: LedgerEntry | None,
    *,
    time: datetime,
    actor: str,
    action: str,
    record_type: str,
    record_id: str,
    change: Mapping[str, Any],
) -> LedgerEntry:
    """Build the entry that follows ``prev`` (or entry 1 when ``prev`` is None), hash included.

    ``change`` is the record's content after the change; only its digest is kept.
    """
    unhashed = LedgerEntry(
        seq=1 if prev is None else prev.seq + 1,
        time=time,
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=record_id,
        change_sha256=change_digest(change),
        prev_hash=GENESIS_HASH if prev is None else prev.hash,
        hash=GENESIS_HASH,
    )
    return unhashed.model_copy(update={"hash": entry_hash(unhashed)})


def _canonical_entry_json(fields: dict[str, Any]) -> bytes:
    try:
        return _ENTRY_ENCODER.encode(fields).encode("utf-8")
    except UnicodeEncodeError as error:
        raise CanonicalJSONError(
            f"entry {fields['seq']}: a field holds a lone surrogate ({error}), which is not "
            "valid Unicode; canonical JSON needs well-formed text"
        ) from error
