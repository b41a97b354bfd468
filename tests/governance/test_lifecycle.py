"""The whole lifecycle of a high-impact use case, on SQLite and PostgreSQL: intake,
classification, practices, evidence from a real run, independent evaluation by a second user,
approval, a model change that lapses it, and re-approval."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from governance_people import CAIO, DELEGATE, DEVELOPER, EVALUATOR, REVIEWER
from sqlalchemy import select
from sqlalchemy.orm import Session

import clearance.suites  # noqa: F401  (registers the catalogue's tasks)
from clearance.access import LOCAL_ADMIN, AccessDenied, SeparationOfDutiesError
from clearance.governance import (
    ApprovalBlockedError,
    GovernanceError,
    add_document,
    add_use_case,
    approve_use_case,
    due_items,
    link_evidence,
    request_decision,
    show_use_case,
    sign_independent_evaluation,
    update_practice,
)
from clearance.ledger import change_digest
from clearance.runner import run_task
from clearance.store import RUN_SHARING_HISTORY, Store
from clearance.store._schema import LedgerRow
from clearance.tasks import Task, load_task

RUN_PRACTICES = ("realistic-testing", "independent-evaluation")


def _script(path: Path, task: Task, answer: str) -> str:
    path.write_text(
        "".join(json.dumps({"id": s.id, "output": answer}) + "\n" for s in task.dataset.samples)
    )
    return f"scripted/{path}"


def _last_change_digest(store: Store, record_type: str, record_id: str) -> str:
    with Session(store.engine) as s:
        stmt = (
            select(LedgerRow.change_sha256)
            .where(LedgerRow.record_type == record_type, LedgerRow.record_id == record_id)
            .order_by(LedgerRow.seq.desc())
            .limit(1)
        )
        return str(s.execute(stmt).scalar_one())


async def test_intake_to_approval_to_lapse_on_model_change_to_reapproval(
    store: Store, tmp_path: Path, intake: Callable[..., dict[str, Any]]
) -> None:
    task = load_task("starter-cyber", limit=3)
    script = tmp_path / "triage-model.jsonl"
    spec = _script(script, task, "A")
    first = await run_task(task, spec, store=store, actor=EVALUATOR.id, principal=LOCAL_ADMIN)

    # 1. Intake and classification
    uc = add_use_case(
        store,
        intake(
            name="Insider-threat triage",
            principal_basis=True,
            decision_domain="counterintelligence_and_insider_threat",
            functions=["threat_designation"],
            affected=["federal_employees"],
            ai_systems=[{"name": "triage model", "model": spec}],
            risk_owner="dev-dana",
        ),
        principal=DEVELOPER,
    )
    view = show_use_case(store, uc.id, principal=LOCAL_ADMIN)
    assert view.label == "high-impact"
    assert view.classification is not None
    assert [f["id"] for f in view.classification.fired] == ["H-2"]
    codes = [p.practice.code for p in view.practices]
    assert len(codes) == 12
    assert all(p.practice.owner == "dev-dana" for p in view.practices)

    # 2. Practices, with evidence: a document for most, the real run for testing
    with pytest.raises(GovernanceError, match="cannot be implemented without evidence"):
        update_practice(store, uc.id, "training", status="implemented", principal=DEVELOPER)
    doc_path = tmp_path / "impact-assessment.md"
    doc_path.write_text("# Impact assessment\nData: personnel security files.\n")
    document = add_document(store, doc_path, principal=DEVELOPER)
    for code in codes:
        if code in RUN_PRACTICES:
            continue
        link_evidence(store, uc.id, code, "document", document.id, principal=DEVELOPER)
        update_practice(store, uc.id, code, status="implemented", principal=DEVELOPER)
    with pytest.raises(AccessDenied):
        link_evidence(store, uc.id, "realistic-testing", "run", first.id, principal=EVALUATOR)
    testing = link_evidence(store, uc.id, "realistic-testing", "run", first.id, principal=DEVELOPER)
    assert testing.pinned["model_spec"] == spec
    assert testing.pinned["dataset_digest"] == first.provenance["dataset"]["digest"]
    assert testing.pinned["task_digest"] == first.provenance["task"]["digest"]
    assert testing.pinned["ledger_entry_hash"]
    update_practice(store, uc.id, "realistic-testing", status="implemented", principal=DEVELOPER)

    # 3. Independent evaluation: refused to the developer, signed by a second user
    link_evidence(store, uc.id, "independent-evaluation", "run", first.id, principal=REVIEWER)
    with pytest.raises(GovernanceError, match="implemented by signing it"):
        update_practice(
            store, uc.id, "independent-evaluation", status="implemented", principal=REVIEWER
        )
    with pytest.raises(SeparationOfDutiesError, match="developer of the use case"):
        sign_independent_evaluation(store, uc.id, principal=DEVELOPER)
    signed = sign_independent_evaluation(store, uc.id, principal=REVIEWER, note="Re-ran it.")
    assert signed.signed_by == "rev-ravi"
    assert signed.status == "implemented"

    # 4. Approval: the requester may not approve; the chief AI officer does
    request_decision(store, uc.id, rationale="Ready for decision.", principal=DELEGATE)
    with pytest.raises(SeparationOfDutiesError, match="requester"):
        approve_use_case(store, uc.id, rationale="Looks fine.", principal=DELEGATE)
    with pytest.raises(AccessDenied):
        approve_use_case(store, uc.id, rationale="Looks fine.", principal=DEVELOPER)
    approval = approve_use_case(
        store, uc.id, rationale="All practices met; tested.", principal=CAIO
    )
    first_model = first.provenance["model"]
    assert approval.pinned["models"] == {spec: store.runs.resolve(first.id).model_id}
    pinned_runs = [e for e in approval.pinned["evidence"] if e["kind"] == "run"]
    assert {e["practice"] for e in pinned_runs} == set(RUN_PRACTICES)
    assert approval.review_due is not None
    assert (approval.review_due - approval.created_at).days == 365
    view = show_use_case(store, uc.id, principal=LOCAL_ADMIN)
    assert view.decision.state == "approved"
    assert view.decision.lapse_reasons == []
    assert all(i.kind != "re-review" for i in due_items(store, principal=CAIO))

    # Sharing the pinned run with another agency (a note on the run, as `bundle create` writes)
    # changes nothing it shows as evidence: the approval stands. Another note on it lapses it.
    with store.unit_of_work(EVALUATOR.id) as uow:
        store.runs.append_history(
            uow, first.id, action="run.share", history_key=RUN_SHARING_HISTORY,
            change={"bundle": "b-1", "recipient_clearance": "SECRET"},
        )  # fmt: skip
    assert show_use_case(store, uc.id, principal=LOCAL_ADMIN).decision.lapse_reasons == []
    with store.unit_of_work(EVALUATOR.id) as uow:
        store.runs.append_history(
            uow, first.id, action="run.remark", history_key="remarks", change={"note": "x"}
        )
    reasons = show_use_case(store, uc.id, principal=LOCAL_ADMIN).decision.lapse_reasons
    assert any("evidence sha256 changed" in r for r in reasons), reasons

    # 5. The model changes (new answers, so a new version): a new run of the same task lapses
    spec_again = _script(script, task, "B")
    assert spec_again == spec
    second = await run_task(task, spec, store=store, actor=EVALUATOR.id, principal=LOCAL_ADMIN)
    assert second.provenance["model"]["version"] != first_model["version"]
    view = show_use_case(store, uc.id, principal=LOCAL_ADMIN)
    assert view.decision.state == "needs re-review"
    reasons = "\n".join(view.decision.lapse_reasons)
    assert f"model {spec} changed" in reasons
    assert f"newer run {second.id}" in reasons
    due = [i for i in due_items(store, principal=CAIO) if i.use_case_id == uc.id]
    assert [i.kind for i in due if i.overdue] == ["re-review"]
    with pytest.raises(ApprovalBlockedError, match="link it again"):
        approve_use_case(store, uc.id, rationale="Still fine?", principal=CAIO)

    # 6. Re-approval: link the new run (the signer must sign again), then approve
    for code in RUN_PRACTICES:
        link_evidence(store, uc.id, code, "run", second.id, principal=REVIEWER)
    assert show_use_case(store, uc.id, principal=LOCAL_ADMIN).practices[2].state == "in_progress"
    sign_independent_evaluation(store, uc.id, principal=REVIEWER, note="Re-evaluated.")
    again = approve_use_case(store, uc.id, rationale="Re-tested on the new model.", principal=CAIO)
    assert again.pinned["models"] == {spec: store.runs.resolve(second.id).model_id}
    assert again.pinned["models"] != approval.pinned["models"]
    view = show_use_case(store, uc.id, principal=LOCAL_ADMIN)
    assert view.decision.state == "approved"
    assert view.decision.decision is not None
    assert view.decision.decision.id == again.id
    assert view.decision.lapse_reasons == []

    # Every governance write left a ledger entry holding the record's full content
    stored_uc = store.governance.use_case(uc.id)
    assert _last_change_digest(store, "use_case", uc.id) == change_digest(
        stored_uc.model_dump(mode="json")
    )
    assert _last_change_digest(store, "decision", again.id) == change_digest(
        again.model_dump(mode="json")
    )
    practice = next(
        p.practice for p in view.practices if p.practice.code == "independent-evaluation"
    )
    assert _last_change_digest(store, "practice", practice.id) == change_digest(
        practice.model_dump(mode="json")
    )
