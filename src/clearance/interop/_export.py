"""Clearance runs written in peers' formats: an Inspect log (``.eval`` or ``.json``) and an
lm-eval results file with its samples, each carrying the run's marking."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import clearance
from clearance.access import Action, Principal, marking_of
from clearance.accountability import readable_run
from clearance.atomicfile import write_bytes_atomically
from clearance.interop._errors import InteropError
from clearance.interop._zipfile import write_zip
from clearance.store import RunRecord, SampleRecord, Store

_STATUS = {"completed": "success", "failed": "error"}
_INSPECT_METRICS = ("accuracy", "mean")
_GENERATE_KEYS = {"temperature": "temperature", "max_tokens": "max_tokens", "top_p": "top_p",
                  "seed": "seed", "stop": "stop_seqs"}  # fmt: skip
"""Clearance's generation settings under the names Inspect's GenerateConfig gives them."""


def export_run(
    store: Store, principal: Principal, run_ref: str, out: Path, fmt: str
) -> tuple[RunRecord, list[Path]]:
    """Write run ``run_ref`` as ``fmt`` (``inspect``: a ``.eval`` or ``.json`` log at ``out``;
    ``lm-eval``: results and samples files in the folder ``out``), ``run.export`` on the run."""
    run = readable_run(store, principal, run_ref, Action.RUN_EXPORT)
    samples = list(store.runs.samples(run.id))
    if fmt == "inspect":
        return run, [write_inspect_log(run, samples, out)]
    if fmt == "lm-eval":
        return run, write_lmeval(run, samples, out)
    raise InteropError(f"--format {fmt!r}: choose inspect or lm-eval")


def _json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, default=str).encode()


def write_inspect_log(run: RunRecord, samples: list[SampleRecord], out: Path) -> Path:
    """The run as an Inspect EvalLog: a ``.eval`` archive, or one ``.json`` document."""
    log = inspect_log(run, samples)
    if out.suffix == ".json":
        write_bytes_atomically(out, _json(log))
        return out
    if out.suffix != ".eval":
        raise InteropError(f"--out {out}: an Inspect log is written as FILE.eval or FILE.json")
    header = {key: value for key, value in log.items() if key not in ("samples", "reductions")}
    members = {
        "header.json": _json(header),
        "summaries.json": _json([_summary(s) for s in log["samples"]]),
        "reductions.json": _json(log["reductions"]),
    }
    for sample in log["samples"]:
        members[f"samples/{sample['id']}_epoch_{sample['epoch']}.json"] = _json(sample)
    write_zip(out, members)
    return out


def inspect_log(run: RunRecord, samples: list[SampleRecord]) -> dict[str, Any]:
    """The EvalLog object (samples and reductions included) for ``run``."""
    p = run.provenance
    spec = str(p.get("model", {}).get("spec", run.model_id))
    scorers = [str(name) for name in p.get("scorers", [])] or sorted(
        {name for s in samples for name in s.scores}
    )
    reducer = str(p.get("epoch_reducer") or "mean")
    dataset = p.get("dataset") or {}
    ids = list(dict.fromkeys(s.sample_id for s in samples))
    generate = {
        _GENERATE_KEYS[key]: value
        for key, value in (p.get("generate_config") or {}).items()
        if key in _GENERATE_KEYS and value is not None
    }
    started = run.created_at.isoformat()
    finished = (run.finished_at or run.created_at).isoformat()
    marking = marking_of(run).banner()
    eval_spec = {
        "eval_id": run.id,
        "run_id": run.id,
        "created": started,
        "task": run.task_name,
        "task_id": str((p.get("task") or {}).get("digest") or run.task_name),
        "task_version": 0,
        "task_attribs": {},
        "task_args": {},
        "task_args_passed": {},
        "dataset": {
            "name": dataset.get("name"),
            "location": dataset.get("path") or dataset.get("location"),
            "samples": len(ids),
            "sample_ids": ids,
            "shuffled": False,
        },
        "model": spec,
        "model_generate_config": generate,
        "model_args": {},
        "config": {"epochs": int(p.get("epochs") or 1), "epochs_reducer": [reducer]},
        "packages": {"clearance": clearance.__version__},
        "scorers": [
            {
                "name": name,
                "options": {},
                "metrics": [{"name": f"inspect_ai/{m}", "options": {}} for m in _metrics(run, i)],
                "metadata": {},
            }
            for i, name in enumerate(scorers)
        ],
        "metadata": {"clearance": {"run_id": run.id, "marking": marking, "provenance": p}},
    }
    exported = [_inspect_sample(s, spec) for s in samples]
    return {
        "version": 2,
        "status": _STATUS.get(run.status, "cancelled"),
        "eval": eval_spec,
        "plan": {
            "name": "plan",
            "steps": [{"solver": "clearance", "params": {}, "params_passed": {}}],
            "config": {},
        },
        "results": {
            "total_samples": len(samples),
            "completed_samples": sum(1 for s in samples if s.error is None),
            "scores": [_eval_score(run, i, name, samples) for i, name in enumerate(scorers)],
        },
        "stats": {
            "started_at": started,
            "completed_at": finished,
            "model_usage": {spec: _usage(run.input_tokens, run.output_tokens)},
            "role_usage": {},
            "connection_limit_history": [],
        },
        "invalidated": False,
        "tags": [marking],
        "metadata": {"marking": marking},
        "samples": exported,
        "reductions": _reductions(scorers, samples, reducer),
    }


def _metrics(run: RunRecord, index: int) -> list[str]:
    found = []
    for metric in _INSPECT_METRICS:
        key = metric if index == 0 else f"{_scorer_name(run, index)}/{metric}"
        if key in (run.metrics or {}):
            found.append(metric)
    return found or ["mean"]


def _scorer_name(run: RunRecord, index: int) -> str:
    return str(run.provenance.get("scorers", [])[index])


def _eval_score(
    run: RunRecord, index: int, name: str, samples: list[SampleRecord]
) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    for metric in _metrics(run, index):
        key = metric if index == 0 else f"{name}/{metric}"
        value = (run.metrics or {}).get(key, {}).get("value")
        if value is not None:  # a metric with no value is left out, never written as 0
            metrics[metric] = {"name": metric, "value": value, "params": {}}
    scored = {s.sample_id for s in samples if name in s.scores}
    return {
        "name": name,
        "scorer": name,
        "params": {},
        "metrics": metrics,
        "scored_samples": len(scored),
        "unscored_samples": len({s.sample_id for s in samples}) - len(scored),
    }


def _usage(input_tokens: int, output_tokens: int) -> dict[str, int]:
    total = input_tokens + output_tokens
    return {"input_tokens": input_tokens, "output_tokens": output_tokens, "total_tokens": total}


def _inspect_sample(s: SampleRecord, spec: str) -> dict[str, Any]:
    messages = [{"role": m.get("role", "user"), "content": str(m.get("content", ""))}
                for m in s.messages if isinstance(m, dict)]  # fmt: skip
    completion = s.output or ""
    metadata = dict(s.metadata)
    choices = metadata.pop("choices", None)
    sample: dict[str, Any] = {
        "id": s.sample_id,
        "epoch": s.epoch,
        "input": _inspect_input(s.input),
        "target": s.target if isinstance(s.target, str | list) else str(s.target),
        "messages": messages,
        "output": {
            "model": spec,
            "choices": [
                {"message": {"role": "assistant", "content": completion}, "stop_reason": "stop"}
            ],
            "completion": completion,
        },
        "scores": {
            name: {
                "value": score.get("value"),
                "answer": score.get("answer"),
                "explanation": score.get("explanation"),
                "history": [],
            }
            for name, score in s.scores.items()
        },
        "metadata": metadata,
        "store": {},
        "events": [],
        "model_usage": {spec: _usage(s.input_tokens, s.output_tokens)},
        "role_usage": {},
        "attachments": {},
        "completed_at": s.completed_at.isoformat(),
        "working_time": s.latency,
    }
    if isinstance(choices, list):
        sample["choices"] = [str(c) for c in choices]
    if s.error is not None:
        sample["error"] = {"message": s.error, "traceback": "", "traceback_ansi": ""}
    return sample


def _inspect_input(value: Any) -> Any:
    """Text, or a list of chat messages (an Inspect sample's two kinds of input); anything else
    as its JSON text."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(
        isinstance(m, dict) and m.get("role") in ("system", "user", "assistant") for m in value
    ):
        return [{"role": m["role"], "content": str(m.get("content", ""))} for m in value]
    return json.dumps(value, ensure_ascii=False)


def _summary(sample: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "epoch", "input", "target", "metadata", "model_usage", "role_usage", "scores",
            "completed_at", "error")  # fmt: skip
    summary = {key: sample[key] for key in keys if key in sample}
    if "error" in summary:
        summary["error"] = summary["error"]["message"]
    return summary | {"completed": True}


def _reductions(
    scorers: list[str], samples: Iterable[SampleRecord], reducer: str
) -> list[dict[str, Any]]:
    from clearance.tasks import REDUCERS

    reduce = REDUCERS.get(reducer, REDUCERS["mean"])
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for s in samples:
        for name, score in s.scores.items():
            values[name][s.sample_id].append(float(score["value"]))
    return [
        {
            "scorer": name,
            "reducer": reducer,
            "samples": [
                {"value": reduce(v), "history": [], "sample_id": sid}
                for sid, v in values[name].items()
            ],
        }
        for name in scorers
        if name in values
    ]


def write_lmeval(run: RunRecord, samples: list[SampleRecord], folder: Path) -> list[Path]:
    """lm-eval's ``results_TIME.json`` and ``samples_TASK_TIME.jsonl`` for the run in ``folder``."""
    if folder.exists() and not folder.is_dir():
        raise InteropError(f"--out {folder}: lm-eval output is a folder (results and samples)")
    folder.mkdir(parents=True, exist_ok=True)
    p = run.provenance
    task = run.task_name
    scorers = [str(n) for n in p.get("scorers", [])]
    stamp = (run.finished_at or run.created_at).strftime("%Y-%m-%dT%H-%M-%S.%f")
    aggregate: dict[str, Any] = {"name": task, "alias": task, "sample_len": len(samples)}
    for i, name in enumerate(scorers):
        prefix = "" if i == 0 else f"{name}/"
        for metric in ("accuracy", "mean"):
            estimate = (run.metrics or {}).get(prefix + metric)
            if estimate and estimate.get("value") is not None:
                aggregate[f"{name},none"] = estimate["value"]
                aggregate[f"{name}_stderr,none"] = estimate.get("stderr", "N/A")
                break
    results = {
        "results": {task: aggregate},
        "group_subtasks": {},
        "configs": {task: {"task": task, "output_type": "generate_until",
                           "metric_list": [{"metric": n, "aggregation": "mean",
                                            "higher_is_better": True} for n in scorers]}},
        "versions": {task: p.get("task", {}).get("digest") or "clearance"},
        "n-shot": {task: 0},
        "higher_is_better": {task: {n: True for n in scorers}},
        "n-samples": {task: {"original": len(samples), "effective": len(samples)}},
        "config": {"model": p.get("model", {}).get("provider"),
                   "model_args": {"model": p.get("model", {}).get("name")}},
        "model_name": p.get("model", {}).get("spec"),
        "date": (run.finished_at or run.created_at).timestamp(),
        "clearance_version": clearance.__version__,
        "clearance_run_id": run.id,
        "marking": marking_of(run).banner(),
    }  # fmt: skip
    results_path = folder / f"results_{stamp}.json"
    samples_path = folder / f"samples_{task}_{stamp}.jsonl"
    write_bytes_atomically(results_path, _json(results))
    lines = [_json(_lmeval_sample(i, s, scorers)) + b"\n" for i, s in enumerate(samples)]
    write_bytes_atomically(samples_path, b"".join(lines))
    return [results_path, samples_path]


def _lmeval_sample(doc_id: int, s: SampleRecord, scorers: list[str]) -> dict[str, Any]:
    answers = [score.get("answer") for score in s.scores.values() if score.get("answer")]
    line = {
        "doc_id": doc_id,
        "doc": {"id": s.sample_id, "epoch": s.epoch, "input": s.input, "target": s.target},
        "target": s.target,
        "arguments": {"gen_args_0": {"arg_0": s.input, "arg_1": {}}},
        "resps": [[s.output]],
        "filtered_resps": [answers[0] if answers else s.output],
        "filter": "none",
        "metrics": scorers,
    }
    line.update({name: s.scores[name]["value"] for name in scorers if name in s.scores})
    if s.error is not None:
        line["error"] = s.error
    return line
