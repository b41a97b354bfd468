"""The team's starter benchmarks in the mc and numeric formats: built from the packaged items,
scored end to end with a scripted model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clearance.access import LOCAL_ADMIN
from clearance.runner import RunOptions, RunSummary, run_task
from clearance.store import Store
from clearance.suites import get_benchmark, suite_plan
from clearance.tasks import Task, load_task, spec_of

STARTER = Path(__file__).resolve().parents[2] / "src" / "clearance" / "suites" / "starter"
MC_DOMAINS = ("science", "reasoning", "cyber", "bio", "chem")


def _items(domain: str) -> list[dict[str, Any]]:
    lines = (STARTER / f"{domain}.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


async def _run(task: Task, answers: dict[str, str], tmp_path: Path) -> RunSummary:
    script = tmp_path / "answers.jsonl"
    script.write_text(
        "".join(json.dumps({"id": k, "output": v}) + "\n" for k, v in answers.items())
    )
    return await run_task(
        task, f"scripted/{script}", store=Store.open(), options=RunOptions(), principal=LOCAL_ADMIN
    )


@pytest.mark.parametrize("domain", MC_DOMAINS)
def test_mc_starter_keeps_ids_letters_and_provenance_without_shuffling(domain: str) -> None:
    benchmark = get_benchmark(f"starter-{domain}")
    task = benchmark.task()
    items = _items(domain)
    assert benchmark.domain == domain
    assert benchmark.is_starter
    assert [s.id for s in task.dataset] == [i["id"] for i in items]
    assert [s.target for s in task.dataset] == ["ABCD"[i["answer"]] for i in items]
    assert all(s.metadata == {"domain": domain, "author": "clearance"} for s in task.dataset)
    solver = spec_of(task.solver[0])
    assert (solver.name, solver.args["shuffle"]) == ("multiple_choice", False)
    assert [s.name for s in task.scorers] == ["choice"]
    assert task.config.max_tokens is not None
    assert task.config.max_tokens <= 16


def test_numeric_starter_asks_for_answer_n_and_keeps_exact_targets() -> None:
    task = get_benchmark("starter-mathematics").task()
    items = _items("mathematics")
    assert [(s.id, s.target) for s in task.dataset] == [(i["id"], i["answer"]) for i in items]
    assert [s.name for s in task.scorers] == ["numeric"]
    template = spec_of(task.solver[0]).args["template"]
    assert "ANSWER: N" in template
    assert all(s.metadata["author"] == "clearance" for s in task.dataset)


@pytest.mark.parametrize("domain", MC_DOMAINS)
async def test_mc_starter_scores_right_and_wrong_letters(domain: str, tmp_path: Path) -> None:
    items = _items(domain)[:6]
    right = {i["id"]: f"ANSWER: {'ABCD'[i['answer']]}" for i in items[:4]}
    wrong = {i["id"]: f"ANSWER: {'ABCD'[(i['answer'] + 1) % 4]}" for i in items[4:]}
    summary = await _run(load_task(f"starter-{domain}", limit=6), right | wrong, tmp_path)
    assert (summary.status, summary.scored, summary.errors) == ("completed", 6, 0)
    assert summary.metrics["accuracy"]["value"] == pytest.approx(4 / 6)
    assert summary.provenance["task"]["ref"]["name"] == f"starter-{domain}"


async def test_numeric_starter_reads_the_final_number(tmp_path: Path) -> None:
    items = _items("mathematics")[:4]
    answers = {
        items[0]["id"]: f"First step... then more.\nANSWER: {items[0]['answer']}",
        items[1]["id"]: f"ANSWER: {items[1]['answer']}.00",
        items[2]["id"]: "ANSWER: 123456789",
        items[3]["id"]: "I do not know.",
    }
    summary = await _run(load_task("starter-mathematics", limit=4), answers, tmp_path)
    assert summary.scored == 4
    assert summary.metrics["accuracy"]["value"] == pytest.approx(0.5)


def test_suites_fall_back_to_these_starters_when_no_data_is_here() -> None:
    planned = {b.name for b in suite_plan("capabilities")} | {b.name for b in suite_plan("hazards")}
    for domain in (*MC_DOMAINS, "mathematics"):
        assert f"starter-{domain}" in planned
