"""Shared fixtures: every test gets its own CLEARANCE_HOME and store."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from clearance.store import Store

REPO = Path(__file__).resolve().parents[1]
SHARED_DATASETS = REPO.parent / "shared" / "datasets"
STUB_SERVER = REPO / "benchmarks" / "stub_server.py"


@pytest.fixture(autouse=True)
def clearance_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "clearance-home"
    monkeypatch.setenv("CLEARANCE_HOME", str(home))
    monkeypatch.delenv("CLEARANCE_DATABASE_URL", raising=False)
    return home


class StubServer:
    """The stub OpenAI-compatible server from benchmarks/, in its own process."""

    def __init__(self, latency: float = 0.0, faults: str = "", retry_after: float = 0.05) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(STUB_SERVER),
                "--latency",
                str(latency),
                "--faults",
                faults,
                "--retry-after",
                str(retry_after),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"stub server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def stats(self) -> dict[str, int]:
        import json
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats") as r:
            data: dict[str, int] = json.loads(r.read())
            return data

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def stub_server() -> Iterator[StubServer]:
    server = StubServer()
    yield server
    server.close()


@pytest.fixture
def make_stub() -> Iterator[type[StubServer]]:
    started: list[StubServer] = []

    class _Factory(StubServer):
        def __init__(self, **kw: object) -> None:
            super().__init__(**kw)  # type: ignore[arg-type]
            started.append(self)

    yield _Factory
    for s in started:
        s.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL on a schema of its own (dropped afterwards), so tests never collide.
    Skips when no server answers, except in CI, where PostgreSQL must be there."""
    base = _postgres_base_url()
    if base is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432 (database test) in CI")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (database test)")
    import uuid

    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = base.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(
    request: pytest.FixtureRequest, clearance_home: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The store's URL on each database Clearance supports; also set as the default."""
    if request.param == "sqlite":
        url = f"sqlite:///{clearance_home / 'clearance.db'}"
        clearance_home.mkdir(parents=True, exist_ok=True)
    else:
        url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("CLEARANCE_DATABASE_URL", url)
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated store on each supported database (packages' conftests may refine it)."""
    from clearance.store import Store

    opened = Store.open(store_url)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_store(clearance_home: Path) -> Iterator[Store]:
    """A store on SQLite only, for tests that check logic rather than the database."""
    from clearance.store import Store

    clearance_home.mkdir(parents=True, exist_ok=True)
    opened = Store.open(f"sqlite:///{clearance_home / 'clearance.db'}")
    yield opened
    opened.close()


def _postgres_base_url() -> str | None:
    """The team database for tests, when one answers at 127.0.0.1:5432 (database `test`)."""
    url = os.environ.get(
        "CLEARANCE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    try:
        import psycopg

        psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), connect_timeout=2).close()
    except Exception:
        return None
    return url
