"""MMLU, ARC and GPQA formats on small fixture files: 2 to 10 options, ids, subjects, errors,
and GPQA's seeded shuffling."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from clearance.access import LOCAL_ADMIN
from clearance.datasets import DatasetError
from clearance.models import ChatMessage, ModelOutput
from clearance.runner import RunOptions, run_task
from clearance.store import Store
from clearance.suites import get_benchmark
from clearance.suites.mc_formats import load_arc, load_gpqa, load_mmlu
from clearance.tasks import Task, TaskState

LETTERS = "ABCDEFGHIJ"


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(rows)
    return path


def _options(n: int) -> list[str]:
    return [f"option {i}" for i in range(n)]


# --- MMLU ------------------------------------------------------------------------------------


def test_mmlu_rows_without_header_take_2_to_10_options(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "astronomy_test.csv",
        [
            ["Two options?", *_options(2), "B"],
            ["Four options?", *_options(4), "D"],
            ["Ten options?", *_options(10), "J"],
        ],
    )
    samples = load_mmlu(path)
    assert [s.id for s in samples] == ["astronomy-1", "astronomy-2", "astronomy-3"]
    assert [len(s.choices or ()) for s in samples] == [2, 4, 10]
    assert [s.target for s in samples] == ["B", "D", "J"]
    assert all(s.metadata == {"subject": "astronomy"} for s in samples)
    assert all(s.cluster is None for s in samples)


def test_mmlu_with_a_header_reads_named_columns(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "mmlu.csv",
        [
            ["", "Question", "A", "B", "C", "D", "Answer", "Subject"],
            ["0", "What is 2+2?", "3", "4", "5", "6", "B", "elementary_mathematics"],
            ["1", "Capital of France?", "Rome", "Paris", "Oslo", "Bern", "b", "geography"],
        ],
    )
    samples = load_mmlu(path)
    assert [(s.id, s.target) for s in samples] == [
        ("elementary_mathematics-1", "B"),
        ("geography-2", "B"),
    ]
    assert samples[0].choices == ("3", "4", "5", "6")
    assert [s.cluster for s in samples] == ["elementary_mathematics", "geography"]


async def test_mmlu_folder_clusters_by_subject_and_reports_each(tmp_path: Path) -> None:
    folder = tmp_path / "test"
    folder.mkdir()
    _write_csv(
        folder / "anatomy_test.csv", [["Q1?", *_options(4), "A"], ["Q2?", *_options(4), "C"]]
    )
    _write_csv(folder / "virology_test.csv", [["Q3?", *_options(4), "D"]])
    task = get_benchmark("mmlu").task(folder)
    assert [s.id for s in task.dataset] == ["anatomy-1", "anatomy-2", "virology-1"]
    assert [s.cluster for s in task.dataset] == ["anatomy", "anatomy", "virology"]
    answers = {"anatomy-1": "ANSWER: A", "anatomy-2": "ANSWER: B", "virology-1": "D"}
    summary = await _run(task, answers, tmp_path)
    assert summary.metrics["accuracy"]["value"] == pytest.approx(2 / 3)
    assert summary.metrics["subject=anatomy/accuracy"]["value"] == pytest.approx(0.5)
    assert summary.metrics["subject=virology/accuracy"]["value"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["Q?", *_options(4), "E"], "row 1: the answer must be an option letter A to D"),
        (["Q?", "only one", "A"], "row 1: has 3 columns"),
        (["Q?", *_options(11), "A"], "row 1: has 11 options; 2 to 10 are supported"),
        (["Q?", "yes", "", "A"], "row 1: option B is empty"),
    ],
)
def test_mmlu_bad_rows_are_reported_with_file_and_row(
    tmp_path: Path, row: list[str], message: str
) -> None:
    path = _write_csv(tmp_path / "bad_test.csv", [row])
    with pytest.raises(DatasetError, match=message) as caught:
        load_mmlu(path)
    assert str(path) in str(caught.value)


def test_mmlu_header_without_option_columns_is_an_error(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "h.csv", [["question", "first", "second", "answer"]])
    with pytest.raises(DatasetError, match=r"row 0 \(header\): .*name them A, B, C"):
        load_mmlu(path)


def test_mmlu_empty_folder_says_what_it_wanted(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"no MMLU subject CSV files \(\*\.csv\)"):
        load_mmlu(tmp_path)


# --- ARC -------------------------------------------------------------------------------------


def _arc_line(qid: str, labels: str, key: str, n: int | None = None) -> str:
    choices = [{"text": f"text {lab}", "label": lab} for lab in labels[: n or len(labels)]]
    record = {"id": qid, "question": {"stem": f"Stem {qid}?", "choices": choices}, "answerKey": key}
    return json.dumps(record) + "\n"


def test_arc_maps_letter_and_digit_labels_to_option_letters(tmp_path: Path) -> None:
    path = tmp_path / "ARC-Challenge-Test.jsonl"
    path.write_text(
        _arc_line("Mercury_1", "ABCD", "C")
        + _arc_line("NYSEDREGENTS_2", "1234", "3")
        + _arc_line("Two_3", "AB", "B")
        + _arc_line("Five_4", "ABCDE", "E")
    )
    samples = load_arc(path)
    assert [s.id for s in samples] == ["Mercury_1", "NYSEDREGENTS_2", "Two_3", "Five_4"]
    assert [s.target for s in samples] == ["C", "C", "B", "E"]
    assert [len(s.choices or ()) for s in samples] == [4, 4, 2, 5]
    assert samples[1].choices == ("text 1", "text 2", "text 3", "text 4")
    assert samples[0].input == "Stem Mercury_1?"
    assert load_arc(path, limit=2)[-1].id == "NYSEDREGENTS_2"


def test_arc_answer_key_outside_the_labels_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "arc.jsonl"
    path.write_text(_arc_line("ok", "ABCD", "A") + _arc_line("bad", "ABCD", "F"))
    with pytest.raises(DatasetError, match=r"line 2: answerKey 'F' is not one of the labels"):
        load_arc(path)
    path.write_text('{"id": "x", "question": "plain text", "answerKey": "A"}\n')
    with pytest.raises(DatasetError, match=r"line 1: question\.stem must be a non-empty string"):
        load_arc(path)


# --- GPQA ------------------------------------------------------------------------------------


def _wrong(row: int, n: int) -> list[str]:
    return [f"wrong {row}.{i}" for i in range(n)]


def _gpqa_file(path: Path, n_rows: int, n_incorrect: int = 3) -> Path:
    header = [
        "Record ID",
        "Question",
        "Correct Answer",
        *(f"Incorrect Answer {i}" for i in range(1, n_incorrect + 1)),
        "Subdomain",
    ]
    rows = [
        [
            f"rec{r}",
            f"Question {r}?",
            f" right {r}\n",
            *(f"wrong {r}.{i}" for i in range(n_incorrect)),
            "Optics",
        ]
        for r in range(n_rows)
    ]
    return _write_csv(path, [header, *rows])


def test_gpqa_puts_the_correct_answer_first_before_shuffling(tmp_path: Path) -> None:
    samples = load_gpqa(_gpqa_file(tmp_path / "gpqa_main.csv", 3))
    assert [s.id for s in samples] == ["rec0", "rec1", "rec2"]
    assert samples[0].choices == ("right 0", "wrong 0.0", "wrong 0.1", "wrong 0.2")
    assert all(s.target == "A" for s in samples)
    assert samples[0].metadata == {"subdomain": "Optics"}


@pytest.mark.parametrize("n_incorrect", [1, 3, 9])
def test_gpqa_takes_2_to_10_options(tmp_path: Path, n_incorrect: int) -> None:
    samples = load_gpqa(_gpqa_file(tmp_path / "g.csv", 2, n_incorrect))
    assert all(len(s.choices or ()) == n_incorrect + 1 for s in samples)


async def _shuffled_targets(task: Task, seed: int) -> list[tuple[str, str]]:
    """(target letter, option text at that letter) after the task's solver, per sample."""

    async def generate(messages: Sequence[ChatMessage]) -> ModelOutput:
        return ModelOutput(text="ANSWER: A")

    found = []
    for sample in task.dataset:
        state = TaskState.start(sample, epoch=1, seed=seed)
        await task.solver[0](state, generate)
        assert isinstance(state.target, str)
        assert state.choices is not None
        found.append((state.target, state.choices[LETTERS.index(state.target)]))
    return found


async def test_gpqa_options_are_shuffled_under_the_seed(tmp_path: Path) -> None:
    task = get_benchmark("gpqa").task(_gpqa_file(tmp_path / "g.csv", 24))
    first = await _shuffled_targets(task, seed=0)
    assert [text for _, text in first] == [f"right {r}" for r in range(24)]
    assert len({letter for letter, _ in first}) > 1
    assert await _shuffled_targets(task, seed=0) == first
    assert await _shuffled_targets(task, seed=1) != first


def test_gpqa_without_its_columns_names_them(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "g.csv", [["Question", "Answer"], ["Q?", "A"]])
    with pytest.raises(DatasetError, match="needs the columns Question, Correct Answer"):
        load_gpqa(path)


def test_the_formats_are_science_benchmarks_that_need_data() -> None:
    for name in ("mmlu", "arc", "gpqa"):
        benchmark = get_benchmark(name)
        assert benchmark.domain == "science"
        assert benchmark.source is None
        assert not benchmark.has_data()


async def _run(task: Task, answers: dict[str, str], tmp_path: Path) -> Any:
    script = tmp_path / "answers.jsonl"
    script.write_text(
        "".join(json.dumps({"id": k, "output": v}) + "\n" for k, v in answers.items())
    )
    return await run_task(
        task, f"scripted/{script}", store=Store.open(), options=RunOptions(), principal=LOCAL_ADMIN
    )


async def test_mc_prompt_lists_lettered_options(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "x_test.csv", [["Pick one?", "red", "green", "blue", "B"]])
    task = get_benchmark("mmlu").task(path)
    state = TaskState.start(task.dataset.samples[0], epoch=1, seed=0)
    prompts: list[str] = []

    async def generate(messages: Sequence[ChatMessage]) -> ModelOutput:
        prompts.append(messages[-1].content)
        return ModelOutput(text="B")

    await task.solver[0](state, generate)
    assert "A) red\nB) green\nC) blue" in prompts[0]
    assert "Pick one?" in prompts[0]
