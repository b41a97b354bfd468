"""Four `clearance eval run` processes and a governance writer on one store at once: the ledger
stays one chain that `clearance ledger verify` accepts, every run keeps each sample once, every
use case is there. Real processes on real SQLite and PostgreSQL (benchmarks/contention.py runs
the same thing bigger and prints the rates)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
WRITERS, SAMPLES, USE_CASES = 4, 60, 6


def _contention() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "contention_bench", REPO / "benchmarks" / "contention.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_concurrent_writers_keep_one_verifiable_ledger(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else None
    found = _contention().contend(tmp_path, url, WRITERS, SAMPLES, USE_CASES)
    assert found["exit_codes"] == [0] * (WRITERS + 1)
    assert found["chain"] == []
    assert found["verify_exit"] == 0, found["verify"]
    by_run = found["samples_by_run"]
    assert len(by_run) == WRITERS
    assert all(rows == [SAMPLES, SAMPLES, SAMPLES] for rows in by_run.values()), by_run
    assert found["use_cases"] == USE_CASES
    # Each run ledgers its creation, its sample batches and its end; each use case at least
    # itself: a lost update of the head would show as fewer entries than that, or a fork.
    assert found["entries"] >= WRITERS * 3 + USE_CASES
