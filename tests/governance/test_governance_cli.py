"""The governance commands as a user runs them: intake from a file or flags, errors that name
the field and the allowed values, and each command group end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from clearance.cli import app

PASSWORD = "correct horse battery staple"
FINDING = "Evaluators with the clearance needed are not available until the next quarter begins."


def _run(*args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def _json(*args: str) -> Any:
    return json.loads(_run(*args, "--json").stdout)


@pytest.fixture
def intake_file(tmp_path: Path) -> Path:
    path = tmp_path / "intake.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "Clearance adjudication assistant",
                "agency": "Department of Defense",
                "office": "Defense Counterintelligence and Security Agency",
                "purpose_and_benefits": "Speeds up review of investigation files.",
                "outputs": "A summary and a recommended adjudication.",
                "stage": "implementation_and_assessment",
                "principal_basis": True,
                "decision_domain": "security_clearance",
                "functions": ["security_clearance_determination", "summarization"],
                "significant_effect_on_personnel": True,
                "affected": ["federal_employees"],
                "human_oversight": {"level": "human_decides"},
                "developers": ["dev-dana"],
                "omb": {"topic_area": "Law & Justice", "date_initiated": "2024-03-01"},
            }
        )
    )
    return path


FLAGS = (
    "--name", "Open-source translation",
    "--agency", "Department of Defense",
    "--office", "DIA",
    "--purpose-and-benefits", "Translate foreign news.",
    "--outputs", "Translations.",
    "--stage", "operation_and_maintenance",
    "--no-principal-basis",
    "--decision-domain", "intelligence_analysis",
    "--functions", "translation",
    "--affected", "no_individuals",
    "--human-oversight", "human_decides",
)  # fmt: skip


def test_add_from_a_yaml_file_classifies_it(intake_file: Path) -> None:
    view = _json("usecase", "add", "--file", str(intake_file))
    assert view["label"] == "federal-personnel-impacting"
    assert [f["id"] for f in view["classification"]["fired"]] == ["FP-0"]
    assert len(view["practices"]) == 16
    shown = _run("usecase", "show", view["use_case"]["id"]).stdout
    assert "FP-0" in shown
    assert "because principal_basis is true" in shown


def test_add_from_a_json_file_with_flags_on_top(intake_file: Path, tmp_path: Path) -> None:
    as_json = tmp_path / "intake.json"
    as_json.write_text(json.dumps(yaml.safe_load(intake_file.read_text()), default=str))
    view = _json("usecase", "add", "--file", str(as_json), "--no-principal-basis")
    assert view["intake"]["principal_basis"] is False
    assert view["label"] == "not high-impact"


def test_add_from_flags_alone() -> None:
    view = _json("usecase", "add", *FLAGS, "--marking", "secret")
    assert view["label"] == "not high-impact"
    assert view["use_case"]["marking_level"] == "SECRET"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (("--stage", "pilot"), "field 'stage': 'pilot' is not allowed; allowed: 'initiated'"),
        (("--function", "mind_reading"), "field 'functions[1]': 'mind_reading' is not allowed"),
        (("--human-oversight", "maybe"), "'human_decides', 'human_reviews_before_action'"),
    ],
)
def test_intake_errors_name_the_field_and_the_allowed_values(
    extra: tuple[str, ...], expected: str
) -> None:
    result = _run("usecase", "add", *FLAGS, *extra, code=1)
    assert expected in result.output
    assert _json("usecase", "list") == []


def test_a_file_with_an_unknown_field_and_missing_ones_lists_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\npurpose: y\n")
    result = _run("usecase", "add", "--file", str(bad), code=1)
    assert f"{bad}: the intake has problems" in result.output
    assert "field 'agency' is required" in result.output
    assert "field 'purpose' is not an intake field; fields here: name, agency" in result.output


def test_edit_reclassifies_and_an_override_needs_a_justification(intake_file: Path) -> None:
    uc = _json("usecase", "add", *FLAGS)["use_case"]["id"]
    edited = _json("usecase", "edit", uc, "--principal-basis", "--function", "threat_designation")
    assert edited["label"] == "high-impact"
    assert edited["use_case"]["revision"] == 2
    refused = _run("usecase", "classify", uc, "--override", "none", code=1)
    assert "written justification" in refused.output
    record = _json(
        "usecase",
        "classify",
        uc,
        "--override",
        "none",
        "--justification",
        "The output only orders an analyst's reading list and never informs any action.",
    )
    assert record["classes"] == []
    assert record["rule_classes"] == ["high_impact"]


def test_practices_decisions_waivers_and_due(
    intake_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uc = _json("usecase", "add", "--file", str(intake_file))["use_case"]["id"]
    doc = tmp_path / "assessment.md"
    doc.write_text("# Impact assessment\n")
    link = _json("practice", "link", uc, "impact-assessment", "--document", str(doc))
    assert link["kind"] == "document"
    assert len(link["pinned"]["sha256"]) == 64
    _run("practice", "update", uc, "impact-assessment", "--status", "implemented", "--owner", "d")
    practices = _json("practice", "list", uc)
    assert practices[0]["state"] == "implemented"
    assert practices[0]["practice"]["owner"] == "d"
    policy = _json("practice", "link", uc, "bias-mitigation", "--policy", "default")
    assert policy["pinned"]["policy"] == "default"
    refused = _run("practice", "link", uc, "training", code=1)
    assert "exactly one of --run" in refused.output

    # On a store without users the local administrator is nobody in particular: approvals and
    # waivers need a named person, so the team's first administrator (also its chief AI
    # officer here) signs in for them.
    nameless = _run("decision", "approve", uc, "-r", "ok", code=1)
    assert "needs a named person" in " ".join(nameless.output.split())
    first = CliRunner().invoke(
        app,
        ["user", "add", "carol", "--role", "admin", "--role", "chief_ai_officer",
         "--password-stdin"],
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    monkeypatch.setenv("CLEARANCE_USER", "carol")
    monkeypatch.setenv("CLEARANCE_PASSWORD", PASSWORD)
    blocked = _run("decision", "approve", uc, "-r", "ok", code=1)
    assert "cannot be approved yet" in blocked.output
    assert "practice realistic-testing is not started" in blocked.output

    waiver = _json(
        "waiver", "grant", uc, "training",
        "--category", "impedes-critical-operations", "--finding", FINDING, "--days", "30",
    )  # fmt: skip
    assert waiver["state"] == "active"
    wid = waiver["waiver"]["id"]
    due = _json("usecase", "due", "--within", "40")
    assert {d["kind"] for d in due} == {"waiver report", "waiver expiry"}
    reported = _json("waiver", "report", wid, "--to", "Department head")
    assert reported["reports"][0]["state"] == "reported"
    listed = _json("waiver", "list", "--use-case", uc)
    assert (listed["active"], listed["total"]) == (1, 1)
    revoked = _json("waiver", "revoke", wid, "--reason", "Evaluators arrived.")
    assert revoked["state"] == "revoked"
    too_long = _run(
        "waiver", "grant", uc, "training", "--category", "increases-overall-risk",
        "--finding", FINDING, "--days", "400", code=1,
    )  # fmt: skip
    assert "at most 365 days" in too_long.output

    _run("decision", "deny", uc, "-r", "Not yet: testing is missing.")
    decisions = _json("decision", "list", uc)
    assert [d["kind"] for d in decisions] == ["deny"]
    assert "decision: denied" in _run("usecase", "show", uc).stdout
    suspend = _run("decision", "suspend", uc, "-r", "x", code=1)
    assert "only an approved use can be suspended" in suspend.output


def test_incidents_may_be_anonymous(intake_file: Path) -> None:
    uc = _json("usecase", "add", "--file", str(intake_file))["use_case"]["id"]
    record = _json(
        "incident", "add", "--use-case", uc, "--kind", "misuse", "--severity", "high",
        "--summary", "Used to screen a colleague", "--description", "Seen on Tuesday.",
        "--anonymous",
    )  # fmt: skip
    assert record["created_by"] == "anonymous"
    assert record["anonymous"] is True
    assert [i["id"] for i in _json("incident", "list", "--use-case", uc)] == [record["id"]]
    assert _json("incident", "show", record["id"])["summary"] == "Used to screen a colleague"


def test_inventory_export_and_check(intake_file: Path, tmp_path: Path) -> None:
    _run("usecase", "add", "--file", str(intake_file))
    _run("usecase", "add", *FLAGS)
    out = tmp_path / "inventory.csv"
    _run("inventory", "export", "--format", "omb-csv", "--output", str(out))
    assert "valid" in _run("inventory", "check", str(out)).stdout
    out.write_text(out.read_text().replace("Law & Justice", "Law and Order"))
    bad = _run("inventory", "check", str(out), code=1)
    assert "column 'Topic Area': 'Law and Order' is not allowed" in bad.output
    framework = json.loads(_run("inventory", "export", "--format", "framework-json").stdout)
    assert [e["rules_fired"] for e in framework["use_cases"]] == [["FP-0"]]
    assert framework["totals"]["use_cases"] == 2
    fields = _json("inventory", "fields")
    assert fields["fields"][0]["name"] == "Use Case Name"
