"""Reading use cases: one in full (``usecase show``), all in brief (``usecase list``), and what
falls due (``usecase due``). Every state is computed at the time of reading."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from clearance.access import Action, Filtered, Principal, marking_of, readable
from clearance.governance._agency import rules_in_force
from clearance.governance._context import moment, use_case_for
from clearance.governance._intake import UseCaseIntake
from clearance.governance._rules import class_label
from clearance.governance._status import (
    DecisionStatus,
    PracticeView,
    decision_status,
    practice_views,
)
from clearance.governance._usecases import rules_outdated
from clearance.governance._waivers import WaiverView, waiver_view
from clearance.store import ClassificationRecord, Store, UseCaseRecord


class UseCaseView(BaseModel):
    """A use case and where it stands: classification, practices, decision, waivers."""

    use_case: UseCaseRecord
    intake: UseCaseIntake
    classification: ClassificationRecord | None
    rules_outdated: bool
    """Classified under a rules file other than the one in force: classify it again."""
    practices: list[PracticeView]
    decision: DecisionStatus
    waivers: list[WaiverView]
    incidents: int
    as_of: datetime

    @property
    def classes(self) -> list[str]:
        """The classes in force."""
        return list(self.classification.classes) if self.classification else []

    @property
    def label(self) -> str:
        """The classes as words."""
        return class_label(self.classes)


def use_case_view(store: Store, use_case: UseCaseRecord, now: datetime) -> UseCaseView:
    """Everything about ``use_case`` at ``now`` (no access check: callers make it)."""
    found = store.governance.classifications(use_case.id)
    classification = found[0] if found else None
    return UseCaseView(
        use_case=use_case,
        intake=UseCaseIntake.model_validate(use_case.intake),
        classification=classification,
        rules_outdated=classification is not None
        and rules_outdated(classification, rules_in_force(store)),
        practices=practice_views(store, use_case, now),
        decision=decision_status(store, use_case, classification, now),
        waivers=[waiver_view(store, w, now) for w in store.governance.waivers(use_case.id)],
        incidents=len(store.governance.incidents(use_case.id)),
        as_of=now,
    )


def show_use_case(
    store: Store,
    ref: str,
    *,
    principal: Principal,
    now: datetime | None = None,
) -> UseCaseView:
    """One use case in full, with current digests checked against what its approval pinned."""
    use_case = use_case_for(store, ref, principal, Action.USECASE_READ)
    return use_case_view(store, use_case, moment(now))


def list_use_cases(
    store: Store, *, principal: Principal, now: datetime | None = None
) -> Filtered[UseCaseView]:
    """Every use case the principal may read, oldest first, each with its current state."""
    at = moment(now)
    visible = readable(
        principal, store.governance.use_cases(), marking_of, action=Action.USECASE_READ
    )
    views = tuple(use_case_view(store, u, at) for u in visible)
    return Filtered(items=views, withheld=visible.withheld, banner=visible.banner)


DueKind = Literal[
    "annual review",
    "re-review",
    "decision requested",
    "waiver expiry",
    "waiver report",
    "re-classify",
    "waiver reassessment",
    "critical-node review",
]


class DueItem(BaseModel):
    """Something a use case needs, and by when."""

    use_case_id: str
    name: str
    kind: DueKind
    due: datetime | None
    overdue: bool
    detail: str


def due_items(
    store: Store,
    *,
    within_days: int = 30,
    principal: Principal,
    now: datetime | None = None,
) -> list[DueItem]:
    """What falls due within ``within_days`` (or is overdue): annual reviews, approvals that
    need re-review, pending requests, expiring waivers, waiver reports, stale classifications.
    Overdue first, then by date."""
    at = moment(now)
    horizon = at + timedelta(days=within_days)
    items: list[DueItem] = []
    for view in list_use_cases(store, principal=principal, now=at):
        items += _due_for(view, at, horizon)
    return sorted(items, key=lambda i: (not i.overdue, i.due or at, i.use_case_id))


def _due_for(view: UseCaseView, now: datetime, horizon: datetime) -> list[DueItem]:
    uc = view.use_case

    def item(kind: DueKind, due: datetime | None, overdue: bool, detail: str) -> DueItem:
        return DueItem(
            use_case_id=uc.id, name=uc.name, kind=kind, due=due, overdue=overdue, detail=detail
        )

    found: list[DueItem] = []
    status = view.decision
    if status.state == "needs re-review":
        found.append(item("re-review", None, True, "; ".join(status.lapse_reasons)))
    reviewing = status.state in ("approved", "needs re-review")
    if status.review_due is not None and reviewing and status.review_due <= horizon:
        found.append(
            item(
                "annual review",
                status.review_due,
                status.review_overdue,
                f"annual review due {status.review_due:%Y-%m-%d}",
            )
        )
    if status.pending_request is not None:
        request = status.pending_request
        found.append(
            item(
                "decision requested",
                request.created_at,
                False,
                f"requested by {request.created_by}",
            )
        )
    if view.rules_outdated:
        found.append(item("re-classify", None, False, "classified under an older rules file"))
    for w in view.waivers:
        if w.reassessment_due:
            found.append(
                item(
                    "waiver reassessment",
                    None,
                    True,
                    f"the use case changed after waiver {w.waiver.id} of "
                    f"{w.waiver.practice_code} was granted: reassess it "
                    f"(`clearance waiver renew {w.waiver.id}`) or revoke it",
                )
            )
        if w.state == "active" and w.waiver.expires_at <= horizon:
            found.append(
                item(
                    "waiver expiry",
                    w.waiver.expires_at,
                    False,
                    f"waiver {w.waiver.id} of {w.waiver.practice_code} expires "
                    f"{w.waiver.expires_at:%Y-%m-%d}",
                )
            )
        for r in w.reports:
            if r.state in ("pending", "overdue"):
                found.append(
                    item(
                        "waiver report",
                        r.report.due_at,
                        r.overdue,
                        f"report the {r.report.event} of waiver {w.waiver.id} by "
                        f"{r.report.due_at:%Y-%m-%d %H:%M} UTC",
                    )
                )
    return found
