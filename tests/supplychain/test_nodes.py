"""The register of critical nodes: seeded from a model's BOM, extended by hand, reviewed; a
review that falls due shows in `usecase due`; the supply-chain report lists it, marked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from supply_support import assessed_model, clearance

from clearance.access import LOCAL_ADMIN, Marking, Principal, Role
from clearance.reports import build_supply_chain_report, render_json, verify_report_digest
from clearance.store import Store
from clearance.supplychain import (
    Avenue,
    SupplyChainError,
    add_node,
    node_reviews_due,
    review_node,
    seed_nodes_from_bom,
    visible_nodes,
)

OWNER = Principal(
    id="dev-dana", name="Dana", roles=frozenset({Role.RISK_OWNER}), clearance=Marking.parse("S")
)
REVIEWER = Principal(
    id="rev-ravi", name="Ravi", roles=frozenset({Role.REVIEWER}), clearance=Marking.parse("U")
)


def test_seeding_from_the_bom_adds_each_node_once(store: Store, tmp_path: Path) -> None:
    spec = assessed_model(tmp_path / "m")
    first = seed_nodes_from_bom(store, spec, owner="dev-dana", principal=LOCAL_ADMIN)
    kinds = {n.kind for n in first}
    assert {"inference-provider", "dataset", "library"} <= kinds
    dataset = next(n for n in first if n.kind == "dataset")
    run = store.runs.newest(1)[0]
    assert dataset.ref == run.provenance["dataset"]["digest"]
    assert all(n.source == "bom" and n.avenues for n in first)
    assert seed_nodes_from_bom(store, spec, owner="dev-dana", principal=LOCAL_ADMIN) == []


def test_overdue_reviews_show_in_usecase_due_until_reviewed(store: Store) -> None:
    now = datetime.now(UTC)
    node = add_node(
        store, name="inference vendor", kind="vendor", owner="dev-dana", principal=OWNER,
        review_due=now - timedelta(days=3),
        avenues=[Avenue(avenue="vendor insolvency", likelihood="low", impact="high",
                        mitigations=["second supplier"])],
    )  # fmt: skip
    add_node(
        store, name="far off", kind="library", owner="dev-dana", principal=OWNER,
        review_due=now + timedelta(days=300),
    )  # fmt: skip
    due = clearance("usecase", "due", "--json")
    assert due.exit_code == 0, due.stderr
    items = json.loads(due.stdout)
    assert [(i["use_case_id"], i["kind"], i["overdue"]) for i in items] == [
        (node.id, "critical-node review", True)
    ]
    reviewed = clearance(
        "supply-chain", "node", "review", node.id, "--review-by",
        f"{now + timedelta(days=180):%Y-%m-%d}", "--avenue",
        "vendor insolvency;medium;high;second supplier",
    )  # fmt: skip
    assert reviewed.exit_code == 0, reviewed.stderr
    assert json.loads(clearance("usecase", "due", "--json").stdout) == []
    (after,) = [n for n in visible_nodes(store, principal=OWNER) if n.id == node.id]
    assert after.avenues[0]["likelihood"] == "medium"
    assert after.reviewed_by is not None


def test_a_node_above_the_readers_clearance_is_neither_listed_nor_due(store: Store) -> None:
    past = datetime.now(UTC) - timedelta(days=1)
    add_node(
        store, name="secret facility", kind="hosting", owner="dev-dana", principal=OWNER,
        review_due=past, marking=Marking.parse("SECRET"),
    )  # fmt: skip
    assert visible_nodes(store, principal=REVIEWER) == []
    assert node_reviews_due(store, principal=REVIEWER) == []
    assert len(node_reviews_due(store, principal=OWNER)) == 1
    with pytest.raises(SupplyChainError, match="no critical node matches 'secret facility'"):
        review_node(
            store, "secret facility", next_review=past + timedelta(days=90), principal=REVIEWER
        )


def test_bad_node_input_ends_in_a_message(store: Store) -> None:
    wrong_kind = clearance(
        "supply-chain", "node", "add", "x", "--kind", "spaceship", "--owner", "o",
        "--review-by", "2027-01-01",
    )  # fmt: skip
    assert wrong_kind.exit_code == 1
    assert "unknown node kind 'spaceship'" in wrong_kind.stderr
    wrong_rating = clearance(
        "supply-chain", "node", "add", "x", "--kind", "vendor", "--owner", "o",
        "--review-by", "2027-01-01", "--avenue", "theft;sometimes;high",
    )  # fmt: skip
    assert wrong_rating.exit_code == 1
    assert "avenue 'theft;sometimes;high'" in wrong_rating.stderr


def test_the_report_lists_nodes_custody_and_signatures_marked(store: Store) -> None:
    add_node(
        store, name="weights host", kind="hosting", owner="dev-dana", principal=OWNER,
        review_due=datetime(2026, 1, 1, tzinfo=UTC), marking=Marking.parse("SECRET"),
        avenues=[Avenue(avenue="outage", likelihood="medium", impact="high")],
    )  # fmt: skip
    report = build_supply_chain_report(store, principal=LOCAL_ADMIN)
    assert report.banner == "SECRET"
    data = render_json(report)
    assert verify_report_digest(data)
    document = json.loads(data)
    text = json.dumps(document)
    assert "weights host" in text
    assert "outage (likelihood medium, impact high)" in text
    assert "(overdue)" in text
    hidden = build_supply_chain_report(store, principal=REVIEWER)
    assert "weights host" not in json.dumps(json.loads(render_json(hidden)))
    assert hidden.withheld_total == 1
