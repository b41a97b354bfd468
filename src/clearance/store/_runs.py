"""Runs and their samples in the store."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from clearance.access import Marking, marking_fields, marking_of
from clearance.errors import ClearanceError
from clearance.models import ModelInfo
from clearance.store._ids import find_row
from clearance.store._ledger import REBASE_ACTION, rebase_change, stored_sample_rows
from clearance.store._records import ModelRecord, RunRecord, SampleRecord
from clearance.store._registry import SAMPLES_RECORD_TYPE
from clearance.store._schema import ModelRow, RunRow, SampleRow
from clearance.store._uow import UnitOfWork


class RunNotFoundError(ClearanceError, LookupError):
    """No run, or more than one, matches the id the user gave."""


def model_id_for(info: ModelInfo) -> str:
    """A stable id for what was called: provider, name, endpoint, version and weights."""
    ident = [info.provider, info.name, info.base_url, info.version, info.weights_sha256]
    return hashlib.sha256(json.dumps(ident).encode()).hexdigest()[:32]


def _rows_digest(rows: Sequence[dict[str, Any]]) -> str:
    # Sample rows are evidence; their digest goes into the batch's ledger entry. Plain sorted
    # JSON (not RFC 8785) keeps this cheap on the hot path and is just as deterministic.
    text = json.dumps(rows, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class RemarkConflictError(ClearanceError, RuntimeError):
    """Someone else changed the run's marking between reading it and writing the new one."""


class SampleNotFoundError(ClearanceError, LookupError):
    """A run has no sample-epoch with the id and epoch asked for."""


@dataclass(frozen=True)
class SampleQuery:
    """Which sample-epochs of a run to list: a page after a position, filtered."""

    limit: int = 50
    after: int | None = None
    """The position (from a previous page) to continue after; None for the first page."""
    errors: bool | None = None
    """True: only those that ended in error; False: only scored ones; None: both."""
    scorer: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    search: str | None = None
    """Text the sample id or the output contains."""


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class RunStore:
    """Reads and writes runs and samples. Writes go through a :class:`UnitOfWork`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- writes ------------------------------------------------------------------------------

    def ensure_model(self, uow: UnitOfWork, info: ModelInfo) -> str:
        model_id = model_id_for(info)
        if uow.session.get(ModelRow, model_id) is None:
            fields = info.model_dump(exclude={"spec"})
            row = ModelRow(id=model_id, spec=info.spec, created_at=datetime.now(UTC), **fields)
            uow.session.add(row)
            uow.record_row("model.register", row, ModelRecord)
        return model_id

    def create_run(self, uow: UnitOfWork, **fields: Any) -> RunRecord:
        row = RunRow(
            status="running",
            created_at=datetime.now(UTC),
            created_by=uow.actor,
            scored=0,
            errors=0,
            input_tokens=0,
            output_tokens=0,
            marking_level=fields.pop("marking_level", "UNCLASSIFIED"),
            marking_compartments=fields.pop("marking_compartments", []),
            **fields,
        )
        uow.session.add(row)
        return uow.record_row("run.create", row, RunRecord)

    def append_samples(self, uow: UnitOfWork, run_id: str, rows: Sequence[dict[str, Any]]) -> None:
        """Insert finished sample-epochs and bump the run's counters, in one ledgered change."""
        if not rows:
            return
        uow.session.execute(insert(SampleRow), [{"run_id": run_id, **r} for r in rows])
        errors = sum(1 for r in rows if r["error"] is not None)
        uow.session.execute(
            update(RunRow)
            .where(RunRow.id == run_id)
            .values(
                scored=RunRow.scored + (len(rows) - errors),
                errors=RunRow.errors + errors,
                input_tokens=RunRow.input_tokens + sum(r["input_tokens"] for r in rows),
                output_tokens=RunRow.output_tokens + sum(r["output_tokens"] for r in rows),
            )
        )
        change = {"run_id": run_id, "count": len(rows), "rows_sha256": _rows_digest(rows)}
        # A batch is its own record ("samples"), so the run's last entry keeps describing the
        # run's full content and `ledger verify` can check it.
        uow.record("samples.append", "samples", run_id, change)

    def discard_errored(self, uow: UnitOfWork, run_id: str) -> int:
        """Remove sample-epochs that ended in error, so a resume tries them again."""
        result = uow.session.execute(
            delete(SampleRow).where(SampleRow.run_id == run_id, SampleRow.error.is_not(None))
        )
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if count:
            uow.session.execute(
                update(RunRow).where(RunRow.id == run_id).values(errors=RunRow.errors - count)
            )
            uow.record_row("run.retry_errors", self._row(uow, run_id), RunRecord)
            # The batches that wrote the discarded rows can no longer be recomputed: ledger
            # every sample that remains, so each one is still verified against an entry.
            change = rebase_change(run_id, stored_sample_rows(uow.session, run_id))
            uow.record(REBASE_ACTION, SAMPLES_RECORD_TYPE, run_id, change)
        return count

    def finish_run(
        self,
        uow: UnitOfWork,
        run_id: str,
        *,
        status: str,
        metrics: dict[str, Any] | None,
        finished_at: datetime | None = None,
    ) -> RunRecord:
        """Record the run's final status and metrics; a completed run finished ``finished_at``
        (default now; an import passes the time the source harness finished it)."""
        row = uow.session.get(RunRow, run_id)
        if row is None:
            raise RunNotFoundError(f"no run {run_id!r}")
        row.status = status
        row.metrics = metrics
        row.finished_at = (finished_at or datetime.now(UTC)) if status == "completed" else None
        return uow.record_row(f"run.{status}", row, RunRecord)

    def set_status(self, uow: UnitOfWork, run_id: str, status: str) -> None:
        uow.session.execute(update(RunRow).where(RunRow.id == run_id).values(status=status))
        uow.record_row("run.status", self._row(uow, run_id), RunRecord)

    def remark(
        self,
        uow: UnitOfWork,
        run_id: str,
        *,
        expected: Marking,
        new: Marking,
        history_key: str,
        change: dict[str, Any],
    ) -> RunRecord:
        """Mark run ``run_id`` as ``new`` if it is still marked ``expected``, appending
        ``change`` to its provenance's ``history_key`` list; one ``run.remark`` entry holds the
        run's whole content afterwards. The row is locked first, so two re-markings serialise
        and the second sees the first's marking (:class:`RemarkConflictError`)."""
        row = uow.session.get(RunRow, run_id, with_for_update=True)
        if row is None:
            raise RunNotFoundError(f"run {run_id} disappeared while being re-marked; try again")
        current = marking_of(row)
        if current != expected:
            raise RemarkConflictError(
                f"run {run_id} was re-marked by someone else meanwhile (now {current.banner()}); "
                "check it with `clearance eval show` and try again"
            )
        _append_history(row, history_key, change)
        for column, value in marking_fields(new).items():
            setattr(row, column, value)
        return uow.record_row("run.remark", row, RunRecord)

    def append_history(
        self, uow: UnitOfWork, run_id: str, *, action: str, history_key: str, change: dict[str, Any]
    ) -> RunRecord:
        """Append ``change`` to the ``history_key`` list of run ``run_id``'s provenance (e.g.
        each time it is shared), as one ``action`` entry holding the run's whole content."""
        row = uow.session.get(RunRow, run_id, with_for_update=True)
        if row is None:
            raise RunNotFoundError(f"no run {run_id!r}")
        _append_history(row, history_key, change)
        return uow.record_row(action, row, RunRecord)

    @staticmethod
    def _row(uow: UnitOfWork, run_id: str) -> RunRow:
        """The run's row as changed by bulk updates in this transaction."""
        uow.session.flush()
        row = uow.session.get(RunRow, run_id, populate_existing=True)
        if row is None:
            raise RunNotFoundError(f"no run {run_id!r}")
        return row

    # -- reads -------------------------------------------------------------------------------

    def resolve(self, run_ref: str, visible: Callable[[Any], bool] | None = None) -> RunRecord:
        """The run whose id is ``run_ref``, or starts with it when that is unambiguous (among
        the rows ``visible`` accepts, when given: the others are as if absent)."""
        with Session(self._engine) as s:
            row = find_row(
                s, RunRow, run_ref, noun="run", hint="clearance eval list",
                error=RunNotFoundError, visible=visible,
            )  # fmt: skip
            return RunRecord.model_validate(row)

    def newest(self, limit: int | None = None) -> list[RunRecord]:
        with Session(self._engine) as s:
            stmt = select(RunRow).order_by(RunRow.created_at.desc(), RunRow.id.desc()).limit(limit)
            return [RunRecord.model_validate(r) for r in s.scalars(stmt)]

    def done_keys(self, run_id: str) -> set[tuple[str, int]]:
        """(sample id, epoch) of every sample-epoch already stored for the run."""
        with Session(self._engine) as s:
            stmt = select(SampleRow.sample_id, SampleRow.epoch).where(SampleRow.run_id == run_id)
            return {(sid, ep) for sid, ep in s.execute(stmt)}

    def count_samples(self, run_id: str) -> int:
        with Session(self._engine) as s:
            stmt = select(func.count()).select_from(SampleRow).where(SampleRow.run_id == run_id)
            return int(s.execute(stmt).scalar_one())

    def score_rows(
        self, run_id: str
    ) -> Iterator[tuple[str, int, str | None, dict[str, Any], dict[str, Any]]]:
        """(sample id, epoch, cluster, scores, metadata) of each scored sample-epoch."""
        with Session(self._engine) as s:
            cols = (SampleRow.sample_id, SampleRow.epoch, SampleRow.cluster, SampleRow.scores)
            stmt = (
                select(*cols, SampleRow.metadata_)
                .where(SampleRow.run_id == run_id, SampleRow.error.is_(None))
                .order_by(SampleRow.id)
                .execution_options(yield_per=2000)
            )
            for sid, ep, cluster, scores, meta in s.execute(stmt):
                yield str(sid), int(ep), cluster, dict(scores), dict(meta)

    def samples(self, run_id: str) -> Iterator[SampleRecord]:
        with Session(self._engine) as s:
            stmt = (
                select(SampleRow)
                .where(SampleRow.run_id == run_id)
                .order_by(SampleRow.id)
                .execution_options(yield_per=1000)
            )
            for row in s.scalars(stmt):
                yield SampleRecord.model_validate(row)

    def count_empty_answers(self, run_id: str) -> int:
        """Scored sample-epochs whose model answer was empty, blank or null."""
        with Session(self._engine) as s:
            stmt = (
                select(func.count())
                .select_from(SampleRow)
                .where(
                    SampleRow.run_id == run_id,
                    SampleRow.error.is_(None),
                    or_(SampleRow.output.is_(None), func.trim(SampleRow.output) == ""),
                )
            )
            return int(s.execute(stmt).scalar_one())

    def error_messages(self, run_id: str) -> list[tuple[str, list[str]]]:
        """(error message, the ids of the samples that ended in it), most frequent first."""
        with Session(self._engine) as s:
            stmt = (
                select(SampleRow.error, SampleRow.sample_id, SampleRow.epoch)
                .where(SampleRow.run_id == run_id, SampleRow.error.is_not(None))
                .order_by(SampleRow.id)
            )
            by_message: dict[str, list[str]] = {}
            for error, sid, epoch in s.execute(stmt):
                label = str(sid) if epoch == 1 else f"{sid}#{epoch}"
                by_message.setdefault(str(error), []).append(label)
        return sorted(by_message.items(), key=lambda item: -len(item[1]))

    def sample_page(self, run_id: str, query: SampleQuery) -> list[tuple[int, SampleRecord]]:
        """(position, sample) of at most ``query.limit`` sample-epochs of a run that match
        ``query``, in stored order after ``query.after``: a keyset page, as fast on the last
        page of 100,000 samples as on the first."""
        with Session(self._engine) as s:
            stmt = select(SampleRow).where(SampleRow.run_id == run_id)
            if query.after is not None:
                stmt = stmt.where(SampleRow.id > query.after)
            if query.errors is not None:
                is_error = SampleRow.error.is_not(None)
                stmt = stmt.where(is_error if query.errors else SampleRow.error.is_(None))
            if query.scorer is not None:
                value = SampleRow.scores[query.scorer]["value"].as_float()
                if query.min_score is not None:
                    stmt = stmt.where(value >= query.min_score)
                if query.max_score is not None:
                    stmt = stmt.where(value <= query.max_score)
            if query.search:
                pattern = "%" + _escape_like(query.search) + "%"
                stmt = stmt.where(
                    SampleRow.sample_id.like(pattern, escape="\\")
                    | SampleRow.output.like(pattern, escape="\\")
                )
            stmt = stmt.order_by(SampleRow.id).limit(query.limit)
            return [(row.id, SampleRecord.model_validate(row)) for row in s.scalars(stmt)]

    def sample(self, run_id: str, sample_id: str, epoch: int) -> SampleRecord:
        """One sample-epoch of a run, or SampleNotFoundError."""
        with Session(self._engine) as s:
            stmt = select(SampleRow).where(
                SampleRow.run_id == run_id,
                SampleRow.sample_id == sample_id,
                SampleRow.epoch == epoch,
            )
            row = s.scalars(stmt).one_or_none()
            if row is None:
                raise SampleNotFoundError(
                    f"run {run_id} has no sample {sample_id!r} (epoch {epoch}); the run's "
                    "sample list shows its samples"
                )
            return SampleRecord.model_validate(row)

    def error_summary(self, run_id: str) -> list[tuple[str, int]]:
        """(error type, count), most frequent first."""
        with Session(self._engine) as s:
            stmt = (
                select(SampleRow.error_type, func.count())
                .where(SampleRow.run_id == run_id, SampleRow.error.is_not(None))
                .group_by(SampleRow.error_type)
                .order_by(func.count().desc())
            )
            return [(str(t), int(n)) for t, n in s.execute(stmt)]


RUN_SHARING_HISTORY = "shared"
"""The run provenance's list of the evidence bundles it was shared in (a note about the run,
not part of what it shows as evidence)."""


def _append_history(row: RunRow, history_key: str, change: dict[str, Any]) -> None:
    history = [*row.provenance.get(history_key, []), change]
    row.provenance = {**row.provenance, history_key: history}
