"""The store's schema check without Alembic, and `clearance db status` / `db upgrade`, on both
databases: an up-to-date store is recognised from the migration files' text; a store behind is
upgraded, or refused when automatic upgrades are off; the commands report and apply migrations."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from typer.testing import CliRunner

from clearance.cli import app
from clearance.store import Store, StoreError, create_store_engine, schema_status
from clearance.store._engine import _MIGRATIONS, _alembic_config, schema_head, schema_revision

runner = CliRunner()


def _json(*args: str) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert schema_head() == ScriptDirectory(str(_MIGRATIONS)).get_current_head()


def test_a_second_head_is_a_damaged_installation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    for name, rev, down in (("0001_a.py", "0001", None), ("0002_b.py", "0002", "0001")):
        (versions / name).write_text(f'revision = "{rev}"\ndown_revision = {down!r}\n')
    (versions / "0002_c.py").write_text('revision = "0002c"\ndown_revision = "0001"\n')
    monkeypatch.setattr("clearance.store._engine._MIGRATIONS", tmp_path)
    schema_head.cache_clear()
    try:
        with pytest.raises(StoreError, match="2 heads"):
            schema_head()
    finally:
        schema_head.cache_clear()


def test_opening_an_up_to_date_store_does_not_import_alembic(store_url: str) -> None:
    Store.open(store_url).close()  # made and migrated here, in this process
    probe = (
        "import sys\nfrom clearance.store import Store\n"
        f"Store.open({store_url!r}).close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "[]"


def test_a_store_behind_is_upgraded_on_open_and_reported_by_db_status(store_url: str) -> None:
    Store.open(store_url).close()
    _roll_back_one(store_url)  # as if made by the previous release
    code, status = _json("db", "status")
    assert code == 1
    assert status["current"] == _previous()
    assert status["pending"] == [schema_head()]
    assert status["up_to_date"] is False
    code, after = _json("db", "upgrade")
    assert code == 0
    assert after["before"] == _previous()
    assert after["current"] == schema_head()
    assert after["up_to_date"] is True
    code, again = _json("db", "status")
    assert code == 0
    assert again["pending"] == []


def test_with_automatic_upgrades_off_a_store_behind_is_refused_until_db_upgrade(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(store_url).close()
    _roll_back_one(store_url)
    engine = create_store_engine(store_url, migrate_schema=False)
    monkeypatch.setenv("CLEARANCE_AUTO_MIGRATE", "off")
    with pytest.raises(StoreError, match="clearance db upgrade"):
        Store.open(store_url)
    assert schema_revision(engine) == _previous()  # nothing was changed by the refusal
    result = runner.invoke(app, ["eval", "list"])
    assert result.exit_code != 0
    assert "clearance db upgrade" in result.output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    Store.open(store_url).close()
    engine.dispose()


def test_a_store_from_a_newer_clearance_is_named_as_such(store_url: str) -> None:
    Store.open(store_url).close()
    engine = create_store_engine(store_url, migrate_schema=False)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer Clearance"):
        schema_status(store_url)


def test_pool_settings_reach_the_engine_and_bad_ones_are_named(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLEARANCE_DB_POOL_SIZE", "3")
    monkeypatch.setenv("CLEARANCE_DB_MAX_OVERFLOW", "0")
    engine = create_store_engine(postgres_url)
    assert engine.pool.size() == 3  # type: ignore[attr-defined]
    assert engine.pool._max_overflow == 0  # type: ignore[attr-defined]
    engine.dispose()
    monkeypatch.setenv("CLEARANCE_DATABASE_URL", postgres_url)
    _, status = _json("db", "status")
    assert status["pool"] == {"pool_size": 3, "max_overflow": 0, "pool_timeout": 30}
    monkeypatch.setenv("CLEARANCE_DB_POOL_SIZE", "lots")
    result = runner.invoke(app, ["db", "status"])
    assert result.exit_code == 1
    assert "CLEARANCE_DB_POOL_SIZE='lots'" in result.output


def _previous() -> str:
    script = ScriptDirectory(str(_MIGRATIONS))
    revision = script.get_revision(schema_head())
    assert revision is not None
    down = revision.down_revision
    assert isinstance(down, str)
    return down


def _roll_back_one(url: str) -> None:
    from alembic import command

    engine = create_store_engine(url, migrate_schema=False)
    command.downgrade(_alembic_config(engine), "-1")
    engine.dispose()
