"""Solving and scoring one sample: model calls with retries under the adaptive limit, replay of
journaled answers, the response cache. The engine's workers use it in-process; the Ray
executor's workers use the same class on other machines, with the driver keeping what they
return."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from clearance.datasets import Sample
from clearance.models import (
    ChatMessage,
    LikelihoodAPI,
    ModelAPI,
    ModelError,
    ModelInfo,
    ModelOutput,
    PermanentModelError,
    RateLimitError,
    ResponseCache,
    RetryPolicy,
    cache_key,
    current_epoch,
    current_sample_id,
)
from clearance.runner._journal import JournalKey
from clearance.runner._limit import AdaptiveLimit
from clearance.runner._options import RunOptions
from clearance.tasks import Task, TaskState


class AnswerLog(Protocol):
    """Where each answer a model gives goes as it arrives (the run's journal)."""

    def append(self, key: JournalKey, call: int, output: ModelOutput) -> None: ...


_FATAL_STATUSES = frozenset({401, 403, 404})
"""Answers that say the key, the permission or the model is wrong: no sample can succeed.
So does a 2xx answer that is not an answer after every retry (see ``fatal_signature``)."""
_CONTEXT_WORDS = re.compile(r"context|too long|too many tokens|maximum.*tokens", re.IGNORECASE)


def fatal_signature(exc: BaseException) -> str | None:
    """The error's identity if it is one that dooms every sample alike, else None.

    Numbers are blanked so a context-length error naming each prompt's token count still counts
    as the same error."""
    if isinstance(exc, ModelError) and exc.status is not None and 200 <= exc.status < 300:
        # A "success" that is no answer (an HTML page, JSON of another API), still so after every
        # retry: the URL points at something that is not this API, and no sample will fare better.
        return re.sub(r"\d+", "N", str(exc))
    if not isinstance(exc, PermanentModelError):
        return None
    context = exc.status == 400 and _CONTEXT_WORDS.search(str(exc)) is not None
    if exc.status not in _FATAL_STATUSES and not context:
        return None
    return re.sub(r"\d+", "N", str(exc))


def _jsonable_input(sample: Sample) -> Any:
    if isinstance(sample.input, str):
        return sample.input
    return [m.model_dump() for m in sample.input]


class SampleSolver:
    """Runs a task's solver and scorers on samples, calling ``model`` at most ``limit`` at a
    time; answers in ``replay`` are used instead of calling again."""

    def __init__(
        self,
        task: Task,
        model: ModelAPI,
        options: RunOptions,
        journal: AnswerLog,
        *,
        limit: AdaptiveLimit,
        cache: ResponseCache | None,
        replay: dict[JournalKey, list[ModelOutput]],
    ) -> None:
        self.task = task
        self.model = model
        self.options = options
        self.journal = journal
        self.limit = limit
        self.cache = cache
        self.replay = replay
        self.info: ModelInfo = model.info
        self.calls = 0
        self.retry_until = 0.0
        self.retry = RetryPolicy(
            max_retries=options.max_retries,
            base_seconds=options.retry_base,
            max_seconds=options.retry_max,
        )

    # -- model calls ---------------------------------------------------------------------

    async def _generate(
        self,
        key: JournalKey,
        messages: Sequence[ChatMessage],
        calls: list[ModelOutput],
        continuations: Sequence[str] | None = None,
    ) -> ModelOutput:
        index = len(calls)
        replayed = self.replay.get(key)
        if replayed is not None and index < len(replayed):
            out = replayed[index]
        else:
            config = self.task.config
            ckey = (
                cache_key(self.info, messages, config, key[1], continuations) if self.cache else ""
            )
            cached = await self.cache.get(ckey) if self.cache else None
            if cached is not None:
                out = cached
            else:
                out = await self._call_with_retries(messages, continuations)
                self.calls += 1
                self.journal.append(key, index, out)
                if self.cache:
                    self.cache.put(ckey, out)
        calls.append(out)
        return out

    async def _call_with_retries(
        self, messages: Sequence[ChatMessage], continuations: Sequence[str] | None = None
    ) -> ModelOutput:
        for attempt in range(self.retry.max_retries + 1):
            await self.limit.acquire()
            try:
                out = await self._call(messages, continuations)
            except ModelError as exc:
                throttled = isinstance(exc, RateLimitError)
                self.limit.release(
                    throttled=throttled, retry_after=self.retry.capped(exc.retry_after)
                )
                if not exc.retryable or attempt == self.retry.max_retries:
                    raise
                delay = self.retry.delay(attempt, exc.retry_after)
                loop = asyncio.get_running_loop()
                self.retry_until = max(self.retry_until, loop.time() + delay)
                await asyncio.sleep(delay)
            except BaseException:
                self.limit.release()
                raise
            else:
                self.limit.release()
                return out
        raise AssertionError("unreachable: the loop returns or raises")

    async def _call(
        self, messages: Sequence[ChatMessage], continuations: Sequence[str] | None
    ) -> ModelOutput:
        if continuations is None:
            return await self.model.generate(messages, self.task.config)
        if not isinstance(self.model, LikelihoodAPI):
            raise PermanentModelError(
                f"model {self.info.spec!r} gives no log-likelihoods, which this task's "
                "likelihood scoring needs; run it by generation (leave out -T likelihood=true) "
                "or use an hf/ model or an openai/ server with prompt log-probabilities"
            )
        return await self.model.loglikelihood(messages, continuations, self.task.config)

    # -- samples -------------------------------------------------------------------------

    async def solve(self, sample: Sample, epoch: int) -> tuple[dict[str, Any], Exception | None]:
        key = (sample.id, epoch)
        current_sample_id.set(sample.id)
        current_epoch.set(epoch)
        calls: list[ModelOutput] = []

        async def generate(messages: Sequence[ChatMessage]) -> ModelOutput:
            return await self._generate(key, messages, calls)

        async def loglikelihood(
            messages: Sequence[ChatMessage], continuations: Sequence[str]
        ) -> ModelOutput:
            return await self._generate(key, messages, calls, continuations)

        state = TaskState.start(sample, epoch, self.options.seed)
        state.loglikelihood = loglikelihood
        state.likelihood_kind = str(getattr(self.model, "likelihood_kind", "continuation"))
        error: Exception | None = None
        scores: dict[str, Any] = {}
        try:
            for step in self.task.solver:
                state = await step(state, generate)
            for scorer in self.task.scorers:
                score = await scorer(state)
                scores[scorer.name] = score.model_dump(exclude_defaults=True) | {
                    "value": score.value
                }
        except Exception as exc:
            # Not swallowed: the sample is stored with this error, counted in the summary and
            # retried by `eval resume`. One bad sample must not cost the other samples' evidence.
            error = exc
        return {
            "sample_id": sample.id,
            "epoch": epoch,
            "input": _jsonable_input(sample),
            "target": sample.target if isinstance(sample.target, str) else list(sample.target),
            "output": state.output.text if state.output is not None else None,
            "messages": [m.model_dump() for m in state.messages],
            "scores": scores if error is None else {},
            "cluster": sample.cluster,
            "metadata_": {**sample.metadata, **state.metadata}
            if state.metadata
            else sample.metadata,
            "input_tokens": sum(c.usage.input_tokens for c in calls),
            "output_tokens": sum(c.usage.output_tokens for c in calls),
            "latency": sum(c.latency for c in calls),
            "model_calls": len(calls),
            "error": None if error is None else f"{type(error).__name__}: {error}",
            "error_type": None if error is None else type(error).__name__,
            "raw": [c.raw for c in calls if c.raw is not None] or None,
            "completed_at": datetime.now(UTC),
        }, error
