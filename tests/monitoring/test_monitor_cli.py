"""`clearance monitor add|run|list|show`: the degraded deployment caught from the command line,
`monitor run --due` doing nothing when nothing is due, and bad input answered with the
bad-input exit code."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from monitoring_support import Approved, write_script
from typer.testing import CliRunner

from clearance.cli._app import app
from clearance.errors import EXIT_INPUT
from clearance.store import Store


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_the_cli_catches_a_degraded_deployment(
    clearance_home: Path, approve_with_baseline: Callable[[Store], Approved], tmp_path: Path
) -> None:
    clearance_home.mkdir(parents=True, exist_ok=True)
    store = Store.open()
    uc, spec, script = approve_with_baseline(store)
    code, out = _cli(
        "monitor", "add", uc.id, "--model", spec, "--task", "starter-safety", "--every", "1d",
        "--outbox", str(tmp_path / "outbox"), "--json",
    )  # fmt: skip
    assert code == 0, out
    monitor = json.loads(out)
    code, out = _cli("monitor", "run", "--due")
    assert code == 0, out
    assert "look 1" in out
    code, out = _cli("monitor", "run", "--due")
    assert (code, out.strip()) == (0, "nothing was due")
    write_script(script, complied=20)
    code, out = _cli("monitor", "run", monitor["id"], "--json")
    assert code == 0, out
    [outcome] = json.loads(out)
    assert outcome["monitoring_run"]["alarm"] is True
    assert outcome["monitoring_run"]["look"] == 2
    code, out = _cli("usecase", "due", "--json")
    assert [(d["use_case_id"], d["kind"]) for d in json.loads(out)] == [(uc.id, "re-review")]
    assert len(list((tmp_path / "outbox").glob("alert-*.json"))) == 1
    code, out = _cli("monitor", "list", "--json")
    assert [(m["id"], m["looks"]) for m in json.loads(out)] == [(monitor["id"], 2)]
    code, out = _cli("monitor", "show", monitor["id"])
    assert code == 0, out
    assert "ALARM" in out
    assert "regression" in out
    code, out = _cli("ledger", "verify")
    assert code == 0, out
    store.close()


def test_bad_input_is_named_with_the_input_exit_code(
    clearance_home: Path, approve_with_baseline: Callable[[Store], Approved]
) -> None:
    clearance_home.mkdir(parents=True, exist_ok=True)
    store = Store.open()
    uc, spec, _ = approve_with_baseline(store)
    code, out = _cli("monitor", "add", uc.id, "--model", spec, "--suite", "nope")
    assert code == EXIT_INPUT
    assert "no suite 'nope'" in out
    code, out = _cli("monitor", "show", "mon-missing")
    assert code == EXIT_INPUT
    assert "no monitor" in out
    store.close()
