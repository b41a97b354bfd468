"""The post-deployment monitoring section of the model and annual reports: each domain's trend
over monitoring looks (a chart and its figures in words) and the incidents monitoring raised."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from clearance.access import Action, marking_of
from clearance.monitoring import TrendPoint, monitoring_runs_of, trend_points
from clearance.reports._charts import TrendSeries, trend_chart
from clearance.reports._document import Block, Figure, Notice, Paragraph, Section, Table
from clearance.reports._reading import Reading
from clearance.reports._sections import figure_text
from clearance.vocabulary import plural


def _series(points: list[TrendPoint], several_monitors: bool) -> list[TrendSeries]:
    grouped: dict[tuple[str, str, str], list[TrendPoint]] = defaultdict(list)
    for point in points:
        if point.current_rate is not None:
            grouped[(point.monitor_id, point.domain, point.task_name)].append(point)
    series = []
    for (monitor_id, domain, task), mine in sorted(grouped.items()):
        label = f"{domain} · {task}" + (f" ({monitor_id})" if several_monitors else "")
        baselines = [p.baseline_rate for p in mine if p.baseline_rate is not None]
        series.append(
            TrendSeries(
                label=label,
                times=tuple(p.at for p in mine),
                rates=tuple(float(p.current_rate or 0.0) for p in mine),
                alarms=tuple(p.alarm for p in mine),
                baseline=baselines[-1] if baselines else None,
            )
        )
    return series


def _described(series: list[TrendSeries]) -> str:
    return "; ".join(
        f"{s.label}: "
        + ", ".join(
            f"{when:%Y-%m-%d} {figure_text(rate)}{' (alarm)' if alarm else ''}"
            for when, rate, alarm in zip(s.times, s.rates, s.alarms, strict=True)
        )
        + (f", baseline {figure_text(s.baseline)}" if s.baseline is not None else "")
        for s in series
    )


def _incidents_table(reading: Reading, incident_ids: list[str]) -> Table:
    store = reading.store
    found = []
    for incident_id in incident_ids:
        try:
            found.append(store.governance.incident(incident_id))
        except LookupError:
            continue
    # Monitoring records are not among the types a report's withheld list counts; this section
    # says what it withheld itself.
    shown = reading.keep("incident", found, marking_of, Action.INCIDENT_READ, count_withheld=False)
    return Table(
        caption="Incidents raised by monitoring",
        columns=["incident", "raised", "use case", "status", "summary"],
        rows=[
            [i.id, f"{i.created_at:%Y-%m-%d}", i.use_case_id or "-", i.status, i.summary]
            for i in shown
        ],
        empty="none raised",
    )


def monitoring_section(
    reading: Reading,
    *,
    model_spec: str | None = None,
    within: Callable[[datetime], bool] | None = None,
    prefix: str = "monitoring",
) -> Section:
    """Post-deployment monitoring (of one model, when given; in the reporting period)."""
    store = reading.store
    every = monitoring_runs_of(store, model_spec=model_spec, within=within)
    runs = reading.keep(
        "monitoring_run", every, marking_of, Action.USECASE_READ, count_withheld=False
    )
    blocks: list[Block] = []
    if len(runs) < len(every):
        hidden = len(every) - len(runs)
        blocks.append(
            Notice(text=f"{plural(hidden, 'monitoring look')} above your clearance withheld.")
        )
    if not runs:
        blocks.append(
            Notice(
                text="No monitor re-tested this deployment in the period: nothing shows whether "
                "its behaviour changed after approval."
                if model_spec
                else "No deployed model was re-tested by a monitor in the period."
            )
        )
        return Section(id="monitoring", title="Post-deployment monitoring", blocks=blocks)
    points = trend_points(store, runs)
    series = _series(points, len({p.monitor_id for p in points}) > 1)
    alarms = [r for r in runs if r.alarm]
    blocks.append(
        Paragraph(
            text=f"{plural(len(runs), 'monitoring look')} compared each domain with the use "
            "case's approved baseline by a sequential test that holds the false-alarm rate at "
            f"the monitor's level over every look; {plural(len(alarms), 'look')} raised an "
            "alarm, which opened an incident and sent the approval back to review."
        )
    )
    if series:
        blocks.append(
            Figure(
                caption="Each domain's rate over monitoring looks, against its approved baseline",
                alt=_described(series),
                svg=trend_chart(series, prefix),
            )
        )
    blocks.append(_incidents_table(reading, [r.incident_id for r in alarms if r.incident_id]))
    return Section(id="monitoring", title="Post-deployment monitoring", blocks=blocks)
