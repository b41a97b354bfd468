"""lm-evaluation-harness results and ``--log_samples`` files as runs, one per task."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clearance.interop._errors import InteropError
from clearance.interop._imported import ImportedRun, load_json, require_keys
from clearance.models import ModelInfo

_RECOMPUTED = ("exact_match", "acc", "acc_norm")
"""Per-sample metrics Clearance recomputes from the responses rather than taking on trust."""


def lmeval_runs(results_path: Path, samples: Sequence[Path] = ()) -> list[ImportedRun]:
    """One run per task of an lm-eval results file, with its samples (found beside it as
    ``samples_TASK*.jsonl`` when not given)."""
    raw = results_path.read_bytes()
    where = str(results_path)
    results = require_keys(load_json(raw, where), ("results", "configs"), where, "lm-eval results")
    tasks = list(results["results"])
    files = list(samples) or sorted(results_path.parent.glob("samples_*.jsonl"))
    digest = hashlib.sha256(raw)
    for file in files:
        digest.update(file.read_bytes())
    runs = []
    for task in tasks:
        task_files = _files_for(task, files, tasks)
        if not task_files:
            raise InteropError(
                f"{where}: no samples file for task {task!r}; lm-eval writes them with "
                f"--log_samples as samples_{task}_DATE.jsonl: pass it with --samples"
            )
        runs.append(_task_run(results_path, results, task, task_files, digest.hexdigest()))
    return runs


def _files_for(task: str, files: list[Path], tasks: list[str]) -> list[Path]:
    named = [
        f
        for f in files
        if f.name == f"samples_{task}.jsonl" or f.name.startswith(f"samples_{task}_")
    ]
    if not named and len(tasks) == 1 and len(files) == 1:
        return files
    return named


def _task_run(
    path: Path, results: dict[str, Any], task: str, files: list[Path], source_sha256: str
) -> ImportedRun:
    config = results["configs"].get(task) or {}
    metric_names = [str(m["metric"]) for m in config.get("metric_list") or [] if "metric" in m]
    delimiter = str(config.get("target_delimiter", " "))
    rows = []
    completed = _when(results.get("date"))
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                where = f"{file} line {number}"
                rows.append(
                    _sample_row(load_json(line.encode(), where), where, delimiter, completed)
                )
    if not rows:
        raise InteropError(f"{files[0]}: holds no samples for task {task!r}")
    measured = [m for m in metric_names if any(m in r["scores"] for r in rows)]
    if not measured:
        raise InteropError(
            f"{path}: task {task!r} reports {', '.join(metric_names) or 'no metrics'}; Clearance "
            f"recomputes only {', '.join(_RECOMPUTED)} from samples"
        )
    scorers = [(m, ["accuracy"]) for m in measured]
    source: dict[str, tuple[str, float]] = {}
    for key, value in (results["results"][task] or {}).items():
        metric, _, _filt = str(key).partition(",")
        if metric in measured and isinstance(value, int | float):
            clearance_key = "accuracy" if metric == measured[0] else f"{metric}/accuracy"
            source[clearance_key] = (key, float(value))
    cfg = results.get("config") or {}
    return ImportedRun(
        tool="lm-eval",
        tool_version=str(results.get("lm_eval_version", "unknown")),
        source=path,
        source_sha256=source_sha256,
        task_name=task,
        model=_model(results),
        status="completed",
        samples=rows,
        scorers=scorers,
        source_metrics=source,
        epochs=1,
        dataset={
            "name": config.get("dataset_path"),
            "location": json.dumps(config.get("dataset_kwargs")) if config.get("dataset_kwargs")
            else config.get("dataset_name"),
            "samples": len(rows),
        },
        generate_config=dict(config.get("generation_kwargs") or {}),
        details={
            "task_config": config,
            "task_version": (results.get("versions") or {}).get(task),
            "task_hash": (results.get("task_hashes") or {}).get(task),
            "n_shot": (results.get("n-shot") or {}).get(task),
            "config": cfg,
            "samples_files": [f.name for f in files],
            "transformers_version": results.get("transformers_version"),
            "git_hash": results.get("git_hash"),
        },
        completed_at=completed.isoformat(),
    )  # fmt: skip


def _when(stamp: Any) -> datetime:
    if isinstance(stamp, int | float):
        return datetime.fromtimestamp(float(stamp), UTC)
    return datetime.now(UTC)


def _model(results: dict[str, Any]) -> ModelInfo:
    cfg = results.get("config") or {}
    provider = str(cfg.get("model") or results.get("model_source") or "lm-eval")
    args = cfg.get("model_args")
    name = str(results.get("model_name") or (args or {}).get("model") or "unknown")
    base_url = args.get("base_url") if isinstance(args, dict) else None
    return ModelInfo(spec=f"{provider}/{name}", provider=provider, name=name, base_url=base_url)


def _sample_row(line: Any, where: str, delimiter: str, completed: datetime) -> dict[str, Any]:
    s = require_keys(line, ("doc_id", "doc", "target", "resps"), where, "an lm-eval sample")
    arguments = list((s.get("arguments") or {}).values())
    prompt = arguments[0].get("arg_0") if arguments else None
    prompt_text = prompt[0] if isinstance(prompt, list) and prompt else prompt
    output, recomputed = _recompute(s, arguments, delimiter, where)
    scores = {
        metric: {"value": value, "answer": output, "source_value": s.get(metric)}
        for metric, value in recomputed.items()
    }
    doc = s["doc"]
    sample_id = doc.get("id") if isinstance(doc, dict) else None
    return {
        "sample_id": str(sample_id if isinstance(sample_id, str | int) else s["doc_id"]),
        "epoch": 1,
        "input": prompt_text,
        "target": s["target"],
        "output": output,
        "messages": [
            {"role": "user", "content": str(prompt_text)},
            {"role": "assistant", "content": "" if output is None else output},
        ],
        "scores": scores,
        "cluster": None,
        "metadata_": {
            key: s[key]
            for key in ("doc_id", "doc", "filter", "resps", "filtered_resps", "doc_hash",
                        "prompt_hash", "target_hash")
            if key in s
        },
        "input_tokens": 0,
        "output_tokens": 0,
        "latency": 0.0 if arguments else 0,
        "model_calls": len(arguments),
        "error": None,
        "error_type": None,
        "raw": None,
        "completed_at": completed,
    }  # fmt: skip


def _recompute(
    s: dict[str, Any], arguments: list[Any], delimiter: str, where: str
) -> tuple[str | None, dict[str, float]]:
    """The model's answer and each per-sample metric, computed here from the responses."""
    metrics = [m for m in s.get("metrics") or [] if m in _RECOMPUTED]
    filtered = s.get("filtered_resps")
    if "exact_match" in metrics:
        answer = filtered[0] if isinstance(filtered, list) and filtered else filtered
        answer = None if answer is None else str(answer)
        return answer, {"exact_match": float(answer == str(s["target"]))}
    if not metrics:
        return None, {}
    # Likelihood multiple choice: per choice [log-likelihood, is_greedy].
    try:
        lls = [float(choice[0]) for choice in filtered or []]
        gold = int(s["target"])
    except (TypeError, ValueError, IndexError) as exc:
        raise InteropError(f"{where}: filtered_resps are not per-choice log-likelihoods") from exc
    continuations = [str(a.get("arg_1", "")) for a in arguments]
    if len(continuations) != len(lls) or not lls:
        raise InteropError(f"{where}: {len(lls)} likelihoods for {len(continuations)} choices")
    lengths = [
        len(c[len(delimiter):] if c.startswith(delimiter) else c) or 1 for c in continuations
    ]  # fmt: skip
    best = max(range(len(lls)), key=lambda i: lls[i])
    best_norm = max(range(len(lls)), key=lambda i: lls[i] / lengths[i])
    values = {"acc": float(best == gold), "acc_norm": float(best_norm == gold)}
    return continuations[best].strip(), {m: values[m] for m in metrics if m in values}
