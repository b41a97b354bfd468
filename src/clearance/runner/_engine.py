"""The evaluation engine: plans a run, solves and scores samples concurrently, keeps them all."""

from __future__ import annotations

import asyncio
import contextlib
import platform
import signal
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import clearance
from clearance.access import (
    UNCLASSIFIED_MARKING,
    Action,
    Marking,
    Principal,
    actor_of,
    marking_of,
    require,
)
from clearance.datasets import Sample
from clearance.errors import EXIT_INTERRUPTED, ClearanceError
from clearance.models import (
    GenerationProgress,
    ModelAPI,
    ModelError,
    ModelInfo,
    ModelOutput,
    ResponseCache,
    generation_progress,
    get_model,
)
from clearance.runner._journal import Journal, JournalKey
from clearance.runner._lease import RunBusyError, RunLease, run_files_dir
from clearance.runner._limit import AdaptiveLimit
from clearance.runner._options import RunOptions, RunSummary
from clearance.runner._solver import SampleSolver, fatal_signature
from clearance.runner._writer import SampleWriter
from clearance.settings import settings
from clearance.store import RunRecord, Store, new_record_id
from clearance.tasks import (
    ScoredSample,
    Task,
    allow_unsafe_local_exec,
    compute_metrics,
    load_task,
)
from clearance.urls import SECRET_QUERY_KEYS, without_credentials


class Progress(Protocol):
    """Where the engine reports progress (a Rich bar in the CLI; nothing in tests)."""

    def start(self, total: int, done: int) -> None: ...

    def update(self, done: int, errors: int) -> None: ...

    def waiting(self, seconds: float) -> None:
        """How long the run is waiting for a server that asked it to retry later (0: not)."""

    def stop(self) -> None: ...


class RunError(ClearanceError, RuntimeError):
    """A run cannot start or continue; the message says why and what to do."""


class Interrupted(ClearanceError):
    """The run was stopped by a signal; it is stored as ``interrupted`` and can be resumed."""

    exit_code = EXIT_INTERRUPTED
    hint = "`clearance eval resume RUN` finishes it"

    def __init__(self, summary: RunSummary) -> None:
        super().__init__(f"run {summary.id} interrupted")
        self.summary = summary


def _new_run_id() -> str:
    return new_record_id()


@dataclass
class _Counters:
    done: int = 0
    errors: int = 0


@dataclass
class _RunFiles:
    """What a run keeps outside the store while it executes: its lease, journal and cache.

    Opened before the run is recorded, so an unwritable folder stops the command with no
    phantom run left behind."""

    lease: RunLease
    journal: Journal
    cache: ResponseCache | None

    @classmethod
    def open(cls, run_id: str, use_cache: bool) -> _RunFiles:
        try:
            lease = RunLease.acquire(run_id)
        except OSError as exc:
            raise RunError(_unwritable(exc, "journal")) from exc
        try:
            journal = Journal(_journal_path(run_id))
            cache = ResponseCache(settings().cache / "responses.db") if use_cache else None
        except (OSError, sqlite3.Error) as exc:
            lease.release(finished=False)
            raise RunError(_unwritable(exc, "journal or cache")) from exc
        return cls(lease, journal, cache)

    def close(self, *, finished: bool) -> None:
        if self.lease.released:
            return
        self.journal.close()
        if self.cache:
            self.cache.close()
        if finished:
            _journal_path(self.lease.run_id).unlink(missing_ok=True)
        self.lease.release(finished=finished)


def _unwritable(exc: BaseException, what: str) -> str:
    where = getattr(exc, "filename", None) or settings().home
    reason = getattr(exc, "strerror", None) or str(exc)
    return (
        f"cannot write the run's {what} under {where}: {reason}; make the folder writable "
        "(or set CLEARANCE_HOME to one that is) and try again"
    )


@dataclass
class _Execution:
    """One pass of the engine over the sample-epochs a run still lacks."""

    task: Task
    model: ModelAPI
    store: Store
    run: RunRecord
    options: RunOptions
    actor: str
    files: _RunFiles
    replay: dict[JournalKey, list[ModelOutput]]
    counters: _Counters = field(default_factory=_Counters)

    def __post_init__(self) -> None:
        self.solver = SampleSolver(
            self.task,
            self.model,
            self.options,
            self.files.journal,
            limit=AdaptiveLimit(self.options.max_connections),
            cache=self.files.cache if self.task.config.temperature == 0 else None,
            replay=self.replay,
        )
        self.writer = SampleWriter(self.store, self.run.id, self.actor)
        self.budget = self.options.error_budget(self.run.total)
        self.stopping = asyncio.Event()
        self.failed = False
        self.stop_reason: str | None = None
        self._fatal_seen: dict[str, int] = {}

    async def _worker(self, items: Iterator[tuple[Sample, int]]) -> None:
        for sample, epoch in items:
            if self.stopping.is_set():
                return
            row, error = await self.solver.solve(sample, epoch)
            self.keep(row, None if error is None else (fatal_signature(error), str(error)))

    def keep(self, row: dict[str, Any], error: tuple[str | None, str] | None) -> None:
        """Store one solved sample; ``error`` is its fatal signature (None: not fatal) and
        message when it ended in error."""
        self.writer.add(row)
        self.counters.done += 1
        if error is not None:
            self.counters.errors += 1
            self._after_error(*error)

    def _after_error(self, signature: str | None, message: str) -> None:
        if self.budget is not None and self.counters.errors > self.budget:
            self._stop(f"sample errors ({self.counters.errors}) exceeded --fail-on-error")
        if signature is None:
            return
        seen = self._fatal_seen[signature] = self._fatal_seen.get(signature, 0) + 1
        if seen >= self.options.identical_errors_stop:
            self._stop(f"{seen} samples failed alike, so no other could succeed: {message}")

    def _stop(self, reason: str) -> None:
        if not self.failed:
            self.failed = True
            self.stop_reason = reason
        self.stopping.set()

    async def execute(self, items: Iterator[tuple[Sample, int]], progress: Progress | None) -> bool:
        """Solve every item; True if all were done, False if stopped early (signal or errors)."""
        loop = asyncio.get_running_loop()
        interrupted = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Only a main thread's loop takes signals: a run driven from another thread (the
            # web application's worker) is stopped by cancelling it instead.
            with contextlib.suppress(RuntimeError):
                loop.add_signal_handler(sig, interrupted.set)
        writer_task = asyncio.create_task(self.writer.run())
        if self.options.executor == "ray":
            from clearance.runner._ray import solve_on_ray

            workers = [asyncio.create_task(solve_on_ray(self, items))]
        else:
            workers = [
                asyncio.create_task(self._worker(items))
                for _ in range(self.options.max_connections)
            ]
        all_done: asyncio.Future[list[None]] = asyncio.gather(*workers)
        # When this pass is itself cancelled (a server shutting down its run worker), nobody is
        # left to read how the workers ended: read it here, so it is not logged as lost.
        all_done.add_done_callback(lambda done: done.cancelled() or done.exception())
        watch = asyncio.create_task(self._watch(progress, interrupted))
        try:
            either: list[asyncio.Future[Any]] = [all_done, watch]
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
            if not all_done.done():  # interrupted: in-flight answers are in the journal
                for w in workers:
                    w.cancel()
            outcomes = await asyncio.gather(*workers, return_exceptions=True)
            await asyncio.wait([all_done])
            if not all_done.cancelled():
                all_done.exception()  # read here; the workers' outcomes below say what happened
            failures = [o for o in outcomes if isinstance(o, BaseException)]
            real = [f for f in failures if not isinstance(f, asyncio.CancelledError)]
            if real:
                raise real[0]
        finally:
            watch.cancel()
            self.writer.close()
            await writer_task
            await self.writer.flush()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            if progress:
                progress.update(self.counters.done, self.counters.errors)
        return not interrupted.is_set() and not self.failed

    async def _watch(self, progress: Progress | None, interrupted: asyncio.Event) -> None:
        """Report progress until a signal asks the run to stop."""
        loop = asyncio.get_running_loop()
        while not interrupted.is_set():
            if progress:
                progress.update(self.counters.done, self.counters.errors)
                progress.waiting(max(0.0, self.solver.retry_until - loop.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(interrupted.wait(), 0.1)
        self.stopping.set()


async def _close_steps(task: Task) -> None:
    """Solvers and scorers may hold resources (a judge model's connection): release them."""
    for step in (*task.solver, *task.scorers):
        aclose = getattr(step, "aclose", None)
        if aclose is not None:
            await aclose()


def _capped(task: Task, max_tokens: int | None) -> Task:
    """``task`` with every generation capped at ``max_tokens`` (unchanged when None)."""
    if max_tokens is None:
        return task
    return replace(task, config=task.config.model_copy(update={"max_tokens": max_tokens}))


def _journal_path(run_id: str) -> Path:
    return run_files_dir() / f"{run_id}.jsonl"


def _plan(task: Task, epochs: int, done: set[tuple[str, int]]) -> Iterator[tuple[Sample, int]]:
    for epoch in range(1, epochs + 1):
        for sample in task.dataset.samples:
            if (sample.id, epoch) not in done:
                yield sample, epoch


def _provenance(task: Task, info: ModelInfo, options: RunOptions, epochs: int) -> dict[str, Any]:
    ds = task.dataset
    return {
        "dataset": {"name": ds.name, "path": ds.path, "digest": ds.digest, "samples": len(ds)},
        "task": {
            "name": task.name,
            "digest": task.digest,
            "ref": task.ref,
            "domain": task.domain,
        },
        "model": info.model_dump(mode="json"),
        "generate_config": task.config.model_dump(mode="json"),
        "scorers": [s.name for s in task.scorers],
        "scorer_specs": task.scorer_specs(),
        "epochs": epochs,
        "epoch_reducer": task.epoch_reducer,
        "seed": options.seed,
        "clearance_version": clearance.__version__,
        "python": platform.python_version(),
    }


def _summary(store: Store, run: RunRecord, stop_reason: str | None = None) -> RunSummary:
    run = store.runs.resolve(run.id)
    provenance = dict(run.provenance)
    provenance["started_at"] = run.created_at.isoformat()
    provenance["finished_at"] = run.finished_at.isoformat() if run.finished_at else None
    provenance["usage"] = {"input_tokens": run.input_tokens, "output_tokens": run.output_tokens}
    provenance["created_by"] = run.created_by
    return RunSummary(
        id=run.id,
        status=run.status,
        total=run.total,
        scored=run.scored,
        errors=run.errors,
        metrics=run.metrics or {},
        provenance=provenance,
        empty_answers=store.runs.count_empty_answers(run.id),
        stop_reason=stop_reason,
    )


async def _drive(
    ex: _Execution,
    store: Store,
    done: set[tuple[str, int]],
    epochs: int,
    progress: Progress | None,
) -> RunSummary:
    if progress:
        progress.start(ex.run.total, len(done))
    finished = False
    # Sample tasks copy this context, so a local model generating for them reports progress
    # inside its batches to the same display.
    watching = generation_progress.set(
        progress if isinstance(progress, GenerationProgress) else None
    )
    try:
        complete = await ex.execute(_plan(ex.task, epochs, done), progress)
        status = "completed" if complete else ("failed" if ex.failed else "interrupted")
        counts = store.runs.resolve(ex.run.id)
        if status == "completed" and counts.errors and not counts.scored:
            # Nothing was measured: a dead server or a refused key must not read as a run.
            status = "failed"
            ex.stop_reason = f"no sample was scored: all {counts.errors} ended in error"
        rows = (ScoredSample(*r) for r in store.runs.score_rows(ex.run.id))
        metrics = compute_metrics(
            rows, ex.task.scorer_metrics(), ex.task.epoch_reducer, ex.task.extra_metrics
        )
        with store.unit_of_work(ex.actor) as uow:
            store.runs.finish_run(uow, ex.run.id, status=status, metrics=metrics)
        finished = status == "completed"
    finally:
        generation_progress.reset(watching)
        if progress:
            progress.stop()
        await ex.model.aclose()
        await _close_steps(ex.task)
        # Whatever happened, the lease goes: a run left "running" reads as interrupted.
        ex.files.close(finished=finished)
    summary = _summary(store, ex.run, ex.stop_reason)
    if status == "interrupted":
        raise Interrupted(summary)
    return summary


async def run_task(
    task: Task,
    model_spec: str,
    *,
    store: Store,
    options: RunOptions | None = None,
    progress: Progress | None = None,
    actor: str | None = None,
    principal: Principal,
    marking: Marking = UNCLASSIFIED_MARKING,
) -> RunSummary:
    """Evaluate ``task`` on the model ``model_spec``; every sample-epoch ends up in the store.

    The run is marked ``marking``: ``principal`` needs ``run.create`` and a clearance that
    dominates it (AccessDenied otherwise, before any model is loaded). ``actor`` is the name its
    ledger entries carry (default: the principal's id, or ``local:USER`` for the local admin).
    """
    options = options or RunOptions()
    require(principal, Action.RUN_CREATE, marking)
    task = _capped(task, options.max_tokens)
    actor = actor or actor_of(principal)
    model = _model_for(model_spec, options)
    epochs = options.epochs or task.epochs
    files: _RunFiles | None = None
    try:
        info = await _model_info(model)
        run_id = _new_run_id()
        files = _RunFiles.open(run_id, options.cache)
        with store.unit_of_work(actor) as uow:
            model_id = store.runs.ensure_model(uow, info)
            run = store.runs.create_run(
                uow,
                id=run_id,
                task_name=task.name,
                task_ref=task.ref,
                model_id=model_id,
                total=len(task.dataset) * epochs,
                provenance=_provenance(task, info, options, epochs),
                options=_recorded_options(options),
                marking_level=marking.level.value,
                marking_compartments=sorted(marking.compartments),
            )
    except BaseException:
        await model.aclose()
        if files is not None:
            files.close(finished=True)
        raise
    ex = _Execution(task, model, store, run, options, actor, files, replay={})
    return await _drive(ex, store, set(), epochs, progress)


def _recorded_options(options: RunOptions) -> dict[str, Any]:
    """The run's options as stored: the base URL without credentials, and no secret model
    option (an API key passed with -M api_key=...): they authenticate by their text."""
    recorded = options.model_dump(mode="json")
    if recorded.get("base_url"):
        recorded["base_url"] = without_credentials(str(recorded["base_url"]))
    recorded["model_options"] = {
        key: value
        for key, value in recorded.get("model_options", {}).items()
        if key.lower() not in SECRET_QUERY_KEYS
    }
    return recorded


def _model_for(spec: str, options: RunOptions) -> ModelAPI:
    return get_model(
        spec,
        base_url=options.base_url,
        timeout=options.timeout,
        max_response_bytes=options.max_response_bytes,
        **options.model_options,
    )


async def _model_info(model: ModelAPI) -> ModelInfo:
    # Some providers learn their identity (weights digest) only when loaded.
    prepare = getattr(model, "prepare", None)
    if prepare is not None:
        await prepare()
    # Hosted providers check the key, the endpoint and the model before the first sample, so a
    # wrong one stops the command in seconds instead of failing every sample after retries.
    preflight = getattr(model, "preflight", None)
    if preflight is not None:
        try:
            await preflight()
        except ModelError as exc:
            raise RunError(f"pre-flight check failed, nothing was run: {exc}") from exc
    return model.info


async def resume_run(
    run_ref: str,
    *,
    store: Store,
    progress: Progress | None = None,
    actor: str | None = None,
    principal: Principal,
) -> RunSummary:
    """Finish a run that was interrupted, failed or killed, without repeating finished work.

    ``principal`` needs ``run.resume`` on the run's marking (AccessDenied otherwise).
    """
    import clearance.suites  # noqa: F401  (registers the catalogue's tasks by name)

    run = store.runs.resolve(run_ref)
    require(principal, Action.RUN_RESUME, marking_of(run))
    if run.status == "completed" and run.errors == 0:
        return _summary(store, run)
    options = RunOptions.model_validate(run.options)
    # Taken first: a second resume of the same run refuses here, before any model is asked.
    try:
        files = _RunFiles.open(run.id, options.cache)
    except RunBusyError as exc:
        raise RunError(str(exc)) from None
    try:
        return await _resume(run, options, files, store, progress, actor, principal)
    except BaseException:
        files.close(finished=False)
        raise


async def _resume(
    run: RunRecord,
    options: RunOptions,
    files: _RunFiles,
    store: Store,
    progress: Progress | None,
    actor: str | None,
    principal: Principal,
) -> RunSummary:
    task = task_of_run(run, options)
    actor = actor or actor_of(principal)
    model = _model_for(run.provenance["model"]["spec"], options)
    try:
        info = await _model_info(model)
        recorded = ModelInfo.model_validate(run.provenance["model"])
        if info != recorded:
            raise RunError(
                f"run {run.id}: the model is not the one the run started with "
                f"(was {recorded.model_dump()}, now {info.model_dump()}); start a new run instead"
            )
        with store.unit_of_work(actor) as uow:
            store.runs.discard_errored(uow, run.id)
            store.runs.set_status(uow, run.id, "running")
    except BaseException:
        await model.aclose()
        raise
    done = store.runs.done_keys(run.id)
    replay = {k: v for k, v in Journal.load(_journal_path(run.id)).items() if k not in done}
    ex = _Execution(task, model, store, run, options, actor, files, replay=replay)
    epochs = int(run.provenance["epochs"])
    return await _drive(ex, store, done, epochs, progress)


def task_of_run(run: RunRecord, options: RunOptions) -> Task:
    """The run's task loaded again from its reference (to resume it, or on a Ray worker),
    checked to be the definition and data the run started with."""
    import clearance.suites  # noqa: F401  (registers the catalogue's tasks by name)

    task = load_task(
        run.task_ref.get("file") or run.task_ref["name"],
        data=options.data or run.task_ref.get("data"),
        limit=options.limit,
        args=run.task_ref.get("args"),
    )
    if run.task_ref.get("unsafe_local_exec"):
        task = allow_unsafe_local_exec(task)  # the run was started with --unsafe-local-exec
    task = _capped(task, options.max_tokens)
    _check_same(run, "task", "digest", task.digest, "the task definition changed")
    _check_same(run, "dataset", "digest", task.dataset.digest, "the dataset changed")
    return task


def _check_same(run: RunRecord, part: str, key: str, now: str, what: str) -> None:
    was = run.provenance[part][key]
    if was != now:
        raise RunError(
            f"cannot resume run {run.id}: {what} since it started ({key} {was[:12]}… is now "
            f"{now[:12]}…); restore it or start a new run"
        )
