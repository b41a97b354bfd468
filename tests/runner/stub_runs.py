"""Runs of a task file against the loopback stub model server, for the engine's tests on each
executor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clearance.access import LOCAL_ADMIN
from clearance.runner import RunOptions, RunSummary, run_task
from clearance.store import Store
from clearance.tasks import load_task

FAST: dict[str, Any] = {"retry_base": 0.01, "retry_max": 0.05, "timeout": 5.0}
"""Retries and timeouts short enough for tests."""


async def run_on_stub(task_file: Path, base_url: str, **opts: Any) -> tuple[RunSummary, Store]:
    """Run ``task_file`` on the stub at ``base_url`` in the default store; ``opts`` override
    :data:`FAST` and the other run options."""
    store = Store.open()
    options = RunOptions(base_url=base_url, **{**FAST, **opts})
    summary = await run_task(
        load_task(str(task_file)),
        "openai/stub",
        store=store,
        options=options,
        principal=LOCAL_ADMIN,
    )
    return summary, store


def stored_ids(store: Store, run_id: str) -> list[tuple[str, int]]:
    """(sample id, epoch) of each sample stored for ``run_id``."""
    return [(s.sample_id, s.epoch) for s in store.runs.samples(run_id)]
