"""`clearance eval ...` as a user runs it: output, JSON, exports, exit codes and errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from clearance.cli import app
from clearance.spreadsheet import without_banners

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_run_json_summary_has_the_documented_shape(task_and_model: tuple[Path, str]) -> None:
    task, model = task_and_model
    code, out, _ = _run("eval", "run", str(task), "--model", model, "--json")
    assert code == 0
    summary = json.loads(out)
    assert set(summary) == {
        "id",
        "status",
        "total",
        "scored",
        "errors",
        "metrics",
        "provenance",
        "empty_answers",
        "stop_reason",
    }
    assert (summary["status"], summary["total"], summary["scored"]) == ("completed", 3, 3)
    acc = summary["metrics"]["accuracy"]
    assert set(acc) >= {"value", "stderr", "ci_low", "ci_high"}
    assert acc["value"] == pytest.approx(2 / 3)


def test_run_prints_metrics_and_where_the_run_is(task_and_model: tuple[Path, str]) -> None:
    task, model = task_and_model
    code, out, _ = _run("eval", "run", str(task), "--model", model, "--quiet")
    assert code == 0
    assert "accuracy" in out
    assert "95% CI" in out
    assert "clearance-home/clearance.db (SQLite)" in out


def test_list_show_and_export(task_and_model: tuple[Path, str]) -> None:
    task, model = task_and_model
    first = json.loads(_run("eval", "run", str(task), "--model", model, "--json")[1])["id"]
    second = json.loads(
        _run("eval", "run", str(task), "--model", model, "--json", "--no-cache")[1]
    )["id"]
    code, out, _ = _run("eval", "list", "--json")
    assert code == 0
    assert [r["id"] for r in json.loads(out)] == [second, first]

    code, out, _ = _run("eval", "show", first)
    assert code == 0
    assert "accuracy" in out
    assert "dataset" in out

    code, out, _ = _run("eval", "export", first, "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert [r["choice"] for r in rows] == [1.0, 0.0, 1.0]
    assert rows[1]["output"] == "I think A"

    assert {r["marking"] for r in rows} == {"UNCLASSIFIED"}

    code, out, _ = _run("eval", "export", first, "--format", "csv")
    banner, body = without_banners(out)
    assert banner == "UNCLASSIFIED"
    table = list(csv.DictReader(io.StringIO(body)))
    assert list(table[0]) == ["id", "epoch", "input", "output", "target", "choice", "error"]
    assert table[2]["choice"] == "1.0"


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        (
            "name: t\ndataset: {path: data.jsonl}\nsolver: telepathy\nscorer: choice\n",
            ["task.yaml line 3", "solver", "unknown solver 'telepathy'", "multiple_choice"],
        ),
        (
            "name: t\ndataset: {path: data.jsonl}\nscorer: choice\nepochs: 0\n",
            ["task.yaml line 4", "epochs"],
        ),
        (
            "name: t\ndataset:\n  path: data.jsonl\n  fields: {input: prompt}\nscorer: choice\n",
            ["data.jsonl line 1", "prompt"],
        ),
        ("name: t\ndataset: {path: data.jsonl\n", ["task.yaml line", "not valid YAML"]),
    ],
)
def test_task_file_errors_name_file_line_and_field(
    task_and_model: tuple[Path, str], yaml_text: str, expected: list[str]
) -> None:
    task, model = task_and_model
    task.write_text(yaml_text)
    code, out, err = _run("eval", "run", str(task), "--model", model)
    assert code == 1
    message = " ".join(err.split())
    for part in expected:
        assert part in message, message
    assert "Traceback" not in err + out


def test_unknown_task_provider_and_run_are_clear_errors(task_and_model: tuple[Path, str]) -> None:
    task, _ = task_and_model
    code, _, err = _run("eval", "run", "no-such-task", "--model", "scripted/x.jsonl")
    assert code == 1
    assert "unknown task 'no-such-task'" in " ".join(err.split())
    code, _, err = _run("eval", "run", str(task), "--model", "telepathy/gpt")
    assert code == 1
    assert "telepathy" in err
    code, _, err = _run("eval", "show", "nope")
    assert code == 1
    assert "clearance eval list" in " ".join(err.split())


def test_the_exit_codes_are_stated_once_in_the_top_level_help() -> None:
    code, out, _ = _run("--help")
    assert code == 0
    assert "130" in out
    assert "Exit codes" in out
    for command in _every_command(app):
        code, out, _ = _run(*command, "--help")
        assert code == 0
        assert "Exit codes" not in out, command


def _every_command(root: Any) -> list[tuple[str, ...]]:
    """Every group and command under the root, as the words a user types."""
    import typer.main

    click_root = typer.main.get_command(root)
    found: list[tuple[str, ...]] = []

    def walk(group: Any, path: tuple[str, ...]) -> None:
        for name, command in getattr(group, "commands", {}).items():
            found.append((*path, name))
            walk(command, (*path, name))

    walk(click_root, ())
    return found


def test_a_task_file_declares_its_domain_and_the_run_records_it(
    task_and_model: tuple[Path, str],
) -> None:
    task, model = task_and_model
    text = task.read_text()
    task.write_text(text.replace("name: mc-synth\n", "name: mc-synth\ndomain: cyber\n"))
    code, out, _ = _run("eval", "run", str(task), "--model", model, "--json")
    assert code == 0
    assert json.loads(out)["provenance"]["task"]["domain"] == "cyber"
    task.write_text(text.replace("name: mc-synth\n", "name: mc-synth\ndomain: cooking\n"))
    code, _, err = _run("eval", "run", str(task), "--model", model)
    assert code == 1
    assert "task.yaml line 2" in err
    assert "unknown domain 'cooking'" in " ".join(err.split())


def test_an_unreachable_endpoint_stops_before_any_run_naming_the_cause(
    task_and_model: tuple[Path, str],
) -> None:
    task, _ = task_and_model
    # Port 9 (discard) is closed on loopback: the pre-flight check cannot connect.
    code, _, err = _run(
        "eval", "run", str(task), "--model", "openai/x", "--base-url", "http://127.0.0.1:9/v1",
        "--json",
    )  # fmt: skip
    assert code == 1
    message = " ".join(err.split())
    assert "pre-flight check failed, nothing was run" in message
    assert "cannot reach the server" in message
    assert "127.0.0.1:9" in message
    assert _run("eval", "list", "--json")[1].strip() == "[]"  # no phantom run


def test_a_run_that_scores_nothing_exits_3_and_says_how_to_finish_it(
    task_and_model: tuple[Path, str], make_stub: Any
) -> None:
    task, _ = task_and_model
    stub = make_stub(faults="500:100")
    code, out, err = _run(
        "eval", "run", str(task), "--model", "openai/x", "--base-url", stub.base_url,
        "--max-retries", "0", "--json",
    )  # fmt: skip
    assert code == 3
    summary = json.loads(out)
    assert (summary["status"], summary["scored"], summary["errors"]) == ("failed", 0, 3)
    assert "no sample was scored" in " ".join(err.split())
    assert f"clearance eval resume {summary['id']}" in " ".join(err.split())
