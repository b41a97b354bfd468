"""Writing imported runs to the store: through the same unit of work and run repository as
the runner, so every imported run and sample is ledgered and ``ledger verify`` checks it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import clearance
from clearance.access import UNCLASSIFIED_MARKING, Action, Marking, require
from clearance.accountability import Acting, readable_run
from clearance.interop._errors import InteropError
from clearance.interop._imported import IMPORTER_VERSION, ImportedRun, MetricCheck, parse_time
from clearance.models import ModelInfo
from clearance.store import RunNotFoundError, RunRecord, Store
from clearance.suites import get_benchmark
from clearance.tasks import ScoredSample, compute_metrics
from clearance.vocabulary import DOMAINS

IMPORT_KEY = "import"
"""The key of a run's provenance that says where an imported run came from."""


@dataclass(frozen=True)
class TaskMapping:
    """Where imported tasks go in the catalogue: one benchmark and domain for every task of the
    import, or per task name (a mapping file), so policies assess them like native runs."""

    benchmark: str | None = None
    domain: str | None = None
    by_task: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    model_spec: str | None = None
    """Record the model under this spec (as `eval run --model` names it), so an assessment of
    that model finds the imported runs beside native ones."""

    def place(self, task: str) -> tuple[str | None, str | None]:
        """(catalogue benchmark, domain) for ``task``, each checked."""
        entry = self.by_task.get(task, {})
        benchmark = entry.get("benchmark", self.benchmark)
        domain = entry.get("domain", self.domain)
        if benchmark is not None:
            try:
                known = get_benchmark(benchmark)
            except LookupError as exc:
                raise InteropError(f"--benchmark: {exc}") from None
            domain = domain or known.domain
        if domain is not None and domain not in DOMAINS:
            raise InteropError(f"--domain: unknown domain {domain!r}; one of: {', '.join(DOMAINS)}")
        return benchmark, domain


@dataclass(frozen=True)
class ImportResult:
    """One imported run, whether this import created it, and its metrics checked."""

    run: RunRecord
    created: bool
    checks: tuple[MetricCheck, ...]

    @property
    def mismatches(self) -> tuple[MetricCheck, ...]:
        return tuple(c for c in self.checks if not c.agrees)


def import_runs(
    store: Store,
    acting: Acting,
    runs: Sequence[ImportedRun],
    *,
    marking: Marking = UNCLASSIFIED_MARKING,
    mapping: TaskMapping | None = None,
) -> list[ImportResult]:
    """Write each of ``runs`` to the store as a run marked ``marking`` (``run.create`` on it).

    The same source file imported again at the same marking is the same run: it is returned,
    not written twice. Every metric is recomputed from the samples; the source's own values are
    kept beside them and each disagreement is reported in the result and in the provenance."""
    require(acting.principal, Action.RUN_CREATE, marking)
    mapping = mapping or TaskMapping()
    return [_import_one(store, acting, run, marking, mapping) for run in runs]


def imported_run_id(run: ImportedRun, marking: Marking) -> str:
    """Same file, same task, same marking: same run id (imports are idempotent)."""
    key = f"{run.tool}\n{run.source_sha256}\n{run.task_name}\n{marking.banner()}"
    return "import-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def _import_one(
    store: Store, acting: Acting, run: ImportedRun, marking: Marking, mapping: TaskMapping
) -> ImportResult:
    run_id = imported_run_id(run, marking)
    try:
        existing = readable_run(store, acting.principal, run_id)
    except RunNotFoundError:
        existing = None
    if existing is not None:
        checks = tuple(_checks_from(existing))
        return ImportResult(run=existing, created=False, checks=checks)
    benchmark, domain = mapping.place(run.task_name)
    model = run.model
    if mapping.model_spec:
        model = _model_as(mapping.model_spec, run.model)
    rows = [ScoredSample(r["sample_id"], r["epoch"], r["cluster"], r["scores"], r["metadata_"])
            for r in run.samples if r["error"] is None]  # fmt: skip
    metrics = compute_metrics(rows, run.scorers, run.reducer)
    checks = tuple(
        MetricCheck(name, key, value, _value(metrics.get(key)))
        for key, (name, value) in run.source_metrics.items()
    )
    task_ref: dict[str, Any] = (
        {"name": benchmark} if benchmark else {"import": run.tool, "task": run.task_name}
    )
    provenance = {
        "dataset": {**run.dataset, "digest": None},
        "task": {"name": run.task_name, "digest": None, "ref": task_ref, "domain": domain},
        "model": model.model_dump(mode="json"),
        "generate_config": run.generate_config,
        "scorers": [name for name, _ in run.scorers],
        "scorer_specs": [],
        "epochs": run.epochs,
        "epoch_reducer": run.reducer,
        "seed": None,
        "clearance_version": clearance.__version__,
        IMPORT_KEY: {
            "from": f"imported from {run.tool} {run.tool_version}",
            "tool": run.tool,
            "tool_version": run.tool_version,
            "file": run.source.name,
            "sha256": run.source_sha256,
            "importer_version": IMPORTER_VERSION,
            "imported_at": datetime.now(UTC).isoformat(),
            "source_started_at": run.started_at,
            "source_completed_at": run.completed_at,
            "metric_checks": [c.as_json() for c in checks],
            "source": run.details,
        },
    }
    finished = parse_time(run.completed_at) if run.completed_at else None
    with store.unit_of_work(acting.actor) as uow:
        model_id = store.runs.ensure_model(uow, model)
        store.runs.create_run(
            uow,
            id=run_id,
            task_name=benchmark or run.task_name,
            task_ref=task_ref,
            model_id=model_id,
            total=len(run.samples),
            provenance=provenance,
            options={"imported": True},
            marking_level=marking.level.value,
            marking_compartments=sorted(marking.compartments),
        )
        store.runs.append_samples(uow, run_id, run.samples)
        record = store.runs.finish_run(
            uow, run_id, status=run.status, metrics=metrics, finished_at=finished
        )
    return ImportResult(run=record, created=True, checks=checks)


def _model_as(spec: str, recorded: ModelInfo) -> ModelInfo:
    provider, _, name = spec.partition("/")
    if not name:
        raise InteropError(f"--model {spec!r}: give PROVIDER/NAME, as `eval run --model` takes")
    return ModelInfo(spec=spec, provider=provider, name=name, base_url=recorded.base_url)


def _value(estimate: Any) -> float | None:
    if isinstance(estimate, dict) and isinstance(estimate.get("value"), int | float):
        return float(estimate["value"])
    return None


def _checks_from(run: RunRecord) -> list[MetricCheck]:
    stored = run.provenance.get(IMPORT_KEY, {}).get("metric_checks", [])
    return [
        MetricCheck(c["source_metric"], c["metric"], c["source_value"], c["recomputed"])
        for c in stored
    ]
