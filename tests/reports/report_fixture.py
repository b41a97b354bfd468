"""The fixture store, built through the real services, and helpers to read reports back.

Model "strong" (scripted) answers every cyber item right, most bio and some science items; its
bio run is marked CUI, so its assessment is CUI. A mitigated configuration answers 4 of 28
cyber items right, recorded as a mitigation. Model "other" answers 9 of 10 cyber items; its
run is marked SECRET, so its assessment is SECRET. Chem and the other domains never run: they
read "not tested".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import clearance.suites  # noqa: F401  (registers the catalogue's benchmarks as tasks)
from clearance.access import LOCAL_ADMIN, Marking, Principal
from clearance.assess import assess_model, load_policy, record_mitigation
from clearance.datasets import Sample
from clearance.runner import run_task
from clearance.store import RunRecord, Store
from clearance.store._schema import LedgerRow, RunRow
from clearance.tasks import Task, load_task

READER = Principal(
    id="analyst",
    name="Analyst",
    roles=frozenset({"auditor"}),
    clearance=Marking.of("CUI"),
)
"""Cleared for CUI: sees model "strong" (CUI), not model "other" (SECRET)."""


@dataclass(frozen=True)
class Fixture:
    """The fixture store and what was put in it."""

    url: str
    home: Path
    strong: str
    other: str
    mitigated: str
    baseline_run: str
    mitigated_run: str
    bio_run: str
    secret_run: str
    mitigation_id: str

    def open(self) -> Store:
        return Store.open(self.url)


def _option_text(sample: Sample, offset: int) -> str:
    assert sample.choices is not None
    assert isinstance(sample.target, str)
    return sample.choices[(ord(sample.target) - ord("A") + offset) % len(sample.choices)]


def _answers(task: Task, correct: int) -> dict[str, str]:
    """The first ``correct`` samples answered with the right option, the rest with a wrong one."""
    return {
        s.id: _option_text(s, 0 if i < correct else 1) for i, s in enumerate(task.dataset.samples)
    }


def _script(path: Path, answers: dict[str, str]) -> str:
    path.write_text("".join(json.dumps({"id": k, "output": v}) + "\n" for k, v in answers.items()))
    return f"scripted/{path}"


def mark_run(store: Store, run_id: str, level: str) -> RunRecord:
    """Re-mark a run through the store's unit of work, with its ledger entry."""
    with store.unit_of_work("test") as uow:
        row = uow.session.get(RunRow, run_id)
        assert row is not None
        row.marking_level = level
        uow.session.flush()
        record = RunRecord.model_validate(row)
        uow.record("run.remark", "run", run_id, record.model_dump(mode="json"))
    return record


async def build(store: Store, folder: Path) -> Fixture:
    cyber, bio = load_task("starter-cyber"), load_task("starter-bio", limit=8)
    science, cyber10 = load_task("starter-science", limit=8), load_task("starter-cyber", limit=10)
    n = len(cyber.dataset)
    strong = _script(
        folder / "strong.jsonl",
        _answers(cyber, n) | _answers(bio, 6) | _answers(science, 5),
    )
    mitigated = _script(folder / "mitigated.jsonl", _answers(cyber, 4))
    other = _script(folder / "other.jsonl", _answers(cyber10, 9))
    baseline = await run_task(cyber, strong, store=store, principal=LOCAL_ADMIN)
    bio_run = await run_task(bio, strong, store=store, principal=LOCAL_ADMIN)
    await run_task(science, strong, store=store, principal=LOCAL_ADMIN)
    after = await run_task(cyber, mitigated, store=store, principal=LOCAL_ADMIN)
    secret = await run_task(cyber10, other, store=store, principal=LOCAL_ADMIN)
    mark_run(store, bio_run.id, "CUI")
    mark_run(store, secret.id, "SECRET")
    policy = load_policy()
    mitigation = record_mitigation(
        store,
        baseline_run=baseline.id,
        mitigated_run=after.id,
        kind="system_prompt",
        description="A system prompt that declines exploit detail",
        policy=policy,
        principal=LOCAL_ADMIN,
    )
    assess_model(store, strong, policy=policy, principal=LOCAL_ADMIN)
    assess_model(store, other, policy=policy, principal=LOCAL_ADMIN)
    return Fixture(
        url=str(store.engine.url),
        home=folder,
        strong=strong,
        other=other,
        mitigated=mitigated,
        baseline_run=baseline.id,
        mitigated_run=after.id,
        bio_run=bio_run.id,
        secret_run=secret.id,
        mitigation_id=mitigation.id,
    )


def ledger_hashes(store: Store) -> list[str]:
    """Every ledger entry's hash in seq order, read straight from the table."""
    with Session(store.engine) as s:
        return list(s.scalars(select(LedgerRow.hash).order_by(LedgerRow.seq)))


def report_json(data: bytes) -> dict[str, Any]:
    """The report object of a rendered JSON report."""
    document = json.loads(data)
    assert document["format"] == "clearance-report/1"
    report: dict[str, Any] = document["report"]
    return report


def section(report: dict[str, Any], section_id: str) -> dict[str, Any]:
    """The section (at any depth) with this id."""
    stack = list(report["sections"])
    while stack:
        current = stack.pop(0)
        if current["id"] == section_id:
            found: dict[str, Any] = current
            return found
        stack.extend(current["subsections"])
    raise AssertionError(f"no section {section_id!r}")


def blocks(part: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """Every block of ``kind`` in a section and its subsections, in order."""
    found = [b for b in part["blocks"] if b["kind"] == kind]
    for sub in part["subsections"]:
        found.extend(blocks(sub, kind))
    return found


def table(part: dict[str, Any], first_column: str) -> list[dict[str, Any]]:
    """Rows (dicts by column) of the one table in ``part`` whose first column is named so."""
    tables = [t for t in blocks(part, "table") if t["columns"][0] == first_column]
    assert len(tables) == 1, [t["columns"] for t in blocks(part, "table")]
    return [dict(zip(tables[0]["columns"], row, strict=True)) for row in tables[0]["rows"]]


def figure_text(value: float) -> str:
    """A float as the HTML and Markdown reports print it: three decimals, tiny ones as 1.23e-05."""
    return f"{value:.2e}" if value != 0 and abs(value) < 0.001 else f"{value:.3f}"


def model_part(report: dict[str, Any], section_id: str, spec: str) -> dict[str, Any]:
    """The subsection of a per-model section (findings, mitigation, adequacy) for one model."""
    parts = [s for s in section(report, section_id)["subsections"] if s["title"] == spec]
    assert len(parts) == 1, [s["title"] for s in section(report, section_id)["subsections"]]
    found: dict[str, Any] = parts[0]
    return found
