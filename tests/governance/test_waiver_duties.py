"""The chief AI officer's duties over waivers that follow from the use case: each waiver is
reassessed when the conditions or context of the use change significantly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from governance_people import CAIO, DEVELOPER, T0

from clearance.access import LOCAL_ADMIN
from clearance.governance import (
    add_use_case,
    due_items,
    edit_use_case,
    grant_waiver,
    list_waivers,
    renew_waiver,
    revoke_waiver,
)
from clearance.store import Store

FINDING = (
    "Independent evaluators with the needed clearance are not available before the exercise; "
    "the system runs only in a closed test range until they are."
)
REASSESSMENT = (
    "The use now feeds a second office; the range-only limit still holds and the evaluators are "
    "still being cleared, so the waiver stands for the new context."
)


def _waived(store: Store, intake: Callable[..., dict[str, Any]]) -> tuple[str, str]:
    uc = add_use_case(
        store,
        intake(principal_basis=True, functions=["threat_designation"]),
        principal=DEVELOPER,
        now=T0,
    ).id
    view = grant_waiver(
        store,
        uc,
        "independent-evaluation",
        category="impedes-critical-operations",
        finding=FINDING,
        principal=CAIO,
        now=T0,
    )
    return uc, view.waiver.id


def _reassessments(store: Store, at: Any) -> list[Any]:
    return [
        i
        for i in due_items(store, now=at, principal=LOCAL_ADMIN)
        if i.kind == "waiver reassessment"
    ]


def test_a_change_of_inputs_puts_each_active_waiver_up_for_reassessment(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc, waiver = _waived(sqlite_store, intake)
    day = T0 + timedelta(days=1)
    assert _reassessments(sqlite_store, day) == []
    [view] = list_waivers(sqlite_store, now=day, principal=LOCAL_ADMIN)
    assert not view.reassessment_due

    # The same facts again are no change; a new office using it is.
    edit_use_case(
        sqlite_store, uc, {"stage": "operation_and_maintenance"}, now=day, principal=LOCAL_ADMIN
    )
    assert _reassessments(sqlite_store, day) == []
    edit_use_case(sqlite_store, uc, {"office": "A second office"}, principal=DEVELOPER, now=day)
    [due] = _reassessments(sqlite_store, day)
    assert due.overdue
    assert waiver in due.detail
    assert f"clearance waiver renew {waiver}" in due.detail

    # Renewing records the reassessment: the new waiver postdates the change.
    later = day + timedelta(hours=1)
    renewed = renew_waiver(
        sqlite_store, waiver, finding=FINDING, reassessment=REASSESSMENT, principal=CAIO, now=later
    )
    assert renewed.waiver.reassessment == " ".join(REASSESSMENT.split())
    assert _reassessments(sqlite_store, later) == []


def test_a_revoked_waiver_needs_no_reassessment(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc, waiver = _waived(sqlite_store, intake)
    day = T0 + timedelta(days=1)
    revoke_waiver(sqlite_store, waiver, reason="No longer needed.", principal=CAIO, now=day)
    edit_use_case(sqlite_store, uc, {"office": "Another office"}, principal=DEVELOPER, now=day)
    assert _reassessments(sqlite_store, day) == []
