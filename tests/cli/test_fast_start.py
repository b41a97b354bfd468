"""A run's fixed cost stays small: `eval run` of a task file on an up-to-date store imports
none of the heavy libraries only other paths need (schema migration, the benchmark catalogue,
BOM validation, exact tests, Ray, the web stack, local models). Speed itself is measured by
benchmarks/startup.py; this guards what made it slow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = (
    "alembic",
    "clearance.suites",
    "jsonschema",
    "scipy.stats",
    "ray",
    "torch",
    "transformers",
    "matplotlib",
    "fastapi",
    "pyarrow",
)

PROBE = """
import json, sys
from clearance.cli import main
sys.argv = ["clearance", "eval", "run", TASK, "--model", MODEL, "--quiet"]
try:
    main()
except SystemExit as stop:
    code = stop.code
print(json.dumps([code, sorted(m for m in HEAVY if m in sys.modules)]))
"""


def test_a_run_on_an_up_to_date_store_imports_nothing_heavy(
    task_and_model: tuple[Path, str], clearance_home: Path
) -> None:
    task, model = task_and_model
    source = (
        PROBE.replace("TASK", repr(str(task)))
        .replace("MODEL", repr(model))
        .replace("HEAVY", repr(HEAVY))
    )
    env = {**os.environ, "CLEARANCE_HOME": str(clearance_home)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", source], env=env, capture_output=True, text=True, check=True
        )
        for _ in range(2)  # the first makes and migrates the store
    ]
    code, heavy = json.loads(runs[1].stdout.strip().splitlines()[-1])
    assert code in (0, None), runs[1].stderr
    assert heavy == []
