"""The store on SQLite and PostgreSQL: migrations, runs, samples and their ledger entries."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from clearance.access import LOCAL_ADMIN
from clearance.ledger import LedgerEntry, verify_chain
from clearance.runner import RunOptions, resume_run, run_task
from clearance.store import RunNotFoundError, Store, create_store_engine
from clearance.store._schema import LedgerRow
from clearance.tasks import load_task


def _task(tmp_path: Path, n: int) -> Path:
    data = tmp_path / "data.jsonl"
    data.write_text(
        "".join(
            json.dumps({"id": f"s{i}", "q": f"What is {i} + {i}?", "a": str(2 * i)}) + "\n"
            for i in range(n)
        )
    )
    task = tmp_path / "task.yaml"
    task.write_text(
        "name: sums\ndataset:\n  path: data.jsonl\n  fields: {id: id, input: q, target: a}\n"
        "scorer: numeric\n"
    )
    return task


def _script(tmp_path: Path, n: int, wrong: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    path = tmp_path / "answers.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {"id": f"s{i}", "output": f"The answer is {2 * i + (1 if i in wrong else 0)}."}
            )
            + "\n"
            for i in range(n)
        )
    )
    return f"scripted/{path}"


def ledger(store: Store) -> list[LedgerEntry]:
    with Session(store.engine) as s:
        rows = s.scalars(select(LedgerRow).order_by(LedgerRow.seq)).all()
        return [
            LedgerEntry(
                **{c: getattr(r, c) for c in LedgerEntry.model_fields if c != "time"},
                time=r.time if r.time.tzinfo else r.time.replace(tzinfo=UTC),
            )
            for r in rows
        ]


async def test_a_run_is_stored_with_provenance_and_a_verifiable_ledger(
    store_url: str, tmp_path: Path
) -> None:
    store = Store.open(store_url)
    summary = await run_task(
        load_task(str(_task(tmp_path, 30))),
        _script(tmp_path, 30, wrong={3, 7}),
        store=store,
        principal=LOCAL_ADMIN,
    )
    assert (summary.scored, summary.errors) == (30, 0)
    assert summary.metrics["accuracy"]["value"] == pytest.approx(28 / 30)
    prov = summary.provenance
    assert len(prov["dataset"]["digest"]) == 64
    assert len(prov["task"]["digest"]) == 64
    assert prov["model"]["provider"] == "scripted"
    assert len(prov["model"]["version"]) == 64  # the answers file's digest
    assert prov["clearance_version"]
    samples = list(store.runs.samples(summary.id))
    assert [s.sample_id for s in samples] == [f"s{i}" for i in range(30)]
    assert samples[3].scores["numeric"]["value"] == 0.0
    assert samples[3].output == "The answer is 7."

    entries = ledger(store)
    actions = [e.action for e in entries]
    assert actions[:2] == ["model.register", "run.create"]
    assert actions[-1] == "run.completed"
    assert "samples.append" in actions
    assert verify_chain(entries).ok


async def test_migrations_are_idempotent_and_runs_resolve_by_prefix(
    store_url: str, tmp_path: Path
) -> None:
    create_store_engine(store_url).dispose()
    store = Store.open(store_url)  # a second open finds the schema at head
    with store.engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version is not None
    summary = await run_task(
        load_task(str(_task(tmp_path, 3))), _script(tmp_path, 3), store=store, principal=LOCAL_ADMIN
    )
    assert store.runs.resolve(summary.id[:15]).id == summary.id
    with pytest.raises(RunNotFoundError, match="no run matches"):
        store.runs.resolve("nope")


async def test_an_ambiguous_prefix_lists_every_candidate_in_full(
    store_url: str, tmp_path: Path
) -> None:
    store = Store.open(store_url)
    task, script = load_task(str(_task(tmp_path, 2))), _script(tmp_path, 2)
    first = await run_task(task, script, store=store, principal=LOCAL_ADMIN)
    second = await run_task(task, script, store=store, principal=LOCAL_ADMIN)
    shared = next(i for i in range(len(first.id)) if first.id[i] != second.id[i])
    with pytest.raises(RunNotFoundError) as caught:
        store.runs.resolve(first.id[:shared])
    message = str(caught.value)
    assert f"2 runs match {first.id[:shared]!r}" in message
    assert first.id in message
    assert second.id in message


async def test_resume_of_a_complete_run_changes_nothing(store_url: str, tmp_path: Path) -> None:
    store = Store.open(store_url)
    summary = await run_task(
        load_task(str(_task(tmp_path, 5))),
        _script(tmp_path, 5),
        store=store,
        options=RunOptions(cache=False),
        principal=LOCAL_ADMIN,
    )
    before = len(ledger(store))
    again = await resume_run(summary.id, store=store, principal=LOCAL_ADMIN)
    assert again.model_dump() == summary.model_dump()
    assert len(ledger(store)) == before
