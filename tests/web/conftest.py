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
def database() -> str:
    """Which database the world is on; a module marked ``each_database`` runs on both."""
    return "sqlite"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("each_database") and (
        "database" in metafunc.fixturenames
    ):
        postgresql = pytest.param("postgresql", marks=pytest.mark.postgres)
        metafunc.parametrize("database", ["sqlite", postgresql])


@pytest.fixture
def world(
    request: pytest.FixtureRequest,
    database: str,
    clearance_home: Path,
    world_template: tuple[Path, World],
) -> Iterator[World]:
    if database == "sqlite":
        yield from _sqlite_world(clearance_home, world_template)
        return
    # On PostgreSQL the world is built afresh, on a schema of its own.
    store = Store.open(request.getfixturevalue("postgres_url"))
    try:
        yield build_world(store, clearance_home / "tasks")
    finally:
        store.close()


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.store), base_url="http://127.0.0.1") as test_client:
        yield test_client
