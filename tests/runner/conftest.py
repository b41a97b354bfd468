"""Fixtures for engine tests: a four-choice task file of N samples."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

TaskFactory = Callable[..., Path]


@pytest.fixture
def mc_task(tmp_path: Path) -> TaskFactory:
    """Write `data.jsonl` (ids q0..q{n-1}) and a task file; extra keys go into the YAML."""

    def make(n: int = 20, name: str = "mc-synth", **extra: object) -> Path:
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        with (folder / "data.jsonl").open("w") as f:
            for i in range(n):
                row = {
                    "id": f"q{i}",
                    "question": f"Question {i}: which letter?",
                    "choices": ["alpha", "beta", "gamma", "delta"],
                    "answer": "ABCD"[i % 4],
                }
                f.write(json.dumps(row) + "\n")
        spec = {
            "name": name,
            "dataset": {
                "path": "data.jsonl",
                "fields": {
                    "id": "id",
                    "input": "question",
                    "choices": "choices",
                    "target": "answer",
                },
            },
            "solver": "multiple_choice",
            "scorer": "choice",
            **extra,
        }
        path = folder / "task.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        return path

    return make


@pytest.fixture
def write_script(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write a scripted model's answers file; returns its path."""

    def write(outputs: dict[str, str]) -> Path:
        path = tmp_path / f"script-{len(list(tmp_path.glob('script-*')))}.jsonl"
        with path.open("w") as f:
            for sid, text in outputs.items():
                f.write(json.dumps({"id": sid, "output": text}) + "\n")
        return path

    return write


@pytest.fixture
def solver_actor_pids() -> Callable[[], list[int]]:
    """Finds the processes of the Ray executor's workers (Ray titles them ray::SolverActor)."""

    def find() -> list[int]:
        import subprocess

        out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
        return [
            int(line.split()[0])
            for line in out.splitlines()[1:]
            if "SolverActor" in line and "ps -eo" not in line
        ]

    return find
