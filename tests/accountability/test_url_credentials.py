"""Credentials in URLs (``user:pass@host``, secret query keys) are stripped before anything is
stored or printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from accountability_support import cli
from sqlalchemy import text

from clearance.store import Store
from clearance.urls import without_credentials

SECRET = "hunter2-secret"


def test_without_credentials() -> None:
    assert without_credentials(f"https://ada:{SECRET}@api.example/v1") == "https://api.example/v1"
    assert (
        without_credentials(f"http://h:8080/v1?api_key={SECRET}&model=x&Token={SECRET}")
        == "http://h:8080/v1?model=x"
    )
    assert without_credentials("http://[::1]:9/v1") == "http://[::1]:9/v1"
    assert without_credentials("http://127.0.0.1:9/v1") == "http://127.0.0.1:9/v1"


def test_a_run_keeps_and_prints_no_credential(
    stub_server: object, clearance_home: Path, tmp_path: Path
) -> None:
    port = stub_server.port  # type: ignore[attr-defined]
    base = f"http://ada:{SECRET}@127.0.0.1:{port}/v1"
    (tmp_path / "data.jsonl").write_text(json.dumps({"id": "a", "q": "Say hi", "a": "hi"}) + "\n")
    task = tmp_path / "task.yaml"
    task.write_text(
        "name: hello\ndataset:\n  path: data.jsonl\n  fields: {id: id, input: q, target: a}\n"
        "scorer: includes\n"
    )
    ran = cli("eval", "run", str(task), "--model", "openai/stub", "--base-url", base, "--json")
    assert ran.exit_code == 0, ran.stderr
    run_id = json.loads(ran.stdout)["id"]
    shown = cli("eval", "show", run_id, "--json")
    assert shown.exit_code == 0, shown.stderr
    printed = ran.stdout + ran.stderr + shown.stdout + shown.stderr
    assert SECRET not in printed
    store = Store.open()
    try:
        with store.engine.connect() as conn:
            tables = [row[0] for row in conn.execute(text("SELECT name FROM sqlite_master"))]
            dump = "".join(
                str(list(conn.execute(text(f'SELECT * FROM "{name}"'))))
                for name in tables
                if not name.startswith("sqlite_") and not name.startswith("ix_")
                and not name.startswith("uq_")
            )  # fmt: skip
    finally:
        store.close()
    assert f"127.0.0.1:{port}" in dump
    assert SECRET not in dump


def test_a_witness_url_is_named_without_its_credential(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from clearance.accountability import configured_witnesses
    from clearance.web import create_app
    from people_support import first_admin, own_token

    held = tmp_path / "witness"
    # Nothing listens on port 9: the witness cannot be reached, and says so by name.
    url = f"http://ada:{SECRET}@127.0.0.1:9/"
    monkeypatch.setenv("CLEARANCE_WITNESSES", f"{held},{url}")
    names = [w.name for w in configured_witnesses()]
    assert names == [str(held), "http://127.0.0.1:9/"]
    checked = cli("ledger", "checkpoint")
    assert SECRET not in checked.stdout + checked.stderr
    assert "http://127.0.0.1:9/" in " ".join(checked.stderr.split())
    verified = cli("ledger", "verify", "--json")
    assert SECRET not in verified.stdout + verified.stderr

    # The ledger API lists the witnesses, by the same names.
    token = own_token(sqlite_store, first_admin(sqlite_store, "root"))
    with TestClient(create_app(sqlite_store), base_url="http://127.0.0.1") as client:
        answer = client.get("/api/v1/ledger", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["item"]["witnesses"] == names
    assert SECRET not in answer.text
