"""``openai/NAME``: any server that speaks OpenAI's chat-completions API.

Likelihood requests (``loglikelihood``) use the legacy ``POST {base_url}/completions`` endpoint
with ``echo: true, logprobs: 1, max_tokens: 0``, which vLLM, llama.cpp's server and other
OpenAI-compatible servers answer with the prompt's own token log-probabilities: the
continuation's log-likelihood is the sum over the tokens that start at or after the end of the
context (``text_offset``), as lm-evaluation-harness's ``local-completions`` model reads them.
A server that returns no prompt log-probabilities is an error that says so.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any

from clearance.models._http import (
    HttpChatModel,
    JsonModelClient,
    chat_turns,
    openai_sampling,
    token_count,
)
from clearance.models._types import (
    ChatMessage,
    GenerateConfig,
    ModelOutput,
    PermanentModelError,
    Usage,
    likelihood_context,
)

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

    likelihood_kind = "continuation"

    async def loglikelihood(
        self, messages: Sequence[ChatMessage], continuations: Sequence[str], config: GenerateConfig
    ) -> ModelOutput:
        """Each continuation's log-likelihood after the messages' plain-text context, from the
        server's prompt log-probabilities (one echo request per continuation)."""
        context = likelihood_context(messages)
        client = self._completions_client()
        answers = await asyncio.gather(
            *(client.post(self._echo_body(context + c)) for c in continuations)
        )
        scored = [self._continuation_score(data, len(context)) for data, _ in answers]
        return ModelOutput(
            text="",
            latency=max(latency for _, latency in answers),
            loglikelihoods=tuple(ll for ll, _ in scored),
            greedy=tuple(g for _, g in scored),
            raw={"completions": [data for data, _ in answers]},
        )

    def _completions_client(self) -> JsonModelClient:
        client = getattr(self, "_completions", None)
        if client is None:
            chat = self._client
            client = JsonModelClient(
                provider=chat.provider,
                model=chat.model,
                url=chat.url.removesuffix(self.path) + "/completions",
                headers=self.auth_headers(self._api_key),
                timeout=chat.timeout,
                max_response_bytes=chat.max_response_bytes,
            )
            self._completions: JsonModelClient | None = client
        return client

    def _echo_body(self, prompt: str) -> dict[str, Any]:
        return {
            "model": self._name,
            "prompt": prompt,
            "max_tokens": 0,
            "echo": True,
            "logprobs": 1,
            "temperature": 0.0,
        }

    def _continuation_score(self, data: Any, context_chars: int) -> tuple[float, bool]:
        client = self._completions_client()
        try:
            logprobs = data["choices"][0]["logprobs"]
            tokens, values = logprobs["tokens"], logprobs["token_logprobs"]
            offsets, tops = logprobs["text_offset"], logprobs.get("top_logprobs")
        except (KeyError, IndexError, TypeError):
            raise client.malformed(data, ("choices", 0, "logprobs", "token_logprobs")) from None
        wanted = [i for i, at in enumerate(offsets) if isinstance(at, int) and at >= context_chars]
        picked = [values[i] for i in wanted]
        if not wanted or not all(isinstance(v, int | float) and math.isfinite(v) for v in picked):
            raise PermanentModelError(
                f"openai model {self._name!r}: the server returned no prompt log-probabilities "
                "for the continuation (it needs the completions endpoint with echo and "
                "logprobs, as vLLM and llama.cpp's server give); score by generation instead"
            )
        greedy = isinstance(tops, list) and all(
            isinstance(tops[i], dict) and tops[i] and max(tops[i], key=tops[i].get) == tokens[i]
            for i in wanted
        )
        return float(sum(picked)), greedy

    async def aclose(self) -> None:
        """Close the chat client and the completions client, if one was opened."""
        await super().aclose()
        completions = getattr(self, "_completions", None)
        if completions is not None:
            await completions.aclose()
            self._completions = None

    def _content_text(self, data: Any, content: Any) -> str:
        # null content is a refusal or a pure tool call; a list is content parts (some servers)
        if content is None:
            refusal = data["choices"][0]["message"].get("refusal")
            return refusal if isinstance(refusal, str) else ""
        if isinstance(content, list):
            parts = [p.get("text") for p in content if isinstance(p, dict)]
            return "".join(p for p in parts if isinstance(p, str))
        raise self._client.malformed(data, ("choices", 0, "message", "content", "text"))
