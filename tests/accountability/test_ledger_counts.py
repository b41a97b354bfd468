"""Every state-changing command leaves exactly one ledger entry per change, on SQLite and
PostgreSQL, and the ledger they leave verifies clean."""

from __future__ import annotations

import json
from pathlib import Path

from accountability_support import cli, eval_run, ledger_actions, ledger_size, write_task
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearance.store import Store
from clearance.store._schema import SampleRow
from people_support import as_user, cli_enrolled


def _new_actions(store: Store, before: int) -> list[str]:
    return ledger_actions(store, after=before)


def _run_shape(actions: list[str], *, register: bool, prefix: tuple[str, ...] = ()) -> int:
    """Check a run's entries are [model.register?] run.create? samples.append+ run.completed and
    return how many batches there were."""
    head = [*(["model.register"] if register else []), *prefix]
    assert actions[: len(head)] == head
    body = actions[len(head) :]
    assert body[-1] == "run.completed"
    batches = body[:-1]
    assert batches
    assert set(batches) == {"samples.append"}
    return len(batches)


def _samples(store: Store, run_id: str) -> int:
    with Session(store.engine) as s:
        stmt = select(func.count()).select_from(SampleRow).where(SampleRow.run_id == run_id)
        return int(s.execute(stmt).scalar_one())


def test_each_change_is_one_entry(store: Store, tmp_path: Path) -> None:
    task, model = write_task(tmp_path / "m", 8)

    before = ledger_size(store)
    first = eval_run(task, model)
    _run_shape(_new_actions(store, before), register=True, prefix=("run.create",))
    assert _samples(store, first) == 8

    before = ledger_size(store)
    second = eval_run(task, model, "--no-cache")
    _run_shape(_new_actions(store, before), register=False, prefix=("run.create",))

    flaky_task, flaky_model = write_task(tmp_path / "f", 5, missing=frozenset({1, 3}))
    flaky = eval_run(flaky_task, flaky_model)
    before = ledger_size(store)
    resumed = cli("eval", "resume", flaky, "--json")
    assert resumed.exit_code == 0, resumed.stderr
    _run_shape(
        _new_actions(store, before),
        register=False,
        prefix=("run.retry_errors", "samples.rebase", "run.status"),
    )
    assert _samples(store, flaky) == 5

    before = ledger_size(store)
    assessed = cli("assess", model, "--task-domain", "sums=mathematics", "--json")
    assert assessed.exit_code == 0, assessed.stderr
    findings = len(json.loads(assessed.stdout)["findings"])
    assert findings > 0
    assert _new_actions(store, before) == ["assessment.create"] + ["finding.create"] * findings

    before = ledger_size(store)
    mitigation = cli(
        "mitigation", "add", "--baseline", first, "--mitigated", second, "--kind",
        "system_prompt", "-d", "a stricter system prompt", "--metric", "accuracy",
        "--better", "higher",
    )  # fmt: skip
    assert mitigation.exit_code == 0, mitigation.stderr
    assert _new_actions(store, before) == ["mitigation.create"]

    before = ledger_size(store)
    raised = cli("run", "remark", first, "--marking", "SECRET//BIO")
    assert raised.exit_code == 0, raised.stderr
    lowered = cli("run", "remark", first, "--marking", "CUI", "--reason", "reviewed 2024-17")
    assert lowered.exit_code == 0, lowered.stderr
    same = cli("run", "remark", first, "--marking", "CUI")
    assert same.exit_code == 0, same.stderr
    assert _new_actions(store, before) == ["run.remark", "run.remark"]

    before = ledger_size(store)
    signed = cli("ledger", "checkpoint")
    assert signed.exit_code == 0, signed.stderr
    assert _new_actions(store, before) == []

    _users_each_leave_one_entry(store)

    before = ledger_size(store)
    exported = cli("ledger", "export", str(tmp_path / "export"), env=_ada())
    assert exported.exit_code == 0, exported.stderr
    assert _new_actions(store, before) == ["ledger.export"]

    verified = cli("ledger", "verify", "--json", env=_ada())
    assert verified.exit_code == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["ok"] is True


def _ada() -> dict[str, str]:
    return as_user("ada")


def _users_each_leave_one_entry(store: Store) -> None:
    before = ledger_size(store)
    cli_enrolled(
        cli, "ada", "--name", "Ada", "--role", "admin", "--level", "TS", "--compartment", "BIO",
        admin={},
    )  # fmt: skip
    assert _new_actions(store, before) == ["principal.create", "principal.enrol", "token.issue"]
    before = ledger_size(store)
    cli_enrolled(cli, "bob", "--role", "auditor", admin=_ada())
    assert _new_actions(store, before) == ["principal.create", "principal.enrol", "token.issue"]

    steps = [
        (
            ("user", "grant", "bob", "--role", "evaluator", "--compartment", "BIO"),
            "principal.grant",
        ),
        (("user", "revoke", "bob", "--role", "evaluator"), "principal.revoke"),
        (("user", "token", "--name", "ci"), "token.issue"),
    ]
    for args, action in steps:
        before = ledger_size(store)
        result = cli(*args, env=_ada())
        assert result.exit_code == 0, (args, result.stderr)
        assert _new_actions(store, before) == [action], args

    listed = cli("user", "list", "--tokens", "--json", env=_ada())
    token_id = next(t["id"] for t in json.loads(listed.stdout) if t["principal_id"] == "bob")
    before = ledger_size(store)
    revoked = cli("user", "revoke", "bob", "--token", token_id, env=_ada())
    assert revoked.exit_code == 0, revoked.stderr
    assert _new_actions(store, before) == ["token.revoke"]

    before = ledger_size(store)
    reset = cli("user", "reset", "bob", env=_ada())
    assert reset.exit_code == 0, reset.stderr
    assert _new_actions(store, before) == ["principal.reset"]

    before = ledger_size(store)
    unchanged = cli("user", "grant", "bob", "--role", "auditor", env=_ada())
    assert unchanged.exit_code == 0, unchanged.stderr
    assert _new_actions(store, before) == []
