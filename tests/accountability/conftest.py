"""Fixtures: a migrated store on SQLite and PostgreSQL, shared with the CLI through the
environment (``store_url`` sets CLEARANCE_DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clearance.access import Marking
from clearance.store import Store
from people_support import first_admin, own_token

TEAM_ADMIN = "root"


@pytest.fixture
def store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A migrated store on each supported database; the CLI opens the same one.

    The embedded SQLite store acts as the local administrator; a PostgreSQL store needs a user,
    so there the CLI acts as administrator ``root`` through CLEARANCE_TOKEN."""
    opened = Store.open(store_url)
    if opened.engine.dialect.name != "sqlite":
        monkeypatch.setenv("CLEARANCE_TOKEN", team_admin_token(opened))
    yield opened
    opened.close()


def team_admin_token(store: Store) -> str:
    """Add the first administrator (cleared TOP SECRET//BIO//CYBER) and return an API token."""
    root = first_admin(store, TEAM_ADMIN, clearance=Marking.of("TS", "BIO", "CYBER"))
    return own_token(store, root)


@pytest.fixture
def sqlite_store(clearance_home: Path) -> Iterator[Store]:
    """The embedded store only (it is also the CLI's default), for logic tests."""
    clearance_home.mkdir(parents=True, exist_ok=True)
    opened = Store.open(f"sqlite:///{clearance_home / 'clearance.db'}")
    yield opened
    opened.close()
