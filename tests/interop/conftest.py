"""Fixtures: the shared interop files, and who acts on the store (tests/conftest.py has it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearance.accountability import Acting, acting
from clearance.store import Store
from people_support import first_admin

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "interop"
INSPECT_EVAL = FIXTURES / "inspect" / "mc40_epochs2.eval"
INSPECT_JSON = FIXTURES / "inspect" / "mc40_epochs2.json"
INSPECT_FAULTY = FIXTURES / "inspect" / "mc30_faulty_server.eval"
INSPECT_SCHEMA = FIXTURES / "inspect" / "eval_log_schema.json"
LMEVAL_RESULTS = next((FIXTURES / "lm_eval").glob("results_*.json"))
LMEVAL_LIKELIHOOD = FIXTURES / "lm_eval_loglikelihood" / "results.json"


@pytest.fixture
def admin(store: Store) -> Acting:
    """Who acts: the local administrator on SQLite, a TOP SECRET administrator on PostgreSQL."""
    if store.engine.dialect.name == "sqlite":
        return acting(store)
    from clearance.access import Marking

    return first_admin(store, "root", clearance=Marking.of("TS", "BIO", "CYBER"))
