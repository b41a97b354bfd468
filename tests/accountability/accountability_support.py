"""Shared helpers for the accountability tests: real runs, the CLI, raw ledger access."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from clearance.access import Marking, Principal, Role
from clearance.cli import app
from clearance.store import Store
from clearance.store._schema import LedgerRow

runner = CliRunner()

OWNER = Principal(
    id="owner",
    name="Owner",
    roles=frozenset({Role.RISK_OWNER, Role.CHIEF_AI_OFFICER, Role.EVALUATOR}),
    clearance=Marking.of("TS", "BIO"),
)
"""Makes open and hidden governance records in the matrix tests' stores (cleared for both)."""


def marked_use_case(store: Store, title: str, marking: str) -> Any:
    """A high-impact use case called "TITLE triage", marked ``marking``, added by OWNER."""
    from clearance.governance import add_use_case
    from people_support import translation_intake

    intake = {
        **translation_intake(),
        "name": f"{title} triage",
        "principal_basis": True,
        "functions": ["threat_designation"],
    }
    return add_use_case(store, intake, marking=Marking.parse(marking), principal=OWNER)


def write_task(
    directory: Path, n: int = 6, *, missing: frozenset[int] = frozenset(), name: str = "sums"
) -> tuple[Path, str]:
    """A numeric task of ``n`` sums and a scripted model that answers all but ``missing``
    (those samples end in error, with no model call)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "data.jsonl").write_text(
        "".join(
            json.dumps({"id": f"s{i}", "q": f"What is {i} + {i}?", "a": str(2 * i)}) + "\n"
            for i in range(n)
        )
    )
    task = directory / "task.yaml"
    task.write_text(
        f"name: {name}\ndataset:\n  path: data.jsonl\n  fields: {{id: id, input: q, target: a}}\n"
        "scorer: numeric\n"
    )
    answers = directory / "answers.jsonl"
    answers.write_text(
        "".join(
            json.dumps({"id": f"s{i}", "output": f"The answer is {2 * i}."}) + "\n"
            for i in range(n)
            if i not in missing
        )
    )
    return task, f"scripted/{answers}"


def cli(*args: str, env: Mapping[str, str] | None = None, stdin: str | None = None) -> Any:
    """Run ``clearance ARGS`` in-process; the result has exit_code, stdout and stderr."""
    return runner.invoke(app, list(args), env=dict(env or {}), input=stdin)


def eval_run(task: Path, model: str, *extra: str, env: Mapping[str, str] | None = None) -> str:
    """Run an evaluation through the CLI and return its run id."""
    result = cli("eval", "run", str(task), "--model", model, "--json", *extra, env=env)
    assert result.exit_code == 0, result.stderr
    return str(json.loads(result.stdout)["id"])


def ledger_rows(store: Store) -> list[LedgerRow]:
    with Session(store.engine) as s:
        return list(s.scalars(select(LedgerRow).order_by(LedgerRow.seq)))


def ledger_actions(store: Store, after: int = 0) -> list[str]:
    """The action of every entry with seq above ``after``, in order."""
    return [row.action for row in ledger_rows(store) if row.seq > after]


def ledger_size(store: Store) -> int:
    rows = ledger_rows(store)
    return rows[-1].seq if rows else 0


def execute(store: Store, sql: str, **params: Any) -> None:
    """Plant a change with raw SQL, as someone with database access (and no Clearance) would."""
    with store.engine.begin() as conn:
        conn.execute(text(sql), params)


def last_seq_of(store: Store, record_type: str, record_id: str) -> int:
    seqs = [
        row.seq
        for row in ledger_rows(store)
        if row.record_type == record_type and row.record_id == record_id
    ]
    return seqs[-1]


def said(text: str) -> str:
    """Terminal output with Rich's line wrapping undone, for matching sentences."""
    return " ".join(text.split())
