"""Incidents and misuse reports, linked to use cases. A reporter may stay anonymous: the report
and its ledger entry then name "anonymous", not the reporter."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from clearance.access import (
    UNCLASSIFIED_MARKING,
    Action,
    Filtered,
    Marking,
    Principal,
    actor_of,
    marking_fields,
    marking_of,
    readable,
    require,
    require_permission,
)
from clearance.governance._context import moment, readable_by
from clearance.governance._errors import GovernanceError
from clearance.store import IncidentRecord, Store

IncidentKind = Literal["incident", "misuse", "monitoring"]
"""A "monitoring" incident is an alarm raised by a monitor of the deployed system: while it is
open it puts the use case's approval back into review."""
INCIDENT_KINDS: tuple[IncidentKind, ...] = get_args(IncidentKind)
IncidentSeverity = Literal["low", "moderate", "high", "critical"]
INCIDENT_SEVERITIES: tuple[IncidentSeverity, ...] = get_args(IncidentSeverity)
ANONYMOUS = "anonymous"


def report_incident(
    store: Store,
    *,
    kind: str,
    severity: str,
    summary: str,
    description: str,
    use_case_ref: str | None = None,
    occurred_at: datetime | None = None,
    anonymous: bool = False,
    marking: Marking | None = None,
    principal: Principal,
    now: datetime | None = None,
) -> IncidentRecord:
    """Record an incident or a misuse report (of one use case, when given). The marking defaults
    to the use case's and may not be lower than it."""
    if kind not in INCIDENT_KINDS:
        raise GovernanceError(f"unknown kind {kind!r}; allowed: {', '.join(INCIDENT_KINDS)}")
    if severity not in INCIDENT_SEVERITIES:
        raise GovernanceError(
            f"unknown severity {severity!r}; allowed: {', '.join(INCIDENT_SEVERITIES)}"
        )
    if not summary.strip() or not description.strip():
        raise GovernanceError("an incident needs a one-line summary and a description")
    use_case = store.governance.use_case(use_case_ref) if use_case_ref else None
    floor = marking_of(use_case) if use_case else UNCLASSIFIED_MARKING
    chosen = marking or floor
    if not chosen.dominates(floor):
        raise GovernanceError(
            f"the report is marked {chosen.banner()}, below its use case's {floor.banner()}; "
            "mark it at least as high"
        )
    require(principal, Action.INCIDENT_CREATE, chosen)
    at = moment(now)
    actor = ANONYMOUS if anonymous else actor_of(principal)
    with store.unit_of_work(actor) as uow:
        record: IncidentRecord = store.incidents.add(
            uow,
            action=f"incident.{kind}",
            now=at,
            fields={
                "use_case_id": use_case.id if use_case else None,
                "kind": kind,
                "severity": severity,
                "summary": " ".join(summary.split())[:512],
                "description": description.strip(),
                "occurred_at": moment(occurred_at) if occurred_at else None,
                "anonymous": anonymous,
                "status": "open",
                **marking_fields(chosen),
            },
        )
    return record


def list_incidents(
    store: Store, *, use_case_ref: str | None = None, principal: Principal
) -> Filtered[IncidentRecord]:
    """Incidents the principal may read (of one use case, when given), newest first."""
    shown = readable_by(principal, Action.INCIDENT_READ)
    use_case_id = store.governance.use_case(use_case_ref, shown).id if use_case_ref else None
    return readable(
        principal,
        store.governance.incidents(use_case_id),
        marking_of,
        action=Action.INCIDENT_READ,
    )


def show_incident(store: Store, ref: str, *, principal: Principal) -> IncidentRecord:
    """One incident, after an access check (one above the principal's clearance is answered as
    a missing one)."""
    require_permission(principal, Action.INCIDENT_READ)
    return store.governance.incident(ref, readable_by(principal, Action.INCIDENT_READ))
