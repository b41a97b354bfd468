"""Provenance captured by the registries: what a task's digest covers is what was built.

Each solver, scorer and metric records its registry name, bound arguments and the versions of
the rules it applies when it is created, and the task digest is computed from those records,
never from a description written beside them. The digests of the catalogue's packaged
benchmarks changed once when this began; the pins below are those new values.
"""

from __future__ import annotations

import pytest

import clearance.suites as suites
from clearance.datasets import Dataset, Sample
from clearance.tasks import (
    Task,
    accuracy_by,
    compliance,
    refusal,
    scorers,
    solvers,
    spec_of,
)
from clearance.tasks._refusal import REFUSAL_RULES_VERSION

PINNED_DIGESTS = {
    "starter-science": "48351b4a6eaae33bb4fe14cb2dc97c17305b91968cabd732877595ae6ad1300a",
    "starter-mathematics": "9b09e7f50dc4ce31dcfab1a44f4ce9de7c87497d8847bd020da3dba7efc8b760",
    "starter-code": "e73a9032569d9fb613b82b525f54abd380dbfcb689582e765a76bf001951a60e",
    "starter-knowledge": "e3935ee384367c1df80cfed0cb0e3d9bd0052c90cbb8c71c687484b7b8f4fc36",
    "starter-reasoning": "766c8dad0432a3c625430f8fd073d5ebc1a6302cabbaaacbc0e12d007ede4fce",
    "starter-cyber": "98d20708a7a8f99c15a0f725ba33db79c519d5ffc6217c15eb04c4378637104d",
    "starter-bio": "952b268e95d1a97f623a0870a53e6bb69958f67b22767eabcca1101856131ec5",
    "starter-chem": "16cc9bd8578e436043504748ed99000a45d566a0c748f0acdaf19604d513f74f",
    "starter-autonomy": "96d3061172548f64e8f9f0e11f0f0d4b20a66e1d80ddaeb7d7a6611b364abfe1",
    "starter-privacy": "2e1b3f25f1ea2612f0340a1b94bb14d66044aae55de1e8445b3bfec7b7887ffa",
    "starter-bias": "8b36e224c3093ee81c5c830245c9aff4a4310625e5edba5f95e5aee3a31dde52",
    "starter-expression": "8c80d80184253fa91146c35328b6c2ea94042c940dfc1f928c97aa1619fc9f2f",
    "starter-safety": "05a52280ae150db31c2ef6df1619347e7ddf698807e03e7ba0c27b75e084fc81",
}
"""The task digest of every benchmark whose data ships with Clearance (the others need their
upstream data to be built; they are digested the same way)."""


def _packaged() -> list[str]:
    return [b.name for b in suites.benchmarks() if b.packaged is not None]


def test_every_packaged_benchmark_is_pinned() -> None:
    assert sorted(_packaged()) == sorted(PINNED_DIGESTS)


@pytest.mark.parametrize("name", sorted(PINNED_DIGESTS))
def test_the_catalogue_task_digest_is_pinned(name: str) -> None:
    assert suites.get_benchmark(name).task().digest == PINNED_DIGESTS[name]


@pytest.mark.parametrize("name", sorted(PINNED_DIGESTS))
def test_every_component_of_a_catalogue_task_came_from_a_registry(name: str) -> None:
    task = suites.get_benchmark(name).task()
    components = (*task.solver, *task.scorers, *task.extra_metrics)
    assert [spec_of(c).kind for c in components if spec_of(c).kind == "unregistered"] == []


def test_a_scorer_records_its_name_bound_arguments_and_rules_version() -> None:
    spec = spec_of(refusal())
    assert (spec.kind, spec.name) == ("scorer", "refusal")
    assert spec.args == {"use_prompt": True}  # the default, filled in
    assert spec.versions == {"refusal_rules": REFUSAL_RULES_VERSION}
    assert spec_of(compliance(use_prompt=False)).args == {"use_prompt": False}


def test_a_metric_records_its_arguments() -> None:
    spec = spec_of(accuracy_by("category", scorer="refusal"))
    assert (spec.kind, spec.name) == ("metric", "accuracy_by")
    assert spec.args == {"field": "category", "scorer": "refusal"}


def _task(**parts: object) -> Task:
    dataset = Dataset.from_samples(
        "t", [Sample(id="1", input="hi")], path="t.jsonl", format="jsonl"
    )
    fields: dict[str, object] = {
        "name": "t",
        "dataset": dataset,
        "solver": (),
        "scorers": (refusal(),),
        "definition": {"kind": "benchmark"},
        "ref": {"name": "t"},
    }
    return Task(**{**fields, **parts})  # type: ignore[arg-type]


def test_the_digest_follows_the_built_components_not_a_description() -> None:
    base = _task()
    assert _task().digest == base.digest
    assert _task(scorers=(refusal(use_prompt=False),)).digest != base.digest
    assert _task(scorers=(compliance(),)).digest != base.digest
    template = solvers.get("prompt_template")("Q: {prompt}")
    assert _task(solver=(template,)).digest != base.digest
    assert _task(extra_metrics=(accuracy_by("type"),)).digest != base.digest


def test_a_task_with_no_solver_records_the_generate_step_it_runs() -> None:
    described = _task().described()
    assert [s["name"] for s in described["solver"]] == ["generate"]


def test_a_changed_rules_version_changes_the_scorer_and_task_digests() -> None:
    again = scorers.get("refusal")()
    assert spec_of(again).digest == spec_of(refusal()).digest
    changed = spec_of(again).model_copy(update={"versions": {"refusal_rules": "refusal-rules/2"}})
    assert changed.digest != spec_of(again).digest


def test_run_provenance_keeps_scorer_specs_and_the_domain() -> None:
    task = suites.get_benchmark("starter-safety").task()
    assert task.domain == "safety"
    (spec,) = task.scorer_specs()
    assert spec["name"] == "refusal"
    assert spec["versions"] == {"refusal_rules": REFUSAL_RULES_VERSION}
    assert spec["digest"] == spec_of(task.scorers[0]).digest
