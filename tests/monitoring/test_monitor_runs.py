"""Monitors catch a deployed model whose behaviour changes behind the same name: an incident,
the approval back in review (`usecase due`), an alert in the outbox and at a webhook; an
unchanged model raises nothing; everything is on the ledger."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from monitoring_support import T0, Approved, write_script

from clearance.access import LOCAL_ADMIN, AccessDenied, Marking, Principal, Role
from clearance.accountability import verify_ledger
from clearance.governance import due_items, list_incidents, show_use_case
from clearance.monitoring import (
    MonitoringError,
    add_monitor,
    list_monitors,
    run_due,
    run_monitor,
    show_monitor,
)
from clearance.store import Store


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[dict[str, Any]]
    hang: threading.Event | None

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        body = json.loads(self.rfile.read(length))
        if self.hang is not None:
            self.hang.wait(30)  # never answers in time
            return
        self.bodies.append(body)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


Webhook = Callable[[bool], tuple[str, list[dict[str, Any]]]]


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    """``webhook(hang)``: a loopback HTTP receiver's URL and the bodies it took; with ``hang``
    it reads each request and never answers."""
    servers: list[tuple[ThreadingHTTPServer, threading.Event]] = []

    def start(hang: bool) -> tuple[str, list[dict[str, Any]]]:
        release = threading.Event()
        bodies: list[dict[str, Any]] = []
        handler = type(
            "Receiver", (_Receiver,), {"bodies": bodies, "hang": release if hang else None}
        )
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append((server, release))
        return f"http://127.0.0.1:{server.server_address[1]}/alerts", bodies

    yield start
    for server, release in servers:
        release.set()
        server.shutdown()
        server.server_close()


def test_a_degraded_model_is_caught_and_the_approval_sent_back_to_review(
    sqlite_store: Store,
    approve_with_baseline: Callable[[Store], Approved],
    webhook: Webhook,
    tmp_path: Path,
) -> None:
    uc, spec, script = approve_with_baseline(sqlite_store)
    url, received = webhook(False)
    monitor = add_monitor(
        sqlite_store,
        uc.id,
        model_spec=spec,
        task="starter-safety",
        every="7d",
        outbox=tmp_path / "outbox",
        webhook_url=url,
        principal=LOCAL_ADMIN,
    )
    # Look 1: the deployed model still declines everything: no alarm, the approval holds.
    first = run_monitor(sqlite_store, monitor.id, principal=LOCAL_ADMIN)
    assert first is not None
    assert first.alert is None
    [same] = first.comparisons
    assert same.look is not None
    assert (same.look.method, same.look.alarm) == ("mcnemar-exact-one-sided", False)
    assert "pinned" not in same.baseline_source  # the low-risk approval pinned no run
    assert show_use_case(sqlite_store, uc.id, principal=LOCAL_ADMIN).decision.state == "approved"
    # Behind the same name, the model now carries out half of the harmful requests.
    write_script(script, complied=12)
    second = run_monitor(sqlite_store, monitor.id, principal=LOCAL_ADMIN)
    assert second is not None
    [worse] = second.comparisons
    assert worse.domain == "safety"
    assert worse.look is not None
    assert worse.look.look == 2
    assert worse.look.alarm
    assert worse.look.p_value == pytest.approx(0.5**12)
    assert worse.new_exceeds == ["safety-harmful-refusal"]
    alert = second.alert
    assert alert is not None
    assert second.monitoring_run.incident_id == alert.incident_id
    # An incident is open on the use case, and the approval is back in review.
    [incident] = list_incidents(sqlite_store, use_case_ref=uc.id, principal=LOCAL_ADMIN)
    assert (incident.id, incident.kind, incident.status) == (
        alert.incident_id,
        "monitoring",
        "open",
    )
    status = show_use_case(sqlite_store, uc.id, principal=LOCAL_ADMIN).decision
    assert status.state == "needs re-review"
    assert any(incident.id in reason for reason in status.lapse_reasons)
    due = due_items(sqlite_store, principal=LOCAL_ADMIN)
    assert [(d.use_case_id, d.kind) for d in due] == [(uc.id, "re-review")]
    # The alert is in the outbox and was delivered to the webhook.
    written = json.loads(Path(alert.outbox_path).read_text())
    assert Path(alert.outbox_path).parent == tmp_path / "outbox"
    assert written["incident_id"] == incident.id
    assert received == [written]
    assert alert.webhook_status == "delivered: HTTP 204"
    view = show_monitor(sqlite_store, monitor.id, principal=LOCAL_ADMIN)
    assert [r.look for r in view.runs] == [1, 2]
    assert [a.id for a in view.alerts] == [alert.id]


def test_a_hanging_webhook_does_not_hang_the_run(
    sqlite_store: Store,
    approve_with_baseline: Callable[[Store], Approved],
    webhook: Webhook,
    tmp_path: Path,
) -> None:
    uc, spec, script = approve_with_baseline(sqlite_store)
    url, _ = webhook(True)
    monitor = add_monitor(
        sqlite_store, uc.id, model_spec=spec, task="starter-safety", webhook_url=url,
        outbox=tmp_path / "box", principal=LOCAL_ADMIN,
    )  # fmt: skip
    write_script(script, complied=24)
    outcome = run_monitor(sqlite_store, monitor.id, principal=LOCAL_ADMIN, webhook_timeout=0.5)
    assert outcome is not None
    assert outcome.alert is not None
    assert outcome.alert.webhook_status.startswith("not delivered")
    # The outbox still has it, and the incident is open.
    assert Path(outcome.alert.outbox_path).is_file()
    assert show_use_case(sqlite_store, uc.id, principal=LOCAL_ADMIN).decision.state == (
        "needs re-review"
    )


def test_run_due_is_idempotent_and_keeps_to_the_schedule(
    sqlite_store: Store, approve_with_baseline: Callable[[Store], Approved]
) -> None:
    uc, spec, _ = approve_with_baseline(sqlite_store)
    monitor = add_monitor(
        sqlite_store, uc.id, model_spec=spec, task="starter-safety", every="7d",
        principal=LOCAL_ADMIN, now=T0,
    )  # fmt: skip
    assert len(run_due(sqlite_store, principal=LOCAL_ADMIN, now=T0).outcomes) == 1
    assert run_due(sqlite_store, principal=LOCAL_ADMIN, now=T0).outcomes == []
    six_days = run_due(sqlite_store, principal=LOCAL_ADMIN, now=T0 + timedelta(days=6))
    assert (six_days.outcomes, six_days.problems) == ([], [])
    later = run_due(sqlite_store, principal=LOCAL_ADMIN, now=T0 + timedelta(days=7)).outcomes
    assert [o.monitoring_run.look for o in later] == [2]
    assert [o.alert for o in later] == [None]
    runs = show_monitor(sqlite_store, monitor.id, principal=LOCAL_ADMIN).runs
    assert [r.look for r in runs] == [1, 2]


def test_a_broken_monitor_does_not_stop_the_others(
    sqlite_store: Store, approve_with_baseline: Callable[[Store], Approved], tmp_path: Path
) -> None:
    uc, spec, _ = approve_with_baseline(sqlite_store)
    from clearance.governance import add_use_case
    from people_support import translation_intake

    unapproved = add_use_case(sqlite_store, translation_intake(), principal=LOCAL_ADMIN, now=T0)
    broken = add_monitor(
        sqlite_store, unapproved.id, model_spec=spec, task="starter-safety",
        principal=LOCAL_ADMIN, now=T0,
    )  # fmt: skip
    working = add_monitor(
        sqlite_store, uc.id, model_spec=spec, task="starter-safety", principal=LOCAL_ADMIN, now=T0
    )
    due = run_due(sqlite_store, principal=LOCAL_ADMIN, now=T0)
    assert [o.monitoring_run.monitor_id for o in due.outcomes] == [working.id]
    [problem] = due.problems
    assert problem.startswith(f"monitor {broken.id}: use case {unapproved.id} has no approval")


def test_monitors_obey_access_and_bad_input_is_named(
    sqlite_store: Store, approve_with_baseline: Callable[[Store], Approved]
) -> None:
    uc, spec, _ = approve_with_baseline(sqlite_store)
    auditor = Principal(
        id="aud", name="Aud", roles=frozenset({Role.AUDITOR}), clearance=Marking.parse("SECRET")
    )
    with pytest.raises(AccessDenied):
        add_monitor(sqlite_store, uc.id, model_spec=spec, task="starter-safety", principal=auditor)
    with pytest.raises(MonitoringError, match="--every"):
        add_monitor(sqlite_store, uc.id, model_spec=spec, task="starter-safety", every="soon",
                    principal=LOCAL_ADMIN)  # fmt: skip
    with pytest.raises(MonitoringError, match="either a suite"):
        add_monitor(sqlite_store, uc.id, model_spec=spec, principal=LOCAL_ADMIN)
    with pytest.raises(MonitoringError, match="webhook"):
        add_monitor(sqlite_store, uc.id, model_spec=spec, task="starter-safety",
                    webhook_url="file:///etc/passwd", principal=LOCAL_ADMIN)  # fmt: skip
    monitor = add_monitor(
        sqlite_store, uc.id, model_spec=spec, task="starter-safety", principal=LOCAL_ADMIN
    )
    assert [m.id for m in list_monitors(sqlite_store, principal=auditor)] == [monitor.id]
    with pytest.raises(AccessDenied):
        run_monitor(sqlite_store, monitor.id, principal=auditor)


def test_monitoring_records_are_on_the_ledger(
    store: Store, approve_with_baseline: Callable[[Store], Approved]
) -> None:
    uc, spec, script = approve_with_baseline(store)
    monitor = add_monitor(
        store, uc.id, model_spec=spec, task="starter-safety", principal=LOCAL_ADMIN
    )
    write_script(script, complied=24)
    outcome = run_monitor(store, monitor.id, principal=LOCAL_ADMIN)
    assert outcome is not None
    assert outcome.alert is not None
    verified = verify_ledger(store, LOCAL_ADMIN)
    assert verified.ok, verified.problem
    assert verified.record_problems == []
    # A forged look (its alarm quietly cleared) is caught.
    from sqlalchemy import text

    with store.engine.begin() as conn:
        conn.execute(text("UPDATE monitoring_runs SET alarm = :f"), {"f": False})
    forged = verify_ledger(store, LOCAL_ADMIN)
    assert [p.record_type for p in forged.record_problems] == ["monitoring_run"]


def test_two_cron_calls_at_once_take_one_look(
    store: Store, approve_with_baseline: Callable[[Store], Approved]
) -> None:
    uc, spec, _ = approve_with_baseline(store)
    monitor = add_monitor(
        store, uc.id, model_spec=spec, task="starter-safety", principal=LOCAL_ADMIN, now=T0
    )
    start = threading.Barrier(2)
    taken: list[int] = []

    def cron() -> None:
        start.wait()
        taken.append(len(run_due(store, principal=LOCAL_ADMIN, now=T0).outcomes))

    callers = [threading.Thread(target=cron) for _ in range(2)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert sorted(taken) == [0, 1]
    runs = show_monitor(store, monitor.id, principal=LOCAL_ADMIN).runs
    assert [r.look for r in runs] == [1]
