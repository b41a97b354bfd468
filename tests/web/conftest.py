"""Fixtures for the web tests: a store with users and runs, the app over it, and an ASGI client.

The store is built once per session (six argon2 password hashes and two real runs take
seconds) and each test gets its own copy of the database file in its own CLEARANCE_HOME."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_world import World, build_world

from clearance.store import Store
from clearance.web import create_app


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    directory = tmp_path_factory.mktemp("web-world")
    database = directory / "clearance.db"
    store = Store.open(f"sqlite:///{database}")
    try:
        built = build_world(store, directory / "tasks")
    finally:
        store.close()
    return database, built


def _sqlite_world(clearance_home: Path, world_template: tuple[Path, World]) -> Iterator[World]:
    database, built = world_template
    clearance_home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(database, clearance_home / "clearance.db")
    store = Store.open(f"sqlite:///{clearance_home / 'clearance.db'}")
    try:
        yield dataclasses.replace(built, store=store)
    finally:
        store.close()


@pytest.fixture
def world(clearance_home: Path, world_template: tuple[Path, World]) -> Iterator[World]:
    yield from _sqlite_world(clearance_home, world_template)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world_on_each_database(
    request: pytest.FixtureRequest, clearance_home: Path, world_template: tuple[Path, World]
) -> Iterator[World]:
    """The world on the embedded store and on PostgreSQL (built afresh there, on a schema of
    its own): for the API tests that must hold on both."""
    if request.param == "sqlite":
        yield from _sqlite_world(clearance_home, world_template)
        return
    store = Store.open(request.getfixturevalue("postgres_url"))
    try:
        yield build_world(store, clearance_home / "tasks")
    finally:
        store.close()


@pytest.fixture
def client_on_each_database(world_on_each_database: World) -> Iterator[TestClient]:
    app = create_app(world_on_each_database.store)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.store), base_url="http://127.0.0.1") as test_client:
        yield test_client
