"""A store holding at least two records of every registered kind, written through the real
services and commands, and raw-SQL tampering of any of them (as someone holding the database
file, with foreign keys off, would do it)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from accountability_support import cli, eval_run, write_task
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Connection, Table, UniqueConstraint, create_engine, select
from sqlalchemy.engine import make_url

from clearance.access import Marking, Principal, Role
from clearance.governance import (
    add_document,
    add_use_case,
    approve_use_case,
    grant_waiver,
    link_evidence,
    report_incident,
    request_decision,
)
from clearance.monitoring import add_monitor, ingest_transcripts, run_monitor
from clearance.redteam import (
    confirm_attempt,
    create_campaign,
    send_turn,
    start_session,
    submit_session,
    tag_attempt,
)
from clearance.reports import approve_report
from clearance.store import Store
from clearance.store._schema import Base
from clearance.supplychain import (
    Avenue,
    add_node,
    record_custody,
    register_artifact,
    sign_weights,
)
from people_support import cli_enrolled, translation_intake

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _person(pid: str, *roles: Role) -> Principal:
    return Principal(
        id=pid, name=pid.title(), roles=frozenset(roles), clearance=Marking.parse("SECRET")
    )


DEVELOPER = _person("dev-dana", Role.RISK_OWNER, Role.REVIEWER)
CAIO = _person("caio-carol", Role.CHIEF_AI_OFFICER)
EVALUATOR = _person("eval-eve", Role.EVALUATOR)
RATER = _person("rater-ray", Role.EVALUATOR)
MONITOR_ADMIN = _person("admin-ada", Role.ADMIN)

INTAKE: dict[str, Any] = {
    **translation_intake(),
    "principal_basis": True,
    "functions": ["threat_designation"],
    "developers": ["root"],  # a store with users lists its developers by user id
}


def populate(store: Store, folder: Path, env: Mapping[str, str]) -> None:
    """Two or more records of every registered kind (the CLI acts with ``env``)."""
    for name in ("a", "b"):
        task, model = write_task(folder / name, 4, name=f"sums-{name}")
        baseline = eval_run(task, model, env=env)
        mitigated = eval_run(task, model, "--no-cache", env=env)
        assessed = cli("assess", model, "--task-domain", f"sums-{name}=mathematics", env=env)
        assert assessed.exit_code == 0, assessed.stderr
        mitigation = cli(
            "mitigation", "add", "--baseline", baseline, "--mitigated", mitigated, "--kind",
            "system_prompt", "-d", f"prompt {name}", "--metric", "accuracy", "--better", "higher",
            env=env,
        )  # fmt: skip
        assert mitigation.exit_code == 0, mitigation.stderr
        cli_enrolled(cli, f"user-{name}", "--role", "auditor", admin=dict(env))
        # Monitoring first: the tamper matrix edits each table's newest row, and the governance
        # rows' edits (a classification's classes emptied, a request turned into an approval)
        # must change something.
        _monitoring(store, folder, name, task, model)
        _governance(store, folder, name, baseline)
        approved = cli("report", "approve", "inventory", "--note", f"release {name}", env=env)
        assert approved.exit_code == 0, approved.stderr


def _governance(store: Store, folder: Path, name: str, run_id: str) -> None:
    uc = add_use_case(store, {**INTAKE, "name": f"Triage {name}"}, principal=DEVELOPER, now=T0)
    path = folder / f"assessment-{name}.md"
    path.write_text(f"# Impact assessment {name}\n")
    document = add_document(store, path, principal=DEVELOPER, now=T0)
    link_evidence(store, uc.id, "training", "document", document.id, principal=DEVELOPER)
    link_evidence(store, uc.id, "realistic-testing", "run", run_id, principal=DEVELOPER)
    request_decision(store, uc.id, rationale="Ready for review.", principal=DEVELOPER, now=T0)
    grant_waiver(
        store,
        uc.id,
        "independent-evaluation",
        category="impedes-critical-operations",
        finding="Cleared evaluators are not available before the exercise.",
        principal=CAIO,
        now=T0,
    )
    approve_report(store, "inventory", principal=CAIO, note=f"approved {name}")
    report_incident(
        store,
        use_case_ref=uc.id,
        kind="incident",
        severity="low",
        summary=f"Timeouts {name}",
        description="The model timed out for an hour.",
        principal=EVALUATOR,
        now=T0,
    )
    _supply_chain(store, folder, name)
    _red_team(store, folder, name)


def _red_team(store: Store, folder: Path, name: str) -> None:
    """A campaign and a session of two turns and two attempts, confirmed by a second rater
    (which records the session as a run)."""
    script = folder / f"redteam-{name}.jsonl"
    script.write_text(
        json.dumps({"id": "turn-1", "output": "No."}) + "\n"
        + json.dumps({"id": "turn-2", "output": "PROXY-OBJECTIVE-MET"}) + "\n"
    )  # fmt: skip
    campaign = create_campaign(
        store, name=f"proxy {name}", model_spec=f"scripted/{script}", domain="bio",
        objectives=[{"id": "proxy", "title": "A proxy objective", "success": "says the marker"}],
        rules_of_engagement="Benign proxies only.", principal=EVALUATOR,
    )  # fmt: skip
    session = asyncio.run(start_session(store, campaign.id, principal=EVALUATOR))
    first = asyncio.run(send_turn(store, session.id, "a", parent_id=None, principal=EVALUATOR))
    second = asyncio.run(send_turn(store, session.id, "b", parent_id=first.id, principal=EVALUATOR))
    tagged = [
        tag_attempt(store, session.id, turn.id, objective_id="proxy", technique="role play",
                    outcome=outcome, principal=EVALUATOR)
        for turn, outcome in ((first, "refused"), (second, "success"))
    ]  # fmt: skip
    submit_session(store, session.id, principal=EVALUATOR)
    for attempt in tagged:
        confirm_attempt(store, attempt.id, outcome=attempt.outcome, principal=RATER)


def _monitoring(store: Store, folder: Path, name: str, task: Path, model: str) -> None:
    """A monitor of an approved use case with one look, and an ingest of production transcripts
    whose leaks raise an alert."""
    watched = add_use_case(
        store, {**translation_intake(), "name": f"Watched {name}", "developers": ["root"]},
        principal=MONITOR_ADMIN,
        now=T0,
    )  # fmt: skip
    approve_use_case(store, watched.id, rationale="Tested.", principal=CAIO)
    monitor = add_monitor(
        store, watched.id, model_spec=model, task=str(task), outbox=folder / "outbox",
        principal=MONITOR_ADMIN,
    )  # fmt: skip
    run_monitor(store, monitor.id, principal=MONITOR_ADMIN)
    leaks = folder / f"production-{name}.jsonl"
    lines = [
        {
            "messages": [
                {"role": "user", "content": f"Who wrote cable {i}?"},
                {"role": "assistant", "content": f"Write to officer{i}@example.org."},
            ],
            "created": 1767600000 + 60 * i,
        }
        for i in range(3)
    ]
    leaks.write_text("".join(json.dumps(line) + "\n" for line in lines))
    ingest_transcripts(store, watched.id, leaks, monitor_ref=monitor.id, principal=MONITOR_ADMIN)


def _supply_chain(store: Store, folder: Path, name: str) -> None:
    """A signature, an artifact with two custody entries, and a critical node."""
    weights = folder / f"weights-{name}.gguf"
    weights.write_bytes(b"GGUF" + name.encode() * 256)
    key = folder / f"signer-{name}.pem"
    key.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    sign_weights(store, weights, private_key=key, principal=EVALUATOR, now=T0)
    artifact = register_artifact(
        store, name=f"weights {name}", custodian="eval-eve", location="lab vault",
        marking=Marking.parse("SECRET"), principal=EVALUATOR, path=weights, now=T0,
    )  # fmt: skip
    record_custody(
        store, artifact.id, kind="copy", destination="testing facility", path=weights,
        principal=EVALUATOR, now=T0,
    )  # fmt: skip
    add_node(
        store, name=f"weights {name}", kind="weights", owner="dev-dana", principal=DEVELOPER,
        review_due=T0, avenues=[Avenue(avenue="theft", likelihood="low", impact="high")], now=T0,
    )  # fmt: skip


# -- tampering ------------------------------------------------------------------------------


@contextmanager
def raw(store: Store) -> Iterator[Connection]:
    """A connection as an attacker would open one: no Clearance, foreign keys not enforced."""
    url = make_url(store.engine.url.render_as_string(hide_password=False))
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            yield conn
    finally:
        engine.dispose()


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def rows(store: Store, name: str) -> list[dict[str, Any]]:
    """Every row of a table, as column -> value, in primary-key order."""
    t = table(name)
    with raw(store) as conn:
        return [dict(r._mapping) for r in conn.execute(select(t).order_by(t.c.id))]


def edit(store: Store, name: str, row_id: Any, column: str, value: Any) -> None:
    t = table(name)
    with raw(store) as conn:
        conn.execute(t.update().where(t.c.id == row_id).values({column: value}))


def delete(store: Store, name: str, row_id: Any) -> None:
    t = table(name)
    with raw(store) as conn:
        conn.execute(t.delete().where(t.c.id == row_id))


def insert(store: Store, name: str, values: Mapping[str, Any]) -> None:
    with raw(store) as conn:
        conn.execute(table(name).insert().values(dict(values)))


def swap_ids(store: Store, name: str, first: Any, second: Any) -> None:
    """Swap two rows' ids (for samples: their order), through a spare id."""
    t = table(name)
    spare = -1 if isinstance(first, int) else "swap-spare"
    with raw(store) as conn:
        for old, new in ((first, spare), (second, first), (spare, second)):
            conn.execute(t.update().where(t.c.id == old).values(id=new))


def forged_copy(row: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A copy of ``row`` under a new id, with a new value in each unique column set (so the
    database accepts it); a sample gets the database's next row id."""
    copy = dict(row)
    if name == "samples":
        del copy["id"]
        copy["sample_id"] = "forged"
        return copy
    copy["id"] = f"forged-{name}"
    for columns in _unique_sets(table(name)):
        text = next(c for c in columns if isinstance(copy.get(c), str))
        copy[text] = "0" * 64 if text.endswith("sha256") else f"forged-{copy[text]}"
    return copy


def _unique_sets(t: Table) -> list[list[str]]:
    sets = [
        [c.name for c in constraint.columns]
        for constraint in t.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    sets += [[c.name for c in index.columns] for index in t.indexes if index.unique]
    sets += [[c.name] for c in t.columns if c.unique]
    return [s for s in sets if s != ["id"]]


def verdict(env: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
    result = cli("ledger", "verify", "--json", env=env)
    assert result.stdout, result.stderr
    return result.exit_code, json.loads(result.stdout)
