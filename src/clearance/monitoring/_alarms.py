"""Alarms: an incident on the use case (which sends its approval back to review), an alert as a
JSON file in the outbox, and a POST to the webhook when one is configured.

The webhook is told after the alert is safely in the outbox and the incident recorded, and it is
given a bounded time: a receiver that hangs or trickles its answer is abandoned after
``WEBHOOK_TIMEOUT`` seconds and the alert records that it was not delivered."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from clearance.access import Principal, actor_of, marking_fields, marking_of
from clearance.atomicfile import write_bytes_atomically
from clearance.governance import report_incident
from clearance.store import AlertRecord, Store, UseCaseRecord
from clearance.urls import without_credentials

WEBHOOK_TIMEOUT = 10.0
"""Seconds the whole webhook delivery may take, connection to last byte."""


def _post(url: str, body: bytes, timeout: float, outcome: list[str]) -> None:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            outcome.append(f"delivered: HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        outcome.append(f"not delivered: HTTP {exc.code}")
    except (OSError, ValueError) as exc:
        outcome.append(f"not delivered: {type(exc).__name__}: {exc}"[:500])


def deliver_webhook(url: str, payload: dict[str, Any], timeout: float = WEBHOOK_TIMEOUT) -> str:
    """POST ``payload`` to ``url``; what happened, in words. Never takes much over ``timeout``:
    the request runs on a daemon thread that is abandoned when the time is up."""
    body = json.dumps(payload, sort_keys=True).encode()
    outcome: list[str] = []
    worker = threading.Thread(target=_post, args=(url, body, timeout, outcome), daemon=True)
    worker.start()
    worker.join(timeout + 1.0)
    if not outcome:
        return f"not delivered: {without_credentials(url)} gave no answer within {timeout:g} s"
    return outcome[0]


def raise_alarm(
    store: Store,
    *,
    use_case: UseCaseRecord,
    monitor_id: str | None,
    source_id: str,
    summary: str,
    reasons: list[str],
    outbox: str,
    webhook_url: str | None,
    webhook_timeout: float = WEBHOOK_TIMEOUT,
    principal: Principal,
    now: datetime,
) -> AlertRecord:
    """Open a monitoring incident, write the alert to the outbox, tell the webhook, and keep the
    alert on the ledger."""
    incident = report_incident(
        store,
        kind="monitoring",
        severity="high",
        summary=summary,
        description="\n".join(reasons),
        use_case_ref=use_case.id,
        occurred_at=now,
        principal=principal,
        now=now,
    )
    payload: dict[str, Any] = {
        "kind": "clearance.monitoring.alert",
        "use_case_id": use_case.id,
        "use_case": use_case.name,
        "monitor_id": monitor_id,
        "source_id": source_id,
        "incident_id": incident.id,
        "summary": incident.summary,
        "reasons": reasons,
        "marking": marking_of(use_case).banner(),
        "raised_at": now.isoformat(),
    }
    path = Path(outbox) / f"alert-{incident.id}.json"
    write_bytes_atomically(path, (json.dumps(payload, indent=2, sort_keys=True) + "\n").encode())
    status = "no webhook configured"
    if webhook_url:
        status = deliver_webhook(webhook_url, payload, webhook_timeout)
    with store.unit_of_work(actor_of(principal)) as uow:
        alert: AlertRecord = store.alerts.add(
            uow,
            action="alert.raise",
            now=now,
            fields={
                "use_case_id": use_case.id,
                "monitor_id": monitor_id,
                "source_id": source_id,
                "incident_id": incident.id,
                "reasons": reasons,
                "outbox_path": str(path),
                "webhook_status": status[:512],
                **marking_fields(marking_of(use_case)),
            },
        )
    return alert
