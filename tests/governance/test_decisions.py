"""Decisions: who may approve, what an approval needs, annual review, suspension, and evidence
from findings and mitigations pinned by their record digest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from governance_people import ADMIN, CAIO, DELEGATE, DEVELOPER, REVIEWER, T0

from clearance.access import LOCAL_ADMIN, AccessDenied
from clearance.governance import (
    ApprovalBlockedError,
    add_use_case,
    approve_use_case,
    due_items,
    evidence_changes,
    link_evidence,
    show_use_case,
    suspend_use_case,
)
from clearance.ledger import change_digest
from clearance.store import Store


def test_a_delegate_may_approve_and_the_review_falls_due_a_year_later(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc = add_use_case(sqlite_store, intake(), principal=DEVELOPER, now=T0)
    approval = approve_use_case(
        sqlite_store, uc.id, rationale="Low risk translation.", principal=DELEGATE, now=T0
    )
    assert approval.created_by == "deputy-dan"
    assert approval.review_due == T0 + timedelta(days=365)
    assert [i.kind for i in due_items(sqlite_store, now=T0, principal=LOCAL_ADMIN)] == []
    soon = due_items(sqlite_store, now=T0 + timedelta(days=340), principal=LOCAL_ADMIN)
    assert [(i.kind, i.overdue) for i in soon] == [("annual review", False)]
    late = due_items(sqlite_store, now=T0 + timedelta(days=366), principal=LOCAL_ADMIN)
    assert [(i.kind, i.overdue) for i in late] == [("annual review", True)]
    assert show_use_case(
        sqlite_store, uc.id, now=T0 + timedelta(days=366), principal=LOCAL_ADMIN
    ).decision.review_overdue


def test_nobody_else_may_decide(sqlite_store: Store, intake: Callable[..., dict[str, Any]]) -> None:
    uc = add_use_case(sqlite_store, intake(), principal=DEVELOPER, now=T0)
    for who in (DEVELOPER, REVIEWER):
        with pytest.raises(AccessDenied, match=r"decision\.approve"):
            approve_use_case(sqlite_store, uc.id, rationale="ok", principal=who, now=T0)
    assert show_use_case(sqlite_store, uc.id, principal=LOCAL_ADMIN).decision.state == "none"


def test_a_prohibited_use_cannot_be_approved(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc = add_use_case(
        sqlite_store, intake(functions=["profiling_by_protected_activity"]), principal=DEVELOPER
    )
    with pytest.raises(ApprovalBlockedError, match=r"prohibited use \(P-1\)"):
        approve_use_case(sqlite_store, uc.id, rationale="ok", principal=CAIO)


def test_approval_waits_for_every_required_practice(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc = add_use_case(
        sqlite_store,
        intake(principal_basis=True, functions=["threat_designation"]),
        principal=LOCAL_ADMIN,
    )
    with pytest.raises(ApprovalBlockedError) as blocked:
        approve_use_case(sqlite_store, uc.id, rationale="ok", principal=CAIO)
    assert len(blocked.value.reasons) == 12
    assert blocked.value.reasons[2] == "practice independent-evaluation is not started"


def test_suspension_follows_an_approval(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc = add_use_case(sqlite_store, intake(), now=T0, principal=LOCAL_ADMIN)
    approve_use_case(sqlite_store, uc.id, rationale="Fine.", principal=CAIO, now=T0)
    with pytest.raises(AccessDenied):
        suspend_use_case(sqlite_store, uc.id, rationale="x", principal=REVIEWER)
    suspend_use_case(
        sqlite_store, uc.id, rationale="Incident under review.", principal=ADMIN, now=T0
    )
    view = show_use_case(sqlite_store, uc.id, principal=LOCAL_ADMIN)
    assert view.decision.state == "suspended"
    assert view.decision.review_due is None


def test_findings_and_mitigations_are_pinned_by_record_digest(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc = add_use_case(
        sqlite_store,
        intake(principal_basis=True, functions=["threat_designation"]),
        principal=LOCAL_ADMIN,
    )
    with sqlite_store.unit_of_work("test") as uow:
        _, [finding] = sqlite_store.findings.create_assessment(
            uow,
            assessment={
                "model_spec": "scripted/m",
                "model_ids": [],
                "policy_name": "p",
                "policy_version": "1",
                "policy_digest": "0" * 64,
                "summary": {},
            },
            findings=[
                {
                    "domain": "cyber",
                    "benchmark": None,
                    "threshold_id": "t",
                    "metric": "accuracy",
                    "direction": "above",
                    "threshold": 0.5,
                    "severity": "high",
                    "verdict": "not tested",
                    "value": None,
                    "ci_low": None,
                    "ci_high": None,
                    "n": None,
                    "run_id": None,
                    "evidence_run_ids": [],
                    "reason": "no run",
                }
            ],
        )
    link = link_evidence(
        sqlite_store, uc.id, "impact-assessment", "finding", finding.id, principal=LOCAL_ADMIN
    )
    assert link.pinned["record_sha256"] == change_digest(finding.model_dump(mode="json"))
    assert link.pinned["verdict"] == "not tested"
    assert evidence_changes(sqlite_store, "finding", finding.id, link.pinned) == []
    tampered = {**link.pinned, "record_sha256": "f" * 64}
    [change] = evidence_changes(sqlite_store, "finding", finding.id, tampered)
    assert "record sha256 changed" in change
