"""How records read on the web, shared by the API and the pages: a run in brief, a sample in
brief, and the run filters both offer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clearance.access import Filtered, Principal, marking_of
from clearance.accountability import visible_runs
from clearance.assess import domain_of
from clearance.store import RunRecord, SampleRecord, Store


@dataclass(frozen=True)
class RunFilter:
    model: str | None = None
    task: str | None = None
    domain: str | None = None
    status: str | None = None

    def keeps(self, run: RunRecord) -> bool:
        return (
            (not self.model or model_spec(run) == self.model)
            and (not self.task or run.task_name == self.task)
            and (not self.domain or domain_of(run) == self.domain)
            and (not self.status or run.status == self.status)
        )


def model_spec(run: RunRecord) -> str:
    return str(run.provenance.get("model", {}).get("spec", run.model_id))


def filtered_runs(
    store: Store, principal: Principal, wanted: RunFilter
) -> tuple[list[RunRecord], Filtered[RunRecord]]:
    """The runs ``principal`` may read that ``wanted`` keeps, newest first, and the listing
    they came from (its withheld count covers every run, filtered or not, so a filter never
    tells a reader how many hidden runs match it)."""
    visible = visible_runs(store, principal)
    return [run for run in visible if wanted.keeps(run)], visible


def run_brief(run: RunRecord) -> dict[str, Any]:
    return {
        "id": run.id,
        "task": run.task_name,
        "model": model_spec(run),
        "domain": domain_of(run),
        "status": run.status,
        "total": run.total,
        "scored": run.scored,
        "errors": run.errors,
        "metrics": run.metrics or {},
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "created_by": run.created_by,
        "marking": marking_of(run).banner(),
    }


def run_full(run: RunRecord) -> dict[str, Any]:
    return run_brief(run) | {
        "task_ref": run.task_ref,
        "provenance": run.provenance,
        "options": run.options,
        "input_tokens": run.input_tokens,
        "output_tokens": run.output_tokens,
    }


def sample_brief(sample: SampleRecord) -> dict[str, Any]:
    return {
        "sample_id": sample.sample_id,
        "epoch": sample.epoch,
        "input": _short(sample.input),
        "output": (sample.output or "")[:300],
        "target": sample.target,
        "scores": {name: score.get("value") for name, score in sample.scores.items()},
        "error": sample.error,
        "latency": sample.latency,
    }


def sample_full(sample: SampleRecord) -> dict[str, Any]:
    return sample.model_dump(mode="json", exclude={"raw"})


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return text[:300]
