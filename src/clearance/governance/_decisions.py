"""Decisions on use cases: request, approve, deny, suspend.

An approval is made by the chief AI officer or a delegate holding ``decision.approve``, never by
whoever requested it, and only once every required practice is implemented or waived and its
evidence still matches what was pinned. It pins the digests of everything it relied on, and an
annual review date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from clearance.access import (
    REQUESTER_CANNOT_APPROVE,
    Action,
    Filtered,
    Principal,
    actor_of,
    marking_fields,
    marking_of,
    readable,
    require_named_person,
)
from clearance.governance._context import moment, stated_time, use_case_for
from clearance.governance._errors import GovernanceError
from clearance.governance._intake import UseCaseIntake
from clearance.governance._risk import (
    acceptance_pins,
    describe_finding,
    open_findings,
    unaccepted,
)
from clearance.governance._status import (
    PracticeView,
    current_models,
    decision_status,
    practice_views,
)
from clearance.ledger import change_digest
from clearance.store import (
    ClassificationRecord,
    DecisionRecord,
    FindingRecord,
    Store,
    UseCaseRecord,
)

REVIEW_INTERVAL = timedelta(days=365)
"""Approvals are reviewed at least annually."""


class ApprovalBlockedError(GovernanceError):
    """An approval was refused because the use case is not ready; the message lists why."""

    def __init__(self, use_case_id: str, reasons: list[str]) -> None:
        self.reasons = reasons
        listed = "; ".join(reasons)
        super().__init__(f"use case {use_case_id} cannot be approved yet: {listed}")


def _rationale(text: str, what: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise GovernanceError(f"a {what} needs a written rationale (--rationale)")
    return cleaned


def _classification(store: Store, use_case: UseCaseRecord) -> ClassificationRecord:
    found = store.governance.classifications(use_case.id)
    if not found:
        raise GovernanceError(
            f"use case {use_case.id} has not been classified; `clearance usecase classify` it"
        )
    return found[0]


def _insert_decision(
    store: Store,
    principal: Principal,
    use_case: UseCaseRecord,
    kind: str,
    rationale: str,
    now: datetime,
    pinned: dict[str, Any] | None = None,
    review_due: datetime | None = None,
    stated_at: datetime | None = None,
) -> DecisionRecord:
    stated = stated_time(
        stated_at, now=now, since=use_case.created_at, since_what="the use case's creation"
    )
    with store.unit_of_work(actor_of(principal)) as uow:
        record: DecisionRecord = store.decisions.add(
            uow,
            action=f"decision.{kind}",
            now=now,
            fields={
                "use_case_id": use_case.id,
                "kind": kind,
                "rationale": rationale,
                "pinned": pinned or {},
                "pins_digest": change_digest(pinned) if pinned else None,
                "review_due": review_due,
                "stated_at": stated,
                **marking_fields(marking_of(use_case)),
            },
        )
    return record


def request_decision(
    store: Store,
    use_case_ref: str,
    *,
    rationale: str,
    stated_at: datetime | None = None,
    principal: Principal,
    now: datetime | None = None,
) -> DecisionRecord:
    """Ask for a decision on a use case. Whoever asks cannot approve it. ``stated_at`` (here
    and for every decision) is when the person says it was made: between the use case's
    creation and now; the store's time of recording is kept as ``created_at``."""
    use_case = use_case_for(store, use_case_ref, principal, Action.DECISION_REQUEST)
    text = _rationale(rationale, "request")
    return _insert_decision(
        store, principal, use_case, "request", text, moment(now), stated_at=stated_at
    )


def approve_use_case(
    store: Store,
    use_case_ref: str,
    *,
    rationale: str,
    review_by: datetime | None = None,
    accept_risks: Sequence[str] = (),
    risk_rationale: str = "",
    stated_at: datetime | None = None,
    principal: Principal,
    now: datetime | None = None,
) -> DecisionRecord:
    """Approve a use case, pinning the digests of its classification, intake, evidence, models
    and waivers. The next review is due within a year (``review_by`` sets it sooner).

    Evidence holding an ``exceeds`` finding blocks the approval unless ``accept_risks`` names
    every such finding (id, unique id prefix or threshold id) and ``risk_rationale`` says why;
    the acceptance is pinned with the approval and so recorded on the ledger."""
    use_case = use_case_for(store, use_case_ref, principal, Action.DECISION_APPROVE)
    require_named_person(principal)
    at = moment(now)
    classification = _classification(store, use_case)
    status = decision_status(store, use_case, classification, at)
    if status.pending_request is not None:
        REQUESTER_CANNOT_APPROVE.require_distinct(
            actor_of(principal), status.pending_request.created_by
        )
    views = practice_views(store, use_case, at)
    _check_ready(use_case, classification, views)
    open_risk = open_findings(store, views)
    left = unaccepted(open_risk, accept_risks, risk_rationale)
    if left:
        raise ApprovalBlockedError(use_case.id, _open_risk_reasons(left))
    due = _review_due(at, review_by)
    pinned = _approval_pins(store, use_case, classification, views)
    if open_risk:
        pinned["risk_acceptance"] = acceptance_pins(open_risk, risk_rationale, actor_of(principal))
    text = _rationale(rationale, "approval")
    return _insert_decision(
        store, principal, use_case, "approve", text, at, pinned, due, stated_at=stated_at
    )


def _check_ready(
    use_case: UseCaseRecord, classification: ClassificationRecord, views: list[PracticeView]
) -> None:
    if "prohibited" in classification.classes:
        fired = ", ".join(f["id"] for f in classification.fired if f["risk_class"] == "prohibited")
        raise ApprovalBlockedError(use_case.id, [f"it is a prohibited use ({fired})"])
    if classification.inputs_digest != use_case.inputs_digest:
        raise ApprovalBlockedError(
            use_case.id, ["its classification is older than its intake; classify it again"]
        )
    reasons = [
        f"practice {v.practice.code} is {v.state.replace('_', ' ')}"
        for v in views
        if not v.satisfied
    ]
    reasons += [
        f"practice {v.practice.code}: {change} (link it again to pin what is there now)"
        for v in views
        if v.practice.required
        for e in v.evidence
        for change in e.changes
    ]
    if reasons:
        raise ApprovalBlockedError(use_case.id, reasons)


def _open_risk_reasons(left: Sequence[FindingRecord]) -> list[str]:
    names = " ".join(f"--accept-risk {f.threshold_id}" for f in left)
    return [f"its evidence holds an open {describe_finding(f)}" for f in left] + [
        f"to approve it over this risk, accept each finding by name with a rationale: {names} "
        '--risk-rationale "why the use may go ahead"'
    ]


def _review_due(now: datetime, review_by: datetime | None) -> datetime:
    latest = now + REVIEW_INTERVAL
    if review_by is None:
        return latest
    due = moment(review_by)
    if not now < due <= latest:
        raise GovernanceError(
            f"the review date must fall within a year: after {now:%Y-%m-%d} and no later than "
            f"{latest:%Y-%m-%d}"
        )
    return due


def _approval_pins(
    store: Store,
    use_case: UseCaseRecord,
    classification: ClassificationRecord,
    views: list[PracticeView],
) -> dict[str, Any]:
    intake = UseCaseIntake.model_validate(use_case.intake)
    return {
        "revision": use_case.revision,
        "inputs_digest": use_case.inputs_digest,
        "classification_id": classification.id,
        "classes": classification.classes,
        "rules_digest": classification.rules_digest,
        "evidence": [
            {
                "link_id": e.link.id,
                "practice": v.practice.code,
                "kind": e.link.kind,
                "ref": e.link.ref,
                "pins": e.link.pinned,
            }
            for v in views
            if v.practice.required
            for e in v.evidence
        ],
        "models": current_models(store, intake.model_specs()),
        "practices": {
            v.practice.code: {
                "state": v.state,
                "waiver_id": v.waiver_id,
                "signed_by": v.practice.signed_by,
            }
            for v in views
            if v.practice.required
        },
    }


def deny_use_case(
    store: Store,
    use_case_ref: str,
    *,
    rationale: str,
    stated_at: datetime | None = None,
    principal: Principal,
    now: datetime | None = None,
) -> DecisionRecord:
    """Deny a use case."""
    use_case = use_case_for(store, use_case_ref, principal, Action.DECISION_DENY)
    text = _rationale(rationale, "denial")
    return _insert_decision(
        store, principal, use_case, "deny", text, moment(now), stated_at=stated_at
    )


def suspend_use_case(
    store: Store,
    use_case_ref: str,
    *,
    rationale: str,
    stated_at: datetime | None = None,
    principal: Principal,
    now: datetime | None = None,
) -> DecisionRecord:
    """Suspend an approved use case until it is approved again."""
    use_case = use_case_for(store, use_case_ref, principal, Action.DECISION_SUSPEND)
    at = moment(now)
    status = decision_status(store, use_case, _classification(store, use_case), at)
    if status.decision is None or status.decision.kind != "approve":
        raise GovernanceError(
            f"use case {use_case.id} is {status.state}; only an approved use can be suspended "
            "(deny it instead)"
        )
    text = _rationale(rationale, "suspension")
    return _insert_decision(store, principal, use_case, "suspend", text, at, stated_at=stated_at)


def list_decisions(
    store: Store, use_case_ref: str, *, principal: Principal
) -> Filtered[DecisionRecord]:
    """A use case's requests and decisions, newest first."""
    use_case = use_case_for(store, use_case_ref, principal, Action.USECASE_READ)
    return readable(
        principal,
        store.governance.decisions(use_case.id),
        marking_of,
        action=Action.USECASE_READ,
    )
