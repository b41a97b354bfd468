"""A run read from another harness's files, before it is written to the store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clearance.interop._errors import InteropError
from clearance.models import ModelInfo

IMPORTER_VERSION = "1"
"""Recorded with every imported run: a change to how files are read bumps it."""


@dataclass(frozen=True)
class MetricCheck:
    """One aggregate the source reported, beside the value Clearance recomputed from samples."""

    source_metric: str
    metric: str
    """The Clearance metric it is compared with (a key of the run's metrics)."""
    source_value: float | None
    recomputed: float | None

    @property
    def agrees(self) -> bool:
        if self.source_value is None or self.recomputed is None:
            return False
        return abs(self.source_value - self.recomputed) <= 1e-9 * max(1.0, abs(self.source_value))

    def as_json(self) -> dict[str, Any]:
        return {
            "source_metric": self.source_metric,
            "metric": self.metric,
            "source_value": self.source_value,
            "recomputed": self.recomputed,
            "agrees": self.agrees,
        }


@dataclass
class ImportedRun:
    """One task's evaluation as another harness recorded it, in Clearance's shapes."""

    tool: str
    """``inspect_ai`` or ``lm-eval``."""
    tool_version: str
    source: Path
    source_sha256: str
    task_name: str
    model: ModelInfo
    status: str
    """Clearance's run status: completed, failed or interrupted (a journal left by a crash)."""
    samples: list[dict[str, Any]]
    """Sample-epoch rows in the runner's shape (``RunStore.append_samples``)."""
    scorers: list[tuple[str, list[str]]]
    """(scorer, Clearance metrics) to recompute, the headline scorer first."""
    source_metrics: dict[str, tuple[str, float]]
    """Clearance metric key -> (the source's own name for it, the source's value)."""
    epochs: int
    reducer: str = "mean"
    dataset: dict[str, Any] = field(default_factory=dict)
    generate_config: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    """What else the source recorded about how it ran (ids, revision, config, packages)."""
    started_at: str | None = None
    completed_at: str | None = None


def load_json(data: bytes, where: str) -> Any:
    """Parse JSON, naming the file and member when it is not JSON."""
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InteropError(f"{where}: not valid JSON ({exc})") from exc


def require_keys(obj: Any, keys: tuple[str, ...], where: str, what: str) -> dict[str, Any]:
    """``obj`` as a dict holding ``keys``, or an error naming the first missing one."""
    if not isinstance(obj, dict):
        raise InteropError(f"{where}: expected {what} (a JSON object), got {type(obj).__name__}")
    for key in keys:
        if key not in obj:
            raise InteropError(f"{where}: {what} has no {key!r} field; is this {what}?")
    return obj


def parse_time(text: object) -> datetime:
    """An ISO time from a log as aware UTC; now when the log has none."""
    if isinstance(text, str) and text:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return datetime.now(UTC)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)


def model_from_name(model: str, base_url: str | None = None) -> ModelInfo:
    """A model as the importing harness named it, ``provider/name`` (or just a name)."""
    provider, _, name = model.partition("/")
    if not name:
        provider, name = "unknown", model
    return ModelInfo(spec=model, provider=provider, name=name, base_url=base_url)
