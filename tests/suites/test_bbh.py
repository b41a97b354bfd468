"""BIG-Bench Hard on the upstream task files: counts per task, ids, options, and scoring of
option letters against free-form answers."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from clearance.access import LOCAL_ADMIN
from clearance.datasets import DatasetError, Sample
from clearance.models import ModelOutput
from clearance.runner import RunOptions, run_task
from clearance.store import Store
from clearance.suites import get_benchmark
from clearance.suites.bbh import BBHScorer, load_bbh, stated_answer
from clearance.tasks import TaskState

SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets"


@pytest.fixture
def bbh_dir() -> Path:
    path = SHARED / "bbh"
    if not path.is_dir():
        pytest.skip(f"the shared BBH files are not at {path}")
    return path


@pytest.fixture(scope="module")
def all_samples() -> list[Sample]:
    path = SHARED / "bbh"
    if not path.is_dir():
        pytest.skip(f"the shared BBH files are not at {path}")
    return load_bbh(path)


def test_counts_per_task_match_the_upstream_files(bbh_dir: Path, all_samples: list[Sample]) -> None:
    counts = Counter(s.metadata["bbh_task"] for s in all_samples)
    assert len(counts) == 27
    assert sum(counts.values()) == 6511
    assert counts["boolean_expressions"] == 250
    assert counts["causal_judgement"] == 187
    assert counts["penguins_in_a_table"] == 146
    assert counts["snarks"] == 178
    for path in bbh_dir.glob("*.json"):
        assert counts[path.stem] == len(json.loads(path.read_text())["examples"])


def test_ids_are_task_and_index_and_samples_cluster_by_task(
    bbh_dir: Path, all_samples: list[Sample]
) -> None:
    by_id = {s.id: s for s in all_samples}
    examples = json.loads((bbh_dir / "web_of_lies.json").read_text())["examples"]
    assert by_id["web_of_lies-0"].input == examples[0]["input"]
    assert by_id["web_of_lies-249"].target == examples[249]["target"]
    assert all(s.cluster == s.metadata["bbh_task"] for s in all_samples)
    assert all(s.id.rsplit("-", 1)[0] == s.metadata["bbh_task"] for s in all_samples)


def test_lettered_targets_become_choices_and_others_stay_free_form(
    all_samples: list[Sample],
) -> None:
    by_id = {s.id: s for s in all_samples}
    date = by_id["date_understanding-0"]
    assert date.metadata["answer_kind"] == "choice"
    assert date.choices is not None
    assert len(date.choices) == 6
    assert date.choices[1] == "12/25/1937"
    assert date.target == "B"
    colored = [
        s for s in all_samples if s.metadata["bbh_task"] == "reasoning_about_colored_objects"
    ]
    assert max(len(s.choices or ()) for s in colored) == 18
    kinds = {
        "boolean_expressions-0": "text",
        "formal_fallacies-0": "text",
        "multistep_arithmetic_two-0": "number",
        "object_counting-0": "number",
        "dyck_languages-0": "sequence",
        "word_sorting-0": "words",
        # An upstream item whose target is an option's text, not its letter.
        "movie_recommendation-163": "text",
    }
    for sample_id, kind in kinds.items():
        assert by_id[sample_id].metadata["answer_kind"] == kind
        assert by_id[sample_id].choices is None
    assert by_id["movie_recommendation-163"].target == "Monsters, Inc"


def _sample(target: str, kind: str, choices: tuple[str, ...] | None = None) -> Sample:
    meta = {"bbh_task": "t", "answer_kind": kind}
    return Sample(id="t-0", input="q", target=target, choices=choices, metadata=meta)


async def _score(sample: Sample, reply: str) -> tuple[float, str | None]:
    state = TaskState.start(sample, epoch=1, seed=0)
    state.output = ModelOutput(text=reply)
    score = await BBHScorer()(state)
    return score.value, score.answer


@pytest.mark.parametrize(
    ("target", "kind", "reply", "expected"),
    [
        ("B", "choice", "Tomorrow is Dec 25.\nANSWER: (B)", 1.0),
        ("B", "choice", "ANSWER: (A)", 0.0),
        ("B", "choice", "So the answer is (B).", 1.0),
        ("True", "text", "not True is False; False or True...\nANSWER: True", 1.0),
        ("True", "text", "ANSWER: False", 0.0),
        ("valid", "text", "ANSWER: invalid", 0.0),
        ("Yes", "text", "Let's think. So the answer is Yes.", 1.0),
        ("-11520", "number", "The result is\nANSWER: -11,520", 1.0),
        ("24", "number", "ANSWER: 42", 0.0),
        ("] ]", "sequence", "ANSWER: ]]", 1.0),
        ("] ]", "sequence", "ANSWER: ] )", 0.0),
        ("syndrome therefrom", "words", "ANSWER: Syndrome, therefrom", 1.0),
        ("syndrome therefrom", "words", "ANSWER: therefrom syndrome", 0.0),
        ("True", "text", "", 0.0),
    ],
)
async def test_each_answer_kind_is_compared_its_own_way(
    target: str, kind: str, reply: str, expected: float
) -> None:
    choices = ("first", "second", "third") if kind == "choice" else None
    value, _ = await _score(_sample(target, kind, choices), reply)
    assert value == expected


async def test_a_letter_reply_to_a_lettered_target_is_read_as_a_choice_not_text() -> None:
    choices = ("(12/24/1937)", "12/25/1937")
    assert await _score(_sample("B", "choice", choices), "ANSWER: (B)") == (1.0, "B")
    # The same reply against a free-form target is compared as text, and fails.
    assert (await _score(_sample("12/25/1937", "text"), "ANSWER: (B)"))[0] == 0.0


def test_stated_answer_takes_the_last_statement_or_the_last_line() -> None:
    assert stated_answer("ANSWER: A\nno wait\nANSWER: B") == "B"
    assert stated_answer("thinking\n\nValid") == "Valid"
    assert stated_answer("") == ""


async def test_a_single_task_file_runs_with_per_task_accuracy(
    bbh_dir: Path, tmp_path: Path
) -> None:
    task = get_benchmark("bbh").task(bbh_dir / "date_understanding.json", limit=4)
    assert [s.id for s in task.dataset] == [f"date_understanding-{i}" for i in range(4)]
    assert all(s.cluster is None for s in task.dataset)  # one task: one cluster is no cluster
    answers = {s.id: f"ANSWER: ({s.target})" for s in task.dataset}
    answers["date_understanding-3"] = "ANSWER: (F)" if task.dataset.samples[3].target != "F" else ""
    script = tmp_path / "answers.jsonl"
    script.write_text(
        "".join(json.dumps({"id": k, "output": v}) + "\n" for k, v in answers.items())
    )
    summary = await run_task(
        task, f"scripted/{script}", store=Store.open(), options=RunOptions(), principal=LOCAL_ADMIN
    )
    assert summary.metrics["accuracy"]["value"] == pytest.approx(0.75)
    assert summary.metrics["bbh_task=date_understanding/accuracy"]["value"] == pytest.approx(0.75)


def test_limit_counts_across_task_files_in_name_order(bbh_dir: Path) -> None:
    samples = load_bbh(bbh_dir, limit=252)
    assert [s.metadata["bbh_task"] for s in samples].count("boolean_expressions") == 250
    assert [s.id for s in samples[-2:]] == ["causal_judgement-0", "causal_judgement-1"]


def test_bad_task_files_are_reported_with_their_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no BIG-Bench Hard task files"):
        load_bbh(tmp_path)
    broken = tmp_path / "broken.json"
    broken.write_text('{"examples": [{"input": "x"}]}')
    with pytest.raises(DatasetError, match=r"broken.json examples\[0\]: field 'target'"):
        load_bbh(broken)
    broken.write_text('{"canary": "c"}')
    with pytest.raises(DatasetError, match='non-empty "examples" list'):
        load_bbh(broken)
