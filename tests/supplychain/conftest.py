"""Fixtures for the supply-chain tests: a real store on each database, which the CLI opens too
(on PostgreSQL as administrator ``root``, cleared TOP SECRET, through CLEARANCE_TOKEN)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clearance.access import Marking
from clearance.store import Store
from people_support import first_admin, own_token


@pytest.fixture
def store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    opened = Store.open(store_url)
    if opened.engine.dialect.name != "sqlite":
        root = first_admin(opened, "root", clearance=Marking.of("TS"))
        monkeypatch.setenv("CLEARANCE_TOKEN", own_token(opened, root))
    yield opened
    opened.close()
