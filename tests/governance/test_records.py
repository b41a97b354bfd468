"""The records behind governance: evidence pinning and drift, markings, anonymous incidents,
the ledger entries each write leaves, and the migration that creates the tables."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from governance_people import CAIO, DEVELOPER, EVALUATOR, REVIEWER, T0
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from clearance.access import LOCAL_ADMIN, AccessDenied, Marking, Principal, Role
from clearance.governance import (
    GovernanceError,
    add_document,
    add_use_case,
    evidence_changes,
    link_evidence,
    list_incidents,
    report_incident,
    show_use_case,
    update_practice,
)
from clearance.ledger import change_digest
from clearance.models import ModelInfo
from clearance.store import GovernanceNotFoundError, Store
from clearance.store._engine import _alembic_config
from clearance.store._schema import LedgerRow

GOVERNANCE_TABLES = {
    "use_cases",
    "use_case_classifications",
    "use_case_practices",
    "governance_documents",
    "practice_evidence",
    "use_case_decisions",
    "waivers",
    "waiver_reports",
    "incidents",
}


@pytest.fixture
def high_impact(sqlite_store: Store, intake: Callable[..., dict[str, Any]]) -> str:
    return add_use_case(
        sqlite_store,
        intake(principal_basis=True, functions=["threat_designation"]),
        principal=DEVELOPER,
        now=T0,
    ).id


def _ledger(store: Store, record_type: str) -> list[LedgerRow]:
    with Session(store.engine) as s:
        stmt = select(LedgerRow).where(LedgerRow.record_type == record_type).order_by(LedgerRow.seq)
        return list(s.scalars(stmt))


def test_each_write_is_ledgered_with_its_full_content(
    sqlite_store: Store, high_impact: str
) -> None:
    use_case = sqlite_store.governance.use_case(high_impact)
    [entry] = _ledger(sqlite_store, "use_case")
    assert entry.actor == "dev-dana"
    assert entry.action == "use_case.create"
    assert entry.change_sha256 == change_digest(use_case.model_dump(mode="json"))
    assert len(_ledger(sqlite_store, "classification")) == 1
    assert len(_ledger(sqlite_store, "practice")) == 12
    assert use_case.created_at == T0
    assert use_case.created_by == "dev-dana"


def test_a_policy_changed_after_linking_shows_as_changed(
    sqlite_store: Store, high_impact: str, tmp_path: Path
) -> None:
    source = Path(__file__).parents[2] / "src/clearance/assess/policies/default.yaml"
    policy = tmp_path / "policy.yaml"
    policy.write_text(source.read_text())
    link = link_evidence(
        sqlite_store, high_impact, "bias-mitigation", "policy", str(policy), principal=DEVELOPER
    )
    assert evidence_changes(sqlite_store, link.kind, link.ref, link.pinned) == []
    policy.write_text(source.read_text().replace("version:", "# edited\nversion:", 1))
    [change] = evidence_changes(sqlite_store, link.kind, link.ref, link.pinned)
    assert change.startswith(f"policy {link.ref}: digest changed")
    practice = next(
        p
        for p in show_use_case(sqlite_store, high_impact, principal=LOCAL_ADMIN).practices
        if p.evidence
    )
    assert practice.evidence[0].changes == [change]


def test_a_document_is_pinned_by_its_sha256(
    sqlite_store: Store, high_impact: str, tmp_path: Path
) -> None:
    path = tmp_path / "training-record.pdf"
    path.write_bytes(b"%PDF-1.4 training attendance")
    document = add_document(sqlite_store, path, principal=DEVELOPER)
    assert document.media_type == "application/pdf"
    link = link_evidence(
        sqlite_store, high_impact, "training", "document", document.id, principal=DEVELOPER
    )
    import hashlib

    assert link.pinned["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert sqlite_store.governance.document_content(document.id) == path.read_bytes()
    update_practice(
        sqlite_store, high_impact, "training", status="implemented", principal=DEVELOPER
    )
    assert evidence_changes(sqlite_store, "document", document.id, link.pinned) == []


def test_unknown_evidence_says_where_to_find_ids(sqlite_store: Store, high_impact: str) -> None:
    with pytest.raises(GovernanceError, match="no run matches 'nope'"):
        link_evidence(sqlite_store, high_impact, "training", "run", "nope", principal=DEVELOPER)
    with pytest.raises(GovernanceError, match="allowed: run, finding, mitigation, policy"):
        link_evidence(sqlite_store, high_impact, "training", "memo", "x", principal=DEVELOPER)
    with pytest.raises(GovernanceError, match="its practices: impact-assessment"):
        link_evidence(sqlite_store, high_impact, "yoga", "policy", "default", principal=DEVELOPER)


def test_evidence_marked_above_the_use_case_is_refused(
    sqlite_store: Store, high_impact: str
) -> None:
    info = ModelInfo(spec="scripted/x", provider="scripted", name="x")
    with sqlite_store.unit_of_work("test") as uow:
        model_id = sqlite_store.runs.ensure_model(uow, info)
        sqlite_store.runs.create_run(
            uow,
            id="run-secret",
            task_name="t",
            task_ref={"name": "t"},
            model_id=model_id,
            total=0,
            provenance={"model": info.model_dump(mode="json"), "task": {"name": "t"}},
            options={},
            marking_level="SECRET",
        )
        sqlite_store.runs.finish_run(uow, "run-secret", status="completed", metrics={})
    with pytest.raises(GovernanceError, match="marked SECRET, above use case"):
        link_evidence(
            sqlite_store, high_impact, "realistic-testing", "run", "run-secret", principal=REVIEWER
        )
    uncleared = Principal(id="u", name="U", roles=frozenset({Role.RISK_OWNER}))
    # Someone not cleared for the run is told what a missing run would tell them: nothing
    # confirms that a SECRET run by that id exists.
    with pytest.raises(GovernanceError, match="no run matches 'run-secret'"):
        link_evidence(
            sqlite_store, high_impact, "realistic-testing", "run", "run-secret", principal=uncleared
        )


def test_people_without_the_permission_are_refused(sqlite_store: Store, high_impact: str) -> None:
    with pytest.raises(AccessDenied, match=r"practice\.update"):
        update_practice(sqlite_store, high_impact, "training", owner="x", principal=EVALUATOR)
    with pytest.raises(AccessDenied, match=r"usecase\.create"):
        add_use_case(sqlite_store, {}, principal=EVALUATOR)


def test_a_use_case_above_the_readers_clearance_is_withheld(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    secret = add_use_case(
        sqlite_store, intake(), marking=Marking.parse("SECRET//HUMINT"), principal=LOCAL_ADMIN
    )
    reader = Principal(
        id="r", name="R", roles=frozenset({Role.AUDITOR}), clearance=Marking.parse("SECRET")
    )
    # Answered as a use case that does not exist: no word of its marking, no confirmation.
    with pytest.raises(GovernanceNotFoundError, match="no use case match") as hidden:
        show_use_case(sqlite_store, secret.id, principal=reader)
    assert "HUMINT" not in str(hidden.value)


def test_an_anonymous_report_names_no_one(sqlite_store: Store, high_impact: str) -> None:
    anonymous = report_incident(
        sqlite_store,
        use_case_ref=high_impact,
        kind="misuse",
        severity="high",
        summary="Used outside its approved scope",
        description="Queried for a personal dispute.",
        anonymous=True,
        principal=EVALUATOR,
        now=T0,
    )
    named = report_incident(
        sqlite_store,
        use_case_ref=high_impact,
        kind="incident",
        severity="low",
        summary="Timeouts",
        description="The model timed out for an hour.",
        principal=EVALUATOR,
        now=T0,
    )
    assert anonymous.created_by == "anonymous"
    assert named.created_by == "eval-eve"
    actors = {e.record_id: e.actor for e in _ledger(sqlite_store, "incident")}
    assert actors == {anonymous.id: "anonymous", named.id: "eval-eve"}
    assert {
        i.id for i in list_incidents(sqlite_store, use_case_ref=high_impact, principal=LOCAL_ADMIN)
    } == {
        anonymous.id,
        named.id,
    }
    assert show_use_case(sqlite_store, high_impact, principal=LOCAL_ADMIN).incidents == 2


def test_an_incident_is_not_marked_below_its_use_case(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    secret = add_use_case(
        sqlite_store, intake(), marking=Marking.parse("SECRET"), principal=LOCAL_ADMIN
    )
    with pytest.raises(GovernanceError, match="below its use case's SECRET"):
        report_incident(
            sqlite_store,
            use_case_ref=secret.id,
            kind="incident",
            severity="low",
            summary="s",
            description="d",
            marking=Marking(),
            principal=CAIO,
        )
    with pytest.raises(GovernanceError, match="allowed: low, moderate, high, critical"):
        report_incident(
            sqlite_store,
            kind="incident",
            severity="dire",
            summary="s",
            description="d",
            principal=LOCAL_ADMIN,
        )


def test_the_migration_downgrades_and_upgrades(sqlite_store: Store) -> None:
    cfg = _alembic_config(sqlite_store.engine)
    command.downgrade(cfg, "0003")
    with sqlite_store.engine.connect() as conn:
        assert not GOVERNANCE_TABLES & set(inspect(conn).get_table_names())
    command.upgrade(cfg, "head")
    with sqlite_store.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= GOVERNANCE_TABLES


def _tables_in(diff: Any) -> set[str]:
    if isinstance(diff, list):
        return set().union(*(_tables_in(d) for d in diff))
    names: set[str] = set()
    for part in diff:
        table = getattr(part, "table", None)
        if table is not None:
            names.add(table.name)
        elif isinstance(part, str) and part in GOVERNANCE_TABLES:
            names.add(part)
        elif getattr(part, "name", None) in GOVERNANCE_TABLES:
            names.add(part.name)
    return names
