"""Monitors: a deployed model watched on a schedule, against what its use case's approval
relied on."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from clearance.access import (
    Action,
    Filtered,
    Principal,
    actor_of,
    can,
    marking_fields,
    marking_of,
    readable,
    require,
    require_permission,
)
from clearance.monitoring._errors import MonitoringError
from clearance.settings import clearance_home
from clearance.store import AlertRecord, MonitoringRunRecord, MonitorRecord, Store

_EVERY = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1),
          "w": timedelta(weeks=1)}  # fmt: skip
MIN_INTERVAL = timedelta(minutes=5)
"""Shorter than this and a cron job calling ``monitor run --due`` would run back to back."""


def parse_every(text: str) -> timedelta:
    """``7d``, ``12h``, ``30m`` or ``2w`` as a time span."""
    match = _EVERY.match(text)
    if match is None:
        raise MonitoringError(
            f"--every {text!r} is not a span; write a number and a unit: 30m, 12h, 7d or 2w"
        )
    span = int(match.group(1)) * _UNITS[match.group(2)]
    if span < MIN_INTERVAL:
        raise MonitoringError(f"--every {text!r} is shorter than the 5-minute minimum")
    return span


def moment(now: datetime | None) -> datetime:
    """``now`` as an aware UTC time (the current time when None)."""
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise MonitoringError(f"time {now.isoformat()} has no time zone; monitoring times are UTC")
    return now.astimezone(UTC)


def _check_plan(suite: str | None, task: str | None) -> None:
    if (suite is None) == (task is None):
        raise MonitoringError(
            "a monitor re-runs either a suite (--suite NAME) or a task (--task T)"
        )
    if suite is not None:
        from clearance.suites import SUITES

        if suite not in SUITES:
            raise MonitoringError(f"no suite {suite!r}; the suites are {', '.join(SUITES)}")
    if task is not None:
        from clearance.tasks import load_task

        try:
            load_task(task, limit=1)
        except (ValueError, LookupError, OSError) as exc:
            raise MonitoringError(f"--task {task!r} cannot be loaded: {exc}") from None


def _check_webhook(url: str | None) -> None:
    if url is not None and not re.match(r"^https?://[^\s/]+", url):
        raise MonitoringError(f"--webhook {url!r} is not an http:// or https:// URL")


def add_monitor(
    store: Store,
    use_case_ref: str,
    *,
    model_spec: str,
    suite: str | None = None,
    task: str | None = None,
    every: str = "7d",
    samples: int | None = None,
    alpha: float = 0.05,
    outbox: str | Path | None = None,
    webhook_url: str | None = None,
    principal: Principal,
    now: datetime | None = None,
) -> MonitorRecord:
    """Watch ``model_spec`` as deployed for a use case: re-run ``suite`` or ``task`` every
    ``every`` (due at once), holding each look to a false-alarm rate of ``alpha`` overall."""
    require_permission(principal, Action.USECASE_EDIT)
    use_case = store.governance.use_case(use_case_ref, visible_to(principal, Action.USECASE_EDIT))
    marking = marking_of(use_case)
    require(principal, Action.RUN_CREATE, marking)
    span = parse_every(every)
    if samples is not None and samples < 1:
        raise MonitoringError(f"--samples {samples} must be at least 1")
    if not 0.0 < alpha < 0.5:
        raise MonitoringError(f"--alpha {alpha} must lie between 0 and 0.5, such as 0.05")
    _check_plan(suite, task)
    _check_webhook(webhook_url)
    if task is not None and task.endswith((".yaml", ".yml")):
        # A task file is named by where it is now: cron runs the monitor from anywhere.
        task = str(Path(task).expanduser().resolve())
    at = moment(now)
    box = Path(outbox).expanduser().resolve() if outbox else clearance_home() / "outbox"
    with store.unit_of_work(actor_of(principal)) as uow:
        record: MonitorRecord = store.monitors.add(
            uow,
            action="monitor.add",
            now=at,
            fields={
                "use_case_id": use_case.id,
                "model_spec": model_spec,
                "suite": suite,
                "task": task,
                "every_seconds": int(span.total_seconds()),
                "samples": samples,
                "alpha": alpha,
                "outbox": str(box),
                "webhook_url": webhook_url,
                "status": "active",
                "next_due": at,
                "looks": 0,
                **marking_fields(marking),
            },
        )
    return record


def list_monitors(
    store: Store, *, use_case_ref: str | None = None, principal: Principal
) -> Filtered[MonitorRecord]:
    """Monitors the principal may read (of one use case, when given), oldest first."""
    require_permission(principal, Action.USECASE_READ)
    use_case_id = None
    if use_case_ref:
        shown = visible_to(principal, Action.USECASE_READ)
        use_case_id = store.governance.use_case(use_case_ref, shown).id
    return readable(
        principal, store.monitoring.monitors(use_case_id), marking_of, action=Action.USECASE_READ
    )


class MonitorView(BaseModel):
    """A monitor with its looks and the alerts it raised."""

    monitor: MonitorRecord
    runs: list[MonitoringRunRecord]
    alerts: list[AlertRecord]


def show_monitor(store: Store, ref: str, *, principal: Principal) -> MonitorView:
    """One monitor, its looks (oldest first) and its alerts (newest first)."""
    monitor = monitor_for(store, ref, principal, Action.USECASE_READ)
    alerts = [a for a in store.monitoring.alerts(monitor.use_case_id) if a.monitor_id == monitor.id]
    return MonitorView(
        monitor=monitor,
        runs=store.monitoring.monitoring_runs(monitor_id=monitor.id),
        alerts=[a for a in alerts if can(principal, Action.INCIDENT_READ, marking_of(a))],
    )


def monitor_for(store: Store, ref: str, principal: Principal, action: Action) -> MonitorRecord:
    """The monitor ``ref`` names among those ``principal`` may take ``action`` on; one above the
    principal's clearance is answered as a missing one."""
    require_permission(principal, action)
    return store.monitoring.monitor(ref, visible_to(principal, action))


def visible_to(principal: Principal, action: Action) -> Callable[[Any], bool]:
    """Whether ``principal`` may take ``action`` on a stored (marked) row."""
    return lambda row: bool(can(principal, action, marking_of(row)))
