"""Elicitation overrides on catalogue tasks: few-shot, chain of thought, majority vote."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import clearance.suites  # noqa: F401  (registers the catalogue)
from clearance.models import ChatMessage, ModelOutput
from clearance.tasks import TaskState, load_task


def _solve(task_ref: str, args: dict[str, object], replies: list[str]) -> TaskState:
    task = load_task(task_ref, args=args)
    sample = task.dataset.samples[0]
    state = TaskState.start(sample, 1, 0)
    seen: list[list[ChatMessage]] = []
    answers = iter(replies)

    async def generate(messages: Sequence[ChatMessage]) -> ModelOutput:
        seen.append(list(messages))
        return ModelOutput(text=next(answers))

    async def run() -> TaskState:
        current = state
        for step in task.solver:
            current = await step(current, generate)
        return current

    done = asyncio.run(run())
    done.metadata["seen"] = seen
    return done


def test_fewshot_holds_k_seeded_examples_apart_and_shows_them_solved() -> None:
    plain = load_task("starter-science")
    shot = load_task("starter-science", args={"fewshot": 3, "fewshot_seed": 7})
    again = load_task("starter-science", args={"fewshot": 3, "fewshot_seed": 7})
    other = load_task("starter-science", args={"fewshot": 3, "fewshot_seed": 8})
    held = {s.id for s in plain.dataset.samples} - {s.id for s in shot.dataset.samples}
    assert len(held) == 3
    assert len(shot.dataset) == len(plain.dataset) - 3
    assert held == {s.id for s in plain.dataset.samples} - {s.id for s in again.dataset.samples}
    assert shot.digest == again.digest != other.digest != plain.digest

    done = _solve("starter-science", {"fewshot": 3, "fewshot_seed": 7}, ["ANSWER: A"])
    (messages,) = done.metadata["seen"]
    roles = [m.role for m in messages]
    assert roles == ["user", "assistant"] * 3 + ["user"]
    assert all(m.content.startswith("ANSWER: ") for m in messages[1:6:2])


def test_cot_asks_multiple_choice_to_think_step_by_step() -> None:
    done = _solve("starter-science", {"cot": True}, ["Because... ANSWER: B"])
    (messages,) = done.metadata["seen"]
    assert "Think step by step" in messages[-1].content
    plain = load_task("starter-science")
    assert load_task("starter-science", args={"cot": True}).digest != plain.digest


def test_majority_vote_keeps_the_most_frequent_answer() -> None:
    task = load_task("starter-science", args={"majority": 3})
    assert task.config.temperature > 0  # greedy votes would all agree
    done = _solve("starter-science", {"majority": 3}, ["ANSWER: B", "ANSWER: C", "B"])
    assert len(done.metadata["seen"]) == 3
    assert done.output_text in {"ANSWER: B", "B"}
    assert done.metadata["votes"] == {"B": 2, "C": 1}


def test_overrides_are_recorded_in_the_definition_and_reload_from_the_ref() -> None:
    args = {"system_prompt": "Be careful.", "fewshot": 2}
    task = load_task("starter-science", args=args)
    assert task.definition["elicitation"] == {"system_prompt": "Be careful.", "fewshot": 2}
    reloaded = load_task(task.ref["name"], args=task.ref["args"])
    assert reloaded.digest == task.digest
