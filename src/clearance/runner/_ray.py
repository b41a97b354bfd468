"""The Ray executor (``--executor ray``): batches of samples are solved and scored by Ray
workers; this process stays the only writer of the run's journal, store and ledger.

Each worker is a Ray actor holding the run's task (loaded again from the run's reference and
checked against the digests it started with), its own model client (a local model loads there,
by path, and must give the weights digest the run recorded) and its own adaptive limit, a share
of ``--max-connections``. Each actor has at most two batches in flight, so the driver holds at
most ``2 x workers`` batches' answers in memory. A batch comes back as rows; the driver appends
their answers to the journal and hands the rows to the same writer the in-process executor
uses. A worker that dies takes its batches' unreturned work with it: the batches are sent again
(Ray restarts the actor) and, since nothing of a batch is kept until it returns, no sample is
lost or stored twice. Ray is imported only here, only when this executor is chosen.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clearance.datasets import Sample
from clearance.errors import ClearanceError
from clearance.models import ModelInfo, ModelOutput
from clearance.runner._journal import JournalKey
from clearance.runner._limit import AdaptiveLimit
from clearance.runner._options import RunOptions
from clearance.runner._solver import SampleSolver, fatal_signature

if TYPE_CHECKING:
    from clearance.runner._engine import _Execution
    from clearance.store import RunRecord

BATCHES_PER_WORKER = 2
"""In-flight batches per worker: one solving while the other's results travel back."""
MAX_REISSUES = 40
"""How often one batch is sent again, after its worker died or while it restarts, before the
run gives up (with the waits below, about five minutes)."""
RESEND_WAIT, RESEND_WAIT_MAX = 0.1, 8.0
"""Seconds before a batch is sent again: doubling from the first, never more than the second."""

Solved = tuple[dict[str, Any], tuple[str | None, str] | None, list[tuple[JournalKey, int, Any]]]
"""One sample from a worker: its row, its error (fatal signature, message) or None, and the
answers the model gave for it (for the journal)."""


class RayExecutorError(ClearanceError, RuntimeError):
    """The Ray executor cannot run: Ray is missing, the cluster cannot be reached, or a worker
    cannot solve the run's samples. The message says which and what to do."""


def import_ray() -> Any:
    """The ``ray`` module, or an error naming the extra that installs it."""
    try:
        import ray
    except ImportError as exc:
        raise RayExecutorError(
            f"--executor ray needs Ray, which is not installed here ({exc}): install the `ray` "
            "extra (pip install 'clearance[ray]', Ray 2.9 or newer) on this machine and on "
            "every node of the cluster, or leave out --executor ray"
        ) from exc
    return ray


def connect(address: str | None) -> Any:
    """Ray, connected to ``address`` (None: a local cluster, unless this process has one)."""
    ray = import_ray()
    if not ray.is_initialized():
        try:
            ray.init(address=address, log_to_driver=False, include_dashboard=False)
        except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError...
            raise RayExecutorError(
                f"cannot connect to the Ray cluster at {address or '(a new local one)'}: {exc}; "
                "check --ray-address (HOST:PORT of `ray start --head`, or auto) and that the "
                "cluster is running"
            ) from exc
    return ray


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker needs to solve the run's samples as the driver would."""

    run: RunRecord
    options: RunOptions
    concurrency: int


class _Answers:
    """A worker's journal: the answers of the batch being solved, returned with its rows."""

    def __init__(self) -> None:
        self.entries: list[tuple[JournalKey, int, ModelOutput]] = []

    def append(self, key: JournalKey, call: int, output: ModelOutput) -> None:
        self.entries.append((key, call, output))


class SolverActor:
    """A Ray worker: the run's task and model, loaded once per (re)start of the actor."""

    def __init__(self, spec: WorkerSpec) -> None:
        self._spec = spec
        self._solver: SampleSolver | None = None
        self._samples: dict[str, Sample] = {}
        self._limit: AdaptiveLimit | None = None

    async def ready(self) -> int:
        """Load the task and the model, checked against the run; this worker's process id."""
        if self._solver is not None:
            return os.getpid()
        from clearance.runner._engine import RunError, _model_for, _model_info, task_of_run

        run, options = self._spec.run, self._spec.options
        task = task_of_run(run, options)
        model = _model_for(run.provenance["model"]["spec"], options)
        info = await _model_info(model)
        recorded = ModelInfo.model_validate(run.provenance["model"])
        if info != recorded:
            await model.aclose()
            raise RunError(
                f"on Ray worker {os.uname().nodename}:{os.getpid()} the model is not the one the "
                f"run started with (was {recorded.model_dump()}, here {info.model_dump()}): give "
                "every node the same model files"
            )
        self._limit = AdaptiveLimit(self._spec.concurrency)
        self._solver = SampleSolver(
            task, model, options, _Answers(), limit=self._limit, cache=None, replay={}
        )
        self._samples = {s.id: s for s in task.dataset.samples}
        return os.getpid()

    async def solve(
        self, batch: list[JournalKey], replay: dict[JournalKey, list[ModelOutput]]
    ) -> list[Solved]:
        """Solve and score the batch's sample-epochs concurrently (bounded by this worker's
        limit); answers in ``replay`` (from the driver's journal) are not asked again."""
        await self.ready()
        solver = self._solver
        assert solver is not None
        solver.replay.update(replay)

        async def one(key: JournalKey) -> Solved:
            log = _Answers()
            own = SampleSolver(
                solver.task,
                solver.model,
                solver.options,
                log,
                limit=solver.limit,
                cache=None,
                replay=solver.replay,
            )
            row, error = await own.solve(self._samples[key[0]], key[1])
            failure = None if error is None else (fatal_signature(error), str(error))
            return row, failure, [(k, i, out.model_dump(mode="json")) for k, i, out in log.entries]

        try:
            return list(await asyncio.gather(*(one(key) for key in batch)))
        finally:
            for key in batch:
                solver.replay.pop(key, None)

    async def close(self) -> None:
        if self._solver is not None:
            await self._solver.model.aclose()


def _batches(items: Iterator[tuple[Sample, int]], size: int) -> Iterator[list[JournalKey]]:
    batch: list[JournalKey] = []
    for sample, epoch in items:
        batch.append((sample.id, epoch))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _worker_count(ray: Any, options: RunOptions) -> int:
    if options.ray_workers is not None:
        return options.ray_workers
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def _lost_worker_errors(ray: Any) -> tuple[type[BaseException], ...]:
    """Ray's exceptions for work lost with its worker (the batch may be sent again)."""
    names = ("RayActorError", "ActorUnavailableError", "WorkerCrashedError", "ObjectLostError")
    return tuple(getattr(ray.exceptions, n) for n in names if hasattr(ray.exceptions, n))


async def solve_on_ray(ex: _Execution, items: Iterator[tuple[Sample, int]]) -> None:
    """Solve every item on Ray workers, keeping each returned sample through ``ex``."""
    options = ex.options
    ray = connect(options.ray_address)
    workers = _worker_count(ray, options)
    concurrency = max(1, math.ceil(options.max_connections / workers))
    remote = ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=0)(SolverActor)
    spec = WorkerSpec(run=ex.run, options=options, concurrency=concurrency)
    actors = [remote.options(scheduling_strategy="SPREAD").remote(spec) for _ in range(workers)]
    lost = _lost_worker_errors(ray)
    try:
        try:
            await asyncio.gather(*(_result(a.ready.remote()) for a in actors))
        except ray.exceptions.RayTaskError as exc:
            raise RayExecutorError(f"a Ray worker could not start the run: {exc.cause}") from exc
        await _dispatch(ex, actors, _batches(items, concurrency), lost, ray)
    finally:
        for actor in actors:
            ray.kill(actor, no_restart=True)


async def _result(ref: Any) -> Any:
    return await asyncio.wrap_future(ref.future())


async def _dispatch(
    ex: _Execution,
    actors: list[Any],
    batches: Iterator[list[JournalKey]],
    lost: tuple[type[BaseException], ...],
    ray: Any,
) -> None:
    again: deque[tuple[list[JournalKey], int]] = deque()
    in_flight: dict[asyncio.Future[Any], tuple[list[JournalKey], int, int]] = {}
    load = [0] * len(actors)
    exhausted = False
    try:
        while True:
            while not ex.stopping.is_set() and min(load) < BATCHES_PER_WORKER:
                if again:
                    batch, tries = again.popleft()
                elif not exhausted and (batch := next(batches, [])):
                    tries = 0
                else:
                    exhausted = True
                    break
                worker = load.index(min(load))
                replay = {k: ex.replay[k] for k in batch if k in ex.replay}
                ref = actors[worker].solve.remote(batch, replay)
                in_flight[asyncio.ensure_future(_result(ref))] = (batch, worker, tries)
                load[worker] += 1
            if not in_flight:
                return
            done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            for future in done:
                batch, worker, tries = in_flight.pop(future)
                load[worker] -= 1
                try:
                    solved: list[Solved] = future.result()
                except lost as exc:
                    if tries >= MAX_REISSUES:
                        raise RayExecutorError(
                            f"a batch of {len(batch)} samples could not be solved: its Ray "
                            f"worker was lost or restarting {tries + 1} times (last: "
                            f"{type(exc).__name__}); the run stops here and `clearance eval "
                            "resume RUN` finishes it"
                        ) from exc
                    # A dead worker's actor restarts (seconds on a loaded machine); calls
                    # meanwhile fail at once, so each resend waits a little longer.
                    await asyncio.sleep(min(RESEND_WAIT_MAX, RESEND_WAIT * 2**tries))
                    again.append((batch, tries + 1))
                    continue
                except ray.exceptions.RayTaskError as exc:
                    raise RayExecutorError(f"a Ray worker failed: {exc.cause}") from exc
                _keep(ex, solved)
    finally:
        for future in in_flight:
            future.cancel()


def _keep(ex: _Execution, solved: list[Solved]) -> None:
    journal = ex.files.journal
    for row, error, answers in solved:
        for key, call, output in answers:
            journal.append(key, call, ModelOutput.model_validate(output))
        ex.keep(row, error)
