"""Reading production transcripts: OpenAI chat-format JSONL and OpenTelemetry GenAI spans.

Both become :class:`Transcript`: the messages in order (role and text) and when the exchange
happened. OpenAI chat lines carry ``messages`` (and optionally ``choices`` with the answer) and
a time in ``created`` (Unix seconds) or ``timestamp`` (ISO 8601). OpenTelemetry spans (OTLP
JSON, ``resourceSpans`` → ``scopeSpans`` → ``spans``) carry the exchange in the GenAI semantic
conventions' attributes: ``gen_ai.input.messages`` and ``gen_ai.output.messages`` (JSON, with
text ``parts``), or the older indexed ``gen_ai.prompt.N.role|content`` and
``gen_ai.completion.N.role|content``; the time is ``startTimeUnixNano``. Spans with neither
(HTTP spans, tool spans) are not transcripts and are skipped."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from clearance.monitoring._errors import MonitoringError

SourceFormat = Literal["openai-chat", "otel-genai"]
MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Transcript:
    """One exchange with the deployed system."""

    messages: tuple[tuple[str, str], ...]
    """(role, text) in order."""
    occurred_at: datetime | None
    where: str
    """Line or span it came from, for messages about it."""

    @property
    def prompt(self) -> str:
        """The last user message before the answer."""
        users = [text for role, text in self.messages if role == "user"]
        return users[-1] if users else ""

    @property
    def response(self) -> str:
        """The assistant's last message: the answer that is scored."""
        answers = [text for role, text in self.messages if role == "assistant"]
        return answers[-1] if answers else ""


def read_transcripts(
    path: Path, source_format: str = "auto"
) -> tuple[SourceFormat, list[Transcript]]:
    """Every transcript in ``path``, and the format it was read as."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise MonitoringError(f"{path} is {size} bytes; ingest files of at most 512 MiB")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise MonitoringError(f"{path} is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise MonitoringError(f"cannot read {path}: {exc.strerror}") from None
    chosen = _detect(text) if source_format == "auto" else source_format
    if chosen == "openai-chat":
        return "openai-chat", _openai_lines(text, path)
    if chosen == "otel-genai":
        return "otel-genai", _otel_spans(text, path)
    raise MonitoringError(
        f"unknown transcript format {source_format!r}; use openai-chat, otel-genai or auto"
    )


def _detect(text: str) -> str:
    stripped = text.lstrip()
    if stripped.startswith("{") and '"resourceSpans"' in stripped[:4096]:
        return "otel-genai"
    return "openai-chat"


def _content_text(content: Any) -> str:
    """A message's content as text: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, dict):
                value = part.get("text", part.get("content"))
                if isinstance(value, str):
                    texts.append(value)
            elif isinstance(part, str):
                texts.append(part)
        return "\n".join(texts)
    return ""


def _message(item: Any, where: str) -> tuple[str, str]:
    if not isinstance(item, dict) or not isinstance(item.get("role"), str):
        raise MonitoringError(f"{where}: each message needs a role and content")
    content = item.get("content", item.get("parts"))
    return str(item["role"]), _content_text(content)


def _time(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), UTC)
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise MonitoringError(
            f"{where}: time {value!r} is neither Unix seconds nor ISO 8601"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _openai_lines(text: str, path: Path) -> list[Transcript]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {number}"
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise MonitoringError(f"{where}: not JSON ({exc})") from None
        if not isinstance(row, dict) or not isinstance(row.get("messages"), list):
            raise MonitoringError(f"{where}: an OpenAI chat line needs a list of messages")
        messages = [_message(m, where) for m in row["messages"]]
        for choice in row.get("choices") or []:
            if isinstance(choice, dict) and isinstance(choice.get("message"), dict):
                messages.append(_message(choice["message"], where))
        when = _time(row.get("created", row.get("timestamp")), where)
        found.append(Transcript(tuple(messages), when, where))
    return found


def _attribute_value(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    for key in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if key in value:
            return value[key]
    return None


def _attributes(span: dict[str, Any]) -> dict[str, Any]:
    found = {}
    for item in span.get("attributes") or []:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            found[item["key"]] = _attribute_value(item.get("value"))
    return found


_INDEXED = re.compile(r"^gen_ai\.(prompt|completion)\.(\d+)\.(role|content)$")


def _span_messages(attrs: dict[str, Any], where: str) -> list[tuple[str, str]]:
    messages: list[tuple[str, str]] = []
    for key in ("gen_ai.input.messages", "gen_ai.output.messages"):
        raw = attrs.get(key)
        if raw is None:
            continue
        try:
            items = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            raise MonitoringError(f"{where}: {key} is not JSON") from None
        if not isinstance(items, list):
            raise MonitoringError(f"{where}: {key} is not a list of messages")
        messages += [_message(item, where) for item in items]
    if messages:
        return messages
    indexed: dict[tuple[int, int], dict[str, str]] = {}
    for key, value in attrs.items():
        match = _INDEXED.match(key)
        if match:
            side = 0 if match.group(1) == "prompt" else 1
            indexed.setdefault((side, int(match.group(2))), {})[match.group(3)] = str(value)
    for (side, _), parts in sorted(indexed.items()):
        role = parts.get("role", "user" if side == 0 else "assistant")
        messages.append((role, parts.get("content", "")))
    return messages


def _otel_spans(text: str, path: Path) -> list[Transcript]:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise MonitoringError(f"{path.name}: not JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceSpans"), list):
        raise MonitoringError(f"{path.name}: OTLP JSON needs resourceSpans")
    found = []
    for resource in doc["resourceSpans"]:
        for scope in (resource or {}).get("scopeSpans") or []:
            for span in (scope or {}).get("spans") or []:
                if not isinstance(span, dict):
                    continue
                where = f"{path.name} span {span.get('spanId', '?')}"
                messages = _span_messages(_attributes(span), where)
                if not messages:
                    continue
                nanos = str(span.get("startTimeUnixNano") or "")
                when = _time(int(nanos) / 1e9, where) if nanos.isdigit() else None
                found.append(Transcript(tuple(messages), when, where))
    return found
