"""A run's samples as a principal may read them: a page at a time, or one transcript."""

from __future__ import annotations

from dataclasses import dataclass

from clearance.access import Action, Principal
from clearance.accountability._run_access import readable_run
from clearance.store import RunRecord, SampleQuery, SampleRecord, Store


@dataclass(frozen=True)
class SamplePage:
    """One page of a run's samples and the position to continue after (None on the last)."""

    run: RunRecord
    samples: tuple[SampleRecord, ...]
    next_after: int | None


def run_samples(store: Store, principal: Principal, run_ref: str, query: SampleQuery) -> SamplePage:
    """A page of the samples of run ``run_ref`` matching ``query`` (``run.read`` on the run)."""
    run = readable_run(store, principal, run_ref)
    # One more than asked tells whether another page follows without counting 100,000 rows.
    wider = SampleQuery(**{**query.__dict__, "limit": query.limit + 1})
    rows = store.runs.sample_page(run.id, wider)
    shown = rows[: query.limit]
    next_after = shown[-1][0] if len(rows) > query.limit else None
    return SamplePage(run=run, samples=tuple(s for _, s in shown), next_after=next_after)


def run_sample(
    store: Store, principal: Principal, run_ref: str, sample_id: str, epoch: int = 1
) -> tuple[RunRecord, SampleRecord]:
    """One sample-epoch of run ``run_ref`` with its full transcript (``run.read`` on the run)."""
    run = readable_run(store, principal, run_ref, Action.RUN_READ)
    return run, store.runs.sample(run.id, sample_id, epoch)
