"""The baseline a monitor compares with: what the use case's approval relied on.

An approval pins its evidence by digest; a run pinned there is the baseline for its task. A task
the approval pinned no run of is compared with the newest completed run of it on the monitored
model made before the approval (the evidence the approver could see), and that is said."""

from __future__ import annotations

from dataclasses import dataclass

from clearance.store import DecisionRecord, RunNotFoundError, RunRecord, Store, UseCaseRecord


@dataclass(frozen=True)
class Baseline:
    """A task's baseline run and where it came from."""

    run: RunRecord
    source: str
    """"pinned by approval dc-…" or "newest run before approval dc-…"."""


def approval_in_force(store: Store, use_case: UseCaseRecord) -> DecisionRecord | None:
    """The use case's latest decision when it is an approval (None when it was never approved,
    or was denied or suspended since)."""
    decided = [d for d in store.governance.decisions(use_case.id) if d.kind != "request"]
    return decided[0] if decided and decided[0].kind == "approve" else None


def _pinned_runs(store: Store, approval: DecisionRecord) -> dict[str, RunRecord]:
    runs: dict[str, RunRecord] = {}
    for item in approval.pinned.get("evidence", []):
        if item.get("kind") != "run":
            continue
        try:
            run = store.runs.resolve(str(item["ref"]))
        except RunNotFoundError:
            continue
        runs.setdefault(run.task_name, run)
    return runs


def baseline_for(
    store: Store, approval: DecisionRecord, task_name: str, model_spec: str
) -> Baseline | None:
    """The baseline run of ``task_name`` for a monitor of ``model_spec`` under ``approval``."""
    pinned = _pinned_runs(store, approval).get(task_name)
    if pinned is not None:
        return Baseline(pinned, f"pinned by approval {approval.id}")
    before = store.governance.newest_completed_run(
        task_name, model_spec, matching=lambda run: run.created_at <= approval.created_at
    )
    if before is None:
        return None
    return Baseline(before, f"newest run before approval {approval.id}")
