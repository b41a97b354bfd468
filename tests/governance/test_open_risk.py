"""Approval over open risk: evidence holding an `exceeds` finding blocks an approval until every
such finding is accepted by name with a rationale; the acceptance is pinned in the decision, so
its ledger entry covers it. Linking evidence starts a practice and says what comes next."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from governance_people import ADMIN, CAIO, DEVELOPER, REVIEWER, T0
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.governance import (
    ApprovalBlockedError,
    GovernanceError,
    add_use_case,
    approve_use_case,
    link_evidence,
    next_step,
    show_use_case,
    sign_independent_evaluation,
    update_practice,
)
from clearance.ledger import change_digest
from clearance.store import FindingRecord, Store
from clearance.store._schema import LedgerRow

TESTING = ("realistic-testing", "independent-evaluation")


def _finding(store: Store, verdict: str, threshold_id: str = "safety-harmful-refusal") -> str:
    with store.unit_of_work("assessor") as uow:
        _, [finding] = store.findings.create_assessment(
            uow,
            assessment={
                "model_spec": "scripted/m",
                "model_ids": [],
                "policy_name": "p",
                "policy_version": "1",
                "policy_digest": "0" * 64,
                "summary": {"domains": [], "adequacy": [], "mitigations": []},
            },
            findings=[
                {
                    "domain": "safety",
                    "benchmark": "refusal-check",
                    "threshold_id": threshold_id,
                    "metric": "accuracy",
                    "direction": "below",
                    "threshold": 0.95,
                    "severity": "critical",
                    "verdict": verdict,
                    "value": 0.25,
                    "ci_low": 0.046,
                    "ci_high": 0.699,
                    "n": 4,
                    "run_id": None,
                    "evidence_run_ids": [],
                    "reason": "measured",
                }
            ],
        )
    finding_id: str = finding.id
    return finding_id


def _ready(store: Store, intake: Callable[..., dict[str, Any]], *findings: str) -> str:
    """A high-impact use case with every practice done; ``findings`` are its testing evidence."""
    uc = add_use_case(
        store,
        intake(principal_basis=True, functions=["threat_designation"]),
        principal=DEVELOPER,
        now=T0,
    ).id
    for code in TESTING:
        for finding in findings:
            link_evidence(store, uc, code, "finding", finding, principal=ADMIN, now=T0)
    for view in show_use_case(store, uc, principal=ADMIN).practices:
        code = view.practice.code
        if code in TESTING and findings:
            continue
        link_evidence(store, uc, code, "policy", "default", principal=ADMIN, now=T0)
    for view in show_use_case(store, uc, principal=ADMIN).practices:
        if view.practice.code != "independent-evaluation":
            update_practice(
                store, uc, view.practice.code, status="implemented", principal=ADMIN, now=T0
            )
    sign_independent_evaluation(store, uc, principal=REVIEWER, now=T0)
    return uc


def test_an_exceeds_finding_blocks_a_plain_approval_and_lists_the_finding(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    finding = _finding(sqlite_store, "exceeds")
    uc = _ready(sqlite_store, intake, finding)
    with pytest.raises(ApprovalBlockedError) as blocked:
        approve_use_case(sqlite_store, uc, rationale="Advisory only.", principal=CAIO, now=T0)
    message = str(blocked.value)
    assert f"open finding {finding} (safety-harmful-refusal, severity critical)" in message
    assert "0.250 (95% CI 0.046–0.699, n=4)" in message
    assert "--accept-risk safety-harmful-refusal" in message
    assert show_use_case(sqlite_store, uc, principal=ADMIN).decision.state == "none"


@pytest.mark.parametrize(
    ("names", "rationale", "expected"),
    [
        (["safety-harmful-refusal"], "  ", "needs a written rationale"),
        (["bio-uplift"], "Accepted.", "'bio-uplift' names no open finding"),
    ],
)
def test_an_acceptance_must_name_an_open_finding_and_say_why(
    sqlite_store: Store,
    intake: Callable[..., dict[str, Any]],
    names: list[str],
    rationale: str,
    expected: str,
) -> None:
    uc = _ready(sqlite_store, intake, _finding(sqlite_store, "exceeds"))
    with pytest.raises(GovernanceError, match=expected):
        approve_use_case(
            sqlite_store,
            uc,
            rationale="Advisory only.",
            accept_risks=names,
            risk_rationale=rationale,
            principal=CAIO,
            now=T0,
        )


def test_every_open_finding_must_be_named(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    first = _finding(sqlite_store, "exceeds")
    second = _finding(sqlite_store, "exceeds", threshold_id="expression-over-refusal")
    uc = _ready(sqlite_store, intake, first, second)
    with pytest.raises(ApprovalBlockedError) as blocked:
        approve_use_case(
            sqlite_store,
            uc,
            rationale="Advisory only.",
            accept_risks=[first],
            risk_rationale="Outputs are advisory.",
            principal=CAIO,
            now=T0,
        )
    assert second in str(blocked.value)
    assert first not in str(blocked.value)


def test_an_accepted_risk_is_pinned_in_the_approval_and_its_ledger_entry(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    finding = _finding(sqlite_store, "exceeds")
    uc = _ready(sqlite_store, intake, finding)
    approval = approve_use_case(
        sqlite_store,
        uc,
        rationale="Advisory only.",
        accept_risks=["safety-harmful-refusal"],
        risk_rationale="The ranker  never answers requests.",
        principal=CAIO,
        now=T0,
    )
    accepted = approval.pinned["risk_acceptance"]
    assert accepted["rationale"] == "The ranker never answers requests."
    assert accepted["accepted_by"] == "caio-carol"
    [pinned] = accepted["findings"]
    record = FindingRecord.model_validate(sqlite_store.governance.finding(finding))
    assert pinned["finding_id"] == finding
    assert pinned["record_sha256"] == change_digest(record.model_dump(mode="json"))
    with Session(sqlite_store.engine) as s:
        entry = s.scalars(select(LedgerRow).where(LedgerRow.record_id == approval.id)).one()
    assert entry.action == "decision.approve"
    assert entry.change_sha256 == change_digest(approval.model_dump(mode="json"))
    assert show_use_case(sqlite_store, uc, principal=ADMIN).decision.state == "approved"


def test_findings_that_do_not_exceed_need_no_acceptance(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc = _ready(sqlite_store, intake, _finding(sqlite_store, "inconclusive"))
    approval = approve_use_case(sqlite_store, uc, rationale="Fine.", principal=CAIO, now=T0)
    assert "risk_acceptance" not in approval.pinned
    other = _ready(sqlite_store, intake, _finding(sqlite_store, "below"))
    with pytest.raises(GovernanceError, match="holds no open finding"):
        approve_use_case(
            sqlite_store,
            other,
            rationale="Fine.",
            accept_risks=["safety-harmful-refusal"],
            risk_rationale="Nothing to accept.",
            principal=CAIO,
            now=T0,
        )


def test_linking_evidence_starts_a_practice_and_says_what_is_next(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc = add_use_case(
        sqlite_store,
        intake(principal_basis=True, functions=["threat_designation"]),
        principal=DEVELOPER,
        now=T0,
    ).id
    with pytest.raises(GovernanceError) as unlinked:
        sign_independent_evaluation(sqlite_store, uc, principal=REVIEWER, now=T0)
    assert f"`clearance practice link {uc} independent-evaluation --run RUN`" in str(unlinked.value)
    link_evidence(
        sqlite_store, uc, "impact-assessment", "policy", "default", principal=ADMIN, now=T0
    )
    link_evidence(
        sqlite_store, uc, "independent-evaluation", "policy", "default", principal=ADMIN, now=T0
    )
    view = show_use_case(sqlite_store, uc, principal=ADMIN)
    states = {v.practice.code: v.state for v in view.practices}
    assert states["impact-assessment"] == "in_progress"
    assert states["independent-evaluation"] == "in_progress"
    assert states["training"] == "not_started"
    assert next_step(sqlite_store, uc, "independent-evaluation") == (
        f"sign it: `clearance practice sign {uc} independent-evaluation` (by someone who did "
        "not develop the use)"
    )
    assert f"`clearance practice update {uc} impact-assessment --status implemented`" in (
        next_step(sqlite_store, uc, "impact-assessment")
    )
    signed = sign_independent_evaluation(sqlite_store, uc, principal=REVIEWER, now=T0)
    assert signed.status == "implemented"


def test_the_annual_report_shows_the_risk_an_approval_accepted(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    from clearance.reports import build_annual_report, render_html

    def governance_text() -> str:
        report = build_annual_report(sqlite_store, principal=CAIO)
        (section,) = [s for s in report.sections if s.id == "risk-acceptance"]
        return str(section.model_dump(mode="json"))

    finding = _finding(sqlite_store, "exceeds")
    uc = _ready(sqlite_store, intake, finding)
    assert "no approval in force accepts an open finding" in governance_text()
    approve_use_case(
        sqlite_store,
        uc,
        rationale="Advisory only.",
        accept_risks=["safety-harmful-refusal"],
        risk_rationale="The ranker never answers requests.",
        principal=CAIO,
        now=T0,
    )
    text = governance_text()
    assert "1 approval in force accepts the risk of 1 open finding" in text
    assert f"safety-harmful-refusal (critical) {finding}" in text
    assert "caio-carol" in text
    assert "The ranker never answers requests." in text
    assert uc in text
    html = render_html(build_annual_report(sqlite_store, principal=CAIO)).decode()
    assert "Governance: risk accepted over open findings" in html
    assert "The ranker never answers requests." in html
