"""Reading the ledger and the records it vouches for back out of the store.

Entries come back as :class:`~clearance.ledger.LedgerEntry` (times in UTC on every database),
streamed in ``seq`` order, so a log of millions of entries is verified in constant memory. The
records come back as the same content their ledger entries digested, so
:func:`clearance.ledger.verify_records` can hold each against its last entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from clearance.errors import ClearanceError
from clearance.ledger import LedgerEntry
from clearance.store._records import as_utc
from clearance.store._registry import SAMPLES_RECORD_TYPE, record_kind
from clearance.store._schema import LedgerHeadRow, LedgerRow, SampleRow

_STREAM = 5000

REBASE_ACTION = "samples.rebase"
"""The entry a resume writes after discarding a run's errored samples: it digests every sample
still stored, so the batches before it (which held the discarded rows) are superseded, not lost
from verification."""

_ENTRY_COLUMNS = (
    LedgerRow.seq,
    LedgerRow.time,
    LedgerRow.actor,
    LedgerRow.action,
    LedgerRow.record_type,
    LedgerRow.record_id,
    LedgerRow.change_sha256,
    LedgerRow.prev_hash,
    LedgerRow.hash,
)

# Compact sorted JSON is RFC 8785 for an object of ASCII keys, strings and safe integers, which
# is all a sample batch's change holds (see clearance.ledger._entry); ~10x faster than rfc8785,
# and verification computes one candidate digest per stored sample.
_CHANGE_ENCODER = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
)


class MalformedEntryError(ClearanceError, ValueError):
    """A ledger row is not even a well-formed entry (a field of the wrong shape)."""

    def __init__(self, seq: int, problem: str) -> None:
        super().__init__(
            f"entry {seq}: the stored row is not a well-formed ledger entry ({problem}); the "
            "ledger table was altered outside Clearance"
        )
        self.seq = seq


class LedgerReader:
    """Reads ledger entries and the current content of the records they describe."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def size(self) -> int:
        """The highest ``seq`` written (0 for an empty ledger): the log as of now."""
        with Session(self._engine) as s:
            return int(s.execute(select(func.coalesce(func.max(LedgerRow.seq), 0))).scalar_one())

    def entries(
        self, *, up_to: int | None = None, after: int | None = None
    ) -> Iterator[LedgerEntry]:
        """Every entry in ``seq`` order (only those with ``seq <= up_to`` and ``seq > after``
        when given), streamed.

        Rows are read as they are, so an edited row comes back edited for the verifier to find;
        a row that is not even a well-formed entry raises :class:`MalformedEntryError`.
        """
        stmt = select(*_ENTRY_COLUMNS).order_by(LedgerRow.seq)
        if up_to is not None:
            stmt = stmt.where(LedgerRow.seq <= up_to)
        if after is not None:
            stmt = stmt.where(LedgerRow.seq > after)
        with Session(self._engine) as s:
            result = s.execute(stmt.execution_options(yield_per=_STREAM, stream_results=True))
            for seq, time, actor, action, record_type, record_id, change, prev, digest in result:
                try:
                    yield LedgerEntry(
                        seq=seq,
                        time=as_utc(time),
                        actor=actor,
                        action=action,
                        record_type=record_type,
                        record_id=record_id,
                        change_sha256=change,
                        prev_hash=prev,
                        hash=digest,
                    )
                except ValueError as error:
                    raise MalformedEntryError(seq, _first_error(error)) from error

    def record_entries(
        self, record_type: str, record_id: str, *, up_to: int | None = None
    ) -> list[tuple[int, str, str]]:
        """(seq, action, change_sha256) of every entry about one record, in seq order."""
        stmt = (
            select(LedgerRow.seq, LedgerRow.action, LedgerRow.change_sha256)
            .where(LedgerRow.record_type == record_type, LedgerRow.record_id == record_id)
            .order_by(LedgerRow.seq)
        )
        if up_to is not None:
            stmt = stmt.where(LedgerRow.seq <= up_to)
        with Session(self._engine) as s:
            return [(int(seq), str(action), str(digest)) for seq, action, digest in s.execute(stmt)]

    def head(self) -> tuple[int, str] | None:
        """(seq, hash) the ledger head row holds: what the next append will chain to."""
        with Session(self._engine) as s:
            row = s.get(LedgerHeadRow, 1)
            return None if row is None else (int(row.seq), str(row.hash))

    def record_ids(self, record_type: str) -> set[str]:
        """The ids of every stored record of ``record_type`` (a registered record type)."""
        table: Any = record_kind(record_type).row
        with Session(self._engine) as s:
            return {str(i) for i in s.scalars(select(table.id))}

    def contents(self, record_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(id, content) of each stored record of ``record_type``: exactly what its ledger
        entries digest (``change_sha256``) when the record is unaltered."""
        kind = record_kind(record_type)
        table: Any = kind.row
        with Session(self._engine) as s:
            stmt = select(table).order_by(table.id).execution_options(yield_per=1000)
            for row in s.scalars(stmt):
                yield str(row.id), kind.content(row)

    def content(self, record_type: str, record_id: str) -> dict[str, Any] | None:
        """The content of one record, or None when it is not stored."""
        kind = record_kind(record_type)
        with Session(self._engine) as s:
            row = s.get(kind.row, record_id)
            return None if row is None else kind.content(row)

    def sample_count(self, run_id: str) -> int:
        """Stored sample-epochs of a run."""
        with Session(self._engine) as s:
            stmt = select(func.count()).select_from(SampleRow).where(SampleRow.run_id == run_id)
            return int(s.execute(stmt).scalar_one())

    def sample_run_ids(self) -> set[str]:
        """The run ids the stored samples name (a sample of no run is a sample nobody checks)."""
        with Session(self._engine) as s:
            return {str(r) for r in s.scalars(select(SampleRow.run_id).distinct())}

    def sample_batch_problem(
        self, run_id: str, batch_digests: Sequence[str]
    ) -> BatchMismatch | None:
        """None when the run's stored samples, in the order written, are exactly the batches
        whose ledger entries have ``batch_digests`` (their ``change_sha256``, in seq order);
        otherwise the first batch that fails to match.

        Each ``samples.append`` entry digests ``{"run_id", "count", "rows_sha256"}``; the rows are
        rebuilt from the table as the runner wrote them, and each batch is the shortest run of
        following rows whose digest matches, so an edited, deleted or added sample shows up.
        """
        with Session(self._engine) as s:
            return _match_batches(run_id, stored_sample_rows(s, run_id), batch_digests)

    def sample_rows(self, run_id: str) -> list[dict[str, Any]]:
        """A run's stored sample-epochs in the order written, as the runner wrote them (what
        its ``samples.append`` entries digest)."""
        with Session(self._engine) as s:
            return list(stored_sample_rows(s, run_id))

    def sample_batches(self, run_id: str) -> list[tuple[int, str]]:
        """(seq, change_sha256) of the ledger entries that vouch for a run's stored samples: its
        ``samples.append`` batches since the last ``samples.rebase`` (that rebase first)."""
        entries = self.record_entries(SAMPLES_RECORD_TYPE, run_id)
        rebases = [i for i, (_, action, _) in enumerate(entries) if action == REBASE_ACTION]
        current = entries[rebases[-1] :] if rebases else entries
        return [(seq, digest) for seq, _, digest in current]


def stored_sample_rows(session: Session, run_id: str) -> Iterator[dict[str, Any]]:
    """A run's stored sample-epochs, in the order written, rebuilt as the runner wrote them."""
    stmt = (
        select(*_SAMPLE_COLUMNS.values())
        .where(SampleRow.run_id == run_id)
        .order_by(SampleRow.id)
        .execution_options(yield_per=2000, stream_results=True)
    )
    for values in session.execute(stmt):
        yield _sample_row(values)


def rebase_change(run_id: str, rows: Iterator[dict[str, Any]]) -> dict[str, Any]:
    """The ``samples.rebase`` change for a run whose stored samples are ``rows``: the same
    shape as a batch's, covering them all."""
    rows_hash = hashlib.sha256(b"[")
    count = 0
    for count, row in enumerate(rows, start=1):
        if count > 1:
            rows_hash.update(b",")
        rows_hash.update(_row_json(row))
    rows_hash.update(b"]")
    return {"run_id": run_id, "count": count, "rows_sha256": rows_hash.hexdigest()}


@dataclass(frozen=True)
class BatchMismatch:
    """Stored samples that no ledgered batch accounts for."""

    batch: int | None
    """The 1-based batch (``samples.append`` entry of the run) that fails; None when every
    batch matched but samples remain that none of them wrote."""
    problem: str


def _first_error(error: ValueError) -> str:
    errors = getattr(error, "errors", None)
    if callable(errors):
        details = errors(include_url=False)
        if details:
            first = details[0]
            return f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
    return str(error)


_SAMPLE_COLUMNS: Mapping[str, Any] = {
    "sample_id": SampleRow.sample_id,
    "epoch": SampleRow.epoch,
    "input": SampleRow.input,
    "target": SampleRow.target,
    "output": SampleRow.output,
    "messages": SampleRow.messages,
    "scores": SampleRow.scores,
    "cluster": SampleRow.cluster,
    "metadata_": SampleRow.metadata_,
    "input_tokens": SampleRow.input_tokens,
    "output_tokens": SampleRow.output_tokens,
    "latency": SampleRow.latency,
    "model_calls": SampleRow.model_calls,
    "error": SampleRow.error,
    "error_type": SampleRow.error_type,
    "raw": SampleRow.raw,
    "completed_at": SampleRow.completed_at,
}
"""The keys of a sample row as the runner hands it to ``RunStore.append_samples``."""


def _sample_row(values: Sequence[Any]) -> dict[str, Any]:
    """A stored sample-epoch rebuilt as the runner wrote it."""
    row = dict(zip(_SAMPLE_COLUMNS, values, strict=True))
    row["completed_at"] = as_utc(row["completed_at"])
    # The runner sums the latencies of the model calls: with no call that sum is the int 0.
    if row["model_calls"] == 0 and row["latency"] == 0:
        row["latency"] = 0
    return row


def _row_json(row: dict[str, Any]) -> bytes:
    # As RunStore._rows_digest writes each element of the batch list.
    return json.dumps(row, sort_keys=True, default=str, separators=(",", ":")).encode()


def _batch_change_digest(run_id: str, count: int, rows_sha256: str) -> str:
    change = {"run_id": run_id, "count": count, "rows_sha256": rows_sha256}
    return hashlib.sha256(_CHANGE_ENCODER.encode(change).encode("utf-8")).hexdigest()


def match_sample_batches(
    run_id: str, rows: Sequence[dict[str, Any]], batch_digests: Sequence[str]
) -> BatchMismatch | None:
    """None when ``rows`` (sample rows as the runner wrote them, in order) are exactly the
    batches whose ledger entries have ``batch_digests``: how a copy of a run's samples held
    outside the store (an evidence bundle) is checked against its ledger entries."""
    return _match_batches(run_id, iter(rows), batch_digests)


def _match_batches(
    run_id: str, rows: Iterator[dict[str, Any]], batch_digests: Sequence[str]
) -> BatchMismatch | None:
    empty = _batch_change_digest(run_id, 0, hashlib.sha256(b"[]").hexdigest())
    for number, expected in enumerate(batch_digests, start=1):
        rows_hash = hashlib.sha256(b"[")
        # Only a rebase after every sample was discarded covers no rows.
        matched = expected == empty
        for count, row in enumerate(() if matched else rows, start=1):
            if count > 1:
                rows_hash.update(b",")
            rows_hash.update(_row_json(row))
            candidate = rows_hash.copy()
            candidate.update(b"]")
            if _batch_change_digest(run_id, count, candidate.hexdigest()) == expected:
                matched = True
                break
        if not matched:
            return BatchMismatch(
                number,
                f"samples of run {run_id}: batch {number} of {len(batch_digests)} written to the "
                "ledger does not match the stored samples (a sample edited, deleted or added "
                "outside the ledger?)",
            )
    leftover = sum(1 for _ in rows)
    if leftover:
        return BatchMismatch(
            None,
            f"samples of run {run_id}: {leftover} stored samples belong to no ledgered batch "
            "(added outside the ledger?)",
        )
    return None
