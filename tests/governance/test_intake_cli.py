"""The intake as a person meets it: a commented template to fill in, flags named as the file's
keys, errors that name the file's line, and a classification that says why each rule did or
did not fire."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from governance_people import base_intake
from typer.testing import CliRunner

from clearance.cli import app
from clearance.governance import UseCaseIntake, default_rules, intake_template, parse_intake


def _run(*args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def _leaf_paths(model: type[Any], prefix: str = "") -> list[str]:
    paths = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
            paths += _leaf_paths(annotation, f"{prefix}{name}.")
        else:
            paths.append(f"{prefix}{name}")
    return paths


def _at(doc: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        doc = doc[part]
    return doc


def test_the_template_asks_a_question_for_every_field() -> None:
    text = _run("usecase", "template").stdout
    assert text == intake_template()
    filled = yaml.safe_load(text)
    lines = text.splitlines()
    for path in _leaf_paths(UseCaseIntake):
        assert _at(filled, path) is not None or path.split(".")[-1] in text, path
        key = path.split(".")[-1]
        at = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{key}:"))
        assert lines[at - 1].lstrip().startswith("#"), f"{path} has no question above it"
    # The facts the Framework's clauses turn on are asked in plain words.
    for question in (
        "rigorous testing and assurance within its well-defined uses",
        "overseen by trained personnel",
        "U.S. Government personnel who consented",
        "counsel confirmed",
        "OMB M-24-10 Appendix I",
        "operate in the United States",
        "impact U.S. persons",
        "bear on immigration",
        "sole means of producing and disseminating finished intelligence",
        "writes_or_rewrites_code_without_human_oversight",
    ):
        assert question in " ".join(text.replace("# ", "").split()), question


def test_a_filled_in_template_is_a_valid_intake(tmp_path: Path) -> None:
    filled = yaml.safe_load(intake_template())
    required = {k: v for k, v in base_intake().items() if filled.get(k) is None}
    filled |= required
    oversight = {"human_oversight": {"level": "human_decides"}}
    filled["human_oversight"]["level"] = "human_decides"
    intake = parse_intake(filled)
    # Every default the template shows is the intake's default.
    bare = parse_intake(required | oversight)
    assert intake.model_dump(mode="json") == bare.model_dump(mode="json")


def _options(*path: str) -> set[str]:
    import typer

    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return {opt for p in command.params for opt in p.opts}


def test_flags_are_named_as_the_files_keys() -> None:
    for flag in (
        "--purpose-and-benefits",
        "--decision-domain",
        "--functions",
        "--human-oversight",
        "--principal-basis",
        "--set",
    ):
        assert flag in _options("usecase", "add"), flag
        assert flag in _options("usecase", "edit"), flag
    assert not {"--purpose", "--domain", "--oversight"} & _options("usecase", "add")


def test_set_reaches_any_field_and_classify_says_why_not(tmp_path: Path) -> None:
    flags = [
        "--name", "Casualty estimates", "--agency", "Department of Defense", "--office", "J3",
        "--purpose-and-benefits", "Estimate casualties before strikes.",
        "--outputs", "Estimates.", "--stage", "initiated", "--no-principal-basis",
        "--decision-domain", "military_operations", "--functions", "collateral_damage_estimation",
        "--affected", "non_us_persons", "--human-oversight", "human_decides",
    ]  # fmt: skip
    added = json.loads(_run("usecase", "add", *flags, "--json").stdout)
    assert added["label"] == "prohibited"
    uc = added["use_case"]["id"]
    both = (
        "--set",
        "rigorous_testing_and_assurance=true",
        "--set",
        "trained_personnel_oversight=yes",
    )
    edited = json.loads(_run("usecase", "edit", uc, *both, "--json").stdout)
    assert edited["label"] == "not high-impact"

    shown = _run("usecase", "classify", uc).stdout
    assert "not prohibited under 9 rule(s) checked" in shown
    assert "P-6" in shown
    assert (
        "not, because rigorous_testing_and_assurance is true; trained_personnel_oversight is true"
        in " ".join(shown.split())
    )
    assert "not presumed high-impact" in shown
    record = json.loads(_run("usecase", "classify", uc, "--json").stdout)
    rules = default_rules().rules.rules
    assert {r["id"] for r in record["not_fired"]} == {r.id for r in rules}


def test_set_refuses_a_malformed_pair() -> None:
    result = _run("usecase", "edit", "uc-x", "--set", "real_time", code=1)
    assert "--set takes FIELD=VALUE" in result.output


def test_an_intake_file_problem_names_its_line(tmp_path: Path) -> None:
    intake = base_intake() | {"stage": "pilot", "purpose": "extra"}
    path = tmp_path / "intake.yaml"
    path.write_text(yaml.safe_dump(intake, sort_keys=False))
    lines = path.read_text().splitlines()
    stage_line = 1 + next(i for i, line in enumerate(lines) if line.startswith("stage:"))
    extra_line = 1 + next(i for i, line in enumerate(lines) if line.startswith("purpose:"))
    result = _run("usecase", "add", "--file", str(path), code=1)
    assert f"line {stage_line}: field 'stage': 'pilot' is not allowed" in result.output
    assert f"line {extra_line}: field 'purpose' is not an intake field" in result.output


def test_an_edit_file_problem_names_its_line(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(base_intake()))
    uc = json.loads(_run("usecase", "add", "--file", str(good), "--json").stdout)["use_case"]["id"]
    change = tmp_path / "change.yaml"
    change.write_text("# a change\nhuman_oversight:\n  level: sometimes\n")
    result = _run("usecase", "edit", uc, "--file", str(change), code=1)
    assert "line 3: field 'human_oversight.level': 'sometimes' is not allowed" in result.output


def test_practice_list_shows_what_the_assessment_must_cover(tmp_path: Path) -> None:
    path = tmp_path / "intake.yaml"
    path.write_text(
        yaml.safe_dump(
            base_intake() | {"principal_basis": True, "functions": ["threat_designation"]}
        )
    )
    uc = json.loads(_run("usecase", "add", "--file", str(path), "--json").stdout)["use_case"]["id"]
    shown = " ".join(_run("practice", "list", uc).stdout.split())
    place = "Framework, Pillar II, Risk and Impact Assessments, practice 1"
    assert f"impact-assessment must cover ({place})" in shown
    assert "(iv) whether the data come from a reliable source; and" in shown
    docs = json.loads(_run("practice", "list", uc, "--json").stdout)
    assessment = next(d for d in docs if d["practice"]["code"] == "impact-assessment")
    assert len(assessment["text"]["contents"]) == 8
    assert assessment["text"]["citation"].startswith("Framework, Pillar II")


def test_template_out_writes_a_file_and_will_not_overwrite_one(tmp_path: Path) -> None:
    out = tmp_path / "intake.yaml"
    _run("usecase", "template", "--out", str(out))
    assert out.read_text() == intake_template()
    out.write_text("mine")
    refused = _run("usecase", "template", "--out", str(out), code=1)
    assert "exists" in refused.output
    assert out.read_text() == "mine"
