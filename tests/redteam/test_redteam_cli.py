"""`clearance redteam list|show|export|replay` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from redteam_world import compliant_model, mitigated_model, recorded_campaign
from typer.testing import CliRunner

from clearance.cli import app
from clearance.store import Store


def _run(*args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def test_list_show_export_and_replay(sqlite_store: Store, tmp_path: Path) -> None:
    spec = compliant_model(tmp_path)
    campaign_id = recorded_campaign(sqlite_store, spec, ["success", "success", "refused"])
    listed = json.loads(_run("redteam", "list", "--json").stdout)
    assert [c["id"] for c in listed] == [campaign_id]
    shown = _run("redteam", "show", "bio-proxy").stdout
    assert "0.667 (95% CI 0.21-0.94, n=3)" in shown
    assert "raters' kappa: 1.00" in shown
    out = tmp_path / "export.json"
    _run("redteam", "export", "bio-proxy", "--output", str(out))
    exported = json.loads(out.read_text())
    assert exported["marking"] == "UNCLASSIFIED"
    [session] = exported["sessions"]
    assert len(session["attempts"]) == 3
    assert session["turns"][1]["response"].endswith("PROXY-OBJECTIVE-MET.")
    replayed = json.loads(
        _run("redteam", "replay", "bio-proxy", "--model", mitigated_model(tmp_path),
             "--kind", "system_prompt", "--json").stdout
    )  # fmt: skip
    assert replayed["attacks"] == 2
    assert replayed["still_successful"] == 0
    assert replayed["efficacy"]["method"] == "mcnemar-exact"
    said = _run("mitigation", "list", "--json").stdout
    assert replayed["mitigation_id"] in said


def test_bad_references_and_kinds_are_told_plainly(sqlite_store: Store, tmp_path: Path) -> None:
    recorded_campaign(sqlite_store, compliant_model(tmp_path), ["refused"])
    missing = _run("redteam", "show", "nonesuch", code=1)
    assert "no red-team campaign matches 'nonesuch'" in missing.output
    assert "Traceback" not in missing.output
    kind = _run("redteam", "replay", "bio-proxy", "--model", "scripted/x", "--kind", "magic",
                code=1)  # fmt: skip
    assert "--kind must be one of" in kind.output
    nothing = _run("redteam", "replay", "bio-proxy", "--model", "scripted/x", code=1)
    assert "no confirmed successful attack" in nothing.output


def test_ledger_verify_and_export_cover_the_red_team_records(
    sqlite_store: Store, tmp_path: Path, clearance_home: Path
) -> None:
    recorded_campaign(sqlite_store, compliant_model(tmp_path), ["success", "partial"])
    _run("ledger", "verify")
    exported = tmp_path / "ledger-export"
    _run("ledger", "export", str(exported))
    public_key = clearance_home / "keys" / "ledger_ed25519.pub.pem"
    _run("ledger", "verify-export", str(exported), "--public-key", str(public_key))
    records = [json.loads(line) for line in (exported / "records.jsonl").read_text().splitlines()]
    types = [r.get("record_type") for r in records]
    for kind in ("redteam_campaign", "redteam_session", "redteam_turn", "redteam_attempt"):
        assert kind in types, types
