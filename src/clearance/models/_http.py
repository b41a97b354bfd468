"""JSON over HTTP for remote model providers: one aiohttp session per model, one error mapping.

This is the engine's hot path (hundreds of requests a second on two cores), so the request body is
serialised once, the response parsed once, and nothing is validated or logged per request.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Self

import aiohttp
from yarl import URL

from clearance.models._registry import ModelSpecError, ProviderArgs
from clearance.models._types import (
    DEFAULT_MAX_RESPONSE_BYTES,
    ChatMessage,
    GenerateConfig,
    ModelError,
    ModelInfo,
    PermanentModelError,
    RateLimitError,
    TransientModelError,
)
from clearance.urls import without_credentials

_BODY_EXCERPT = 500
_CHUNK = 64 * 1024


def status_error_class(status: int) -> type[ModelError]:
    """The error class for a failed HTTP status: whether the runner should try again."""
    if status == 429:
        return RateLimitError
    # 408 timeout, 409 conflict (OpenAI uses it for lock contention), 5xx and Anthropic's 529
    if status in (408, 409) or status >= 500:
        return TransientModelError
    return PermanentModelError


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait, from ``retry-after-ms`` (OpenAI) or ``Retry-After`` (seconds or date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass  # a malformed header is not fatal: fall through to Retry-After
    value = headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass  # not delta-seconds: try the HTTP-date form
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return None
    try:
        return max(0.0, when.timestamp() - (time.time() if now is None else now))
    except (OverflowError, ValueError, OSError):
        return None


def _size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB"
    return f"{n:,} bytes"


def server_error_message(body: bytes) -> str:
    """The server's own error message from an error body, else an excerpt of the body."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict):
            message = error.get("message") or error.get("detail")
            if isinstance(message, str) and message:
                return message
        if isinstance(error, str) and error:
            return error
        detail = data.get("detail") or data.get("message")
        if isinstance(detail, str) and detail:
            return detail
    text = body[:_BODY_EXCERPT].decode("utf-8", "replace").strip()
    return text or "(empty body)"


def missing_field(data: Any, path: Sequence[str | int]) -> str:
    """Where ``path`` stops existing in ``data``, e.g. ``choices[0] (choices has 0 item(s))``."""
    where = ""
    node = data
    for key in path:
        step = f"[{key}]" if isinstance(key, int) else (f".{key}" if where else key)
        parent = where or "the body"
        if isinstance(key, int) and isinstance(node, list):
            if not -len(node) <= key < len(node):
                return f"{where + step} ({parent} has {len(node)} item(s))"
        elif isinstance(key, str) and isinstance(node, dict):
            if key not in node:
                keys = ", ".join(sorted(map(str, node))) or "none"
                return f"{where + step} ({parent} has keys: {keys})"
        else:
            return f"{where + step} ({parent} is {_json_type(node)})"
        node = node[key]
        where += step
    return f"{where} (it is {_json_type(node)})"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )


def checked_base_url(spec: str, base_url: str) -> str:
    """``base_url`` without a trailing slash; ``ModelSpecError`` unless it is http(s)."""
    if not base_url.startswith(("http://", "https://")):
        raise ModelSpecError(
            f"model {spec!r}: base_url {base_url!r} must start with http:// or https://"
        )
    return base_url.rstrip("/")


def token_count(value: Any) -> int:
    """A usage count from a response body; 0 when the server sent none or not an integer."""
    return value if type(value) is int else 0


def chat_turns(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    """Messages as role/content dicts.

    Tool results travel as user turns: a ``ChatMessage`` carries no tool-call id, and both APIs
    reject an id-less tool turn.
    """
    return [
        {"role": "user" if m.role == "tool" else m.role, "content": m.content} for m in messages
    ]


class JsonModelClient:
    """POSTs JSON to one model endpoint and maps every failure to a ``ModelError``.

    The aiohttp session is made lazily inside the running loop (a session belongs to one loop), with
    an unlimited connector: the runner bounds concurrency, not the provider.
    """

    def __init__(
        self,
        *,
        provider: str,
        model: str,
        url: str,
        headers: Mapping[str, str],
        timeout: float,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.provider = provider
        self.model = model
        self.url = url
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self._url = URL(url)
        self._headers = {"Content-Type": "application/json", **headers}
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._where = f"{provider} model {model!r} at {without_credentials(url)}"

    async def post(self, payload: dict[str, Any]) -> tuple[Any, float]:
        """Send ``payload``; return the decoded JSON body of a 2xx answer and the latency."""
        session = self._session
        if session is None or session.closed or self._loop is not asyncio.get_running_loop():
            session = self._open()
        data = json.dumps(payload).encode()
        started = time.perf_counter()
        try:
            # One deadline for the whole exchange, body included: a server that drips its answer
            # a byte at a time ends as a timeout for this sample, not a hang.
            async with asyncio.timeout(self.timeout):
                async with session.post(self._url, data=data) as response:
                    status = response.status
                    headers = response.headers
                    body, cut = await self._read_capped(response)
        except TimeoutError as exc:
            raise TransientModelError(
                f"{self._where}: no complete response within {self.timeout:g} s"
            ) from exc
        except aiohttp.InvalidURL as exc:
            raise PermanentModelError(f"{self._where}: invalid URL ({exc})") from exc
        except (aiohttp.ClientError, ConnectionError) as exc:
            reason = str(exc) or type(exc).__name__
            raise TransientModelError(f"{self._where}: {type(exc).__name__}: {reason}") from exc
        latency = time.perf_counter() - started
        if not 200 <= status < 300:
            raise self._status_error(status, headers, body)
        if cut:
            raise PermanentModelError(
                f"{self._where}: the response body is larger than "
                f"{_size(self.max_response_bytes)} (the --max-response-bytes limit); raise the "
                "limit if answers this long are expected",
                status=status,
                body=body[:_BODY_EXCERPT].decode("utf-8", "replace"),
            )
        try:
            return json.loads(body), latency
        except ValueError as exc:
            excerpt = body[:200].decode("utf-8", "replace")
            raise TransientModelError(
                f"{self._where}: HTTP {status} body is not valid JSON ({exc}): {excerpt!r}",
                status=status,
                body=body[:_BODY_EXCERPT].decode("utf-8", "replace"),
            ) from exc

    async def _read_capped(self, response: aiohttp.ClientResponse) -> tuple[bytes, bool]:
        """The body, up to ``max_response_bytes``; True when there was more (left unread)."""
        limit = self.max_response_bytes
        if response.content_length is not None and response.content_length > limit:
            return b"", True
        body = bytearray()
        async for chunk in response.content.iter_chunked(_CHUNK):
            if len(body) + len(chunk) > limit:
                body += chunk[: limit - len(body)]
                return bytes(body), True
            body += chunk
        return bytes(body), False

    async def probe(self, url: str, deadline: float) -> tuple[int, Any]:
        """GET ``url`` (the same headers) within ``deadline`` seconds: its status and decoded JSON
        body (None when not JSON). ``TransientModelError`` when the server cannot be reached."""
        session = self._session
        if session is None or session.closed or self._loop is not asyncio.get_running_loop():
            session = self._open()
        try:
            async with asyncio.timeout(deadline):
                async with session.get(URL(url)) as response:
                    body, _ = await self._read_capped(response)
                    status = response.status
        except TimeoutError as exc:
            raise TransientModelError(
                f"{self._where}: the server did not answer within {deadline:g} s"
            ) from exc
        except (aiohttp.ClientError, ConnectionError, OSError) as exc:
            reason = str(exc) or type(exc).__name__
            raise TransientModelError(f"{self._where}: cannot reach the server: {reason}") from exc
        try:
            return status, json.loads(body)
        except ValueError:
            return status, None

    def malformed(self, data: Any, path: Sequence[str | int]) -> TransientModelError:
        """The error for a 2xx body that lacks the field at ``path``."""
        excerpt = json.dumps(data)[:_BODY_EXCERPT]
        return TransientModelError(
            f"{self._where}: response lacks {missing_field(data, path)}", status=200, body=excerpt
        )

    async def aclose(self) -> None:
        """Close the session and its connections; the client reopens one if used again."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _open(self) -> aiohttp.ClientSession:
        # A session from a previous event loop cannot be used or closed from this one; it is
        # replaced and left to the garbage collector.
        self._loop = asyncio.get_running_loop()
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            headers=self._headers,
        )
        return self._session

    def _status_error(self, status: int, headers: Mapping[str, str], body: bytes) -> ModelError:
        error_class = status_error_class(status)
        retry_after = parse_retry_after(headers) if error_class.retryable else None
        message = f"{self._where}: HTTP {status}: {server_error_message(body)}"
        if retry_after is not None:
            message += f" (retry after {retry_after:g} s)"
        return error_class(
            message,
            status=status,
            retry_after=retry_after,
            body=body[:_BODY_EXCERPT].decode("utf-8", "replace"),
        )


def openai_sampling(
    config: GenerateConfig, *, default_max_tokens: int | None = None
) -> dict[str, Any]:
    """Generation settings as OpenAI-style request fields (what is unset is left out)."""
    fields: dict[str, Any] = {"temperature": config.temperature}
    max_tokens = config.max_tokens if config.max_tokens is not None else default_max_tokens
    if max_tokens is not None:
        fields["max_tokens"] = max_tokens
    if config.top_p is not None:
        fields["top_p"] = config.top_p
    if config.seed is not None:
        fields["seed"] = config.seed
    if config.stop is not None:
        fields["stop"] = list(config.stop)
    return fields


class HttpChatModel:
    """What every model behind an HTTP JSON API shares: the endpoint (argument, else an
    environment variable, else the vendor's), the key (``api_key`` option, else an environment
    variable), one client, and its identity. Subclasses name those and write ``generate``."""

    provider: ClassVar[str]
    path: ClassVar[str]
    """Appended to the base URL, e.g. ``/chat/completions``."""
    base_url_env: ClassVar[str]
    api_key_env: ClassVar[str]
    default_base_url: ClassVar[str]

    def __init__(
        self,
        *,
        spec: str,
        name: str,
        base_url: str,
        api_key: str | None,
        timeout: float,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        base_url = checked_base_url(spec, base_url)
        self._base_url = base_url  # with any credentials: for requests only, never recorded
        self._name = name
        self._api_key = api_key
        self._client = JsonModelClient(
            provider=self.provider,
            model=name,
            url=f"{base_url}{self.path}",
            headers=self.auth_headers(api_key),
            timeout=timeout,
            max_response_bytes=max_response_bytes,
        )
        self._info = ModelInfo(spec=spec, provider=self.provider, name=name, base_url=base_url)

    @staticmethod
    def auth_headers(api_key: str | None) -> dict[str, str]:
        """The headers that carry the key (and any the API always wants)."""
        raise NotImplementedError

    @classmethod
    def from_args(cls, args: ProviderArgs) -> Self:
        """Build from ``get_model``'s arguments and the environment."""
        args.check_options({"api_key"})
        return cls(
            spec=args.spec,
            name=args.name,
            base_url=args.base_url or os.environ.get(cls.base_url_env) or cls.default_base_url,
            api_key=args.option("api_key", str, None) or os.environ.get(cls.api_key_env),
            timeout=args.timeout,
            max_response_bytes=args.max_response_bytes,
        )

    @property
    def info(self) -> ModelInfo:
        """Provider, name and endpoint of this model."""
        return self._info

    checks_model_list: ClassVar[bool] = False
    """Whether ``GET {base_url}/models`` lists every name the API accepts (so an unlisted name
    is a mistake). Anthropic's does not list its aliases, so only OpenAI-style servers say yes."""
    models_path: ClassVar[str] = "/models"

    async def preflight(self) -> None:
        """Before the first sample: a key where the vendor's own API needs one, an endpoint that
        answers, a key it accepts and, where the API lists its models, a model it knows.
        Raises ``ModelError`` naming the cause within a few seconds."""
        base_url = self._base_url
        if not self._api_key and base_url == self.default_base_url.rstrip("/"):
            raise PermanentModelError(
                f"{self.provider} model {self._name!r}: no API key; set {self.api_key_env} or "
                f"pass the api_key option"
            )
        deadline = min(self._client.timeout, _PREFLIGHT_SECONDS)
        status, body = await self._client.probe(f"{base_url}{self.models_path}", deadline)
        base_url = self._info.base_url or ""  # as shown in messages: no credentials
        if status in (401, 403):
            raise PermanentModelError(
                f"{self.provider} at {base_url} refused the API key (HTTP {status}); check "
                f"{self.api_key_env} or the api_key option",
                status=status,
            )
        listed = _listed_models(body) if status == 200 and self.checks_model_list else None
        if listed is not None and self._name not in listed:
            shown = ", ".join(sorted(listed)[:10]) + (", …" if len(listed) > 10 else "")
            raise PermanentModelError(
                f"{self.provider} at {base_url} does not serve a model {self._name!r} "
                f"(it lists: {shown or 'none'}); check the name after the slash in --model",
                status=404,
            )

    async def aclose(self) -> None:
        """Close this model's HTTP connections."""
        await self._client.aclose()


_PREFLIGHT_SECONDS = 10.0


def _listed_models(body: Any) -> set[str] | None:
    """Model ids from an OpenAI-style ``{"data": [{"id": ...}]}`` list; None if not that shape."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return None
    ids = {m["id"] for m in data if isinstance(m, dict) and isinstance(m.get("id"), str)}
    return ids or None
