"""Likelihood scoring for multiple choice: the solver, the letter mode, and a catalogue run."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

import clearance.suites  # noqa: F401  (registers the catalogue)
from clearance.access import LOCAL_ADMIN
from clearance.datasets import Sample
from clearance.models import ChatMessage, ModelOutput
from clearance.models._providers.gguf import _next_token_scores
from clearance.store import Store
from clearance.tasks import TaskState, load_task, scorers, solvers


def _state(choices: tuple[str, ...], target: str, kind: str, scores: list[float]) -> TaskState:
    sample = Sample(id="q1", input="Which is a fruit?", choices=choices, target=target)
    state = TaskState.start(sample, 1, 0)
    state.likelihood_kind = kind
    asked: list[Sequence[str]] = []

    async def loglikelihood(
        messages: Sequence[ChatMessage], continuations: Sequence[str]
    ) -> ModelOutput:
        asked.append(list(continuations))
        state.metadata["asked_prompt"] = messages[-1].content
        return ModelOutput(text="", loglikelihoods=tuple(scores))

    state.loglikelihood = loglikelihood
    state.metadata["asked"] = asked
    return state


async def _no_generation(messages: Sequence[ChatMessage]) -> ModelOutput:
    raise AssertionError("likelihood scoring must not generate")


def test_acc_takes_the_highest_loglikelihood_and_acc_norm_divides_by_length() -> None:
    # "fig" is likeliest in total; per character "apple pie" wins: acc and acc_norm differ
    state = _state(("apple pie", "fig", "rock"), "A", "continuation", [-2.5, -2.0, -9.0])
    step = solvers.get("multiple_choice_likelihood")()
    done = asyncio.run(step(state, _no_generation))
    assert done.metadata["asked"] == [[" apple pie", " fig", " rock"]]
    assert done.metadata["asked_prompt"] == "Which is a fruit?\nAnswer:"
    assert done.output_text == "ANSWER: B"
    assert asyncio.run(scorers.get("choice")()(done)).value == 0.0
    assert asyncio.run(scorers.get("choice_norm")()(done)).value == 1.0


def test_next_token_models_are_asked_for_option_letters() -> None:
    state = _state(("apple", "chair", "rock"), "A", "next_token", [-0.7, -1.7, -2.4])
    done = asyncio.run(solvers.get("multiple_choice_likelihood")()(state, _no_generation))
    assert done.metadata["asked"] == [["A", "B", "C"]]
    assert "A) apple\nB) chair\nC) rock" in done.metadata["asked_prompt"]
    assert done.metadata["likelihood"]["answer"] == "A"


def test_a_model_returning_the_wrong_number_of_scores_is_an_error() -> None:
    state = _state(("a", "b", "c"), "A", "continuation", [-1.0, -2.0])
    with pytest.raises(ValueError, match="returned 2 log-likelihoods for 3 options"):
        asyncio.run(solvers.get("multiple_choice_likelihood")()(state, _no_generation))


def test_gguf_letter_scores_read_top_logprobs_and_floor_missing_letters() -> None:
    top = [
        {"token": "A", "logprob": -0.7},
        {"token": " A", "logprob": -0.5},
        {"token": "B", "logprob": -1.7},
        {"token": "The", "logprob": -2.8},
    ]
    result = {"choices": [{"logprobs": {"content": [{"top_logprobs": top}]}}]}
    assert _next_token_scores(result, ["A", "B", "C"], "m") == (-0.5, -1.7, -2.8)


def test_likelihood_override_runs_a_catalogue_benchmark_through_the_runner(
    clearance_home: Path, tmp_path: Path
) -> None:
    from clearance.runner import RunOptions, run_task

    clearance_home.mkdir(parents=True, exist_ok=True)
    store = Store.open(f"sqlite:///{clearance_home / 'clearance.db'}")

    task = load_task("starter-science", limit=3, args={"likelihood": True})
    assert [s.name for s in task.scorers] == ["choice", "choice_norm"]
    lines = []
    for sample in task.dataset.samples:
        right = "ABCDEFGHIJ".index(str(sample.target))
        scores = [-5.0] * len(sample.choices or ())
        scores[right] = -1.0
        lines.append(json.dumps({"id": sample.id, "output": json.dumps(scores)}))
    script = tmp_path / "likelihoods.jsonl"
    script.write_text("\n".join(lines) + "\n")
    summary = asyncio.run(
        run_task(
            task,
            f"scripted/{script}",
            store=store,
            options=RunOptions(cache=False),
            principal=LOCAL_ADMIN,
        )
    )
    store.close()
    assert summary.status == "completed", summary
    assert summary.metrics["accuracy"]["value"] == 1.0
    assert summary.metrics["choice_norm/accuracy"]["value"] == 1.0
