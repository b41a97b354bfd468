"""Monitoring runs: each look re-runs the monitor's tests on the deployed model with the existing
runner, compares every domain with the approved baseline, and raises an alarm on a significant
regression or a new ``exceeds``.

``run_due`` is safe to call from cron: a monitor is claimed (its next due time moved on) in a
unit of work before it runs, so two callers at once run it once, and a call with nothing due does
nothing."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from clearance.access import Action, Principal, actor_of, marking_fields, marking_of, require
from clearance.assess import LoadedPolicy, domain_of, load_policy
from clearance.errors import ClearanceError
from clearance.monitoring._alarms import WEBHOOK_TIMEOUT, raise_alarm
from clearance.monitoring._baseline import approval_in_force, baseline_for
from clearance.monitoring._compare import DomainComparison, compare
from clearance.monitoring._errors import MonitoringError
from clearance.monitoring._monitors import moment, monitor_for
from clearance.stats import SpendingPlan
from clearance.store import AlertRecord, MonitoringRunRecord, MonitorRecord, Store


class MonitoringOutcome(BaseModel):
    """What one look found, and the alert it raised if any."""

    monitoring_run: MonitoringRunRecord
    comparisons: list[DomainComparison]
    alert: AlertRecord | None


def _tasks(monitor: MonitorRecord) -> list[Any]:
    from clearance.tasks import load_task

    names: list[str]
    if monitor.suite is not None:
        from clearance.suites import suite_plan

        names = [b.name for b in suite_plan(monitor.suite)]
    else:
        names = [str(monitor.task)]
    try:
        return [load_task(name, limit=monitor.samples) for name in names]
    except (ValueError, LookupError, OSError) as exc:
        raise MonitoringError(f"monitor {monitor.id}: a task cannot be loaded: {exc}") from None


def _claim(
    store: Store, monitor: MonitorRecord, now: datetime, due_only: bool
) -> MonitorRecord | None:
    """Move the monitor's next due time on, inside one unit of work that holds the write lock,
    and return it as claimed (None when ``due_only`` and it is not due, or someone else just
    claimed it): the look it takes is numbered from what the claim read."""
    with store.unit_of_work("monitoring") as uow:
        current = store.monitoring.claim_due(uow, monitor.id, now if due_only else None)
        if current is None:
            return None
        return store.monitors.change(
            uow,
            monitor.id,
            action="monitor.claim",
            changes={"next_due": now + timedelta(seconds=monitor.every_seconds)},
        )


def run_monitor(
    store: Store,
    ref: str,
    *,
    principal: Principal,
    policy: LoadedPolicy | None = None,
    webhook_timeout: float = WEBHOOK_TIMEOUT,
    now: datetime | None = None,
    due_only: bool = False,
) -> MonitoringOutcome | None:
    """Take one look with monitor ``ref`` (None when ``due_only`` and it is not due)."""
    monitor = monitor_for(store, ref, principal, Action.USECASE_READ)
    marking = marking_of(monitor)
    require(principal, Action.RUN_CREATE, marking)
    require(principal, Action.INCIDENT_CREATE, marking)
    use_case = store.governance.use_case(monitor.use_case_id)
    approval = approval_in_force(store, use_case)
    if approval is None:
        raise MonitoringError(
            f"use case {use_case.id} has no approval in force, so there is no approved baseline "
            "to watch against; approve it (`clearance decision approve`) first"
        )
    at = moment(now)
    loaded = policy or load_policy()
    tasks = _tasks(monitor)
    claimed = _claim(store, monitor, at, due_only)
    if claimed is None:
        return None
    from clearance.runner import RunOptions, run_task

    # Each task of a suite is its own test at every look: the budget is split between them
    # (Bonferroni), so the chance of any false alarm over every task and every look together
    # stays within the monitor's alpha.
    plan = SpendingPlan(alpha=monitor.alpha / len(tasks))
    look = claimed.looks + 1
    comparisons: list[DomainComparison] = []
    run_ids: list[str] = []
    for task in tasks:
        summary = asyncio.run(
            run_task(
                task,
                monitor.model_spec,
                store=store,
                options=RunOptions(limit=monitor.samples),
                principal=principal,
                marking=marking,
            )
        )
        run_ids.append(summary.id)
        current = store.runs.resolve(summary.id)
        domain = domain_of(current) or "unassigned"
        baseline = baseline_for(store, approval, current.task_name, monitor.model_spec)
        comparisons.append(
            compare(
                store,
                loaded,
                plan,
                look,
                domain,
                current,
                baseline.run if baseline else None,
                baseline.source if baseline else "none",
            )
        )
    alarmed = [c for c in comparisons if c.alarm]
    with store.unit_of_work(actor_of(principal)) as uow:
        record: MonitoringRunRecord = store.monitoring_runs.add(
            uow,
            action="monitoring.run",
            now=at,
            fields={
                "monitor_id": monitor.id,
                "use_case_id": use_case.id,
                "look": look,
                "approval_id": approval.id,
                "run_ids": run_ids,
                "comparisons": [c.model_dump(mode="json") for c in comparisons],
                "alarm": bool(alarmed),
                "incident_id": None,
                **marking_fields(marking),
            },
        )
        store.monitors.change(uow, monitor.id, action="monitor.look", changes={"looks": look})
    alert = None
    if alarmed:
        domains = ", ".join(sorted({c.domain for c in alarmed}))
        alert = raise_alarm(
            store,
            use_case=use_case,
            monitor_id=monitor.id,
            source_id=record.id,
            summary=f"monitor {monitor.id}: {monitor.model_spec} regressed in {domains}",
            reasons=[c.sentence for c in alarmed],
            outbox=monitor.outbox,
            webhook_url=monitor.webhook_url,
            webhook_timeout=webhook_timeout,
            principal=principal,
            now=at,
        )
        with store.unit_of_work(actor_of(principal)) as uow:
            record = store.monitoring_runs.change(
                uow,
                record.id,
                action="monitoring.alarm",
                changes={"incident_id": alert.incident_id},
            )
    return MonitoringOutcome(monitoring_run=record, comparisons=comparisons, alert=alert)


class DueResult(BaseModel):
    """What a scheduled call did: the looks taken, and each due monitor that could not look."""

    outcomes: list[MonitoringOutcome]
    problems: list[str]


def run_due(
    store: Store,
    *,
    principal: Principal,
    policy: LoadedPolicy | None = None,
    webhook_timeout: float = WEBHOOK_TIMEOUT,
    now: datetime | None = None,
) -> DueResult:
    """One look with every active monitor that is due at ``now``. A monitor that cannot look
    (no approval in force, a model that will not start, no permission) is reported and the
    others still run: one broken monitor must not silence the rest from cron."""
    at = moment(now)
    result = DueResult(outcomes=[], problems=[])
    for monitor in store.monitoring.monitors():
        if monitor.status != "active" or monitor.next_due > at:
            continue
        try:
            outcome = run_monitor(
                store,
                monitor.id,
                principal=principal,
                policy=policy,
                webhook_timeout=webhook_timeout,
                now=at,
                due_only=True,
            )
        except ClearanceError as exc:
            result.problems.append(f"monitor {monitor.id}: {exc}")
            continue
        if outcome is not None:
            result.outcomes.append(outcome)
    return result
