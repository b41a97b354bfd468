"""Where the store lives, and opening it: SQLite (WAL) by default, PostgreSQL for teams."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError

from clearance.errors import ClearanceError
from clearance.filemodes import private_dir, private_file
from clearance.settings import settings

if TYPE_CHECKING:
    from alembic.config import Config

_MIGRATIONS = Path(__file__).parent / "migrations"
# `revision = "0006"` / `down_revision = "0005"` as every migration file spells them.
_REVISION = re.compile(r'^(down_revision|revision)\s*(?::[^=]*)?=\s*["\']?([\w-]*)', re.M)


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
        cur.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Only a transaction that will write takes the write lock up front; a reading one reads
        # its WAL snapshot without waiting, so a long write elsewhere never stalls `eval list`,
        # `ledger verify` or a report.
        if conn.get_execution_options().get(WRITES, False):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


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


def create_store_engine(url: str | None = None, *, migrate_schema: bool = True) -> Engine:
    """An engine for ``url`` (default ``database_url()``) with the schema migrated to head (or,
    with ``CLEARANCE_AUTO_MIGRATE=off``, checked to be there); ``migrate_schema=False`` opens it
    as it is (for `clearance db status`)."""
    url = url or database_url()
    try:
        engine = create_engine(url, **_pool_options(url))
    except Exception as exc:  # bad URL syntax, unknown driver
        raise StoreError(
            f"cannot open the store at {url!r}: {exc}. Check CLEARANCE_DATABASE_URL "
            "(e.g. postgresql+psycopg://user@127.0.0.1:5432/db) or unset it for the embedded store."
        ) from exc
    if engine.dialect.name == "sqlite":
        engine = _read_only_if_unwritable(engine)
        _make_private(engine)
        _configure_sqlite(engine)
    if not migrate_schema:
        return engine
    try:
        if settings().auto_migrate:
            migrate(engine)
        else:
            _require_head(engine)
    except OperationalError as exc:
        raise _unreachable(engine, exc) from exc
    return engine


def _unreachable(engine: Engine, exc: OperationalError) -> StoreError:
    if "locked" in str(exc.orig).lower():
        return StoreError(locked_message(engine))
    return StoreError(
        f"cannot reach the store at {engine.url.render_as_string(hide_password=True)}: "
        f"{exc.orig}. Is the database running and the URL right?"
    )


def _pool_options(url: str) -> dict[str, Any]:
    """A server database's connection pool, sized by the settings (SQLite keeps SQLAlchemy's
    own pool: one file, one writer at a time, nothing to size)."""
    if url.startswith("sqlite"):
        return {}
    current = settings()
    return {
        # A connection the server dropped (restart, idle timeout) is replaced, not handed out.
        "pool_pre_ping": True,
        "pool_size": current.pool_size,
        "max_overflow": current.max_overflow,
        "pool_timeout": current.pool_timeout,
    }


def _require_head(engine: Engine) -> None:
    current, head = schema_revision(engine), schema_head()
    if current != head:
        raise StoreError(
            f"the store at {engine.url.render_as_string(hide_password=True)} is at schema "
            f"{current or '(none)'}, this Clearance needs {head}, and CLEARANCE_AUTO_MIGRATE is "
            "off: run `clearance db upgrade` (with a backup first) or set CLEARANCE_AUTO_MIGRATE=on"
        )


WRITES = "clearance_writes"
"""The execution option of a connection that will write: on SQLite it begins with the write
lock taken (BEGIN IMMEDIATE), so two writers queue instead of one failing mid-transaction."""

BUSY_SECONDS = 30
"""How long a writer waits for another process's write lock before it gives up."""


def writing(engine: Engine) -> Engine:
    """``engine`` for a transaction that writes (see :data:`WRITES`)."""
    return engine.execution_options(**{WRITES: True})


def locked_message(engine: Engine) -> str:
    """What to say when another process held the store's write lock past the wait."""
    return (
        f"the store at {engine.url.render_as_string(hide_password=True)} is locked: another "
        f"process has held its write lock for more than {BUSY_SECONDS} s, and nothing was "
        "written. Wait for that process to finish (or stop it), then run the command again"
    )


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


@functools.cache
def schema_head() -> str:
    """The newest migration's revision, read from the migration files' text.

    Importing Alembic (and the Mako and Pygments it pulls in) costs about a tenth of a second,
    more than a whole short run's work, so an up-to-date store is recognised without it: the
    head is the one revision no other file names as its `down_revision`. A test checks this
    against Alembic's own answer.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (_MIGRATIONS / "versions").glob("[0-9]*.py"):
        source = path.read_text(encoding="utf-8")
        found: dict[str, str] = {m[1]: m[2] for m in _REVISION.finditer(source)}
        if "revision" not in found:
            raise StoreError(f"the migration {path} names no revision: the installation is damaged")
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    if len(heads) != 1:
        raise StoreError(
            f"the migrations under {_MIGRATIONS} have {len(heads)} heads ({sorted(heads)}), "
            "not one: the installation is damaged or two migrations share a parent"
        )
    return heads.pop()


def schema_revision(engine: Engine) -> str | None:
    """The revision the store's schema is at (None for a store with no schema yet)."""
    with engine.connect() as conn:
        try:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        except DBAPIError as exc:
            if isinstance(exc, OperationalError) and not _is_missing_table(exc):
                raise
            return None
    return None if row is None else str(row[0])


def _is_missing_table(exc: DBAPIError) -> bool:
    return "no such table" in str(exc.orig).lower()


def migrate(engine: Engine) -> bool:
    """Bring the schema to the newest migration (a no-op when it is already there); True when
    migrations ran."""
    current, head = schema_revision(engine), schema_head()
    if current == head:
        return False
    from alembic import command

    _pending(current, head)  # a revision this Clearance does not know is named, not attempted
    command.upgrade(_alembic_config(engine), "head")
    return True


@dataclass(frozen=True)
class SchemaStatus:
    """Where a store's schema stands against this Clearance's migrations."""

    location: str
    """The store's URL without its password."""
    dialect: str
    current: str | None
    """The revision the store is at (None: no schema yet)."""
    head: str
    pending: tuple[str, ...]
    """Revisions an upgrade would apply, oldest first (empty when up to date)."""
    pool: dict[str, float] = field(default_factory=dict)
    """The connection pool's settings (empty for SQLite)."""

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def _pending(current: str | None, head: str) -> tuple[str, ...]:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory(str(_MIGRATIONS))
    try:
        known = current is None or script.get_revision(current) is not None
    except CommandError:
        known = False
    if not known:
        raise StoreError(
            f"the store is at schema {current}, which this Clearance does not know (it knows up "
            f"to {head}): it was written by a newer Clearance; upgrade Clearance, not the store"
        )
    steps = script.iterate_revisions(head, current)  # newest first
    return tuple(reversed([s.revision for s in steps]))


def schema_status(url: str | None = None, *, upgrade: bool = False) -> SchemaStatus:
    """The store's schema against the newest migration; with ``upgrade``, after migrating it."""
    engine = create_store_engine(url, migrate_schema=False)
    try:
        if upgrade:
            migrate(engine)
        current, head = schema_revision(engine), schema_head()
        pool = {
            k: float(v) for k, v in _pool_options(str(engine.url)).items() if k != "pool_pre_ping"
        }
        return SchemaStatus(
            location=engine.url.render_as_string(hide_password=True),
            dialect=engine.dialect.name,
            current=current,
            head=head,
            pending=() if current == head else _pending(current, head),
            pool=pool,
        )
    except OperationalError as exc:
        raise _unreachable(engine, exc) from exc
    finally:
        engine.dispose()
