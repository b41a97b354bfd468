"""Inventory exports: the OMB 2024 CSV validated against the pinned field list and allowed
values, and the Framework's annual high-impact inventory with its waiver counts."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import yaml
from governance_people import CAIO, DEVELOPER, T0

from clearance.access import LOCAL_ADMIN, Marking, Principal, Role
from clearance.governance import (
    FRAMEWORK_CSV_COLUMNS,
    add_use_case,
    framework_inventory,
    framework_inventory_csv,
    grant_waiver,
    omb_columns_covered,
    omb_inventory_csv,
    omb_spec,
    revoke_waiver,
    validate_omb_csv,
)
from clearance.spreadsheet import without_banners
from clearance.store import Store

FINDING = "Fulfilling the practice now would delay a critical mission; reviewed monthly instead."


@pytest.fixture
def inventory_store(sqlite_store: Store, intake: Callable[..., dict[str, Any]]) -> Store:
    """Four use cases: plain, high-impact with a waiver, personnel-impacting (secret), and a
    safety-impacting one with dates, contracts and demographic features."""
    add_use_case(sqlite_store, intake(), principal=DEVELOPER, now=T0)
    hi = add_use_case(
        sqlite_store,
        intake(
            name="Threat triage",
            principal_basis=True,
            functions=["threat_designation"],
            description="Ranks open-source leads for counter-terrorism analysts to read first.",
            risks_and_mitigations=(
                "A wrong rank could draw attention to an innocent person; analysts decide, and "
                "every lead acted on is reviewed by a second analyst."
            ),
        ),
        principal=DEVELOPER,
        now=T0,
    )
    grant_waiver(
        sqlite_store,
        hi.id,
        "training",
        category="impedes-critical-operations",
        finding=FINDING,
        principal=CAIO,
        now=T0,
    )
    waiver = grant_waiver(
        sqlite_store,
        hi.id,
        "escalation",
        category="increases-overall-risk",
        finding=FINDING,
        principal=CAIO,
        now=T0,
    ).waiver
    revoke_waiver(sqlite_store, waiver.id, reason="Escalation path built.", principal=CAIO, now=T0)
    add_use_case(
        sqlite_store,
        intake(
            name="Promotion board ranking",
            principal_basis=True,
            functions=["promotion_demotion_or_termination"],
            affected=["service_members"],
        ),
        marking=Marking.parse("SECRET"),
        principal=DEVELOPER,
        now=T0,
    )
    add_use_case(
        sqlite_store,
        intake(
            name='Grid switching, with "quotes", commas, and\nnewlines',
            principal_basis=True,
            significant_risk=True,
            functions=["critical_infrastructure_control"],
            appendix_i_activities=["safety_critical_infrastructure_functions"],
            impacts_us_persons=True,
            data={"personal_data": True, "demographic_features": ["age", "sex_gender"]},
            omb={
                "topic_area": "Energy & the Environment",
                "date_initiated": "2023-02-01",
                "date_implemented": "2024-06-30",
                "development_method": "both",
                "contract_piids": ["W91QUZ-24-C-0001", "W91QUZ-24-C-0002"],
                "has_ato": True,
            },
        ),
        principal=DEVELOPER,
        now=T0,
    )
    return sqlite_store


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(without_banners(text)[1])))


def test_the_omb_csv_conforms_to_the_pinned_fields_and_allowed_values(
    inventory_store: Store,
) -> None:
    text = omb_inventory_csv(inventory_store, now=T0, principal=LOCAL_ADMIN)
    assert validate_omb_csv(text) == []
    banner, table = without_banners(text)
    assert banner == "SECRET"  # the promotion board's use case
    header = next(csv.reader(io.StringIO(table)))
    assert header == omb_spec().columns
    rows = {r["Use Case Name"]: r for r in _rows(text)}
    assert len(rows) == 4
    impact = "Is the AI use case rights-impacting, safety-impacting, or both?"
    assert rows["Foreign news translation"][impact] == "Neither"
    assert rows["Threat triage"][impact] == "Rights-Impacting"
    assert rows["Promotion board ranking"][impact] == "Rights-Impacting"
    grid = next(r for name, r in rows.items() if name.startswith("Grid"))
    assert grid[impact] == "Both"  # H-0 reads as rights; H-4 as its Appendix I activity, safety
    assert grid["Date Initiated"] == "02/01/2023"
    assert grid["Topic Area"] == "Energy & the Environment"
    features = (
        "Which, if any, demographic variables does the AI use case explicitly use as model "
        "features?"
    )
    assert grid[features] == "Age; Sex/Gender"
    assert rows["Threat triage"]["Has an independent evaluation of the AI been conducted?"] == "No"
    assert rows["Foreign news translation"]["Has an AI impact assessment been completed?"] == "N/A"


def test_every_pinned_column_has_a_writer_and_every_allowed_value_is_distinct() -> None:
    assert omb_columns_covered() == ([], [])
    spec = omb_spec()
    assert len(set(spec.columns)) == len(spec.columns)
    for field in spec.fields:
        assert len(set(field.allowed)) == len(field.allowed), field.name
        assert (field.kind in ("enum", "enum_list")) == bool(field.allowed), field.name
    assert spec.field("Stage of Development").allowed == (
        "Initiated",
        "Acquisition and/or Development",
        "Implementation and Assessment",
        "Operation and Maintenance",
        "Retired",
    )


def test_the_field_spec_is_a_versioned_data_file_with_its_source() -> None:
    from importlib import resources

    text = (
        resources.files("clearance.governance")
        .joinpath("inventory", "omb-2024-fields.yaml")
        .read_text()
    )
    assert "Source:" in text
    assert yaml.safe_load(text)["version"] == omb_spec().version


def _with_cell(text: str, column: str, value: str) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    index = rows[1].index(column)  # under the banner row
    rows[2][index] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("Stage of Development", "Pilot", "'Pilot' is not allowed; allowed: Initiated |"),
        ("Topic Area", "Space Lasers", "'Space Lasers' is not allowed"),
        ("Date Initiated", "2024-03-01", "is not a date written %m/%d/%Y"),
        ("Use Case Name", "", "is required but empty"),
        (
            "Which, if any, demographic variables does the AI use case explicitly use as model "
            "features?",
            "Age; Height",
            "'Height' not allowed",
        ),
        (
            "Does this AI use case disseminate information to the public?",
            "Maybe",
            "allowed: Yes | No",
        ),
    ],
)
def test_the_validator_names_the_row_column_and_allowed_values(
    inventory_store: Store, column: str, value: str, problem: str
) -> None:
    broken = _with_cell(
        omb_inventory_csv(inventory_store, now=T0, principal=LOCAL_ADMIN), column, value
    )
    problems = validate_omb_csv(broken)
    assert len(problems) == 1
    assert problems[0].startswith(f"row 2, column {column!r}: ")
    assert problem in problems[0]


def test_the_validator_reports_missing_and_unknown_columns(inventory_store: Store) -> None:
    text = omb_inventory_csv(inventory_store, now=T0, principal=LOCAL_ADMIN)
    renamed = text.replace("Bureau/Component", "Bureau", 1)
    assert validate_omb_csv(renamed) == [
        "missing column 'Bureau/Component'",
        "unknown column 'Bureau' (not in omb-2024-use-case-inventory 2024.1)",
    ]
    assert validate_omb_csv("") != []
    # A banner that opens the file but does not close it: cut short, or rows appended.
    cut = text.rstrip("\n").rsplit("\n", 1)[0] + "\n"
    assert validate_omb_csv(cut)[0].startswith("the file opens with the banner 'SECRET'")


def test_the_framework_inventory_lists_high_impact_uses_and_counts_waivers(
    inventory_store: Store,
) -> None:
    inventory = framework_inventory(
        inventory_store, now=T0 + timedelta(days=1), principal=LOCAL_ADMIN
    )
    names = [e.name for e in inventory.use_cases]
    assert "Foreign news translation" not in names
    assert len(names) == 3
    assert inventory.marking == "SECRET"
    assert inventory.totals["high_impact"] == 2
    assert inventory.totals["federal_personnel_impacting"] == 1
    assert (inventory.waivers.active, inventory.waivers.total) == (1, 2)
    triage = next(e for e in inventory.use_cases if e.name == "Threat triage")
    assert triage.rules_fired == ["H-2"]
    states = {p.code: p.state for p in triage.practices}
    assert states["training"] == "waived"
    assert states["escalation"] == "not_started"
    assert len(triage.practices) == 12

    rows = _rows(framework_inventory_csv(inventory))
    assert list(rows[0]) == list(FRAMEWORK_CSV_COLUMNS)
    triage_row = next(r for r in rows if r["name"] == "Threat triage")
    assert triage_row["practices_waived"] == "1"
    assert triage_row["active_waivers"] == "1"


def test_exports_leave_out_what_the_exporter_may_not_read(inventory_store: Store) -> None:
    analyst = Principal(id="analyst", name="Analyst", roles=frozenset({Role.AUDITOR}))
    inventory = framework_inventory(inventory_store, principal=analyst, now=T0)
    assert inventory.withheld == 1
    assert "Promotion board ranking" not in [e.name for e in inventory.use_cases]
    text = omb_inventory_csv(inventory_store, principal=analyst, now=T0)
    assert "Promotion board ranking" not in text
    assert validate_omb_csv(text) == []
    assert without_banners(text)[0] == "UNCLASSIFIED"  # the marking of what it holds
    assert without_banners(framework_inventory_csv(inventory))[0] == "UNCLASSIFIED"


def test_a_topic_area_outside_the_pinned_list_is_refused_at_intake(
    sqlite_store: Store, intake: Callable[..., dict[str, Any]]
) -> None:
    from clearance.governance import IntakeError

    with pytest.raises(IntakeError, match=r"field 'omb\.topic_area'.*allowed: Diplomacy & Trade"):
        add_use_case(sqlite_store, intake(omb={"topic_area": "Magic"}), principal=DEVELOPER)


def test_each_inventory_entry_holds_what_the_framework_requires_or_says_what_is_missing(
    inventory_store: Store,
) -> None:
    # "at least a description of each included AI use case, its purpose and intended benefits,
    # and the risks that such use poses and how the agency is managing those risks"
    inventory = framework_inventory(inventory_store, now=T0, principal=LOCAL_ADMIN)
    entries = {e.name: e for e in inventory.use_cases}
    triage = entries["Threat triage"]
    assert triage.description.startswith("Ranks open-source leads")
    assert triage.purpose_and_benefits
    assert triage.risks_identified == [
        "Classifying a person as a known or suspected terrorist, insider threat or other "
        "national security threat (Framework, Pillar I, High-Impact AI Use Cases, item 2)"
    ]
    assert "second analyst" in triage.risks_and_mitigations
    assert triage.missing == []
    promotion = entries["Promotion board ranking"]
    assert promotion.missing == [
        "description (intake field description)",
        "the risks and how they are managed (intake field risks_and_mitigations)",
    ]
    row = next(r for r in _rows(framework_inventory_csv(inventory)) if r["name"] == "Threat triage")
    assert row["risks_and_mitigations"] == triage.risks_and_mitigations
    assert row["missing"] == ""
