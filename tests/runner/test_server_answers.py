"""A whole run against a real loopback HTTP server that answers as real providers do when things
go wrong: 429 and 503 with ``Retry-After`` as an HTTP date or OpenAI's ``retry-after-ms`` (each
wait honoured, held to the retry ceiling, and shown), 401/403/404 bodies saying the key or the
model is wrong (the run stops after a few samples, naming the server's message), and a server
that answers every request with garbage (the run stops early too, instead of asking for every
sample)."""

from __future__ import annotations

import json
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from itertools import pairwise
from pathlib import Path

import pytest
from aiohttp import web

from clearance.access import LOCAL_ADMIN
from clearance.runner import RunOptions, RunSummary, run_task
from clearance.store import Store
from clearance.tasks import load_task

TaskFactory = Callable[..., Path]
Answer = Callable[[int], web.StreamResponse | None]
"""Given how many times this request was asked before, a failure to send, or None: succeed."""


@dataclass
class Provider:
    """An OpenAI-style chat server on 127.0.0.1: each distinct request's attempts are timed."""

    answer: Answer
    base_url: str = ""
    asked: dict[str, list[float]] = field(default_factory=dict)

    @property
    def calls(self) -> int:
        return sum(len(times) for times in self.asked.values())

    def gaps(self) -> list[float]:
        """Seconds between each request's consecutive attempts, as the server saw them."""
        return [b - a for times in self.asked.values() for a, b in pairwise(times)]

    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        key = json.dumps(body["messages"], sort_keys=True)
        times = self.asked.setdefault(key, [])
        times.append(time.monotonic())
        failure = self.answer(len(times) - 1)
        if failure is not None:
            return failure
        message = {"role": "assistant", "content": "ANSWER: A"}
        return web.json_response(
            {
                "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 2},
            }
        )


@asynccontextmanager
async def provider(answer: Answer) -> AsyncIterator[Provider]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = Provider(answer, base_url=f"http://127.0.0.1:{sock.getsockname()[1]}/v1")

    async def models(_: web.Request) -> web.StreamResponse:
        return web.json_response({"data": [{"id": "stub"}]})

    app = web.Application()
    app.router.add_post("/v1/chat/completions", server.chat)
    app.router.add_get("/v1/models", models)
    runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    try:
        yield server
    finally:
        await runner.cleanup()


class Waits:
    """A Progress that keeps every wait the engine showed."""

    def __init__(self) -> None:
        self.shown: list[float] = []

    def start(self, total: int, done: int) -> None:
        pass

    def update(self, done: int, errors: int) -> None:
        pass

    def waiting(self, seconds: float) -> None:
        if seconds > 0:
            self.shown.append(seconds)

    def stop(self) -> None:
        pass


async def _run(
    task: Path, base_url: str, progress: Waits | None = None, **opts: object
) -> RunSummary:
    settings = {"retry_base": 0.01, "timeout": 5.0, "max_connections": 1, **opts}
    return await run_task(
        load_task(str(task)),
        "openai/stub",
        store=Store.open(),
        options=RunOptions(base_url=base_url, **settings),  # type: ignore[arg-type]
        progress=progress,
        principal=LOCAL_ADMIN,
    )


def _first_fails(status: int, headers: dict[str, str]) -> Answer:
    def answer(before: int) -> web.StreamResponse | None:
        if before:
            return None
        body = {"error": {"message": f"busy ({status})", "type": "rate_limit"}}
        return web.json_response(body, status=status, headers=headers)

    return answer


def _http_date(seconds_from_now: float) -> str:
    return formatdate(time.time() + seconds_from_now, usegmt=True)


@pytest.mark.parametrize("status", [429, 503])
async def test_an_http_date_a_few_seconds_ahead_is_waited_for(
    mc_task: TaskFactory, status: int
) -> None:
    # The date has whole seconds: "3 s from now" is between 2 and 3 s away when it is read.
    async with provider(lambda n: _first_fails(status, {"Retry-After": _http_date(3)})(n)) as s:
        waits = Waits()
        summary = await _run(mc_task(2), s.base_url, waits, retry_max=30.0)
        assert (summary.status, summary.scored, summary.errors) == ("completed", 2, 0)
        assert s.calls == 4  # each sample: refused once, then answered
        assert min(s.gaps()) >= 1.9
        assert 0 < max(waits.shown, default=0) <= 3.5  # shown, and no more than asked (+jitter)


@pytest.mark.parametrize("status", [429, 503])
async def test_an_http_date_in_2099_waits_only_the_retry_ceiling(
    mc_task: TaskFactory, status: int
) -> None:
    far = "Thu, 01 Jan 2099 00:00:00 GMT"
    async with provider(_first_fails(status, {"Retry-After": far})) as s:
        waits = Waits()
        summary = await _run(mc_task(2), s.base_url, waits, retry_max=0.6)
        assert (summary.status, summary.scored, s.calls) == ("completed", 2, 4)
        assert min(s.gaps()) >= 0.55  # the ceiling was waited, not skipped
        assert 0 < max(waits.shown, default=0) <= 0.6


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_ms_is_honoured_and_preferred(mc_task: TaskFactory, status: int) -> None:
    # OpenAI sends both; the millisecond one is the precise one. Retry-After alone would say 20 s.
    headers = {"retry-after-ms": "1200", "Retry-After": "20"}
    async with provider(_first_fails(status, headers)) as s:
        waits = Waits()
        summary = await _run(mc_task(2), s.base_url, waits, retry_max=30.0)
        assert (summary.status, summary.scored, s.calls) == ("completed", 2, 4)
        assert min(s.gaps()) >= 1.15
        assert 0 < max(waits.shown, default=0) <= 1.2 * 1.1 + 0.05


async def test_retry_after_ms_of_a_day_waits_only_the_retry_ceiling(mc_task: TaskFactory) -> None:
    async with provider(_first_fails(429, {"retry-after-ms": "86400000"})) as s:
        waits = Waits()
        summary = await _run(mc_task(2), s.base_url, waits, retry_max=0.5)
        assert (summary.status, summary.scored, s.calls) == ("completed", 2, 4)
        assert min(s.gaps()) >= 0.45
        assert 0 < max(waits.shown, default=0) <= 0.5


def _always(status: int, body: object) -> Answer:
    return lambda _: web.json_response(body, status=status)


REFUSALS = {
    "invalid key": (
        401,
        {
            "error": {
                "message": "Incorrect API key provided: sk-abc***wxyz. You can find your API "
                "key at https://platform.openai.com/account/api-keys.",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
        },
        "Incorrect API key provided",
    ),
    "no permission": (
        403,
        {"error": {"message": "Project does not have access to model stub", "code": None}},
        "Project does not have access to model stub",
    ),
    "model not found": (
        404,
        {
            "error": {
                "message": "The model `stub` does not exist or you do not have access to it.",
                "type": "invalid_request_error",
                "code": "model_not_found",
            }
        },
        "The model `stub` does not exist",
    ),
    "not found, plain text": (404, "404 page not found", "404 page not found"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
async def test_a_refusal_no_sample_can_overcome_stops_the_run_early(
    mc_task: TaskFactory, case: str
) -> None:
    status, body, said = REFUSALS[case]

    def answer(_: int) -> web.StreamResponse:
        if isinstance(body, str):
            return web.Response(text=body, status=status)
        return web.json_response(body, status=status)

    async with provider(answer) as s:
        summary = await _run(mc_task(30), s.base_url)
        assert summary.status == "failed"
        assert s.calls == 3  # not 30: three samples failed alike, then the run stopped
        assert summary.stop_reason is not None
        assert "3 samples failed alike" in summary.stop_reason
        assert f"HTTP {status}: {said}" in summary.stop_reason
        assert (summary.scored, summary.errors) == (0, 3)


GARBAGE = {
    "html": lambda _: web.Response(text="<html>502 Bad Gateway</html>", content_type="text/html"),
    "json of another shape": lambda _: web.json_response({"id": "x", "object": "chat.completion"}),
    "bytes": lambda _: web.Response(body=b"\x00\xff\xfe garbage", content_type="text/plain"),
}


@pytest.mark.parametrize("case", list(GARBAGE))
async def test_a_server_that_keeps_answering_garbage_stops_the_run_early(
    mc_task: TaskFactory, case: str
) -> None:
    async with provider(GARBAGE[case]) as s:
        summary = await _run(mc_task(30), s.base_url, max_retries=2)
        assert summary.status == "failed"
        asked = Counter(len(times) for times in s.asked.values())
        assert asked == {3: 3}  # three samples, each tried 1 + 2 times, then the run stopped
        assert summary.stop_reason is not None
        assert "3 samples failed alike" in summary.stop_reason
        assert "body is not valid JSON" in summary.stop_reason or "lacks" in summary.stop_reason


async def test_a_server_that_recovers_after_garbage_is_not_given_up_on(
    mc_task: TaskFactory,
) -> None:
    garbage = GARBAGE["html"]
    async with provider(lambda n: garbage(n) if n == 0 else None) as s:
        summary = await _run(mc_task(6), s.base_url, max_retries=2)
        assert (summary.status, summary.scored, summary.errors) == ("completed", 6, 0)
        assert s.calls == 12
