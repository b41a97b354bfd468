"""Waivers: the chief AI officer's time-limited exemption of one use case from one practice,
granted on a written finding, reported within three days, renewable and revocable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from pydantic import BaseModel

from clearance.access import (
    Action,
    Filtered,
    Principal,
    actor_of,
    marking_fields,
    marking_of,
    readable,
    require_named_person,
)
from clearance.governance._context import (
    moment,
    readable_by,
    stated_time,
    use_case_for,
    waiver_for,
)
from clearance.governance._errors import GovernanceError
from clearance.governance._rules import default_rules
from clearance.store import (
    PracticeRecord,
    Store,
    UnitOfWork,
    UseCaseRecord,
    WaiverRecord,
    WaiverReportRecord,
)

WaiverState = Literal["active", "expired", "revoked", "renewed"]
ReportState = Literal["pending", "overdue", "reported", "reported late"]
_MIN_FINDING_WORDS = 8


class WaiverReportView(BaseModel):
    """A duty to report a waiver event, and where it stands."""

    report: WaiverReportRecord
    state: ReportState

    @property
    def overdue(self) -> bool:
        """Not reported, and the three days are up."""
        return self.state == "overdue"


class WaiverView(BaseModel):
    """A waiver and where it stands at one moment."""

    waiver: WaiverRecord
    state: WaiverState
    reports: list[WaiverReportView]
    reassessment_due: bool = False
    """Active, and the use case's intake changed after the waiver was granted: the Framework
    requires each waiver reassessed "if there is a significant change to the conditions or
    context in which the AI is used" (renewing it records the reassessment)."""

    @property
    def reporting_overdue(self) -> bool:
        """Some event of this waiver went unreported past its deadline."""
        return any(r.overdue for r in self.reports)


class Waived(Protocol):
    """What a waiver's state is read from: a stored waiver, or a report's row of one."""

    @property
    def status(self) -> str: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def revoked_at(self) -> datetime | None: ...


def waiver_state(waiver: Waived, now: datetime | None) -> WaiverState:
    """Active, expired (at ``now``; never when ``now`` is None), revoked, or renewed
    (superseded by a newer waiver). The one rule ``usecase show`` and the reports share."""
    if waiver.revoked_at is not None or waiver.status == "revoked":
        return "revoked"
    if waiver.status == "renewed":
        return "renewed"
    expires = (
        waiver.expires_at if waiver.expires_at.tzinfo else waiver.expires_at.replace(tzinfo=UTC)
    )
    return "expired" if now is not None and now >= expires else "active"


def report_state(report: WaiverReportRecord, now: datetime) -> ReportState:
    """Whether a reporting duty was met, and in time."""
    if report.reported_at is not None:
        return "reported" if report.reported_at <= report.due_at else "reported late"
    return "overdue" if now > report.due_at else "pending"


def waiver_view(store: Store, waiver: WaiverRecord, now: datetime) -> WaiverView:
    """``waiver`` with its state and its reporting duties at ``now``."""
    reports = [
        WaiverReportView(report=r, state=report_state(r, now))
        for r in store.governance.waiver_reports(waiver.id)
    ]
    state = waiver_state(waiver, now)
    changed = store.governance.use_case(waiver.use_case_id).updated_at > waiver.granted_at
    return WaiverView(
        waiver=waiver, state=state, reports=reports, reassessment_due=state == "active" and changed
    )


def active_waiver(
    store: Store, use_case_id: str, practice_code: str, now: datetime
) -> WaiverRecord | None:
    """The waiver in force for one practice of one use case, if any."""
    for waiver in store.governance.waivers(use_case_id):
        if waiver.practice_code == practice_code and waiver_state(waiver, now) == "active":
            return waiver
    return None


# -- granting, revoking, renewing --------------------------------------------------------------


def _check_finding(finding: str, what: str) -> str:
    text = " ".join(finding.split())
    if len(text.split()) < _MIN_FINDING_WORDS:
        raise GovernanceError(
            f"the {what} must be written out (at least {_MIN_FINDING_WORDS} words): say why the "
            "practice cannot be met for this use and how the risk is handled meanwhile"
        )
    return text


def _expiry(now: datetime, expires_at: datetime | None, days: int | None) -> datetime:
    terms = default_rules().rules.waivers
    latest = now + timedelta(days=terms.max_days)
    if expires_at is not None and days is not None:
        raise GovernanceError("give the expiry as a date or as a number of days, not both")
    if days is not None:
        if days < 1:
            raise GovernanceError(f"a waiver lasts at least 1 day, got {days}")
        if days > terms.max_days:  # checked first: a huge count overflows the date itself
            raise GovernanceError(
                f"a waiver lasts at most {terms.max_days} days, got {days}; renew it before it "
                "expires instead"
            )
        expires_at = now + timedelta(days=days)
    expiry = latest if expires_at is None else moment(expires_at)
    if expiry <= now:
        raise GovernanceError(f"the expiry {expiry:%Y-%m-%d %H:%M} UTC is not in the future")
    if expiry > latest:
        raise GovernanceError(
            f"a waiver lasts at most {terms.max_days} days: expiry {expiry:%Y-%m-%d} is past "
            f"{latest:%Y-%m-%d %H:%M} UTC; renew it before then instead"
        )
    return expiry


def _report_duty(
    store: Store, uow: UnitOfWork, waiver: WaiverRecord, event: str, now: datetime
) -> WaiverReportRecord:
    due = now + timedelta(days=default_rules().rules.waivers.report_within_days)
    record: WaiverReportRecord = store.waiver_reports.add(
        uow,
        action="waiver_report.due",
        now=now,
        fields={
            "waiver_id": waiver.id,
            "event": event,
            "event_at": now,
            "due_at": due,
            "recipients": [],
            "reported_at": None,
            "reported_by": None,
            "note": "",
            "marking_level": waiver.marking_level,
            "marking_compartments": waiver.marking_compartments,
        },
    )
    return record


def _waivable_practice(
    store: Store, use_case: UseCaseRecord, code: str, now: datetime
) -> PracticeRecord:
    classifications = store.governance.classifications(use_case.id)
    if classifications and "prohibited" in classifications[0].classes:
        raise GovernanceError(f"use case {use_case.id} is a prohibited use; no waiver can allow it")
    practices = {p.code: p for p in store.governance.practices(use_case.id)}
    practice = practices.get(code)
    if practice is None or not practice.required:
        required = ", ".join(c for c, p in practices.items() if p.required) or "none"
        raise GovernanceError(
            f"use case {use_case.id} has no required practice {code!r} to waive; "
            f"its required practices: {required}"
        )
    existing = active_waiver(store, use_case.id, code, now)
    if existing is not None:
        raise GovernanceError(
            f"practice {code} of {use_case.id} is already waived by {existing.id} until "
            f"{existing.expires_at:%Y-%m-%d}; renew that waiver instead"
        )
    return practice


def grant_waiver(
    store: Store,
    use_case_ref: str,
    practice_code: str,
    *,
    category: str,
    finding: str,
    expires_at: datetime | None = None,
    days: int | None = None,
    granted_at: datetime | None = None,
    principal: Principal,
    now: datetime | None = None,
) -> WaiverView:
    """Waive one practice of one use case, on a written finding in one of the Framework's
    justification categories, for at most a year (the default). Chief AI officer only; the
    reporting duty, due in three days, is recorded with it. ``granted_at`` is when the officer
    says it was granted (between the use case's creation and now); the store keeps its own time
    of recording as ``created_at``, and the year and the duty run from that."""
    at = moment(now)
    use_case = use_case_for(store, use_case_ref, principal, Action.WAIVER_GRANT)
    stated = stated_time(
        granted_at, now=at, since=use_case.created_at, since_what="the use case's creation"
    )
    require_named_person(principal)
    terms = default_rules().rules.waivers
    chosen = terms.category(category)
    written = _check_finding(finding, "written finding")
    practice = _waivable_practice(store, use_case, practice_code, at)
    expiry = _expiry(at, expires_at, days)
    with store.unit_of_work(actor_of(principal)) as uow:
        waiver: WaiverRecord = store.waivers.add(
            uow,
            action="waiver.grant",
            now=at,
            fields=_waiver_fields(use_case, practice, chosen.code, written, stated, expiry),
        )
        _report_duty(store, uow, waiver, "grant", at)
    return waiver_view(store, waiver, at)


def _waiver_fields(
    use_case: UseCaseRecord,
    practice: PracticeRecord,
    category: str,
    finding: str,
    granted_at: datetime,
    expires_at: datetime,
    renews: WaiverRecord | None = None,
    reassessment: str | None = None,
) -> dict[str, object]:
    return {
        "use_case_id": use_case.id,
        "practice_id": practice.id,
        "practice_code": practice.code,
        "category": category,
        "finding": finding,
        "granted_at": granted_at,
        "expires_at": expires_at,
        "status": "granted",
        "renews_id": renews.id if renews else None,
        "reassessment": reassessment,
        "renewed_by_id": None,
        "revoked_at": None,
        "revoked_by": None,
        "revocation_reason": None,
        **marking_fields(marking_of(use_case)),
    }


def revoke_waiver(
    store: Store,
    waiver_ref: str,
    *,
    reason: str,
    principal: Principal,
    now: datetime | None = None,
) -> WaiverView:
    """End an active waiver now; the practice is required again. Chief AI officer only; the
    revocation must be reported within three days too."""
    at = moment(now)
    waiver = waiver_for(store, waiver_ref, principal, Action.WAIVER_REVOKE)
    state = waiver_state(waiver, at)
    if state != "active":
        raise GovernanceError(f"waiver {waiver.id} is {state}; only an active waiver is revoked")
    if not reason.strip():
        raise GovernanceError("say why the waiver is revoked (--reason); it goes on the record")
    with store.unit_of_work(actor_of(principal)) as uow:
        revoked: WaiverRecord = store.waivers.change(
            uow,
            waiver.id,
            action="waiver.revoke",
            changes={
                "status": "revoked",
                "revoked_at": at,
                "revoked_by": uow.actor,
                "revocation_reason": reason.strip(),
            },
        )
        _report_duty(store, uow, revoked, "revoke", at)
    return waiver_view(store, revoked, at)


def renew_waiver(
    store: Store,
    waiver_ref: str,
    *,
    finding: str,
    reassessment: str,
    category: str | None = None,
    expires_at: datetime | None = None,
    days: int | None = None,
    principal: Principal,
    now: datetime | None = None,
) -> WaiverView:
    """Replace an active or expired waiver with a new one after reassessing it: a fresh written
    finding, the reassessment, and a new expiry at most a year out. Chief AI officer only."""
    at = moment(now)
    old = waiver_for(store, waiver_ref, principal, Action.WAIVER_RENEW)
    require_named_person(principal)
    state = waiver_state(old, at)
    if state not in ("active", "expired"):
        raise GovernanceError(
            f"waiver {old.id} is {state}; only an active or expired waiver can be renewed "
            "(grant a new one instead)"
        )
    chosen = default_rules().rules.waivers.category(category or old.category)
    written = _check_finding(finding, "written finding")
    reassessed = _check_finding(reassessment, "reassessment")
    expiry = _expiry(at, expires_at, days)
    use_case = store.governance.use_case(old.use_case_id)
    practice = next(p for p in store.governance.practices(use_case.id) if p.id == old.practice_id)
    with store.unit_of_work(actor_of(principal)) as uow:
        new: WaiverRecord = store.waivers.add(
            uow,
            action="waiver.renew",
            now=at,
            fields=_waiver_fields(
                use_case, practice, chosen.code, written, at, expiry, old, reassessed
            ),
        )
        store.waivers.change(
            uow,
            old.id,
            action="waiver.supersede",
            changes={"status": "renewed", "renewed_by_id": new.id},
        )
        _report_duty(store, uow, new, "renew", at)
    return waiver_view(store, new, at)


def record_waiver_report(
    store: Store,
    waiver_ref: str,
    *,
    recipients: Sequence[str],
    reported_at: datetime | None = None,
    note: str = "",
    principal: Principal,
    now: datetime | None = None,
) -> WaiverView:
    """Record that the oldest unreported event of a waiver was reported, to whom and when.
    Reporting is the chief AI officer's duty, so recording it takes ``waiver.grant``."""
    at = moment(now)
    waiver = waiver_for(store, waiver_ref, principal, Action.WAIVER_GRANT)
    named = [r.strip() for r in recipients if r.strip()]
    if not named:
        raise GovernanceError("name to whom the waiver was reported (--to), e.g. 'Department head'")
    pending = [r for r in store.governance.waiver_reports(waiver.id) if r.reported_at is None]
    if not pending:
        raise GovernanceError(f"every event of waiver {waiver.id} is already reported")
    # A report dated before its waiver's event would make an overdue duty read as met.
    when = stated_time(
        reported_at,
        now=at,
        since=pending[0].event_at,
        since_what=f"the event it reports ({pending[0].event})",
    )
    with store.unit_of_work(actor_of(principal)) as uow:
        store.waiver_reports.change(
            uow,
            pending[0].id,
            action="waiver_report.record",
            changes={
                "recipients": named,
                "reported_at": when,
                "reported_by": uow.actor,
                "note": note,
                "recorded_at": at,
            },
        )
    return waiver_view(store, store.governance.waiver(waiver.id), at)


# -- reading ---------------------------------------------------------------------------------


def list_waivers(
    store: Store,
    *,
    use_case_ref: str | None = None,
    principal: Principal,
    now: datetime | None = None,
) -> Filtered[WaiverView]:
    """Waivers the principal may read (of one use case, when given), with their states."""
    at = moment(now)
    shown = readable_by(principal, Action.WAIVER_READ)
    use_case_id = store.governance.use_case(use_case_ref, shown).id if use_case_ref else None
    visible = readable(
        principal, store.governance.waivers(use_case_id), marking_of, action=Action.WAIVER_READ
    )
    views = tuple(waiver_view(store, w, at) for w in visible)
    return Filtered(items=views, withheld=visible.withheld, banner=visible.banner)


class WaiverCounts(BaseModel):
    """How many waivers are in force, and how many were ever granted (renewals included)."""

    active: int
    total: int
    reporting_overdue: int


def waiver_counts(
    store: Store, *, principal: Principal, now: datetime | None = None
) -> WaiverCounts:
    """Counts of active and total waivers, and of waivers with overdue reports."""
    views = list_waivers(store, principal=principal, now=now)
    return WaiverCounts(
        active=sum(1 for v in views if v.state == "active"),
        total=len(views),
        reporting_overdue=sum(1 for v in views if v.reporting_overdue),
    )
