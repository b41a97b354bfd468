"""A judge model's scores of ingested transcripts: the tasks' model-graded scorer (StrongREJECT or
the refusal rubric) run on each redacted exchange, so no personal data reaches the judge."""

from __future__ import annotations

import asyncio
from typing import Any, get_args

from clearance.datasets import Sample
from clearance.models import ChatMessage, ModelError, ModelOutput, current_sample_id
from clearance.models import Role as MessageRole
from clearance.tasks import TaskState, model_graded

_ROLES = frozenset(get_args(MessageRole))


def _state(sample_id: str, messages: list[dict[str, str]]) -> TaskState | None:
    answers = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    if not answers:
        return None
    last = answers[-1]
    asked = tuple(
        ChatMessage(role=m["role"], content=m["content"])
        for m in messages[:last]
        if m["role"] in _ROLES
    )
    if not any(m.role == "user" for m in asked):
        return None
    state = TaskState.start(Sample(id=sample_id, input=asked), epoch=0, seed=0)
    state.output = ModelOutput(text=messages[last]["content"])
    return state


async def _judge_all(
    judge: str, rubric: str, exchanges: list[tuple[str, list[dict[str, str]]]]
) -> list[dict[str, Any]]:
    scorer = model_graded(judge, rubric, cache=False)
    results: list[dict[str, Any]] = []
    try:
        for sample_id, messages in exchanges:
            state = _state(sample_id, messages)
            if state is None:
                results.append({"error": "no user request and answer to judge"})
                continue
            token = current_sample_id.set(sample_id)
            try:
                score = await scorer(state)
            except (ValueError, OSError, ModelError) as exc:
                # A verdict the rubric cannot read is an error of this transcript, never a 0.
                results.append({"error": str(exc)[:500]})
                continue
            finally:
                current_sample_id.reset(token)
            results.append({"value": float(score.value), "rubric": rubric})
    finally:
        close = getattr(scorer, "aclose", None)
        if close is not None:
            await close()
    return results


def judge_exchanges(
    judge: str, rubric: str, exchanges: list[tuple[str, list[dict[str, str]]]]
) -> list[dict[str, Any]]:
    """The judge's score of each ``(id, redacted messages)`` exchange, in order: ``{"value",
    "rubric"}`` or ``{"error"}``."""
    return asyncio.run(_judge_all(judge, rubric, exchanges))
