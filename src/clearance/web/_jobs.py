"""Runs started from the web: queued, then executed one at a time by a worker thread of the
server process with its own event loop (so a run never blocks the pages), polled for progress,
and cancellable. A cancelled run stops like an interrupted one: what it stored stays, and
`clearance eval resume RUN` finishes it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel

from clearance.access import Action, Marking, require
from clearance.accountability import Acting
from clearance.errors import ClearanceError
from clearance.runner import Interrupted, run_task
from clearance.store import Store
from clearance.tasks import load_task

JobState = Literal["queued", "running", "completed", "failed", "cancelled"]


class TaskNotAllowedError(ClearanceError, ValueError):
    """A task the API may not start (a path rather than a registered name)."""


class JobNotFoundError(ClearanceError, LookupError):
    """No run job with this id that the caller started."""


class RunJob(BaseModel):
    """A run asked for through the API, and where it stands."""

    id: str
    task: str
    model: str
    limit: int | None
    marking: str
    requested_by: str
    state: JobState = "queued"
    run_id: str | None = None
    total: int | None = None
    done: int = 0
    errors: int = 0
    error: str | None = None
    created_at: datetime
    finished_at: datetime | None = None


@dataclass
class _JobProgress:
    job: RunJob

    def start(self, total: int, done: int) -> None:
        self.job.total, self.job.done = total, done

    def update(self, done: int, errors: int) -> None:
        self.job.done, self.job.errors = done, errors

    def waiting(self, seconds: float) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass
class RunJobs:
    """The server's queue of runs and the one worker thread that executes them."""

    store: Store
    _jobs: dict[str, tuple[RunJob, concurrent.futures.Future[None]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _one_at_a_time: asyncio.Semaphore | None = None

    def submit(
        self, who: Acting, task: str, model: str, limit: int | None, marking: Marking
    ) -> RunJob:
        """Queue a run of the registered task ``task`` on ``model`` as ``who``."""
        require(who.principal, Action.RUN_CREATE, marking)
        if task.endswith((".yaml", ".yml")) or "/" in task or "\\" in task:
            # A path would let an API caller make the server read its own files as a task.
            raise TaskNotAllowedError(
                f"task {task!r} is not a registered task name; the API starts catalogue tasks "
                "by name (e.g. starter-cyber); run a task file with `clearance eval run`"
            )
        job = RunJob(
            id="job-" + secrets.token_hex(8),
            task=task,
            model=model,
            limit=limit,
            marking=marking.banner(),
            requested_by=who.principal.id,
            created_at=datetime.now(UTC),
        )
        loop = self._started()
        future = asyncio.run_coroutine_threadsafe(self._execute(job, who, marking), loop)
        with self._lock:
            self._jobs[job.id] = (job, future)
        return job

    def get(self, who: Acting, job_id: str) -> RunJob:
        """A job ``who`` started (another's answers as a missing one)."""
        with self._lock:
            found = self._jobs.get(job_id)
        if found is None or found[0].requested_by != who.principal.id:
            raise JobNotFoundError(f"no run job {job_id!r} of yours; GET /api/v1/jobs lists them")
        return found[0]

    def mine(self, who: Acting) -> list[RunJob]:
        with self._lock:
            jobs = [job for job, _ in self._jobs.values()]
        return [job for job in jobs if job.requested_by == who.principal.id]

    def cancel(self, who: Acting, job_id: str) -> RunJob:
        """Cancel a queued or running job (a finished one is left as it is)."""
        job = self.get(who, job_id)
        with self._lock:
            future = self._jobs[job_id][1]
        if job.state in ("queued", "running"):
            future.cancel()
        return job

    def close(self) -> None:
        """Cancel what is left and stop the worker (the server is shutting down)."""
        with self._lock:
            futures = [future for _, future in self._jobs.values()]
        for future in futures:
            future.cancel()
        if self._loop is not None and self._thread is not None:
            # The cancelled runs finish cancelling on the worker's loop before it stops: each
            # stores its samples, says it was interrupted and lets go of its lease, instead of
            # being destroyed mid-step with its tasks pending.
            settled = asyncio.run_coroutine_threadsafe(_cancel_everything(), self._loop)
            with contextlib.suppress(
                concurrent.futures.TimeoutError, concurrent.futures.CancelledError
            ):
                settled.result(timeout=_SETTLE_SECONDS + 5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)

    def _recent_runs(self) -> set[str]:
        return {run.id for run in self.store.runs.newest(limit=20)}

    def _run_of(self, job: RunJob, who: Acting, before: set[str]) -> str | None:
        """The run a cancelled job had created, if it got that far: one of ``who``'s runs of the
        job's task that was not there when the job began (ids, not clocks: a stored time may be
        coarser than the job's)."""
        for run in self.store.runs.newest(limit=20):
            if run.id not in before and run.created_by == who.actor and run.task_name == job.task:
                return run.id
        return None

    def _started(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                self._one_at_a_time = asyncio.Semaphore(1)
                self._thread = threading.Thread(
                    target=loop.run_forever, name="clearance-run-worker", daemon=True
                )
                self._thread.start()
                self._loop = loop
            return self._loop

    async def _execute(self, job: RunJob, who: Acting, marking: Marking) -> None:
        assert self._one_at_a_time is not None
        before: set[str] = set()
        try:
            async with self._one_at_a_time:
                job.state = "running"
                before = await asyncio.to_thread(self._recent_runs)
                import clearance.suites  # noqa: F401  (registers the catalogue's tasks by name)

                task = load_task(job.task, limit=job.limit)
                summary = await run_task(
                    task,
                    job.model,
                    store=self.store,
                    progress=_JobProgress(job),
                    actor=who.actor,
                    principal=who.principal,
                    marking=marking,
                )
                job.run_id = summary.id
                job.state = "completed" if summary.status == "completed" else "failed"
                job.error = summary.stop_reason
        except asyncio.CancelledError:
            # The run first: a reader polling from another thread takes "cancelled" as final.
            job.run_id = self._run_of(job, who, before)
            job.state = "cancelled"
            raise
        except Interrupted as stopped:
            job.run_id, job.state = stopped.summary.id, "cancelled"
        except Exception as failed:  # the job reports it; the worker goes on with the next
            job.state, job.error = "failed", str(failed)
        finally:
            job.finished_at = datetime.now(UTC)


_SETTLE_SECONDS = 15.0


async def _cancel_everything() -> None:
    """Cancel every task on this loop but this one, and wait (a bounded time) for them to end."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=_SETTLE_SECONDS)
