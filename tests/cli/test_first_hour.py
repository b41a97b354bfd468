"""What a new user met in their first hour, each as a test: run ids cut short, `suite run`
printing no id, "1 errors", a generation cap missing, the exit codes in every command's help."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clearance.cli import app
from clearance.vocabulary import plural

RUN_ID = re.compile(r"\b\d{8}-\d{6}-[0-9a-f]{8}\b")


def _invoke(*args: str, code: int = 0) -> tuple[str, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout, result.stderr


@pytest.fixture
def task_file(tmp_path: Path) -> Path:
    rows = [
        {"id": "a", "question": "Pick one", "choices": ["x", "y"], "answer": "A"},
        {"id": "b", "question": "Pick two", "choices": ["x", "y"], "answer": "B"},
    ]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = tmp_path / "task.yaml"
    task.write_text(
        "name: two-questions\n"
        "dataset:\n"
        "  path: data.jsonl\n"
        "  fields: {id: id, input: question, choices: choices, target: answer}\n"
        "solver: multiple_choice\n"
        "scorer: choice\n"
    )
    return task


def _script(tmp_path: Path, answers: dict[str, str]) -> str:
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps({"id": k, "output": v}) + "\n" for k, v in answers.items()))
    return f"scripted/{path}"


def test_plural_says_one_thing_in_the_singular() -> None:
    assert plural(1, "error") == "1 error"
    assert plural(0, "sample") == "0 samples"
    assert plural(1_200, "entry") == "1,200 entries"
    assert plural(2, "labelled sample") == "2 labelled samples"
    assert plural(1, "labelled sample") == "1 labelled sample"
    assert plural(3, "analysis", "analyses") == "3 analyses"


def test_print_id_prints_the_whole_id_alone_and_one_error_is_singular(
    task_file: Path, tmp_path: Path
) -> None:
    model = _script(tmp_path, {"a": "ANSWER: A"})  # no answer for "b": one sample errors
    out, err = _invoke("eval", "run", str(task_file), "--model", model, "-q", "--print-id")
    run_id = out.strip()
    assert RUN_ID.fullmatch(run_id), out
    assert "1 scored, 1 error, of 2 planned" in err
    assert "1 sample ended in error" in " ".join(err.split())
    shown, _ = _invoke("eval", "show", run_id)
    assert "1 scored, 1 error, of 2 planned" in shown


def test_the_run_list_never_cuts_an_id_at_80_columns(task_file: Path, tmp_path: Path) -> None:
    model = _script(tmp_path, {"a": "ANSWER: A", "b": "ANSWER: B"})
    out, _ = _invoke("eval", "run", str(task_file), "--model", model, "-q", "--print-id")
    listed, _ = _invoke("eval", "list")
    assert out.strip() in listed
    assert "…" not in listed


def test_max_tokens_caps_generation_and_resume_keeps_it(task_file: Path, tmp_path: Path) -> None:
    model = _script(tmp_path, {"a": "ANSWER: A", "b": "ANSWER: B"})
    out, _ = _invoke(
        "eval", "run", str(task_file), "--model", model, "-q", "--json", "--max-tokens", "7"
    )
    summary = json.loads(out)
    assert summary["provenance"]["generate_config"]["max_tokens"] == 7
    shown, _ = _invoke("eval", "show", summary["id"], "--json")
    assert json.loads(shown)["options"]["max_tokens"] == 7
    refused = CliRunner().invoke(
        app, ["eval", "run", str(task_file), "--model", model, "--max-tokens", "0"]
    )
    assert refused.exit_code == 2


def test_suite_run_prints_each_runs_id(tmp_path: Path) -> None:
    model = _script(tmp_path, {})  # no answers: every run fails, and each is still stored
    out, _ = _invoke("suite", "run", "capabilities", "--model", model, "--limit", "1", "-q", code=3)
    printed = RUN_ID.findall(out)
    assert len(printed) == 4, out
    listed, _ = _invoke("eval", "list", "--json")
    assert set(printed) == {run["id"] for run in json.loads(listed)}
    assert "eval list` shows their ids" not in out


@pytest.fixture
def high_impact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    # Waivers and sign-offs need a named person: the store's first user, its chief AI officer.
    password = "correct horse battery staple"
    added = CliRunner().invoke(
        app,
        [
            "user",
            "add",
            "carol",
            "--role",
            "admin",
            "--role",
            "chief_ai_officer",
            "--password-stdin",
        ],
        input=password + "\n",
    )
    assert added.exit_code == 0, added.output
    monkeypatch.setenv("CLEARANCE_USER", "carol")
    monkeypatch.setenv("CLEARANCE_PASSWORD", password)
    _invoke("user", "add", "dev-dana", "--role", "evaluator")
    intake = tmp_path / "intake.yaml"
    intake.write_text(
        (Path(__file__).resolve().parents[2] / "examples" / "intake.yaml").read_text()
    )
    out, _ = _invoke("usecase", "add", "--file", str(intake), "--json")
    use_case_id: str = json.loads(out)["use_case"]["id"]
    return use_case_id


def test_practice_link_takes_several_practices_prints_whole_pins_and_the_next_step(
    high_impact: str, tmp_path: Path
) -> None:
    doc = tmp_path / "assessment.md"
    doc.write_text("# Impact assessment\n")
    out, _ = _invoke(
        "practice", "link", high_impact, "impact-assessment", "independent-evaluation",
        "--document", str(doc),
    )  # fmt: skip
    joined = " ".join(out.split())
    digest = __import__("hashlib").sha256(doc.read_bytes()).hexdigest()
    assert joined.count(f"sha256 {digest}") == 2
    assert (
        f"next: once the evidence shows it is in place: `clearance practice update "
        f"{high_impact} impact-assessment --status implemented`"
    ) in joined
    assert f"next: sign it: `clearance practice sign {high_impact} independent-evaluation`" in (
        joined
    )
    listed, _ = _invoke("practice", "list", high_impact, "--json")
    states = {p["practice"]["code"]: p["state"] for p in json.loads(listed)}
    assert states["impact-assessment"] == states["independent-evaluation"] == "in_progress"
    _invoke("practice", "update", high_impact, "impact-assessment", "--status", "implemented")


def test_waiver_grant_prints_its_id_and_how_to_report_it(high_impact: str) -> None:
    finding = "Cleared trainers are not available until next quarter; briefings meanwhile."
    args = ("waiver", "grant", high_impact, "training", "--category")
    out, err = _invoke(*args, "impedes-critical-operations", "--finding", finding, "--days", "30")
    waiver_id = re.search(r"waiver (wv-\S+):", out)
    assert waiver_id is not None
    assert f"`clearance waiver report {waiver_id.group(1)} --to" in " ".join(out.split())
    args = ("waiver", "grant", high_impact, "human-oversight", "--category")
    out, err = _invoke(
        *args, "impedes-critical-operations", "--finding", finding, "--days", "30", "--print-id"
    )
    assert out.strip().startswith("wv-")
    assert out.strip() in err


def test_the_progress_bar_shows_progress_inside_a_local_models_batch() -> None:
    from rich.progress import Progress

    from clearance.cli._render import BatchColumn, show_batch

    bar = Progress()
    task_id = bar.add_task("run", total=4)
    assert BatchColumn().render(bar.tasks[0]).plain == ""  # nothing reported: nothing shown
    show_batch(bar, task_id, tokens=50, planned=200, seconds=5.0)
    assert BatchColumn().render(bar.tasks[0]).plain == ("batch: 10.0 tokens/s, at most 15 s left")
