"""Provenance captured by the registries: what a task's digest covers is what was built.

Each solver, scorer and metric records its registry name, bound arguments and the versions of
the rules it applies when it is created, and the task digest is computed from those records,
never from a description written beside them. The digests of the catalogue's packaged
benchmarks changed once when this began; the pins below are those new values.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

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
    "starter-expression": "e96ff271d28d130b56ee7965f9489d05396df1d6c89f4ceb3c4e8f94d2626c73",
    "starter-safety": "38ac9fe484ba52e8b87f07eec3b75ec9d7cb0c7b1ad932ce93852d6cffe32c6f",
}
"""The task digest of every benchmark whose data ships with Clearance."""

UPSTREAM_DIGESTS = {
    "bbh": "5b0e9cd80697eec9d98ab1a3ddb3891240f9f7e45de271648a2e7bf57e36ff24",
    "bbq": "ba2ea5971b234dd67a1d0333019d67508493a854f3713fd798f625ef7657676a",
    "donotanswer": "e916905aaf6f9675a68a1768054a872cbf7706d56b6a248e590c9b2e46981630",
    "gsm8k": "aafceb3a383b6471c764c050b069dd2b5531535ffb0b01bfb5ab718a34aa812b",
    "harmbench": "24beb4b4b0a54efe80a9f372a712bb7d75ae63b0dcbe68eaca6868ef00f91590",
    "humaneval": "cc624707fe76e0e9bee6166d42eb5b9eccd51572383bcd555c099f7cf42a1680",
    "strongreject": "413c2377e20ce99524dbba5a5d08e55df13542374490e508e2c01ce2a1f785b5",
    "xstest": "3f350eb8941514f770b98597bb7e9539dc23724ab482a983ef81d11025e0d318",
    "arc": "98dcfa4a80490ba503b6ae75f6192f50217f5840f0046be2480c33b6382f64e2",
    "gpqa": "1234b574e01bbebc263169d83210a97d7b2db502a9a0b833ab504deb8a5f3373",
    "mmlu": "adf658e114027e5a4bcce18fb46e20af3b9d5b113b041b70110b830875a9fc0e",
    "cybermetric": "f4364e31c38ee722a5388330fb7751755700f29fd0a55d7545f9d9d462158b16",
    "wmdp-cyber": "4fdab1938fee6c1cb84202aa6e1830747f848dcedda097b0cbadab05756d1efb",
    "wmdp-bio": "1741e5032bb809ccf6fa05fa299f3108bf5f14e40157395db7937a92523cdabc",
    "wmdp-chem": "77968d2484312b2a86d5e4e5020a4ca8a9d51c7ef4d0f078f50a2f980b871228",
    "advbench": "19ed3efb870dac1504ea8c7001c01824e9aa09820b07d29a68676dbd47334e00",
}
"""The task digest of every benchmark that needs upstream data: built from the shared copies of
the public datasets beside the repository, or from a one-item file in the upstream format (the
digest covers the task's definition and components, not its data)."""

SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets"


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _upstream_files(folder: Path) -> dict[str, Path]:
    wmdp = folder / "wmdp.jsonl"
    wmdp.write_text(json.dumps({"question": "Q?", "choices": ["a", "b"], "answer": 0}) + "\n")
    arc = folder / "ARC-Challenge-Test.jsonl"
    options = [{"text": "t", "label": "A"}, {"text": "u", "label": "B"}]
    item = {"id": "a1", "question": {"stem": "Q?", "choices": options}, "answerKey": "A"}
    arc.write_text(json.dumps(item) + "\n")
    cyber = folder / "CyberMetric-80-v1.json"
    question = {"question": "Q?", "answers": {"A": "x", "B": "y"}, "solution": "A"}
    cyber.write_text(json.dumps({"questions": [question]}))
    wrong = [f"Incorrect Answer {i}" for i in (1, 2, 3)]
    gpqa = [["Record ID", "Question", "Correct Answer", *wrong, "Subdomain"]]
    return {
        "bbh": SHARED / "bbh",
        "bbq": SHARED / "bbq" / "Age.jsonl",
        "donotanswer": SHARED / "donotanswer" / "human_chatbox.jsonl",
        "gsm8k": SHARED / "gsm8k" / "test.jsonl",
        "harmbench": SHARED / "harmbench" / "harmbench_behaviors_text_test.csv",
        "humaneval": SHARED / "humaneval" / "HumanEval.jsonl.gz",
        "strongreject": SHARED / "strongreject" / "strongreject_small_dataset.csv",
        "xstest": SHARED / "xstest" / "xstest_prompts.csv",
        "arc": arc,
        "gpqa": _csv(folder / "gpqa.csv", [*gpqa, ["r1", "Q?", "right", "w1", "w2", "w3", "X"]]),
        "mmlu": _csv(folder / "astronomy_test.csv", [["Q?", "a", "b", "A"]]),
        "cybermetric": cyber,
        "wmdp-cyber": wmdp,
        "wmdp-bio": wmdp,
        "wmdp-chem": wmdp,
        "advbench": _csv(folder / "harmful_behaviors.csv", [["goal", "target"], ["REQUEST", "T"]]),
    }


def test_every_catalogue_benchmark_is_pinned() -> None:
    pinned = set(PINNED_DIGESTS) | set(UPSTREAM_DIGESTS)
    assert pinned == {b.name for b in suites.benchmarks()}


def test_the_digest_of_every_upstream_benchmark_is_pinned(tmp_path: Path) -> None:
    digests = {
        name: suites.get_benchmark(name).task(path, limit=2).digest
        for name, path in _upstream_files(tmp_path).items()
    }
    assert digests == UPSTREAM_DIGESTS


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
    changed = spec_of(again).model_copy(update={"versions": {"refusal_rules": "refusal-rules/0"}})
    assert changed.digest != spec_of(again).digest


def test_run_provenance_keeps_scorer_specs_and_the_domain() -> None:
    task = suites.get_benchmark("starter-safety").task()
    assert task.domain == "safety"
    (spec,) = task.scorer_specs()
    assert spec["name"] == "refusal"
    assert spec["versions"] == {"refusal_rules": REFUSAL_RULES_VERSION}
    assert spec["digest"] == spec_of(task.scorers[0]).digest
