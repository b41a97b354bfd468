"""Waivers: the chief AI officer alone grants them, for at most a year, on a written finding;
they expire, can be revoked and renewed, and each event must be reported within three days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from governance_people import ADMIN, CAIO, DEVELOPER, REVIEWER, T0

from clearance.access import LOCAL_ADMIN, AccessDenied, Principal, Role
from clearance.governance import (
    GovernanceError,
    RulesError,
    add_use_case,
    due_items,
    grant_waiver,
    list_waivers,
    record_waiver_report,
    renew_waiver,
    revoke_waiver,
    show_use_case,
    waiver_counts,
)
from clearance.store import Store

FINDING = (
    "Independent evaluators with the needed clearance are not available before the exercise; "
    "the system runs only in a closed test range until they are."
)
REASSESSMENT = (
    "Reviewed the range logs for the year: no operational use, no incident; evaluators are "
    "still being cleared."
)


@pytest.fixture
def high_impact(sqlite_store: Store, intake: Callable[..., dict[str, Any]]) -> str:
    uc = add_use_case(
        sqlite_store,
        intake(principal_basis=True, functions=["threat_designation"]),
        principal=DEVELOPER,
        now=T0,
    )
    return uc.id


def _grant(store: Store, use_case: str, **kw: Any) -> Any:
    kw.setdefault("category", "impedes-critical-operations")
    kw.setdefault("finding", FINDING)
    kw.setdefault("principal", CAIO)
    kw.setdefault("now", T0)
    return grant_waiver(store, use_case, "independent-evaluation", **kw)


def test_granting_waives_the_practice_until_it_expires_after_at_most_a_year(
    sqlite_store: Store, high_impact: str
) -> None:
    view = _grant(sqlite_store, high_impact)
    waiver = view.waiver
    assert view.state == "active"
    assert waiver.expires_at == T0 + timedelta(days=365)
    assert waiver.created_by == "caio-carol"
    practices = show_use_case(sqlite_store, high_impact, now=T0, principal=LOCAL_ADMIN).practices
    assert next(p for p in practices if p.waiver_id).practice.code == "independent-evaluation"

    late = T0 + timedelta(days=365, seconds=1)
    [expired] = list_waivers(sqlite_store, now=late, principal=LOCAL_ADMIN)
    assert expired.state == "expired"
    practice = next(
        p
        for p in show_use_case(sqlite_store, high_impact, now=late, principal=LOCAL_ADMIN).practices
        if p.practice.code == "independent-evaluation"
    )
    assert practice.state == "not_started"
    assert practice.waiver_id is None


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"days": 366}, "at most 365 days"),
        ({"expires_at": T0 + timedelta(days=400)}, "at most 365 days"),
        ({"expires_at": T0 - timedelta(days=1)}, "not in the future"),
        ({"finding": "Because."}, "written out"),
    ],
)
def test_a_waiver_beyond_a_year_or_without_a_written_finding_is_refused(
    sqlite_store: Store, high_impact: str, kw: dict[str, Any], message: str
) -> None:
    with pytest.raises(GovernanceError, match=message):
        _grant(sqlite_store, high_impact, **kw)
    assert len(list_waivers(sqlite_store, principal=LOCAL_ADMIN)) == 0


def test_an_unknown_category_lists_the_frameworks_categories(
    sqlite_store: Store, high_impact: str
) -> None:
    with pytest.raises(RulesError, match="allowed: increases-overall-risk, impedes-critical"):
        _grant(sqlite_store, high_impact, category="budget")


@pytest.mark.parametrize(
    "who",
    [
        ADMIN,
        DEVELOPER,
        REVIEWER,
        Principal(
            id="everyone",
            name="Every role but CAIO",
            roles=frozenset(set(Role)) - {Role.CHIEF_AI_OFFICER},
        ),
    ],
    ids=["admin", "risk-owner", "reviewer", "all-other-roles"],
)
def test_only_the_chief_ai_officer_may_grant_a_waiver(
    sqlite_store: Store, high_impact: str, who: Principal
) -> None:
    with pytest.raises(AccessDenied, match="reserved to the chief AI officer"):
        _grant(sqlite_store, high_impact, principal=who)
    assert len(list_waivers(sqlite_store, principal=LOCAL_ADMIN)) == 0


def test_waiver_actions_cannot_be_delegated() -> None:
    with pytest.raises(ValueError, match="cannot be delegated"):
        Principal(
            id="deputy", name="Deputy", roles=frozenset(), delegated=frozenset({"waiver.grant"})
        )


def test_only_required_practices_of_permitted_uses_can_be_waived(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    plain = add_use_case(sqlite_store, intake(), principal=DEVELOPER, now=T0)
    with pytest.raises(GovernanceError, match="no required practice 'training'"):
        grant_waiver(
            sqlite_store,
            plain.id,
            "training",
            category="increases-overall-risk",
            finding=FINDING,
            principal=CAIO,
            now=T0,
        )
    banned = add_use_case(
        sqlite_store, intake(functions=["emotion_inference"]), principal=DEVELOPER, now=T0
    )
    with pytest.raises(GovernanceError, match="prohibited use; no waiver can allow it"):
        grant_waiver(
            sqlite_store,
            banned.id,
            "training",
            category="increases-overall-risk",
            finding=FINDING,
            principal=CAIO,
            now=T0,
        )


def test_revocation_ends_the_waiver_and_must_itself_be_reported(
    sqlite_store: Store, high_impact: str
) -> None:
    waiver = _grant(sqlite_store, high_impact).waiver
    with pytest.raises(AccessDenied):
        revoke_waiver(sqlite_store, waiver.id, reason="no", principal=ADMIN, now=T0)
    later = T0 + timedelta(days=10)
    view = revoke_waiver(
        sqlite_store, waiver.id, reason="Evaluators cleared early.", principal=CAIO, now=later
    )
    assert view.state == "revoked"
    assert view.waiver.revoked_by == "caio-carol"
    assert [(r.report.event, r.state) for r in view.reports] == [
        ("grant", "overdue"),
        ("revoke", "pending"),
    ]
    assert waiver_counts(sqlite_store, now=later, principal=LOCAL_ADMIN).active == 0
    with pytest.raises(GovernanceError, match="only an active waiver is revoked"):
        revoke_waiver(sqlite_store, waiver.id, reason="again", principal=CAIO, now=later)


def test_renewal_reassesses_and_replaces_the_waiver(sqlite_store: Store, high_impact: str) -> None:
    old = _grant(sqlite_store, high_impact).waiver
    at = T0 + timedelta(days=360)
    with pytest.raises(GovernanceError, match="reassessment must be written out"):
        renew_waiver(
            sqlite_store, old.id, finding=FINDING, reassessment="ok", principal=CAIO, now=at
        )
    view = renew_waiver(
        sqlite_store, old.id, finding=FINDING, reassessment=REASSESSMENT, principal=CAIO, now=at
    )
    assert view.state == "active"
    assert view.waiver.renews_id == old.id
    assert view.waiver.expires_at == at + timedelta(days=365)
    states = {
        v.waiver.id: v.state for v in list_waivers(sqlite_store, now=at, principal=LOCAL_ADMIN)
    }
    assert states == {old.id: "renewed", view.waiver.id: "active"}
    counts = waiver_counts(sqlite_store, now=at, principal=LOCAL_ADMIN)
    assert (counts.active, counts.total) == (1, 2)


def test_reporting_is_due_in_three_days_and_flagged_when_overdue(
    sqlite_store: Store, high_impact: str
) -> None:
    waiver = _grant(sqlite_store, high_impact).waiver
    [report] = sqlite_store.governance.waiver_reports(waiver.id)
    assert report.due_at == T0 + timedelta(days=3)

    def state_at(moment: Any) -> str:
        [view] = list_waivers(sqlite_store, now=moment, principal=LOCAL_ADMIN)
        return view.reports[0].state

    assert state_at(T0 + timedelta(days=2, hours=23)) == "pending"
    assert state_at(T0 + timedelta(days=3)) == "pending"
    assert state_at(T0 + timedelta(days=3, seconds=1)) == "overdue"
    overdue = [
        i
        for i in due_items(sqlite_store, now=T0 + timedelta(days=4), principal=LOCAL_ADMIN)
        if i.kind == "waiver report"
    ]
    assert len(overdue) == 1
    assert overdue[0].overdue
    assert (
        waiver_counts(
            sqlite_store, now=T0 + timedelta(days=4), principal=LOCAL_ADMIN
        ).reporting_overdue
        == 1
    )

    with pytest.raises(GovernanceError, match="name to whom"):
        record_waiver_report(sqlite_store, waiver.id, recipients=[" "], principal=CAIO)
    view = record_waiver_report(
        sqlite_store,
        waiver.id,
        recipients=["Department head", "APNSA"],
        reported_at=T0 + timedelta(days=4),
        principal=CAIO,
        now=T0 + timedelta(days=5),
    )
    assert view.reports[0].state == "reported late"
    assert view.reports[0].report.recipients == ["Department head", "APNSA"]
    assert not view.reporting_overdue
    with pytest.raises(GovernanceError, match="already reported"):
        record_waiver_report(sqlite_store, waiver.id, recipients=["x"], principal=CAIO)


def test_a_report_in_time_is_reported(sqlite_store: Store, high_impact: str) -> None:
    waiver = _grant(sqlite_store, high_impact).waiver
    view = record_waiver_report(
        sqlite_store,
        waiver.id,
        recipients=["Department head"],
        principal=CAIO,
        now=T0 + timedelta(days=1),
    )
    assert view.reports[0].state == "reported"
    assert view.reports[0].report.reported_by == "caio-carol"


def test_a_report_cannot_be_dated_before_its_event_or_after_now(
    sqlite_store: Store, high_impact: str
) -> None:
    waiver = _grant(sqlite_store, high_impact).waiver
    for stated, why in (
        (T0 - timedelta(days=30), "before the event"),
        (T0 + timedelta(days=9), "future"),
    ):
        with pytest.raises(GovernanceError, match=why):
            record_waiver_report(
                sqlite_store,
                waiver.id,
                recipients=["Department head"],
                reported_at=stated,
                principal=CAIO,
                now=T0 + timedelta(days=2),
            )


def test_counts_of_active_and_total_waivers(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    ids = [
        add_use_case(
            sqlite_store,
            intake(name=f"use {n}", principal_basis=True, functions=["threat_designation"]),
            principal=DEVELOPER,
            now=T0,
        ).id
        for n in range(3)
    ]
    _grant(sqlite_store, ids[0])
    _grant(sqlite_store, ids[1], days=30)
    short = _grant(sqlite_store, ids[2], days=60).waiver
    revoke_waiver(sqlite_store, short.id, reason="Not needed.", principal=CAIO, now=T0)
    counts = waiver_counts(sqlite_store, now=T0 + timedelta(days=45), principal=LOCAL_ADMIN)
    assert (counts.active, counts.total) == (1, 3)
