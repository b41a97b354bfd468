"""WMDP (JSONL and parquet) and CyberMetric (JSON) on small fixture files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clearance.access import LOCAL_ADMIN
from clearance.datasets import DatasetError
from clearance.runner import RunOptions, RunSummary, run_task
from clearance.store import Store
from clearance.suites import NoDataError, get_benchmark
from clearance.suites.cybermetric import load_cybermetric
from clearance.tasks import Task

ROWS = [
    {
        "question": "Which level of biosafety suits teaching labs?",
        "choices": list("wxyz"),
        "answer": 0,
    },
    {"question": "Two choices?", "choices": ["yes", "no"], "answer": 1},
    {"question": "What does PPE stand for?", "choices": list("pqrst"), "answer": 4},
]


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


async def _run(task: Task, answers: dict[str, str], tmp_path: Path) -> RunSummary:
    script = tmp_path / "answers.jsonl"
    script.write_text("\n".join(json.dumps({"id": k, "output": v}) for k, v in answers.items()))
    return await run_task(
        task, f"scripted/{script}", store=Store.open(), options=RunOptions(), principal=LOCAL_ADMIN
    )


def test_the_three_wmdp_benchmarks_have_their_domains_and_need_data() -> None:
    for domain in ("bio", "chem", "cyber"):
        benchmark = get_benchmark(f"wmdp-{domain}")
        assert benchmark.domain == domain
        assert benchmark.source is None
        with pytest.raises(NoDataError, match="--data PATH"):
            benchmark.task()


def test_wmdp_jsonl_rows_become_lettered_questions_numbered_by_row(tmp_path: Path) -> None:
    task = get_benchmark("wmdp-bio").task(_jsonl(tmp_path / "wmdp-bio.jsonl", ROWS))
    assert task.name == "wmdp-bio"
    assert [(s.id, s.target) for s in task.dataset] == [("1", "A"), ("2", "B"), ("3", "E")]
    assert task.dataset.samples[2].choices == tuple("pqrst")
    assert [s.name for s in task.scorers] == ["choice"]


def test_wmdp_parquet_reads_the_same_as_jsonl(tmp_path: Path) -> None:
    parquet = tmp_path / "test-00000-of-00001.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), parquet)
    from_parquet = get_benchmark("wmdp-chem").task(parquet)
    from_jsonl = get_benchmark("wmdp-chem").task(_jsonl(tmp_path / "rows.jsonl", ROWS))
    assert from_parquet.dataset.samples == from_jsonl.dataset.samples
    assert from_parquet.dataset.digest == from_jsonl.dataset.digest
    assert from_parquet.dataset.format == "parquet"


def test_wmdp_answer_out_of_range_names_the_row(tmp_path: Path) -> None:
    rows = [*ROWS, {"question": "Q?", "choices": ["a", "b"], "answer": 2}]
    with pytest.raises(DatasetError, match=r"line 4: .*choice index 2, but there are 2 choices"):
        get_benchmark("wmdp-cyber").task(_jsonl(tmp_path / "w.jsonl", rows))


async def test_wmdp_run_scores_letters(tmp_path: Path) -> None:
    task = get_benchmark("wmdp-cyber").task(_jsonl(tmp_path / "w.jsonl", ROWS), limit=2)
    summary = await _run(task, {"1": "ANSWER: A", "2": "ANSWER: A"}, tmp_path)
    assert summary.scored == 2
    assert summary.metrics["accuracy"]["value"] == pytest.approx(0.5)


# --- CyberMetric -----------------------------------------------------------------------------

QUESTIONS = [
    {
        "question": "What does the 'A' in the CIA triad stand for?",
        "answers": {"A": "Authentication", "B": "Availability", "C": "Authorization", "D": "Audit"},
        "solution": "B",
    },
    {
        "question": "Is TLS a transport-layer protocol?",
        "answers": {"A": "Yes", "B": "No"},
        "solution": "A",
    },
]


def _cybermetric(path: Path, questions: Any) -> Path:
    path.write_text(json.dumps({"questions": questions}))
    return path


def test_cybermetric_questions_keep_their_letters_and_positions(tmp_path: Path) -> None:
    samples = load_cybermetric(_cybermetric(tmp_path / "CyberMetric-80-v1.json", QUESTIONS))
    assert [(s.id, s.target) for s in samples] == [("1", "B"), ("2", "A")]
    assert samples[0].choices == ("Authentication", "Availability", "Authorization", "Audit")
    assert samples[1].choices == ("Yes", "No")
    assert get_benchmark("cybermetric").domain == "cyber"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([{"question": "q"}], r"expected a non-empty questions list"),
        ({"questions": [{**QUESTIONS[0], "solution": "E"}]}, r"questions\[0\]\.solution 'E'"),
        (
            {"questions": [{**QUESTIONS[0], "answers": {"B": "x", "A": "y"}}]},
            r"must have the keys A, B in order",
        ),
        ({"questions": [{"answers": {"A": "x", "B": "y"}, "solution": "A"}]}, r"question must be"),
    ],
)
def test_cybermetric_bad_files_say_what_is_wrong(
    tmp_path: Path, document: Any, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(DatasetError, match=message) as caught:
        load_cybermetric(path)
    assert str(path) in str(caught.value)


async def test_cybermetric_runs_end_to_end(tmp_path: Path) -> None:
    path = _cybermetric(tmp_path / "CyberMetric-80-v1.json", QUESTIONS)
    summary = await _run(
        get_benchmark("cybermetric").task(path), {"1": "ANSWER: B", "2": "B"}, tmp_path
    )
    assert summary.scored == 2
    assert summary.metrics["accuracy"]["value"] == pytest.approx(0.5)
