"""The evidence an assessment rests on: a model's latest completed run of each benchmark, by
domain, as far as the principal may read them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from clearance.access import Action, Marking, Principal, join_markings, marking_of, readable
from clearance.assess._errors import AssessError
from clearance.store import RunRecord, Store
from clearance.suites import catalogue_identity, get_benchmark
from clearance.tasks import elicitation_of
from clearance.vocabulary import DOMAINS


def run_model_spec(run: RunRecord) -> str:
    """The model spec a run called, as recorded in its provenance."""
    return str(run.provenance["model"]["spec"])


def catalogue_benchmark(run: RunRecord) -> str | None:
    """The catalogue benchmark ``run`` ran, by the task it loaded (not by its name): None for a
    task file or other task that merely shares a catalogue name."""
    return catalogue_identity(_task_ref(run))


def _task_ref(run: RunRecord) -> dict[str, object]:
    """How the run loaded its task (the run's own column; its provenance as a fallback)."""
    ref = run.task_ref or run.provenance.get("task", {}).get("ref") or {}
    return dict(ref)


def run_elicitation(run: RunRecord) -> dict[str, object]:
    """The elicitation overrides (system prompt, likelihood, few-shot, ...) a run used."""
    return elicitation_of(_task_ref(run))


def run_identity(run: RunRecord) -> str:
    """What a run is evidence of: ``catalogue:NAME`` for a catalogue benchmark loaded by name,
    ``task:NAME`` for anything else, each followed by its elicitation overrides if any. Runs
    with one identity compete (the newest is the evidence); runs with different identities never
    stand in for each other, so a task file named like a benchmark is not its evidence and does
    not make the benchmark's run look stale."""
    benchmark = catalogue_benchmark(run)
    base = f"catalogue:{benchmark}" if benchmark else f"task:{run.task_name}"
    overrides = run_elicitation(run)
    if not overrides:
        return base
    return base + " with " + ", ".join(f"{k}={v!r}" for k, v in sorted(overrides.items()))


def domain_of(run: RunRecord, task_domains: Mapping[str, str] | None = None) -> str | None:
    """The test domain a run belongs to, or None when nothing assigns it one.

    In order: ``task_domains`` (the user's assignment by task name), the domain the run
    recorded when it ran (so re-tagging a benchmark later does not move old runs), then, for
    runs made before runs recorded it, the catalogue benchmark the run loaded (by identity,
    never by a shared name).
    """
    if task_domains and run.task_name in task_domains:
        return task_domains[run.task_name]
    recorded = run.provenance.get("task", {}).get("domain")
    if recorded in DOMAINS:
        return str(recorded)
    benchmark = catalogue_benchmark(run)
    return get_benchmark(benchmark).domain if benchmark is not None else None


def check_task_domains(task_domains: Mapping[str, str] | None) -> dict[str, str]:
    """The user's task-to-domain assignment, each domain checked against the twelve."""
    checked: dict[str, str] = {}
    for task, domain in (task_domains or {}).items():
        if domain not in DOMAINS:
            raise AssessError(
                f"task {task!r} is assigned to unknown domain {domain!r}; "
                f"choose one of: {', '.join(DOMAINS)}"
            )
        checked[task] = domain
    return checked


@dataclass(frozen=True)
class Evidence:
    """The runs an assessment of one model may use."""

    model_spec: str
    model_ids: tuple[str, ...]
    by_domain: dict[str, list[RunRecord]]
    """The latest completed run of each benchmark, grouped by domain (every domain a key)."""
    unassigned: list[RunRecord] = field(default_factory=list)
    """Latest runs of tasks that no catalogue entry or assignment places in a domain."""
    withheld: int = 0
    """Runs of this model the principal may not read (left out of the assessment)."""

    @property
    def runs(self) -> list[RunRecord]:
        """Every run used, domain by domain."""
        return [run for runs in self.by_domain.values() for run in runs]

    @property
    def marking(self) -> Marking:
        """What an assessment built on these runs must be marked: the join of their markings."""
        return join_markings(marking_of(run) for run in self.runs)


def resolve_model(store: Store, model: str) -> tuple[str, tuple[str, ...]]:
    """The spec and model ids that ``model`` (a spec, or a models.id) names."""
    found = store.findings.models_matching(model)
    if not found:
        known = store.findings.model_specs()
        listed = ", ".join(known[:20]) if known else "none yet"
        raise AssessError(
            f"no model {model!r} in the store; give a model spec as recorded by "
            f"`clearance eval run --model SPEC` (models here: {listed})"
        )
    specs = {m.spec for m in found}
    if len(specs) > 1:
        raise AssessError(f"{model!r} names several models ({', '.join(sorted(specs))}); give one")
    return specs.pop(), tuple(m.id for m in found)


def latest_by_task(runs: Iterable[RunRecord]) -> list[RunRecord]:
    """The newest run of each benchmark identity (:func:`run_identity`), given runs newest
    first."""
    latest: dict[str, RunRecord] = {}
    for run in runs:
        latest.setdefault(run_identity(run), run)
    return list(latest.values())


def gather_evidence(
    store: Store,
    model: str,
    principal: Principal,
    task_domains: Mapping[str, str] | None = None,
) -> Evidence:
    """The latest completed run per benchmark of ``model`` that ``principal`` may read."""
    assigned = check_task_domains(task_domains)
    spec, model_ids = resolve_model(store, model)
    visible = readable(
        principal, store.findings.completed_runs(model_ids), marking_of, action=Action.RUN_READ
    )
    by_domain: dict[str, list[RunRecord]] = {domain: [] for domain in DOMAINS}
    unassigned: list[RunRecord] = []
    for run in latest_by_task(visible):
        domain = domain_of(run, assigned)
        (by_domain[domain] if domain else unassigned).append(run)
    for runs in by_domain.values():
        runs.sort(key=lambda r: r.task_name)
    return Evidence(spec, model_ids, by_domain, unassigned, visible.withheld)
