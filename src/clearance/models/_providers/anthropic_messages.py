"""``anthropic/NAME``: Anthropic's Messages API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clearance.models._http import HttpChatModel, token_count
from clearance.models._types import ChatMessage, GenerateConfig, ModelOutput, Usage

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 1024
"""The API requires max_tokens; used when the config leaves it unset."""

# Anthropic's stop reasons in the OpenAI vocabulary the rest of Clearance reads ("length" above
# all); the original is kept in ``raw``.
_FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


class AnthropicMessagesModel(HttpChatModel):
    """A Claude model behind ``POST {base_url}/v1/messages``.

    ``base_url`` comes from the argument, else ``ANTHROPIC_BASE_URL``, else Anthropic's API; the key
    from the ``api_key`` option, else ``ANTHROPIC_API_KEY``. System messages are joined into the
    top-level ``system`` field; the API has no seed, so ``config.seed`` is not sent.
    """

    provider = "anthropic"
    path = "/v1/messages"
    base_url_env = "ANTHROPIC_BASE_URL"
    api_key_env = "ANTHROPIC_API_KEY"
    default_base_url = DEFAULT_BASE_URL
    models_path = "/v1/models"

    @staticmethod
    def auth_headers(api_key: str | None) -> dict[str, str]:
        headers = {"anthropic-version": API_VERSION}
        if api_key:
            headers["x-api-key"] = api_key
        return headers

    async def generate(
        self, messages: Sequence[ChatMessage], config: GenerateConfig
    ) -> ModelOutput:
        """One message; errors are ``ModelError`` subclasses that say whether to retry."""
        system = [m.content for m in messages if m.role == "system"]
        body: dict[str, Any] = {
            "model": self._name,
            "max_tokens": DEFAULT_MAX_TOKENS if config.max_tokens is None else config.max_tokens,
            # the API knows only user and assistant turns; tool results arrive as user text
            "messages": [
                {"role": "assistant" if m.role == "assistant" else "user", "content": m.content}
                for m in messages
                if m.role != "system"
            ],
            "temperature": config.temperature,
        }
        if system:
            body["system"] = "\n\n".join(system)
        if config.top_p is not None:
            body["top_p"] = config.top_p
        if config.stop is not None:
            body["stop_sequences"] = list(config.stop)
        data, latency = await self._client.post(body)
        try:
            text = "".join([b["text"] for b in data["content"] if b["type"] == "text"])
        except (KeyError, IndexError, TypeError):
            raise self._client.malformed(data, _bad_content_path(data)) from None
        usage = data.get("usage")
        if type(usage) is not dict:
            usage = {}
        stop_reason = data.get("stop_reason")
        if type(stop_reason) is not str:
            stop_reason = "end_turn"
        return ModelOutput.model_construct(
            text=text,
            finish_reason=_FINISH_REASONS.get(stop_reason, stop_reason),
            usage=Usage.model_construct(
                input_tokens=token_count(usage.get("input_tokens")),
                output_tokens=token_count(usage.get("output_tokens")),
            ),
            latency=latency,
            raw=data,
        )


def _bad_content_path(data: Any) -> tuple[str | int, ...]:
    content = data.get("content") if isinstance(data, dict) else None
    if not isinstance(content, list):
        return ("content",)
    for index, block in enumerate(content):
        if not isinstance(block, dict) or "type" not in block:
            return ("content", index, "type")
        if block["type"] == "text" and not isinstance(block.get("text"), str):
            return ("content", index, "text")
    return ("content",)
