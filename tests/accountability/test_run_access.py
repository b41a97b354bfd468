"""Runs carry markings: who may create, list, show, export, resume and re-mark them, enforced
at the service boundary so every command obeys; and a run read back from either database
matches the content its ledger entry digested."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from accountability_support import cli, eval_run, ledger_actions, ledger_rows, said, write_task

from clearance.access import LOCAL_ADMIN, AccessDenied, Marking, RemarkError
from clearance.accountability import MARKING_HISTORY, acting, remark_run, visible_runs
from clearance.ledger import change_digest
from clearance.runner import run_task
from clearance.store import Store
from clearance.tasks import load_task
from people_support import cli_enrolled

PASSWORD = "correct horse battery"


@pytest.fixture
def team(sqlite_store: Store, tmp_path: Path) -> dict[str, dict[str, str]]:
    """An unclassified run and a SECRET//BIO run, made by the local administrator; then users:
    an admin, an evaluator cleared SECRET//BIO and an evaluator and an auditor cleared CUI.
    Returns each user's environment (and the run ids under "runs")."""
    task, model = write_task(tmp_path / "open", 4, name="open-sums")
    open_run = eval_run(task, model)
    secret_task, secret_model = write_task(tmp_path / "secret", 4, name="secret-sums")
    secret_run = eval_run(secret_task, secret_model, "--marking", "secret//bio")
    boss = {"CLEARANCE_USER": "boss", "CLEARANCE_PASSWORD": PASSWORD}
    added = cli(
        "user", "add", "boss", "--role", "admin", "--level", "TS", "--compartment", "BIO",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    users = {"boss": boss}
    for user, role, clearance in [
        ("sam", "evaluator", ("--level", "SECRET", "--compartment", "BIO")),
        ("cal", "evaluator", ("--level", "CUI")),
        ("aud", "auditor", ("--level", "CUI")),
    ]:
        token = cli_enrolled(cli, user, "--role", role, *clearance, admin=boss)
        users[user] = {"CLEARANCE_TOKEN": token}
    users["runs"] = {"open": open_run, "secret": secret_run, "task": str(task), "model": model}
    return users


def test_listings_leave_out_unreadable_runs_and_say_how_many(
    team: dict[str, dict[str, str]],
) -> None:
    runs = team["runs"]
    as_cal = cli("eval", "list", "--json", env=team["cal"])
    assert as_cal.exit_code == 0, as_cal.stderr
    assert [r["id"] for r in json.loads(as_cal.stdout)] == [runs["open"]]
    assert "1 record withheld" in said(as_cal.stderr)
    assert "secret-sums" not in as_cal.stdout
    as_sam = cli("eval", "list", "--json", env=team["sam"])
    assert {r["id"] for r in json.loads(as_sam.stdout)} == {runs["open"], runs["secret"]}
    assert "withheld" not in as_sam.stderr


@pytest.mark.parametrize("command", ["show", "export"])
def test_show_and_export_refuse_an_unreadable_run(
    team: dict[str, dict[str, str]], command: str
) -> None:
    secret = team["runs"]["secret"]
    refused = cli("eval", command, secret, env=team["cal"])
    assert refused.exit_code == 1
    # Hidden reads as missing: the same message as for an id no run has (DESIGN, rule 6).
    missing = cli("eval", command, "0" * len(secret), env=team["cal"])
    assert said(refused.stderr) == said(missing.stderr).replace("0" * len(secret), secret)
    assert "SECRET" not in said(refused.stderr)
    assert refused.stdout == ""
    allowed = cli("eval", command, secret, env=team["sam"])
    assert allowed.exit_code == 0, allowed.stderr
    assert "SECRET//BIO" in said(allowed.stdout + allowed.stderr)


def test_a_run_needs_a_clearance_that_covers_its_marking(
    team: dict[str, dict[str, str]], sqlite_store: Store
) -> None:
    runs = team["runs"]
    before = len(ledger_rows(sqlite_store))
    refused = cli(
        "eval", "run", runs["task"], "--model", runs["model"], "--marking", "SECRET",
        env=team["cal"],
    )  # fmt: skip
    assert refused.exit_code == 1
    assert "does not dominate SECRET" in said(refused.stderr)
    assert len(ledger_rows(sqlite_store)) == before
    bad = cli("eval", "run", runs["task"], "--model", runs["model"], "--marking", "SEKRET")
    assert bad.exit_code == 1
    assert "unknown clearance level 'SEKRET'" in said(bad.stderr)
    made = cli(
        "eval", "run", runs["task"], "--model", runs["model"], "--marking", "CUI", "--json",
        env=team["cal"],
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    run = sqlite_store.runs.resolve(json.loads(made.stdout)["id"])
    assert (run.marking_level, run.created_by) == ("CUI", "cal")
    assert ledger_rows(sqlite_store)[-1].actor == "cal"


def test_resume_needs_run_resume(team: dict[str, dict[str, str]]) -> None:
    refused = cli("eval", "resume", team["runs"]["open"], env=team["aud"])
    assert refused.exit_code == 1
    assert "aud may not run.resume" in said(refused.stderr)


def test_remark_raises_freely_but_lowers_only_as_admin_with_a_reason(
    team: dict[str, dict[str, str]], sqlite_store: Store
) -> None:
    runs = team["runs"]
    raised = cli("run", "remark", runs["open"], "--marking", "CUI", env=team["cal"])
    assert raised.exit_code == 0, raised.stderr
    lowered = cli("run", "remark", runs["open"], "--marking", "U", "--reason", "x", env=team["cal"])
    assert lowered.exit_code == 1
    assert "cal may not marking.lower" in said(lowered.stderr)
    no_reason = cli("run", "remark", runs["secret"], "--marking", "SECRET", env=team["boss"])
    assert no_reason.exit_code == 1
    assert "needs a reason" in said(no_reason.stderr)
    before = len(ledger_rows(sqlite_store))
    done = cli(
        "run", "remark", runs["secret"], "--marking", "SECRET", "--reason", "BIO review 7",
        env=team["boss"],
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert ledger_actions(sqlite_store, after=before) == ["run.remark"]
    run = sqlite_store.runs.resolve(runs["secret"])
    assert (run.marking_level, run.marking_compartments) == ("SECRET", [])
    (change,) = run.provenance[MARKING_HISTORY]
    assert (change["from"], change["to"], change["reason"], change["by"]) == (
        "SECRET//BIO",
        "SECRET",
        "BIO review 7",
        "boss",
    )
    verified = cli("ledger", "verify", env=team["boss"])
    assert verified.exit_code == 0, verified.stderr


def test_remark_service_refuses_without_clearance_for_both_markings(
    team: dict[str, dict[str, str]], sqlite_store: Store
) -> None:
    cal = acting(sqlite_store, team["cal"])
    with pytest.raises(AccessDenied):
        remark_run(sqlite_store, cal, team["runs"]["secret"], Marking.of("TS", "BIO"))
    boss = acting(sqlite_store, team["boss"])
    with pytest.raises(RemarkError):
        remark_run(sqlite_store, boss, team["runs"]["secret"], Marking(), "  ")
    listing = visible_runs(sqlite_store, cal.principal)
    assert (len(listing), listing.withheld) == (1, 1)


async def test_a_run_reads_back_as_its_ledger_entry_digested(store: Store, tmp_path: Path) -> None:
    task_file, model = write_task(tmp_path, 5, missing=frozenset({0}))
    summary = await run_task(load_task(str(task_file)), model, store=store, principal=LOCAL_ADMIN)
    run = store.runs.resolve(summary.id)
    (last,) = [r for r in ledger_rows(store) if r.record_type == "run"][-1:]
    assert last.action == "run.completed"
    assert run.metrics
    assert change_digest(run.model_dump(mode="json")) == last.change_sha256
    assert run.model_dump(mode="json")["created_at"].endswith("Z")
