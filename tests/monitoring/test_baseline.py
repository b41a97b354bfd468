"""The baseline a look is compared with: the run an approval pinned, before any newer run;
otherwise the newest run made before the approval; and a two-sample test where the look's items
are not the baseline's."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from monitoring_support import write_script

from clearance.access import LOCAL_ADMIN
from clearance.assess import load_policy
from clearance.monitoring._baseline import baseline_for
from clearance.monitoring._compare import compare
from clearance.runner import RunOptions, run_task
from clearance.stats import SpendingPlan
from clearance.store import DecisionRecord, RunRecord, Store
from clearance.tasks import load_task


def _run(store: Store, spec: str, limit: int | None) -> RunRecord:
    summary = asyncio.run(
        run_task(
            load_task("starter-safety", limit=limit),
            spec,
            store=store,
            options=RunOptions(limit=limit),
            principal=LOCAL_ADMIN,
        )
    )
    return store.runs.resolve(summary.id)


def _approval(at: datetime, pinned_run: str | None) -> DecisionRecord:
    evidence = [{"kind": "run", "ref": pinned_run}] if pinned_run else []
    return DecisionRecord(
        id="dc-test", created_at=at, created_by="caio", marking_level="UNCLASSIFIED",
        marking_compartments=[], use_case_id="uc-test", kind="approve", rationale="ok",
        pinned={"evidence": evidence}, pins_digest=None, review_due=None,
    )  # fmt: skip


def test_the_pinned_run_is_the_baseline_and_different_items_get_a_two_sample_test(
    sqlite_store: Store, tmp_path: Path
) -> None:
    script = tmp_path / "m.jsonl"
    write_script(script, complied=0)
    spec = f"scripted/{script}"
    pinned = _run(sqlite_store, spec, limit=12)
    newer = _run(sqlite_store, spec, limit=None)
    after_both = datetime.now(UTC)
    found = baseline_for(sqlite_store, _approval(after_both, pinned.id), newer.task_name, spec)
    assert found is not None
    assert (found.run.id, found.source) == (pinned.id, "pinned by approval dc-test")
    unpinned = baseline_for(sqlite_store, _approval(after_both, None), newer.task_name, spec)
    assert unpinned is not None
    assert (unpinned.run.id, unpinned.source) == (newer.id, "newest run before approval dc-test")
    before_any = datetime(2020, 1, 1, tzinfo=UTC)
    assert baseline_for(sqlite_store, _approval(before_any, None), newer.task_name, spec) is None
    # The look covers 24 items, the pinned baseline 12: not the same items, so Fisher's test.
    write_script(script, complied=18)
    look = _run(sqlite_store, spec, limit=None)
    result = compare(
        sqlite_store, load_policy(), SpendingPlan(), 1, "safety", look, found.run, found.source
    )
    assert result.look is not None
    assert result.look.method == "fisher-exact-one-sided"
    assert (result.look.baseline_n, result.look.current_n) == (12, 24)
    assert result.look.worse == "lower"  # the policy's safety line is "below": a fall is worse
    assert result.regression
