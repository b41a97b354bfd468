"""A report's own approval for release: recorded through the store's unit of work (so the ledger
covers it), and stated on the cover of every later rendering of the same report."""

from __future__ import annotations

from datetime import UTC, datetime

from clearance.access import (
    Action,
    Marking,
    Principal,
    marking_of,
    readable,
    require_permission,
)
from clearance.assess import resolve_model
from clearance.ledger import rfc3339_utc
from clearance.reports._cover import CoverDetails
from clearance.reports._document import Approval, ReportKind
from clearance.reports._errors import ReportError
from clearance.store import LedgerReader, ReportApprovalRecord, Store

APPROVAL_RECORD_TYPE = "report_approval"


def _period(details: CoverDetails) -> tuple[str | None, str | None]:
    return (
        details.period_from.isoformat() if details.period_from else None,
        details.period_to.isoformat() if details.period_to else None,
    )


def subject_of(store: Store, kind: ReportKind, model: str | None) -> str:
    """What the approval is of beyond its kind: the model spec of a model report."""
    if kind != "model":
        return ""
    if not model:
        raise ReportError("approving a model report needs the model: give --model SPEC")
    return resolve_model(store, model)[0]


def approval_of(store: Store, record: ReportApprovalRecord, ledger_size: int) -> Approval:
    """The cover's statement of a stored approval, against the ledger's size now."""
    entries = LedgerReader(store.engine).record_entries(APPROVAL_RECORD_TYPE, record.id)
    if not entries:
        raise ReportError(
            f"report approval {record.id} has no ledger entry: the store was altered outside "
            "Clearance; run `clearance ledger verify`"
        )
    seq = entries[0][0]
    return Approval(
        approver=record.approver_name,
        approved_at=rfc3339_utc(record.created_at),
        ledger_seq=seq,
        ledger_size=record.ledger_size,
        later_entries=max(0, ledger_size - seq),
        note=record.note,
    )


def find_approval(
    store: Store,
    kind: ReportKind,
    subject: str,
    details: CoverDetails,
    principal: Principal,
    ledger_size: int,
) -> Approval | None:
    """The newest approval of this report that ``principal`` may read, or None."""
    found = store.approvals.approvals(kind, subject, _period(details))
    visible = readable(principal, found, marking_of, action=Action.REPORT_GENERATE).items
    return approval_of(store, visible[0], ledger_size) if visible else None


def approve_report(
    store: Store,
    kind: ReportKind,
    *,
    principal: Principal,
    model: str | None = None,
    details: CoverDetails | None = None,
    note: str = "",
) -> Approval:
    """Approve a report for release, as ``principal`` (who must hold ``report.approve``).

    The report is built first, as the approver would read it: the approval records the ledger
    size it saw and carries the report's marking. Later renderings of the same report (kind,
    model and reporting period) name the approver on the cover, and say how many entries were
    recorded after the approval and so are not covered by it.
    """
    from clearance.reports._build import build_report

    require_permission(principal, Action.REPORT_APPROVE)
    details = (details or CoverDetails()).check()
    if len(note) > 2000:
        raise ReportError(f"the approval note is {len(note):,} characters; keep it under 2,000")
    subject = subject_of(store, kind, model)
    report = build_report(store, kind, model=model, principal=principal, details=details)
    marking = Marking.parse(report.banner)
    with store.unit_of_work(principal.id) as uow:
        record = store.approvals.add(
            uow,
            kind=kind,
            subject=subject,
            period=_period(details),
            approver_name=f"{principal.name} ({principal.id})",
            note=note,
            ledger_size=report.ledger.tree_size,
            marking=(marking.level.value, sorted(marking.compartments)),
            now=datetime.now(UTC),
        )
    return approval_of(store, record, LedgerReader(store.engine).size())
