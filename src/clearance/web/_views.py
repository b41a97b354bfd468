"""How records read on the web, shared by the API and the pages: a run in brief, a sample in
brief, and the run filters both offer."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Any

from clearance.access import Filtered, Principal, marking_of
from clearance.accountability import visible_runs
from clearance.assess import domain_of
from clearance.runner import observed_status
from clearance.store import LedgerReader, RunRecord, SampleRecord, Store


@dataclass(frozen=True)
class RunFilter:
    model: str | None = None
    task: str | None = None
    domain: str | None = None
    status: str | None = None

    def keeps(self, brief: dict[str, Any]) -> bool:
        return (
            (not self.model or brief["model"] == self.model)
            and (not self.task or brief["task"] == self.task)
            and (not self.domain or brief["domain"] == self.domain)
            and (not self.status or brief["status"] == self.status)
        )


def model_spec(run: RunRecord) -> str:
    return str(run.provenance.get("model", {}).get("spec", run.model_id))


@dataclass(frozen=True)
class RunListing:
    """The runs a principal may read, newest first, each with its brief (same order), and the
    count withheld from it."""

    visible: Filtered[RunRecord]
    recorded: tuple[dict[str, Any], ...]

    @property
    def briefs(self) -> tuple[dict[str, Any], ...]:
        """The briefs with each run's status as observed now. A listing is kept while the ledger
        has not moved, but a run whose process died leaves the ledger as it was: only its lease
        says it is ``interrupted``, so the running ones are looked at again on every read."""
        return tuple(_observed(brief) for brief in self.recorded)

    def kept(self, wanted: RunFilter) -> list[dict[str, Any]]:
        """The briefs ``wanted`` keeps. The withheld count stays that of every run, filtered
        or not, so a filter never tells a reader how many hidden runs match it."""
        return [brief for brief in self.briefs if wanted.keeps(brief)]


def _observed(brief: dict[str, Any]) -> dict[str, Any]:
    if brief["status"] != "running":
        return brief
    return brief | {"status": observed_status(str(brief["id"]), "running")}


class RunListings:
    """Run listings kept while the ledger has not moved. Every change to a run (its creation,
    each batch of samples, its end, a new marking) is a ledger entry, so the ledger's size
    says exactly when a kept listing is stale; reading it costs one indexed query, where
    reading and checking 1,000 runs costs hundreds of milliseconds."""

    def __init__(self, entries: int = 32) -> None:
        self._kept: OrderedDict[tuple[int, Principal], RunListing] = OrderedDict()
        self._entries = entries
        self._lock = Lock()

    def of(self, store: Store, principal: Principal) -> RunListing:
        key = (LedgerReader(store.engine).size(), principal)
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        visible = visible_runs(store, principal)
        listing = RunListing(visible, tuple(_recorded_brief(run) for run in visible))
        with self._lock:
            self._kept[key] = listing
            while len(self._kept) > self._entries:
                self._kept.popitem(last=False)
        return listing


def run_brief(run: RunRecord) -> dict[str, Any]:
    """A run as lists show it, its status as `eval list` shows it: a run whose process is gone
    reads as interrupted, not running."""
    return _observed(_recorded_brief(run))


def _recorded_brief(run: RunRecord) -> dict[str, Any]:
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
