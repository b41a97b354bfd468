"""Verification: the hash chain, a signed checkpoint, and records against their last entries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict

from clearance.ledger._canonical import CanonicalJSONError, change_digest
from clearance.ledger._checkpoint import Checkpoint, checkpoint_problem
from clearance.ledger._entry import GENESIS_HASH, ChainLink, WithheldEntry, entry_hash
from clearance.ledger._merkle import EMPTY_ROOT, MerkleAccumulator


class VerifyReport(BaseModel):
    """The outcome of a verification; when not ``ok``, ``problem`` names the first bad thing."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    entries_checked: int
    """Entries read before stopping: the whole log when ``ok``."""
    first_bad_seq: int | None = None
    """The first entry found bad; None when the fault is not one entry (a forged checkpoint, a
    rewritten stretch that only the checkpoint's root reveals, a damaged export file)."""
    problem: str | None = None
    """A plain sentence saying what is wrong and where, e.g. ``entry 57: its hash does not
    match its content (edited?)``."""
    merkle_root: str | None = None
    """The Merkle root of all entries read, when the chain itself is intact."""
    records_checked: int = 0
    """Records compared with their last ledger entry (exports that include records)."""
    entries_withheld: int = 0
    """Entries read as withheld (seq and hashes only): chained and hashed into the Merkle root,
    their content not checked."""


class RecordProblem(BaseModel):
    """A record whose current content disagrees with the ledger."""

    model_config = ConfigDict(frozen=True)

    record_type: str
    record_id: str
    problem: str


def verify_chain(
    entries: Iterable[ChainLink],
    *,
    checkpoint: Checkpoint | None = None,
    public_key: Ed25519PublicKey | None = None,
) -> VerifyReport:
    """Check the hash chain of ``entries`` (in seq order), streaming, and a checkpoint if given.

    Detects edited, deleted, inserted and reordered entries and names the first bad one; with a
    checkpoint (which needs ``public_key``), also a forged checkpoint, a log truncated below the
    checkpoint's size, and entries rewritten consistently since the checkpoint (its root differs).
    Only O(log n) Merkle hashes are held, so the entries may come from a cursor. A
    :class:`WithheldEntry` is checked for its seq and its links only (its hash stands for
    content the reader may not see); the links and the signed root still catch its removal or
    any change to its hashes.
    """
    if checkpoint is not None and public_key is None:
        raise ValueError(
            "verify_chain got a checkpoint but no public_key; pass the ledger's Ed25519 public "
            "key (load_public_key(pem)) so the checkpoint's signature can be checked"
        )
    walk = _ChainWalk(checkpoint.tree_size if checkpoint is not None else None)
    for entry, following in _with_next(entries):
        fault = walk.fault(entry, following)
        if fault is not None:
            return _failed(walk.checked, fault)
        walk.accept(entry)
    if checkpoint is not None and public_key is not None:
        fault = _checkpoint_fault(walk, checkpoint, public_key)
        if fault is not None:
            return _failed(walk.checked, fault, merkle_root=walk.merkle.root())
    return VerifyReport(
        ok=True,
        entries_checked=walk.checked,
        merkle_root=walk.merkle.root(),
        entries_withheld=walk.withheld,
    )


def verify_records(
    latest_by_record: Mapping[tuple[str, str], str],
    current: Iterable[tuple[str, str, Mapping[str, Any]]],
) -> list[RecordProblem]:
    """Compare each current record with the ``change_sha256`` of its last ledger entry.

    ``latest_by_record`` maps (record_type, record_id) to that digest; ``current`` yields
    (record_type, record_id, content). Returns one problem per record that has no ledger entry,
    whose content differs from what the ledger recorded, or that appears twice; empty if all agree.
    """
    problems: list[RecordProblem] = []
    seen: set[tuple[str, str]] = set()
    for record_type, record_id, content in current:
        problem = _record_problem(latest_by_record, seen, record_type, record_id, content)
        if problem is not None:
            problems.append(
                RecordProblem(record_type=record_type, record_id=record_id, problem=problem)
            )
        seen.add((record_type, record_id))
    return problems


@dataclass(frozen=True)
class _Fault:
    seq: int | None
    problem: str


class _ChainWalk:
    """The state carried from one entry to the next: O(1) hashes plus the Merkle accumulator."""

    def __init__(self, checkpoint_size: int | None) -> None:
        self.checked = 0
        self.withheld = 0
        self.last_hash = GENESIS_HASH
        self.hash_before_last: str | None = None
        self.merkle = MerkleAccumulator()
        self.checkpoint_size = checkpoint_size
        self.root_at_checkpoint = EMPTY_ROOT if checkpoint_size == 0 else None

    def fault(self, entry: ChainLink, following: ChainLink | None) -> _Fault | None:
        self.checked += 1
        self.withheld += isinstance(entry, WithheldEntry)
        position = self.checked
        return (
            self._inserted_before(entry, position)
            or _content_fault(entry, position)
            or _seq_fault(entry, position)
            or self._link_fault(entry, following, position)
        )

    def accept(self, entry: ChainLink) -> None:
        self.hash_before_last, self.last_hash = self.last_hash, entry.hash
        self.merkle.add(entry.hash)
        if self.merkle.size == self.checkpoint_size:
            self.root_at_checkpoint = self.merkle.root()

    def _inserted_before(self, entry: ChainLink, position: int) -> _Fault | None:
        # An entry that chains past its predecessor to the one before shows that predecessor
        # was slipped in; checked first because the entry itself may have been renumbered.
        if entry.prev_hash == self.last_hash or entry.prev_hash != self.hash_before_last:
            return None
        inserted = position - 1
        target = "the start of the ledger" if inserted == 1 else f"entry {inserted - 1}"
        return _Fault(
            inserted,
            f"entry {inserted}: it was inserted (the entry after it, seq {entry.seq}, "
            f"chains directly to {target})",
        )

    def _link_fault(
        self, entry: ChainLink, following: ChainLink | None, position: int
    ) -> _Fault | None:
        if entry.prev_hash == self.last_hash:
            return None
        if position == 1:
            return _Fault(
                1,
                "entry 1: its prev_hash should be 64 zeros, as the first entry, but is "
                f"{entry.prev_hash[:12]}… (rewritten, or entries before it were removed?)",
            )
        # Either this entry's link was rewritten (then the next entry no longer chains to it)
        # or the previous entry was edited and re-hashed (then the next still chains here).
        if following is not None and following.prev_hash != entry.hash:
            return _Fault(
                position,
                f"entry {position}: its prev_hash does not match entry {position - 1}'s hash and "
                f"entry {position + 1} does not chain to it (rewritten with a recomputed hash?)",
            )
        return _Fault(
            position - 1,
            f"entry {position - 1}: its hash does not match the prev_hash that entry {position} "
            "records (edited and its hash recomputed?)",
        )


def _content_fault(entry: ChainLink, position: int) -> _Fault | None:
    if isinstance(entry, WithheldEntry):
        return None  # its content is not here to hash: only its links can be checked
    try:
        expected = entry_hash(entry)
    except CanonicalJSONError as error:
        return _Fault(position, f"entry {position}: its content cannot be hashed ({error})")
    if expected == entry.hash:
        return None
    return _Fault(position, f"entry {position}: its hash does not match its content (edited?)")


def _seq_fault(entry: ChainLink, position: int) -> _Fault | None:
    if entry.seq == position:
        return None
    if entry.seq > position:
        return _Fault(
            position,
            f"entry {position} is missing: seq {entry.seq} comes where {position} should "
            "(deleted, or entries reordered?)",
        )
    return _Fault(
        position,
        f"entry {position}: found seq {entry.seq} where {position} should be "
        "(an entry inserted, duplicated, or entries reordered?)",
    )


def _checkpoint_fault(
    walk: _ChainWalk, checkpoint: Checkpoint, public_key: Ed25519PublicKey
) -> _Fault | None:
    signature_problem = checkpoint_problem(checkpoint, public_key)
    if signature_problem is not None:
        return _Fault(None, f"checkpoint: {signature_problem}")
    if walk.checked < checkpoint.tree_size:
        return _Fault(
            walk.checked + 1,
            f"the log ends after {walk.checked} entries but the signed checkpoint covers "
            f"{checkpoint.tree_size} (truncated: entries {walk.checked + 1} to "
            f"{checkpoint.tree_size} are missing)",
        )
    if walk.root_at_checkpoint != checkpoint.root:
        return _Fault(
            None,
            f"the first {checkpoint.tree_size} entries do not hash to the signed checkpoint's "
            "Merkle root (entries rewritten, with their chain recomputed, since it was signed)",
        )
    return None


def _record_problem(
    latest_by_record: Mapping[tuple[str, str], str],
    seen: set[tuple[str, str]],
    record_type: str,
    record_id: str,
    content: Mapping[str, Any],
) -> str | None:
    name = f"{record_type} {record_id}"
    if (record_type, record_id) in seen:
        return f"{name}: listed more than once"
    expected = latest_by_record.get((record_type, record_id))
    if expected is None:
        return f"{name}: has no ledger entry (written outside the ledger?)"
    try:
        actual = change_digest(content)
    except CanonicalJSONError as error:
        return f"{name}: its content cannot be written as canonical JSON ({error})"
    if actual != expected:
        return (
            f"{name}: its content (sha256 {actual[:12]}…) does not match its last ledger entry "
            f"(sha256 {expected[:12]}…): changed outside the ledger?"
        )
    return None


def _with_next(entries: Iterable[ChainLink]) -> Iterator[tuple[ChainLink, ChainLink | None]]:
    iterator = iter(entries)
    current = next(iterator, None)
    while current is not None:
        following = next(iterator, None)
        yield current, following
        current = following


def _failed(checked: int, fault: _Fault, *, merkle_root: str | None = None) -> VerifyReport:
    return VerifyReport(
        ok=False,
        entries_checked=checked,
        first_bad_seq=fault.seq,
        problem=fault.problem,
        merkle_root=merkle_root,
    )
