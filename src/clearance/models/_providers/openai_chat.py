"""``openai/NAME``: any server that speaks OpenAI's chat-completions API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clearance.models._http import HttpChatModel, chat_turns, openai_sampling, token_count
from clearance.models._types import ChatMessage, GenerateConfig, ModelOutput, Usage

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAIChatModel(HttpChatModel):
    """A chat model behind ``POST {base_url}/chat/completions``.

    ``base_url`` comes from the argument, else ``OPENAI_BASE_URL``, else OpenAI's own API; the key
    from the ``api_key`` option, else ``OPENAI_API_KEY`` (no Authorization header when neither).
    """

    provider = "openai"
    path = "/chat/completions"
    base_url_env = "OPENAI_BASE_URL"
    api_key_env = "OPENAI_API_KEY"
    default_base_url = DEFAULT_BASE_URL
    checks_model_list = True

    @staticmethod
    def auth_headers(api_key: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key}"} if api_key else {}

    async def generate(
        self, messages: Sequence[ChatMessage], config: GenerateConfig
    ) -> ModelOutput:
        """One chat completion; errors are ``ModelError`` subclasses that say whether to retry."""
        body: dict[str, Any] = {
            "model": self._name,
            "messages": chat_turns(messages),
            **openai_sampling(config),
        }
        data, latency = await self._client.post(body)
        try:
            choice = data["choices"][0]
            text = choice["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise self._client.malformed(data, ("choices", 0, "message", "content")) from None
        if type(text) is not str:
            text = self._content_text(data, text)
        usage = data.get("usage")
        if type(usage) is not dict:
            usage = {}
        return ModelOutput.model_construct(
            text=text,
            finish_reason=finish if type(finish := choice.get("finish_reason")) is str else "stop",
            usage=Usage.model_construct(
                input_tokens=token_count(usage.get("prompt_tokens")),
                output_tokens=token_count(usage.get("completion_tokens")),
            ),
            latency=latency,
            raw=data,
        )

    def _content_text(self, data: Any, content: Any) -> str:
        # null content is a refusal or a pure tool call; a list is content parts (some servers)
        if content is None:
            refusal = data["choices"][0]["message"].get("refusal")
            return refusal if isinstance(refusal, str) else ""
        if isinstance(content, list):
            parts = [p.get("text") for p in content if isinstance(p, dict)]
            return "".join(p for p in parts if isinstance(p, str))
        raise self._client.malformed(data, ("choices", 0, "message", "content", "text"))
