"""Every command, fed the inputs a careless user or an attacker would give, ends in a message:
never a traceback, never an exception the guard did not handle; and the ledger still verifies.

Two sweeps: every leaf command of the CLI with each hostile value in each required place, then
the cases the robustness issue lists, each through the command a user would type."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import typer
from typer.testing import CliRunner

from clearance.cli import app

LAUGHS = "".join(
    f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 9) if i else ', '.join(['lol'] * 9)}]\n"
    for i in range(9)
)
SKIPPED = {("serve",)}  # starts a web server that runs until stopped


def _leaf_commands() -> Iterator[tuple[tuple[str, ...], click.Command]]:
    def walk(command: click.Command, path: tuple[str, ...]) -> Iterator[Any]:
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            yield path, command
            return
        for name, sub in sorted(subcommands.items()):
            yield from walk(sub, (*path, name))

    yield from walk(typer.main.get_command(app), ())


LEAVES = [(path, cmd) for path, cmd in _leaf_commands() if path not in SKIPPED]


def _argv(path: tuple[str, ...], command: click.Command, value: str) -> list[str]:
    argv = list(path)
    for param in command.params:
        if not param.required:
            continue
        if isinstance(param, click.Argument):
            argv.append(value)
        elif isinstance(param, click.Option):
            argv += [param.opts[0], value]
    return argv


@pytest.fixture
def hostile_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "laughs": tmp_path / "laughs.yaml",
        "deep": tmp_path / "deep.json",
        "latin1": tmp_path / "latin1.yaml",
        "nul": tmp_path / "nul.yaml",
    }
    files["laughs"].write_text(LAUGHS)
    files["deep"].write_text("[" * 100_000 + "]" * 100_000)
    files["latin1"].write_bytes(b"name: caf\xe9\n")
    files["nul"].write_text("name: a\x00b\n")
    return files


def _invoke(argv: list[str]) -> Any:
    result = CliRunner().invoke(app, argv, input="")
    output = result.output
    assert "Traceback" not in output, (argv, output)
    # SystemExit is how every handled ending leaves (typer.Exit, click's usage errors)
    handled = result.exception is None or isinstance(result.exception, SystemExit)
    assert handled, (argv, repr(result.exception))
    return result


def _verify_ledger() -> None:
    verified = CliRunner().invoke(app, ["ledger", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "ledger verified" in verified.output


@pytest.fixture
def seeded_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store holding one run, so commands that read runs have something to read."""
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"id": "a", "q": "2+2?", "a": "4"}) + "\n")
    task = tmp_path / "task.yaml"
    task.write_text(
        "name: t\ndataset:\n  path: data.jsonl\n  fields: {id: id, input: q, target: a}\n"
        "scorer: exact\n"
    )
    answers = tmp_path / "answers.jsonl"
    answers.write_text(json.dumps({"id": "a", "output": "4"}) + "\n")
    assert _invoke(["eval", "run", str(task), "--model", f"scripted/{answers}"]).exit_code == 0


@pytest.mark.slow
@pytest.mark.usefixtures("seeded_store")
def test_every_command_with_hostile_values_ends_in_a_message(
    hostile_files: dict[str, Path],
) -> None:
    values = [
        "\x00",
        "../../../../etc/passwd",
        '=HYPERLINK("http://x.invalid")\u202e\x1b[2J',
        "99999999999999999999",
        str(hostile_files["laughs"]),
        str(hostile_files["latin1"]),
    ]
    # the user commands last: once a user exists, commands need a login and say so
    ordered = sorted(LEAVES, key=lambda leaf: leaf[0][0] == "user")
    for path, command in ordered:
        if not any(p.required for p in command.params):
            _invoke(list(path))
            continue
        for value in values:
            _invoke(_argv(path, command, value))
    _verify_ledger()


@pytest.fixture
def task_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "tasks"
    folder.mkdir()
    rows = [{"id": "a", "q": "Pick", "choices": ["x", "y"], "answer": "A"}]
    (folder / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "answers.jsonl").write_text(json.dumps({"id": "a", "output": "ANSWER: A"}) + "\n")
    return folder


HEAD = "name: t\ndataset:\n  path: {data}\n  fields: {{id: id, input: q, choices: choices, target: answer}}\nsolver: multiple_choice\nscorer: choice\n"  # noqa: E501


def _task(folder: Path, name: str, text: str | bytes, data: str = "data.jsonl") -> str:
    path = folder / name
    body = text if isinstance(text, bytes) else (HEAD.format(data=data) + text).encode()
    path.write_bytes(body)
    return str(path)


def test_the_issues_cases_each_end_in_a_message(task_folder: Path, tmp_path: Path) -> None:
    model = f"scripted/{task_folder / 'answers.jsonl'}"
    wide = [{"id": "a", "q": "Pick", "choices": [f"c{i}" for i in range(27)], "answer": "A"}]
    (task_folder / "wide.jsonl").write_text(json.dumps(wide[0]) + "\n")
    (task_folder / "deep.jsonl").write_text("[" * 100_000 + "]" * 100_000 + "\n")
    (task_folder / "bad.parquet").write_bytes(b"PAR1" + b"\xff" * 64 + b"PAR1")
    tasks = {
        "laughs": _task(task_folder, "laughs.yaml", LAUGHS + HEAD.format(data="data.jsonl")),
        "deep yaml": _task(task_folder, "deep.yaml", "x: " + "[" * 100_000 + "]" * 100_000),
        "nul": _task(task_folder, "nul.yaml", "description: a\x00b\n"),
        "latin1": _task(task_folder, "latin1.yaml", b"name: caf\xe9\n"),
        "duplicate": _task(task_folder, "dup.yaml", "scorer: match\n"),
        "temperature": _task(task_folder, "temp.yaml", "config: {temperature: -5}\n"),
        "max_tokens": _task(task_folder, "maxt.yaml", "config: {max_tokens: -1}\n"),
        "27 choices": _task(task_folder, "wide.yaml", "", data="wide.jsonl"),
        "deep json": _task(task_folder, "deepjson.yaml", "", data="deep.jsonl"),
        "parquet": _task(task_folder, "pq.yaml", "", data="bad.parquet"),
    }
    for case, task in tasks.items():
        result = _invoke(["eval", "run", task, "--model", model])
        assert result.exit_code == 1, (case, result.output)
        assert "error:" in result.output, case
    good = _task(task_folder, "good.yaml", "")
    for option, value in (("--seed", "9007199254740993"), ("--max-connections", "5000")):
        result = _invoke(["eval", "run", good, "--model", model, option, value])
        assert result.exit_code == 1
        assert option in result.output
    dead = _invoke(["eval", "run", good, "--model", "openai/x", "--base-url", "http://127.0.0.1:9"])
    assert dead.exit_code == 1
    assert "pre-flight check failed" in dead.output
    for text in ("name: p\x00\n", "thresholds: [1, 2]\nname: a\nname: b\n"):
        policy = tmp_path / "policy.yaml"
        policy.write_text(text)
        assert _invoke(["policy", "validate", str(policy)]).exit_code == 1
    policy.write_bytes(b"name: caf\xe9\n")
    assert _invoke(["policy", "validate", str(policy)]).exit_code == 1
    _verify_ledger()
