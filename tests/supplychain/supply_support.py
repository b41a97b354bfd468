"""Real evaluations and assessments for the supply-chain tests, made through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from clearance.cli import app

_runner = CliRunner()


def clearance(*args: str, stdin: str | None = None) -> Any:
    """``clearance ARGS`` in-process; the result has exit_code, stdout and stderr."""
    return _runner.invoke(app, list(args), input=stdin)


def assessed_model(
    folder: Path,
    *,
    right: int = 7,
    wrong: int = 3,
    task: str = "doubles",
    marking: str = "UNCLASSIFIED",
) -> str:
    """Evaluate a scripted model on a task of doubling numbers (``right`` answered correctly,
    ``wrong`` not; the run marked ``marking``) and assess it as mathematics; returns the model
    spec."""
    folder.mkdir(parents=True, exist_ok=True)
    items = [{"id": f"d{i}", "q": f"Double {i}.", "a": str(2 * i)} for i in range(right + wrong)]
    (folder / "items.jsonl").write_text("".join(json.dumps(item) + "\n" for item in items))
    replies = [
        {"id": item["id"], "output": item["a"] if n < right else "no idea"}
        for n, item in enumerate(items)
    ]
    (folder / "replies.jsonl").write_text("".join(json.dumps(r) + "\n" for r in replies))
    (folder / "task.yaml").write_text(
        f"name: {task}\ndataset:\n  path: items.jsonl\n  fields: {{id: id, input: q, target: a}}\n"
        "scorer: numeric\n"
    )
    spec = f"scripted/{folder / 'replies.jsonl'}"
    ran = clearance(
        "eval", "run", str(folder / "task.yaml"), "--model", spec, "--json", "--marking", marking
    )
    assert ran.exit_code == 0, ran.stderr
    done = clearance("assess", spec, "--task-domain", f"{task}=mathematics")
    assert done.exit_code == 0, done.stderr
    return spec
