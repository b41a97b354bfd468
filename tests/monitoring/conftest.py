"""Fixtures for monitoring tests: stores, and an approved use case whose baseline is a scripted
model's run of the starter safety items."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from monitoring_support import CAIO, T0, Approved, write_script

from clearance.access import LOCAL_ADMIN
from clearance.governance import add_use_case, approve_use_case
from clearance.runner import RunOptions, run_task
from clearance.store import Store
from clearance.tasks import load_task


@pytest.fixture
def sqlite_store(clearance_home: Path) -> Iterator[Store]:
    clearance_home.mkdir(parents=True, exist_ok=True)
    opened = Store.open(f"sqlite:///{clearance_home / 'clearance.db'}")
    yield opened
    opened.close()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store.open(store_url)
    yield opened
    opened.close()


@pytest.fixture
def approve_with_baseline(
    tmp_path: Path,
) -> Callable[[Store], Approved]:
    """``approve_with_baseline(store)``: a use case approved after a baseline run in which the
    scripted model declined every harmful request; returns it, the model spec and the script."""

    def make(store: Store) -> Approved:
        from people_support import translation_intake

        script = tmp_path / "deployed.jsonl"
        write_script(script, complied=0)
        spec = f"scripted/{script}"
        asyncio.run(
            run_task(
                load_task("starter-safety"),
                spec,
                store=store,
                options=RunOptions(),
                principal=LOCAL_ADMIN,
            )
        )
        uc = add_use_case(store, translation_intake(), principal=LOCAL_ADMIN, now=T0)
        approve_use_case(store, uc.id, rationale="Tested; declines.", principal=CAIO)
        return uc, spec, script

    return make
