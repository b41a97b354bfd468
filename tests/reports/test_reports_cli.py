"""`clearance report ...` as users run it, and the signed checkpoint a report states."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from report_fixture import Fixture, ledger_hashes, report_json
from typer.testing import CliRunner

from clearance.access import LOCAL_ADMIN
from clearance.accountability import checkpoint_dir
from clearance.cli import app
from clearance.ledger import (
    load_or_create_signing_key,
    merkle_root,
    sign_checkpoint,
    write_checkpoint,
)
from clearance.reports import build_annual_report, render_json
from clearance.store import Store


@pytest.fixture
def cli_env(fixture_store: Fixture, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CLEARANCE_DATABASE_URL", fixture_store.url)
    return CliRunner()


def test_report_annual_writes_the_file_and_prints_its_path(
    cli_env: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "reports" / "annual.json"
    result = cli_env.invoke(app, ["report", "annual", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert str(out.resolve()) in result.stdout.replace("\n", "")
    report = json.loads(out.read_bytes())["report"]
    assert report["kind"] == "annual"
    verified = cli_env.invoke(app, ["report", "verify", str(out)])
    assert verified.exit_code == 0, verified.output
    out.write_bytes(out.read_bytes().replace(b'"kind":"annual"', b'"kind":"annuaL"'))
    tampered = cli_env.invoke(app, ["report", "verify", str(out)])
    assert tampered.exit_code == 1
    assert "does not match" in tampered.output


def test_report_model_to_stdout_in_markdown(cli_env: CliRunner, fixture_store: Fixture) -> None:
    result = cli_env.invoke(app, ["report", "model", fixture_store.strong, "--format", "md"])
    assert result.exit_code == 0, result.output
    assert f"# Model evaluation report: {fixture_store.strong}" in result.stdout
    assert "Report SHA-256: " in result.stdout


def test_report_cover_states_agency_office_period_and_author(
    cli_env: CliRunner, fixture_store: Fixture
) -> None:
    args = ["report", "annual", "--format", "json", "--agency", "Department of Examples"]
    args += ["--office", "Office of the CAIO", "--from", "2020-01-01", "--to", "2099-12-31"]
    args += ["--prepared-by", "A. Analyst"]
    result = cli_env.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["report"]
    assert report["cover"]["agency"] == "Department of Examples"
    assert report["cover"]["office"] == "Office of the CAIO"
    assert (report["cover"]["period_from"], report["cover"]["period_to"]) == (
        "2020-01-01",
        "2099-12-31",
    )
    assert report["cover"]["prepared_by"] == "A. Analyst"
    assert len(report["provenance"]["assessments"]) == 2
    # A period that ended before anything was assessed leaves every model out, and says so.
    early = cli_env.invoke(app, [*args[:2], "--to", "2020-01-01", "--format", "json"])
    assert early.exit_code == 0, early.output
    assert json.loads(early.stdout)["report"]["provenance"]["assessments"] == []


def test_report_pdf_gets_a_sidecar_digest(cli_env: CliRunner, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint", reason="the pdf extra: pip install -e '.[pdf]'")
    out = tmp_path / "waivers.pdf"
    result = cli_env.invoke(app, ["report", "waivers", "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sidecar = tmp_path / "waivers.pdf.sha256"
    assert sidecar.read_text() == f"{hashlib.sha256(out.read_bytes()).hexdigest()}  waivers.pdf\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "model", "scripted/nowhere.jsonl"], "no model 'scripted/nowhere.jsonl'"),
        (["report", "model"], "give the model"),
        (["report", "annual", "--format", "rtf"], "rtf"),
        (["report", "annual", "--from", "2026-03-01", "--to", "2026-01-31"], "runs backwards"),
        (["report", "waivers", "--from", "March"], "March"),
    ],
)
def test_report_errors_say_what_was_wrong(
    cli_env: CliRunner, args: list[str], message: str
) -> None:
    result = cli_env.invoke(app, args)
    assert result.exit_code in (1, 2)
    assert message in result.output


def test_report_states_the_newest_signed_checkpoint_and_whether_it_matches(
    store: Store, clearance_home: Path
) -> None:
    hashes = ledger_hashes(store)
    key = load_or_create_signing_key(clearance_home / "keys" / "signing.pem")
    when = datetime(2025, 1, 2, tzinfo=UTC)
    folder = checkpoint_dir()
    write_checkpoint(folder / "a.json", sign_checkpoint(key, 2, merkle_root(hashes[:2]), when))
    newest = sign_checkpoint(key, len(hashes), merkle_root(hashes), when)
    write_checkpoint(folder / "b.json", newest)
    signed = report_json(render_json(build_annual_report(store, principal=LOCAL_ADMIN)))["ledger"][
        "signed_checkpoint"
    ]
    assert signed["file"] == "b.json"
    assert signed["tree_size"] == len(hashes)
    assert signed["root"] == newest.root
    assert signed["matches_ledger"] is True
    forged = sign_checkpoint(key, len(hashes) + 1, merkle_root(hashes), when)
    write_checkpoint(folder / "c.json", forged)
    signed = report_json(render_json(build_annual_report(store, principal=LOCAL_ADMIN)))["ledger"][
        "signed_checkpoint"
    ]
    assert signed["file"] == "c.json"
    assert signed["matches_ledger"] is False
