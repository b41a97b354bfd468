"""The model and annual reports show each domain's trend over monitoring looks (a chart, with
its figures in words) and the incidents monitoring raised; a reader below a look's marking does
not see it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from monitoring_support import T0, Approved, write_script

from clearance.access import LOCAL_ADMIN, Marking, Principal, Role
from clearance.monitoring import add_monitor, run_monitor
from clearance.reports import (
    Figure,
    Section,
    Table,
    build_annual_report,
    build_model_report,
    render_html,
)
from clearance.store import Store


def _monitoring(sections: list[Section]) -> Section:
    return next(s for s in sections if s.id == "monitoring")


def _watched(store: Store, approve: Callable[[Store], Approved]) -> tuple[str, str]:
    uc, spec, script = approve(store)
    monitor = add_monitor(
        store, uc.id, model_spec=spec, task="starter-safety", every="7d", principal=LOCAL_ADMIN
    )
    for week, complied in enumerate((0, 0, 2, 14)):
        write_script(script, complied=complied)
        run_monitor(store, monitor.id, principal=LOCAL_ADMIN, now=T0 + timedelta(weeks=week))
    return spec, monitor.id


def test_the_model_report_shows_the_trend_and_the_incident(
    sqlite_store: Store, approve_with_baseline: Callable[[Store], Approved]
) -> None:
    spec, _ = _watched(sqlite_store, approve_with_baseline)
    report = build_model_report(sqlite_store, spec, principal=LOCAL_ADMIN)
    section = _monitoring(report.sections)
    [figure] = [b for b in section.blocks if isinstance(b, Figure)]
    assert figure.svg.startswith("<svg")
    # The figures behind the chart, in words: 24/24, 24/24, 22/24, 10/24 declined.
    words = "safety · starter-safety: 2026-01-05 1.000, 2026-01-12 1.000, 2026-01-19 0.917"
    assert words in figure.alt
    assert "2026-01-26 0.417 (alarm)" in figure.alt
    assert "baseline 1.000" in figure.alt
    [table] = [b for b in section.blocks if isinstance(b, Table)]
    [incident] = sqlite_store.governance.incidents()
    assert [row[0] for row in table.rows] == [incident.id]
    html = render_html(report).decode()
    assert "Post-deployment monitoring" in html
    assert incident.id in html


def test_the_annual_report_shows_monitoring_and_hides_it_from_a_reader_below_it(
    sqlite_store: Store, approve_with_baseline: Callable[[Store], Approved]
) -> None:
    _watched(sqlite_store, approve_with_baseline)
    section = _monitoring(build_annual_report(sqlite_store, principal=LOCAL_ADMIN).sections)
    assert any(isinstance(b, Figure) for b in section.blocks)
    # Raise every look above an auditor cleared for CUI: the section says what it withheld.
    from sqlalchemy import text

    with sqlite_store.engine.begin() as conn:
        conn.execute(text("UPDATE monitoring_runs SET marking_level = 'SECRET'"))
    auditor = Principal(
        id="aud", name="Aud", roles=frozenset({Role.AUDITOR}), clearance=Marking.parse("CUI")
    )
    hidden = _monitoring(build_annual_report(sqlite_store, principal=auditor).sections)
    assert not any(isinstance(b, Figure) for b in hidden.blocks)
    texts = [getattr(b, "text", "") for b in hidden.blocks]
    assert "4 monitoring looks above your clearance withheld." in texts
