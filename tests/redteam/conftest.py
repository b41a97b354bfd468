"""A real store on each database for the red-team tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clearance.store import Store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store.open(store_url)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_store(clearance_home: Path) -> Iterator[Store]:
    clearance_home.mkdir(parents=True, exist_ok=True)
    opened = Store.open(f"sqlite:///{clearance_home / 'clearance.db'}")
    yield opened
    opened.close()
