"""Fixtures for the CLI tests: a small multiple-choice task and a scripted model for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def task_and_model(tmp_path: Path) -> tuple[Path, str]:
    rows = [
        {"id": "a", "question": "Pick one", "choices": ["x", "y", "z"], "answer": "B"},
        {"id": "b", "question": "Pick two", "choices": ["x", "y", "z"], "answer": "C"},
        {"id": "c", "question": "Pick three", "choices": ["x", "y"], "answer": "A"},
    ]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = tmp_path / "task.yaml"
    task.write_text(
        "name: mc-synth\n"
        "dataset:\n"
        "  path: data.jsonl            # relative to the task file, or absolute\n"
        "  fields: {id: id, input: question, choices: choices, target: answer}\n"
        "solver: multiple_choice\n"
        "scorer: choice\n"
    )
    answers = tmp_path / "answers.jsonl"
    outputs = {"a": "ANSWER: B", "b": "I think A", "c": "The answer is (A)."}
    answers.write_text(
        "".join(json.dumps({"id": k, "output": v}) + "\n" for k, v in outputs.items())
    )
    return task, f"scripted/{answers}"
