"""/api/v1/runs: runs (filtered, paged), their samples (filtered, paged), one transcript, the
raw model response, and the streamed export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from clearance.access import Action, Marking, join_markings, marking_of
from clearance.accountability import readable_run, run_sample, run_samples
from clearance.store import SampleQuery
from clearance.web._marked import listing, one
from clearance.web._paging import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor, page_after
from clearance.web._problems import MARKING_HEADER
from clearance.web._state import CallerDep, StateDep
from clearance.web._views import (
    RunFilter,
    run_full,
    sample_brief,
    sample_full,
)

router = APIRouter(prefix="/runs", tags=["runs"])
jobs_router = APIRouter(prefix="/jobs", tags=["runs"])
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


class RunRequest(BaseModel):
    task: str = Field(description="A registered task name, e.g. starter-cyber")
    model: str = Field(description="PROVIDER/NAME, as `clearance eval run --model`")
    limit: int | None = Field(None, ge=1, description="Only the first N samples")
    marking: str = Field("UNCLASSIFIED", description="The run's marking, e.g. SECRET//BIO")


@router.post("", status_code=202, summary="Start a run: queued, executed in the server")
def start_run(state: StateDep, caller: CallerDep, body: RunRequest) -> JSONResponse:
    job = state.jobs.submit(
        caller.who, body.task, body.model, body.limit, Marking.parse(body.marking)
    )
    return one(job, Marking.parse(job.marking), 202)


@jobs_router.get("", summary="The runs you started here, and where each stands")
def list_jobs(state: StateDep, caller: CallerDep) -> JSONResponse:
    jobs = state.jobs.mine(caller.who)
    marking = join_markings([Marking.parse(job.marking) for job in jobs])
    return listing(jobs, marking)


@jobs_router.get("/{job_id}", summary="Poll a started run: state, progress, run id")
def get_job(state: StateDep, caller: CallerDep, job_id: str) -> JSONResponse:
    job = state.jobs.get(caller.who, job_id)
    return one(job, Marking.parse(job.marking))


@jobs_router.delete("/{job_id}", summary="Cancel a queued or running run (it stays resumable)")
def cancel_job(state: StateDep, caller: CallerDep, job_id: str) -> JSONResponse:
    job = state.jobs.cancel(caller.who, job_id)
    return one(job, Marking.parse(job.marking))


@router.get("", summary="Runs you may read, newest first")
def list_runs(
    state: StateDep,
    caller: CallerDep,
    model: str | None = None,
    task: str | None = None,
    domain: str | None = None,
    status: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> JSONResponse:
    after = decode_cursor("runs", cursor)
    wanted = RunFilter(model=model, task=task, domain=domain, status=status)
    runs = state.runs(caller.who.principal)
    shown, next_key = page_after(runs.kept(wanted), lambda r: str(r["id"]), after, limit)
    visible = runs.visible
    return listing(
        shown,
        visible.banner,
        withheld=visible.withheld,
        notice=visible.withheld_notice,
        next_cursor=encode_cursor("runs", next_key) if next_key else None,
    )


@router.get("/{run_id}", summary="One run: metrics with intervals, counts, provenance")
def get_run(state: StateDep, caller: CallerDep, run_id: str) -> JSONResponse:
    run = readable_run(state.store, caller.who.principal, run_id)
    # The run counts its errors: only a run that has some is scanned for their kinds.
    errors = state.store.runs.error_summary(run.id) if run.errors else []
    return one(run_full(run) | {"error_types": dict(errors)}, marking_of(run))


@router.get("/{run_id}/samples", summary="A page of a run's samples, filtered")
def list_samples(
    state: StateDep,
    caller: CallerDep,
    run_id: str,
    errors: Annotated[bool | None, Query(description="true: errored only; false: scored")] = None,
    scorer: str | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
    q: Annotated[str | None, Query(max_length=200, description="text in id or output")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> JSONResponse:
    after = decode_cursor("samples", cursor)
    query = SampleQuery(
        limit=limit,
        after=int(after) if after is not None else None,
        errors=errors,
        scorer=scorer,
        min_score=min_score,
        max_score=max_score,
        search=q or None,
    )
    page = run_samples(state.store, caller.who.principal, run_id, query)
    next_cursor = encode_cursor("samples", page.next_after) if page.next_after else None
    return listing(
        [sample_brief(s) for s in page.samples], marking_of(page.run), next_cursor=next_cursor
    )


@router.get("/{run_id}/samples/{sample_id}", summary="One sample's full transcript and scores")
def get_sample(
    state: StateDep, caller: CallerDep, run_id: str, sample_id: str, epoch: int = 1
) -> JSONResponse:
    run, sample = run_sample(state.store, caller.who.principal, run_id, sample_id, epoch)
    return one(sample_full(sample), marking_of(run))


@router.get("/{run_id}/samples/{sample_id}/raw", summary="The raw model responses of a sample")
def get_raw(
    state: StateDep, caller: CallerDep, run_id: str, sample_id: str, epoch: int = 1
) -> JSONResponse:
    run, sample = run_sample(state.store, caller.who.principal, run_id, sample_id, epoch)
    return one({"sample_id": sample.sample_id, "epoch": epoch, "raw": sample.raw}, marking_of(run))


@router.get(
    "/{run_id}/export",
    summary="Every sample-epoch as JSON lines, streamed (memory stays flat on any run size)",
    response_class=StreamingResponse,
)
def export_run(state: StateDep, caller: CallerDep, run_id: str) -> StreamingResponse:
    run = readable_run(state.store, caller.who.principal, run_id, Action.RUN_EXPORT)
    marking = marking_of(run).banner()

    def lines() -> Iterator[bytes]:
        # The first line carries the marking, so a saved file says how it must be handled.
        yield (json.dumps({"marking": marking, "run": run.id}) + "\n").encode()
        for sample in state.store.runs.samples(run.id):
            row: dict[str, Any] = sample.model_dump(mode="json")
            yield (json.dumps(row) + "\n").encode()

    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson",
        headers={
            MARKING_HEADER: marking,
            "Content-Disposition": f'attachment; filename="run-{run.id}.jsonl"',
        },
    )
