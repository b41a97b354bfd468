"""openai/NAME against a real chat-completions server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from fake_model_server import FakeServer

from clearance.models import ChatMessage, GenerateConfig, ModelSpecError, get_model

COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-1",
    "model": "gpt-test-2024",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Paris."},
            "finish_reason": "length",
        }
    ],
    "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
}
QUESTION = [
    ChatMessage(role="system", content="Be brief."),
    ChatMessage(role="user", content="Capital of France?"),
]


async def test_success_keeps_text_usage_finish_reason_and_raw(fake_server: FakeServer) -> None:
    fake_server.reply_json(COMPLETION)
    model = get_model("openai/gpt-test", base_url=fake_server.url)
    try:
        output = await model.generate(QUESTION, GenerateConfig())
    finally:
        await model.aclose()
    assert output.text == "Paris."
    assert output.finish_reason == "length"
    assert (output.usage.input_tokens, output.usage.output_tokens) == (12, 3)
    assert output.raw == COMPLETION
    assert output.latency > 0
    assert fake_server.received[0].path == "/chat/completions"


async def test_request_carries_config_fields_and_bearer_key(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123")
    fake_server.reply_json(COMPLETION)
    model = get_model("openai/org/gpt-test", base_url=fake_server.url + "/")
    config = GenerateConfig(temperature=0.7, max_tokens=50, top_p=0.9, seed=7, stop=("\n", "END"))
    await model.generate(QUESTION, config)
    await model.aclose()
    seen = fake_server.received[0]
    assert seen.headers["Authorization"] == "Bearer sk-test-123"
    assert seen.body == {
        "model": "org/gpt-test",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Capital of France?"},
        ],
        "temperature": 0.7,
        "max_tokens": 50,
        "top_p": 0.9,
        "seed": 7,
        "stop": ["\n", "END"],
    }


async def test_unset_fields_and_missing_key_are_left_out(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.url)
    fake_server.reply_json(COMPLETION)
    model = get_model("openai/gpt-test")
    assert model.info.base_url == fake_server.url
    await model.generate([ChatMessage(role="tool", content="42")], GenerateConfig())
    await model.aclose()
    seen = fake_server.received[0]
    assert "Authorization" not in seen.headers
    # an id-less tool result travels as a user turn
    assert seen.body == {
        "model": "gpt-test",
        "messages": [{"role": "user", "content": "42"}],
        "temperature": 0.0,
    }


async def test_null_content_reads_as_empty_text(fake_server: FakeServer) -> None:
    body = {"choices": [{"message": {"role": "assistant", "content": None}}]}
    fake_server.reply_json(body)
    model = get_model("openai/gpt-test", base_url=fake_server.url)
    output = await model.generate(QUESTION, GenerateConfig())
    await model.aclose()
    assert (output.text, output.finish_reason, output.usage.total_tokens) == ("", "stop", 0)


async def test_concurrent_requests_and_reuse_after_aclose(fake_server: FakeServer) -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(0.05)
        return web.json_response(COMPLETION)

    fake_server.handler = slow
    model = get_model("openai/gpt-test", base_url=fake_server.url)
    outputs = await asyncio.gather(*(model.generate(QUESTION, GenerateConfig()) for _ in range(40)))
    await model.aclose()
    again = await model.generate(QUESTION, GenerateConfig())
    await model.aclose()
    assert [o.text for o in outputs] == ["Paris."] * 40
    assert again.text == "Paris."
    assert len(fake_server.received) == 41


def test_info_names_provider_model_and_endpoint() -> None:
    model = get_model("openai/gpt-4o", base_url="http://127.0.0.1:9/v1/")
    assert model.info.model_dump() == {
        "spec": "openai/gpt-4o",
        "provider": "openai",
        "name": "gpt-4o",
        "base_url": "http://127.0.0.1:9/v1",
        "version": None,
        "weights_sha256": None,
    }


def test_base_url_without_scheme_is_rejected() -> None:
    with pytest.raises(ModelSpecError, match=r"base_url 'localhost:8000' must start with http"):
        get_model("openai/gpt-4o", base_url="localhost:8000")


def test_unknown_option_is_rejected() -> None:
    with pytest.raises(ModelSpecError, match=r"unknown option\(s\) temprature .* accepts: api_key"):
        get_model("openai/gpt-4o", temprature=0.5)


def _echo(tokens: list[str], values: list[float | None], tops: list[dict[str, float]]) -> Any:
    offsets, at = [], 0
    for token in tokens:
        offsets.append(at)
        at += len(token)
    logprobs = {
        "tokens": tokens,
        "token_logprobs": values,
        "text_offset": offsets,
        "top_logprobs": tops,
    }
    return {"choices": [{"text": "".join(tokens), "logprobs": logprobs}]}


async def test_loglikelihood_sums_the_continuations_prompt_logprobs(
    fake_server: FakeServer,
) -> None:
    # context "Q: 2+2?\nAnswer:" then " 4" (likely, greedy) or " 5" (unlikely)
    context = ["Q", ":", " 2+2?", "\n", "Answer", ":"]
    replies = {
        " 4": _echo(
            [*context, " 4"], [None, -1, -2, -1, -1, -1, -0.25], [{}] * 6 + [{" 4": -0.25}]
        ),
        " 5": _echo([*context, " 5"], [None, -1, -2, -1, -1, -1, -3.5], [{}] * 6 + [{" 4": -0.25}]),
    }

    async def handler(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        return web.json_response(replies[body["prompt"][len("Q: 2+2?\nAnswer:") :]])

    fake_server.handler = handler
    model = get_model("openai/gpt-test", base_url=fake_server.url)
    question = [ChatMessage(role="user", content="Q: 2+2?\nAnswer:")]
    try:
        out = await model.loglikelihood(question, [" 4", " 5"], GenerateConfig())  # type: ignore[attr-defined]
    finally:
        await model.aclose()
    assert out.loglikelihoods == (-0.25, -3.5)
    assert out.greedy == (True, False)
    sent = fake_server.received[0]
    assert sent.path == "/completions"
    assert sent.body["echo"] is True
    assert sent.body["max_tokens"] == 0
    assert sent.body["logprobs"] == 1


async def test_a_server_without_prompt_logprobs_is_a_clear_error(fake_server: FakeServer) -> None:
    from clearance.models import PermanentModelError

    fake_server.reply_json(_echo(["Hi", " there"], [None, None], [{}, {}]))
    model = get_model("openai/gpt-test", base_url=fake_server.url)
    try:
        with pytest.raises(PermanentModelError, match="no prompt log-probabilities"):
            await model.loglikelihood(  # type: ignore[attr-defined]
                [ChatMessage(role="user", content="Hi")], [" there"], GenerateConfig()
            )
    finally:
        await model.aclose()
