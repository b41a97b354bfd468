"""A server that sends too much, too slowly or asks to wait too long is bounded, and the
pre-flight check names a missing key, an unreachable server, a refused key or an unknown model."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from aiohttp import web
from fake_model_server import FakeServer, serve

from clearance.models import (
    ChatMessage,
    GenerateConfig,
    ModelError,
    PermanentModelError,
    TransientModelError,
    get_model,
)

QUESTION = [ChatMessage(role="user", content="hi")]
ANSWER = {"choices": [{"message": {"role": "assistant", "content": "ok"}}]}


async def _generate_error(server: FakeServer, **kw: object) -> ModelError:
    model = get_model("openai/m", base_url=server.url, **kw)  # type: ignore[arg-type]
    try:
        with pytest.raises(ModelError) as caught:
            await model.generate(QUESTION, GenerateConfig())
    finally:
        await model.aclose()
    return caught.value


async def test_a_body_larger_than_the_limit_is_an_error_read_no_further(
    fake_server: FakeServer,
) -> None:
    sent = {"bytes": 0}

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        await response.prepare(request)
        chunk = b"x" * 65536
        try:
            for _ in range(320):  # 20 MiB, chunked (no Content-Length)
                await response.write(chunk)
                sent["bytes"] += len(chunk)
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response

    fake_server.handler = huge
    error = await _generate_error(fake_server, max_response_bytes=1024 * 1024)
    assert isinstance(error, PermanentModelError)
    assert "larger than 1 MiB" in str(error)
    assert "--max-response-bytes" in str(error)


async def test_a_declared_content_length_over_the_limit_is_refused_unread(
    fake_server: FakeServer,
) -> None:
    fake_server.reply_json({"pad": "y" * 5000, **ANSWER})
    error = await _generate_error(fake_server, max_response_bytes=4096)
    assert isinstance(error, PermanentModelError)
    assert "larger than 4,096 bytes" in str(error)


async def test_an_answer_within_the_limit_is_read_whole(fake_server: FakeServer) -> None:
    fake_server.reply_json(ANSWER)
    model = get_model("openai/m", base_url=fake_server.url, max_response_bytes=4096)
    try:
        out = await model.generate(QUESTION, GenerateConfig())
    finally:
        await model.aclose()
    assert out.text == "ok"


async def test_an_endless_body_ends_at_the_limit(fake_server: FakeServer) -> None:
    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        await response.prepare(request)
        try:
            while True:
                await response.write(b"[" * 65536)
        except (ConnectionError, asyncio.CancelledError):
            return response

    fake_server.handler = endless
    started = time.monotonic()
    error = await _generate_error(fake_server, timeout=30.0)
    assert isinstance(error, PermanentModelError)
    assert "larger than 8 MiB" in str(error)
    assert time.monotonic() - started < 20


async def test_a_slow_drip_body_ends_as_a_timeout_at_the_overall_deadline(
    fake_server: FakeServer,
) -> None:
    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        await response.prepare(request)
        try:
            while True:  # a byte every 0.1 s: never idle long enough for a read timeout
                await response.write(b" ")
                await asyncio.sleep(0.1)
        except (ConnectionError, asyncio.CancelledError):
            return response

    fake_server.handler = drip
    started = time.monotonic()
    error = await _generate_error(fake_server, timeout=1.0)
    assert isinstance(error, TransientModelError)
    assert "no complete response within 1 s" in str(error)
    assert time.monotonic() - started < 5


async def test_preflight_names_a_missing_key_for_the_vendors_api(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    model = get_model("openai/gpt-4o")
    with pytest.raises(PermanentModelError, match="no API key; set OPENAI_API_KEY"):
        await model.preflight()  # type: ignore[attr-defined]
    await model.aclose()


async def test_preflight_names_an_unreachable_server() -> None:
    async with serve() as server:
        url = server.url
    model = get_model("openai/m", base_url=url, timeout=5)
    started = time.monotonic()
    with pytest.raises(TransientModelError, match="cannot reach the server"):
        await model.preflight()  # type: ignore[attr-defined]
    await model.aclose()
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("status", "listed", "expected"),
    [
        (401, None, "refused the API key (HTTP 401)"),
        (200, ["gpt-a", "gpt-b"], "does not serve a model 'm' (it lists: gpt-a, gpt-b)"),
    ],
)
async def test_preflight_names_a_refused_key_or_an_unknown_model(
    status: int, listed: list[str] | None, expected: str
) -> None:
    async def models(request: web.Request) -> web.StreamResponse:
        body = {"data": [{"id": m} for m in listed or []]} if listed else {"error": "no"}
        return web.json_response(body, status=status)

    app = web.Application()
    app.router.add_get("/v1/models", models)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    model = get_model("openai/m", base_url=f"http://127.0.0.1:{port}/v1")
    try:
        with pytest.raises(PermanentModelError) as caught:
            await model.preflight()  # type: ignore[attr-defined]
    finally:
        await model.aclose()
        await runner.cleanup()
    assert expected in str(caught.value)


async def test_preflight_passes_a_server_that_lists_no_models(fake_server: FakeServer) -> None:
    # The fake server answers GET with 405: nothing to check, so nothing is refused.
    model = get_model("openai/m", base_url=fake_server.url)
    try:
        await model.preflight()  # type: ignore[attr-defined]
    finally:
        await model.aclose()


def test_the_response_limit_must_be_positive() -> None:
    from clearance.models import ModelSpecError

    with pytest.raises(ModelSpecError, match="max_response_bytes must be at least 1"):
        get_model("openai/m", max_response_bytes=0)


def test_retry_after_forms_parse_and_hostile_values_do_not_raise() -> None:
    from clearance.models._http import parse_retry_after

    now = time.time()
    assert parse_retry_after({"Retry-After": "3600"}) == 3600
    far = parse_retry_after({"Retry-After": "Fri, 01 Jan 2099 00:00:00 GMT"}, now=now)
    assert far is not None
    assert far > 2e9
    assert parse_retry_after({"retry-after-ms": "86400000"}) == 86400
    for hostile in ("Fri, 01 Jan 99999 00:00:00 GMT", "nan-ish", "1e999999", "-5", ""):
        value = parse_retry_after({"Retry-After": hostile})
        assert value is None or value >= 0
    assert json.dumps(parse_retry_after({"Retry-After": "0"})) == "0.0"
