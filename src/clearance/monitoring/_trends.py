"""Monitoring read back for reports: each domain's rate look by look, and the incidents
monitoring raised."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from pydantic import BaseModel

from clearance.monitoring._compare import DomainComparison
from clearance.store import MonitoringRunRecord, Store


class TrendPoint(BaseModel):
    """One domain at one look of one monitor."""

    monitor_id: str
    model_spec: str
    domain: str
    task_name: str
    look: int
    at: datetime
    current_rate: float | None
    baseline_rate: float | None
    alarm: bool


def trend_points(store: Store, runs: Iterable[MonitoringRunRecord]) -> list[TrendPoint]:
    """Every domain comparison of ``runs`` as a point, oldest first."""
    specs = {m.id: m.model_spec for m in store.monitoring.monitors()}
    points = []
    for run in runs:
        for raw in run.comparisons:
            comparison = DomainComparison.model_validate(raw)
            look = comparison.look
            points.append(
                TrendPoint(
                    monitor_id=run.monitor_id,
                    model_spec=specs.get(run.monitor_id, "?"),
                    domain=comparison.domain,
                    task_name=comparison.task_name,
                    look=run.look,
                    at=run.created_at,
                    current_rate=comparison.current_rate,
                    baseline_rate=look.baseline_rate if look else None,
                    alarm=comparison.alarm,
                )
            )
    return sorted(points, key=lambda p: (p.at, p.monitor_id, p.domain))


def monitoring_runs_of(
    store: Store,
    *,
    model_spec: str | None = None,
    within: Callable[[datetime], bool] | None = None,
) -> list[MonitoringRunRecord]:
    """Monitoring runs (of monitors of ``model_spec``; made ``within`` a period), oldest first.
    Callers filter them by what their reader may see."""
    watched = {m.id for m in store.monitoring.monitors() if model_spec in (None, m.model_spec)}
    return [
        run
        for run in store.monitoring.monitoring_runs()
        if run.monitor_id in watched and (within is None or within(run.created_at))
    ]
