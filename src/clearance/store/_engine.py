"""Where the store lives, and opening it: SQLite (WAL) by default, PostgreSQL for teams."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError

from clearance.errors import ClearanceError
from clearance.filemodes import private_dir, private_file
from clearance.settings import settings

_MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(ClearanceError, RuntimeError):
    """The store cannot be opened or used; the message says why and what to do."""


def database_url() -> str:
    """``$CLEARANCE_DATABASE_URL``, else SQLite under ``clearance_home()``."""
    current = settings()
    if current.database_url:
        return current.database_url
    private_dir(current.home)
    return f"sqlite:///{current.embedded_database}"


def _make_private(engine: Engine) -> None:
    # Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database
    # file's mode, so none of the three is readable by others, whatever the umask.
    # (A store opened read-only has no file name here: it is left as it is.)
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        with contextlib.suppress(PermissionError):  # not ours to narrow: verify names it
            private_file(Path(database))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's implicit transactions would defer the write lock; we take it up front
        # with BEGIN IMMEDIATE so two writers serialise instead of failing mid-transaction.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _read_only_if_unwritable(engine: Engine) -> Engine:
    """An embedded store this process cannot write (a read-only mount, files owned by someone
    else) is opened read-only and immutable, so reading commands (list, show, export, verify,
    reports) still work: a WAL database otherwise needs to create its shared-memory file even to
    read. A write then fails naming the read-only store."""
    database = engine.url.database
    if not database or database == ":memory:" or engine.url.query.get("uri"):
        return engine
    path = Path(database)
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    if not path.is_file() or writable:
        return engine
    uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
    engine.dispose()
    return create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
    )


def create_store_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default ``database_url()``) with the schema migrated to head."""
    url = url or database_url()
    try:
        engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    except Exception as exc:  # bad URL syntax, unknown driver
        raise StoreError(
            f"cannot open the store at {url!r}: {exc}. Check CLEARANCE_DATABASE_URL "
            "(e.g. postgresql+psycopg://user@127.0.0.1:5432/db) or unset it for the embedded store."
        ) from exc
    if engine.dialect.name == "sqlite":
        engine = _read_only_if_unwritable(engine)
        _make_private(engine)
        _configure_sqlite(engine)
    try:
        migrate(engine)
    except OperationalError as exc:
        raise StoreError(
            f"cannot reach the store at {engine.url.render_as_string(hide_password=True)}: "
            f"{exc.orig}. Is the database running and the URL right?"
        ) from exc
    return engine


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is already there)."""
    cfg = _alembic_config(engine)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current != head:
        command.upgrade(cfg, "head")
