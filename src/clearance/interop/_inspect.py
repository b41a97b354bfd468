"""Inspect logs (``.eval`` archives, finished or journal-only, and ``.json``) as runs."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from clearance.interop._errors import InteropError
from clearance.interop._imported import (
    ImportedRun,
    load_json,
    model_from_name,
    parse_time,
    require_keys,
)
from clearance.interop._zipfile import ZipMembers

_SAMPLE_MEMBER = re.compile(r"^samples/.+_epoch_\d+\.json$")
_STATUS = {"success": "completed", "error": "failed", "cancelled": "interrupted"}
"""Inspect's log status to Clearance's run status; anything else (``started``) was cut short."""
_REDUCERS = {"mean": "mean", "median": "median", "mode": "mode", "max": "max"}
_METRICS = ("accuracy", "mean")
"""Inspect metrics Clearance recomputes under the same name."""
_LETTER_VALUES = {"C": 1.0, "I": 0.0, "P": 0.5, "N": 0.0}
"""Inspect's CORRECT, INCORRECT, PARTIAL and NOANSWER, as its ``value_to_float`` reads them."""


def read_inspect_log(path: Path) -> dict[str, Any]:
    """The EvalLog in ``path`` as one JSON object (``samples`` included), whatever the layout."""
    if path.suffix == ".json":
        log = load_json(path.read_bytes(), str(path))
        require_keys(log, ("version", "eval"), str(path), "an Inspect log")
        return dict(log)
    if path.suffix != ".eval":
        raise InteropError(
            f"{path}: an Inspect log ends in .eval or .json; pass a log Inspect wrote"
        )
    with ZipMembers(path) as members:
        return _eval_archive(members)


def _eval_archive(members: ZipMembers) -> dict[str, Any]:
    where = str(members.path)

    def member(name: str) -> Any:
        return load_json(members.read(name), f"{where}: member {name}")

    if "header.json" in members.names:
        log = dict(require_keys(member("header.json"), ("eval",), where, "an Inspect log header"))
        if "reductions.json" in members.names:
            log["reductions"] = member("reductions.json")
    elif "_journal/start.json" in members.names:
        # A running or crashed eval leaves only its journal: the start record and samples.
        start = require_keys(member("_journal/start.json"), ("eval",), where, "a journal start")
        log = {**start, "status": "started", "results": None, "stats": {}}
    else:
        raise InteropError(
            f"{where}: holds neither header.json nor _journal/start.json, so it is not an "
            "Inspect .eval log"
        )
    sample_names = sorted(n for n in members.names if _SAMPLE_MEMBER.match(n))
    log["samples"] = [member(name) for name in sample_names]
    return log


def inspect_run(path: Path, data: bytes | None = None) -> ImportedRun:
    """One Inspect log file as a run to import."""
    raw = path.read_bytes() if data is None else data
    log = read_inspect_log(path)
    where = str(path)
    ev = require_keys(log["eval"], ("task", "model"), where, "an Inspect eval spec")
    config = ev.get("config") or {}
    scorers = _scorers(ev, log.get("results"))
    samples = [_sample_row(s, where) for s in log.get("samples") or []]
    if not samples:
        raise InteropError(
            f"{where}: the log holds no samples (written with --no-log-samples?); Clearance "
            "recomputes every metric from samples, so it needs them"
        )
    stats = log.get("stats") or {}
    return ImportedRun(
        tool="inspect_ai",
        tool_version=str((ev.get("packages") or {}).get("inspect_ai", "unknown")),
        source=path,
        source_sha256=hashlib.sha256(raw).hexdigest(),
        task_name=str(ev["task"]),
        model=model_from_name(str(ev["model"]), ev.get("model_base_url")),
        status=_STATUS.get(str(log.get("status")), "interrupted"),
        samples=samples,
        scorers=scorers,
        source_metrics=_source_metrics(log.get("results"), scorers),
        epochs=int(config.get("epochs") or 1),
        reducer=_reducer(config.get("epochs_reducer")),
        dataset=dict(ev.get("dataset") or {}),
        generate_config=dict(ev.get("model_generate_config") or {}),
        details={
            key: ev[key]
            for key in (
                "eval_id", "run_id", "task_id", "task_file", "task_version", "task_args",
                "revision", "packages", "model_args", "config", "created", "tags",
            )
            if key in ev
        }
        | {"plan": log.get("plan"), "source_status": log.get("status")},
        started_at=stats.get("started_at"),
        completed_at=stats.get("completed_at"),
    )  # fmt: skip


def _scorers(ev: dict[str, Any], results: Any) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for spec in ev.get("scorers") or []:
        names = [str(m.get("name", "")).rsplit("/", 1)[-1] for m in spec.get("metrics") or []]
        found.append((str(spec["name"]), [n for n in names if n in _METRICS] or ["mean"]))
    if not found and isinstance(results, dict):
        for score in results.get("scores") or []:
            names = [n for n in (score.get("metrics") or {}) if n in _METRICS]
            found.append((str(score["name"]), names or ["mean"]))
    headline = (results or {}).get("headline") if isinstance(results, dict) else None
    if headline and headline.get("scorer"):
        found.sort(key=lambda pair: pair[0] != headline["scorer"])
    return found


def _source_metrics(
    results: Any, scorers: list[tuple[str, list[str]]]
) -> dict[str, tuple[str, float]]:
    from clearance.tasks import metric_key

    primary = scorers[0][0] if scorers else None
    out: dict[str, tuple[str, float]] = {}
    for score in (results or {}).get("scores") or [] if isinstance(results, dict) else []:
        name = str(score.get("name"))
        for metric, value in (score.get("metrics") or {}).items():
            if metric in _METRICS and isinstance(value, dict) and value.get("value") is not None:
                key = metric_key(name, metric, primary=name == primary)
                out[key] = (f"{name}/{metric}", float(value["value"]))
    return out


def _reducer(value: Any) -> str:
    name = value[0] if isinstance(value, list) and value else value
    if name is None:
        return "mean"
    if str(name) not in _REDUCERS:
        raise InteropError(
            f"the log reduces epochs with {name!r}, which Clearance cannot recompute; "
            f"it recomputes: {', '.join(_REDUCERS)}"
        )
    return _REDUCERS[str(name)]


def score_value(value: Any) -> float | None:
    """An Inspect score value as a number (None for one that is not a single score)."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        if value in _LETTER_VALUES:
            return _LETTER_VALUES[value]
        try:
            return float(value)
        except ValueError:
            return None
    return None


def message_text(content: Any) -> str:
    """A message's content as text (Inspect content may be a list of typed parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in content
        )
    return "" if content is None else str(content)


def _sample_row(sample: Any, where: str) -> dict[str, Any]:
    s = require_keys(sample, ("id", "epoch", "input"), where, "an Inspect sample")
    error = s.get("error")
    scores: dict[str, Any] = {}
    for name, score in (s.get("scores") or {}).items():
        value = score_value(score.get("value"))
        if value is None:
            continue
        scores[name] = {
            "value": value,
            "answer": score.get("answer"),
            "explanation": score.get("explanation"),
            "source_value": score.get("value"),
        }
    usage = list((s.get("model_usage") or {}).values())
    messages = [
        {"role": str(m.get("role")), "content": message_text(m.get("content"))}
        for m in s.get("messages") or []
    ]
    events = s.get("events")
    calls = (
        sum(1 for e in events if e.get("event") == "model")
        if isinstance(events, list) and events
        else sum(1 for m in messages if m["role"] == "assistant")
    )
    latency: float | int = float(s.get("working_time") or s.get("total_time") or 0.0)
    output = s.get("output") or {}
    metadata = dict(s.get("metadata") or {})
    if s.get("choices"):
        metadata["choices"] = s["choices"]
    message = error.get("message") if isinstance(error, dict) else error
    return {
        "sample_id": str(s["id"]),
        "epoch": int(s["epoch"]),
        "input": s["input"],
        "target": s.get("target"),
        # An errored sample's empty completion is no answer at all.
        "output": (output.get("completion") or (None if error else ""))
        if isinstance(output, dict)
        else None,
        "messages": messages,
        "scores": {} if error else scores,
        "cluster": None,
        "metadata_": metadata,
        "input_tokens": sum(int(u.get("input_tokens") or 0) for u in usage),
        "output_tokens": sum(int(u.get("output_tokens") or 0) for u in usage),
        # As the runner writes it: with no model call, the latency is the int 0.
        "latency": latency if calls or latency else 0,
        "model_calls": calls,
        "error": None if not error else str(message),
        "error_type": None if not error else "InspectError",
        "raw": None,
        "completed_at": parse_time(s.get("completed_at")),
    }


def inspect_logs(paths: list[Path]) -> tuple[list[ImportedRun], list[Path]]:
    """The runs of Inspect logs named by ``paths`` (files, or directories searched for ``.eval``
    and ``.json`` logs), and the ``.json`` files found in a directory that were not logs."""
    runs: list[ImportedRun] = []
    skipped: list[Path] = []
    for path in paths:
        if not path.is_dir():
            if not path.is_file():
                raise InteropError(f"{path}: no such file or directory")
            runs.append(inspect_run(path))
            continue
        for found in sorted(p for p in path.rglob("*") if p.suffix in (".eval", ".json")):
            try:
                runs.append(inspect_run(found))
            except InteropError:
                if found.suffix == ".eval":
                    raise
                skipped.append(found)
    return runs, skipped
