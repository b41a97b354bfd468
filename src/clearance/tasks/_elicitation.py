"""Elicitation overrides: the same benchmark run with a system prompt, by likelihood, with
chain of thought, few-shot examples or a majority vote (``-T KEY=VALUE`` on any registered task).

The NSM asks for tests "both without significant modifications and, as appropriate, with ...
other modifications that could enhance performance" (3.3(f)(iii)(A)). Each override changes the
solver chain and is written into the task definition under ``elicitation``, so it is part of
the task digest: a run with an override is never mistaken for the plain benchmark's run, and the
plain and the modified runs of one benchmark can be paired as a mitigation or compared as the
strongest elicitation tried.

- ``system_prompt=TEXT``: a system message first (the usual mitigation under test).
- ``likelihood=true``: multiple choice scored by each option's log-likelihood instead of a
  generated letter; adds the ``choice_norm`` scorer (lm-eval's ``acc_norm``).
- ``cot=true``: ask for step-by-step reasoning before the answer.
- ``fewshot=K`` (with ``fewshot_seed=S``, default 0): K samples drawn under the seed are held
  apart from the evaluated samples and shown first as solved examples.
- ``majority=N``: N generations at temperature ``MAJORITY_TEMPERATURE`` (unless the task sets
  one), the most frequent answer kept (self-consistency).
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from clearance.datasets import Dataset, Sample
from clearance.models import ChatMessage, ModelOutput
from clearance.tasks._answers import extract_choice, extract_number, letter_for, normalize_text
from clearance.tasks._registry import TaskArgumentError
from clearance.tasks._scorers import scorers
from clearance.tasks._solvers import (
    _Step,
    chain_of_thought,
    multiple_choice_likelihood,
    solvers,
    system_message,
)
from clearance.tasks._state import Generate, TaskState
from clearance.tasks._task import Task

ELICITATION_ARGS = ("system_prompt", "likelihood", "cot", "fewshot", "fewshot_seed", "majority")
"""Task arguments every registered task takes, on top of its own."""

MAJORITY_TEMPERATURE = 0.7
"""Sampling temperature for a majority vote when the task decodes greedily (greedy samples
would all agree)."""

MAX_VOTES = 64


def split_elicitation(args: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``args`` as (the task's own arguments, the elicitation overrides)."""
    own = {k: v for k, v in args.items() if k not in ELICITATION_ARGS}
    overrides = {k: v for k, v in args.items() if k in ELICITATION_ARGS}
    return own, overrides


def elicitation_of(ref: Mapping[str, Any]) -> dict[str, Any]:
    """The overrides a task was loaded with, from its ``ref`` (as runs record it)."""
    args = ref.get("args") or {}
    return {k: args[k] for k in ELICITATION_ARGS if k in args}


def elicit(task: Task, overrides: Mapping[str, Any]) -> Task:
    """``task`` with the overrides applied and recorded in its definition (and so its digest)."""
    if not overrides:
        return task
    checked = _checked(task.name, overrides)
    steps = list(task.solver)
    scorer_list = list(task.scorers)
    dataset, config = task.dataset, task.config
    if checked.likelihood:
        steps = _to_likelihood(task.name, steps)
        if not any(s.name == "choice_norm" for s in scorer_list):
            scorer_list.append(scorers.get("choice_norm")())
    if checked.cot:
        steps = _with_cot(steps)
    if checked.fewshot:
        dataset, examples = _held_apart(
            task.name, task.dataset, checked.fewshot, checked.fewshot_seed
        )
        steps.insert(0, _fewshot_step(examples))
    if checked.system_prompt is not None:
        steps.insert(0, system_message(checked.system_prompt))
    if checked.majority > 1:
        steps = [_majority(s, checked.majority) if s.generates else s for s in steps]
        if config.temperature == 0:
            config = config.model_copy(update={"temperature": MAJORITY_TEMPERATURE})
    recorded = {k: getattr(checked, k) for k in ELICITATION_ARGS if k in overrides}
    definition = copy.deepcopy(task.definition)
    definition["elicitation"] = recorded
    definition["config"] = config.model_dump(mode="json")
    definition["scorer"] = [*definition.get("scorer", []), *_added(task, scorer_list)]
    ref = {**task.ref, "args": {**task.ref.get("args", {}), **overrides}}
    return replace(
        task,
        dataset=dataset,
        solver=tuple(steps),
        scorers=tuple(scorer_list),
        definition=definition,
        ref=ref,
        config=config,
    )


def _added(task: Task, scorer_list: list[Any]) -> list[str]:
    had = {s.name for s in task.scorers}
    return [s.name for s in scorer_list if s.name not in had]


@dataclass(frozen=True)
class _Overrides:
    system_prompt: str | None
    likelihood: bool
    cot: bool
    fewshot: int
    fewshot_seed: int
    majority: int


def _checked(name: str, overrides: Mapping[str, Any]) -> _Overrides:
    def flag(key: str) -> bool:
        value = overrides.get(key, False)
        if not isinstance(value, bool):
            raise TaskArgumentError(f"{name}: {key} must be true or false, got {value!r}")
        return value

    def count(key: str, default: int, low: int, high: int) -> int:
        value = overrides.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise TaskArgumentError(
                f"{name}: {key} must be a whole number from {low} to {high}, got {value!r}"
            )
        return value

    prompt = overrides.get("system_prompt")
    if prompt is not None and (not isinstance(prompt, str) or not prompt.strip()):
        raise TaskArgumentError(f"{name}: system_prompt must be non-empty text, got {prompt!r}")
    checked = _Overrides(
        system_prompt=prompt,
        likelihood=flag("likelihood"),
        cot=flag("cot"),
        fewshot=count("fewshot", 0, 0, 64),
        fewshot_seed=count("fewshot_seed", 0, 0, 2**31 - 1),
        majority=count("majority", 1, 1, MAX_VOTES),
    )
    if checked.likelihood and (checked.cot or checked.majority > 1):
        raise TaskArgumentError(
            f"{name}: likelihood scoring reads no generated text, so it cannot be combined "
            "with cot or majority"
        )
    return checked


def is_multiple_choice(task: Task) -> bool:
    """Whether ``task`` answers by lettered options (so ``likelihood=true`` applies)."""
    return any(getattr(s, "name", None) == "multiple_choice" for s in task.solver)


def _to_likelihood(name: str, steps: list[Any]) -> list[Any]:
    found = [i for i, s in enumerate(steps) if getattr(s, "name", None) == "multiple_choice"]
    if not found:
        raise TaskArgumentError(
            f"{name} is not a multiple-choice task (its solver has no multiple_choice step), so "
            "it cannot be scored by likelihood; leave out -T likelihood"
        )
    out = list(steps)
    for i in found:
        shuffle = bool(getattr(out[i], "args", {}).get("shuffle", False))
        out[i] = multiple_choice_likelihood(shuffle=shuffle)
    return out


def _with_cot(steps: list[Any]) -> list[Any]:
    out = []
    for step in steps:
        if getattr(step, "name", None) == "multiple_choice":
            args = {**step.args, "cot": True}
            out.append(solvers.get("multiple_choice")(**args))
        elif step.generates and not any(getattr(s, "name", None) == "multiple_choice" for s in out):
            out.extend([chain_of_thought(), step])
        else:
            out.append(step)
    return out


def _held_apart(name: str, dataset: Dataset, k: int, seed: int) -> tuple[Dataset, list[Sample]]:
    samples = list(dataset.samples)
    if k >= len(samples):
        raise TaskArgumentError(
            f"{name}: fewshot={k} would hold apart every one of its {len(samples)} samples; "
            "choose fewer examples or give more data"
        )
    chosen = sorted(random.Random(seed).sample(range(len(samples)), k))
    examples = [samples[i] for i in chosen]
    kept = [s for i, s in enumerate(samples) if i not in set(chosen)]
    rest = Dataset.from_samples(dataset.name, kept, path=dataset.path, format=dataset.format)
    return rest, examples


def _example_turns(sample: Sample) -> list[ChatMessage]:
    question = sample.input if isinstance(sample.input, str) else sample.input[-1].content
    target = sample.target if isinstance(sample.target, str) else sample.target[0]
    if sample.choices:
        options = "\n".join(f"{letter_for(i)}) {c}" for i, c in enumerate(sample.choices))
        question = f"{question}\n\n{options}"
    return [
        ChatMessage(role="user", content=question),
        ChatMessage(role="assistant", content=f"ANSWER: {target}"),
    ]


def _fewshot_step(examples: list[Sample]) -> _Step:
    turns = [turn for sample in examples for turn in _example_turns(sample)]

    async def step(state: TaskState, generate: Generate) -> TaskState:
        at = sum(1 for m in state.messages if m.role == "system")
        state.messages[at:at] = turns
        return state

    ids = [s.id for s in examples]
    return _Step("fewshot", step, generates=False, args={"examples": ids})


def _answer_key(state: TaskState, output: ModelOutput) -> str:
    if state.choices:
        letter = extract_choice(output.text, len(state.choices), state.choices)
        return letter or ""
    number = extract_number(output.text)
    return str(number) if number is not None else normalize_text(output.text)


def _majority(inner: Any, votes: int) -> _Step:
    async def step(state: TaskState, generate: Generate) -> TaskState:
        finished = [await inner(copy.deepcopy(state), generate) for _ in range(votes)]
        keys = [_answer_key(s, s.output) if s.output is not None else "" for s in finished]
        tally = Counter(k for k in keys if k)
        winner = tally.most_common(1)[0][0] if tally else keys[0]
        chosen: TaskState = finished[keys.index(winner)]
        chosen.metadata["votes"] = dict(tally)
        return chosen

    return _Step("majority", step, generates=True, args={"votes": votes})
