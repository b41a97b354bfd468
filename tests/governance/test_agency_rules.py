"""An agency's added categories: a rules file layered over the Framework's, adopted by the chief
AI officer on the ledger, published as an unclassified list with a marked classified annex."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from governance_people import CAIO, DEVELOPER, T0, _person
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.access import LOCAL_ADMIN, AccessDenied, Marking, Role
from clearance.governance import (
    AGENCY_RULES_MEDIA_TYPE,
    RulesError,
    add_use_case,
    adopt_agency_rules,
    agency_category_list,
    classify,
    classify_use_case,
    default_rules,
    layer_agency_rules,
    parse_intake,
    rules_in_force,
    show_use_case,
)
from clearance.store import Store
from clearance.store._schema import LedgerRow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "agency-rules.yaml"
CLEARANCE_ADJUDICATION = {
    "principal_basis": True,
    "affected": ["federal_employees"],
    "functions": ["security_clearance_determination"],
}


def _example(**changes: Any) -> bytes:
    data = yaml.safe_load(EXAMPLE.read_text())
    data.update(changes)
    return yaml.safe_dump(data).encode()


def test_an_agency_category_layers_over_the_framework(
    intake: Callable[..., dict[str, Any]],
) -> None:
    layered = layer_agency_rules(EXAMPLE.read_bytes(), "agency.yaml")
    framework = default_rules()
    assert layered.rules.rules[: len(framework.rules.rules)] == framework.rules.rules
    assert [r.id for r in layered.rules.rules if r.agency] == ["A-1", "A-2", "A-3", "A-4"]
    assert layered.rules.version == f"{framework.rules.version}+2025.1"
    assert layered.digest != framework.digest
    case = parse_intake(intake(**CLEARANCE_ADJUDICATION))
    assert classify(case).classes == []  # the Framework does not presume this
    result = classify(case, layered)
    assert result.classes == ["federal_personnel_impacting"]
    assert [f.id for f in result.fired] == ["A-1"]
    # A Framework rule still fires as before under the layered rules.
    emotions = parse_intake(intake(functions=["emotion_inference"]))
    assert [f.id for f in classify(emotions, layered).fired] == ["P-4"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"extends": "framework-1999"}, "set extends: framework-2024"),
        ({"rules": [{"id": "P-1", "class": "prohibited", "title": "t", "citation": "c",
                     "quote": "q", "omb_impact": "rights",
                     "when": {"field": "real_time", "equals": True}}]}, "are the Framework's"),
        ({"rules": [{"id": "A-9", "class": "prohibited", "title": "t", "citation": "c",
                     "quote": "q", "omb_impact": "rights", "annex": "VERY SECRET",
                     "when": {"field": "real_time", "equals": True}}]}, "annex"),
        ({"rules": [{"id": "A-9", "class": "prohibited", "title": "t", "citation": "c",
                     "quote": "q", "omb_impact": "rights",
                     "when": {"field": "mood", "equals": True}}]}, "'mood' is not an intake field"),
        ({"practices": [{"code": "training", "title": "t", "applies_to": ["high_impact"],
                         "citation": "c", "quote": "q"}]}, "practice codes training"),
    ],
)  # fmt: skip
def test_a_bad_agency_file_is_refused_saying_why(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(RulesError, match=message):
        layer_agency_rules(_example(**changes), "agency.yaml")


def _ledger(store: Store, action: str) -> list[LedgerRow]:
    with Session(store.engine) as s:
        return list(s.scalars(select(LedgerRow).where(LedgerRow.action == action)))


def test_adopting_agency_rules_is_ledgered_and_reclassifies_nothing_silently(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    uc = add_use_case(
        sqlite_store, intake(**CLEARANCE_ADJUDICATION), principal=DEVELOPER, now=T0
    ).id
    assert show_use_case(sqlite_store, uc, principal=LOCAL_ADMIN).label == "not high-impact"
    with pytest.raises(AccessDenied):
        adopt_agency_rules(sqlite_store, EXAMPLE, principal=DEVELOPER)
    record = adopt_agency_rules(sqlite_store, EXAMPLE, principal=CAIO, now=T0)
    assert record.media_type == AGENCY_RULES_MEDIA_TYPE
    assert record.marking_level == "SECRET"  # as high as its annex
    [entry] = _ledger(sqlite_store, "rules.adopt")
    assert entry.actor == "caio-carol"
    assert sqlite_store.governance.document_content(record.id) == EXAMPLE.read_bytes()
    # The old classification stands, flagged, until someone classifies again.
    view = show_use_case(sqlite_store, uc, principal=LOCAL_ADMIN)
    assert view.label == "not high-impact"
    assert view.rules_outdated
    classify_use_case(sqlite_store, uc, principal=CAIO)
    after = show_use_case(sqlite_store, uc, principal=LOCAL_ADMIN)
    assert after.label == "federal-personnel-impacting"
    assert not after.rules_outdated
    assert rules_in_force(sqlite_store).rules.name == "framework-2024+example-agency"
    # New use cases are classified under the rules in force, and get the agency's practices.
    threat = add_use_case(
        sqlite_store,
        intake(principal_basis=True, functions=["threat_designation"]),
        principal=DEVELOPER,
    )
    required = [
        p.practice.code for p in show_use_case(sqlite_store, threat.id, principal=CAIO).practices
    ]
    assert len(required) == 13
    assert "red-team-exercise" in required
    fresh = add_use_case(sqlite_store, intake(**CLEARANCE_ADJUDICATION), principal=DEVELOPER)
    assert (
        show_use_case(sqlite_store, fresh.id, principal=LOCAL_ADMIN).label
        == "federal-personnel-impacting"
    )


def test_the_public_list_leaves_out_the_annex_and_the_annex_is_marked() -> None:
    layered = layer_agency_rules(EXAMPLE.read_bytes(), "agency.yaml")
    public = agency_category_list(layered, reader=CAIO)
    assert public.startswith("UNCLASSIFIED\n")
    assert public.endswith("UNCLASSIFIED\n")
    for rule in ("A-1", "A-2", "A-3"):
        assert f"**{rule}**" in public
    assert "A-4" not in public
    assert "national security threat" not in public
    assert "1 further category is listed in a classified annex" in public
    annex = agency_category_list(layered, annex=True, reader=CAIO)
    assert annex.startswith("SECRET\n")
    assert annex.endswith("SECRET\n")
    assert "**A-4**" in annex
    assert "**A-1**" not in annex
    uncleared = _person("eval-uncleared", Role.EVALUATOR)
    uncleared = uncleared.model_copy(update={"clearance": Marking.parse("UNCLASSIFIED")})
    with pytest.raises(AccessDenied):
        agency_category_list(layered, annex=True, reader=uncleared)


def test_the_rules_commands_adopt_show_and_list() -> None:
    from typer.testing import CliRunner

    from clearance.cli import app

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return " ".join(str(result.output).split(" \n"))

    assert "framework-2024 2024.10-2" in run("rules", "show")
    assert "P-6 prohibited" in run("rules", "show")
    # The single user of an embedded store is its chief AI officer.
    assert "rules in force are framework-2024+example-agency" in run("rules", "adopt", str(EXAMPLE))
    shown = run("rules", "show")
    assert "A-4 prohibited" in shown
    assert "annex SECRET" in shown
    listed = run("rules", "list")
    assert listed.startswith("UNCLASSIFIED")
    assert "A-4" not in listed
    assert run("rules", "list", "--annex").startswith("SECRET")


def test_an_annex_category_is_withheld_from_a_use_case_marked_below_it(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    adopt_agency_rules(sqlite_store, EXAMPLE, principal=CAIO, now=T0)
    by_ai_alone = intake(functions=["threat_designation"], human_oversight={"level": "none"})
    low = add_use_case(sqlite_store, by_ai_alone, principal=DEVELOPER, now=T0)
    high = add_use_case(
        sqlite_store, by_ai_alone, marking=Marking.parse("SECRET"), principal=DEVELOPER, now=T0
    )
    [hidden] = sqlite_store.governance.classifications(low.id)[0].fired
    assert hidden["id"] == "A-4"
    assert hidden["risk_class"] == "prohibited"  # a prohibition still reads as one
    assert hidden["title"] == "a category in the agency's classified annex (SECRET)"
    assert hidden["reasons"] == ["withheld: listed in a classified annex"]
    assert "terrorist" not in str(sqlite_store.governance.classifications(low.id)[0])
    assert show_use_case(sqlite_store, low.id, principal=CAIO).label == "prohibited"
    [shown] = sqlite_store.governance.classifications(high.id)[0].fired
    assert shown["title"] == "Designating a person a national security threat on AI output alone"
