"""GSM8K on the upstream test.jsonl: ids, targets, limits, the pinned digest and scoring."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from clearance.access import LOCAL_ADMIN
from clearance.datasets import DatasetError
from clearance.runner import RunOptions, run_task
from clearance.store import Store
from clearance.suites import get_benchmark
from clearance.suites._fetch import file_sha256
from clearance.tasks import spec_of

SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets"


@pytest.fixture
def gsm8k_file() -> Path:
    path = SHARED / "gsm8k" / "test.jsonl"
    if not path.exists():
        pytest.skip(f"the shared GSM8K file is not at {path}")
    return path


def test_every_line_becomes_a_sample_numbered_from_one(gsm8k_file: Path) -> None:
    task = get_benchmark("gsm8k").task(gsm8k_file)
    lines = gsm8k_file.read_text(encoding="utf-8").splitlines()
    assert len(task.dataset) == len(lines) == 1319
    assert [s.id for s in task.dataset] == [str(n) for n in range(1, 1320)]
    first = json.loads(lines[0])
    assert task.dataset.samples[0].input == first["question"]
    assert task.dataset.samples[0].target == "18"


def test_targets_are_the_number_after_the_hashes_without_separators(gsm8k_file: Path) -> None:
    task = get_benchmark("gsm8k").task(gsm8k_file)
    lines = gsm8k_file.read_text(encoding="utf-8").splitlines()
    for sample, line in zip(task.dataset, lines, strict=True):
        upstream = json.loads(line)["answer"].split("####")[-1].strip()
        assert isinstance(sample.target, str)
        assert Decimal(sample.target) == Decimal(upstream.replace(",", ""))
        assert "," not in sample.target
    assert any("," in json.loads(line)["answer"].split("####")[-1] for line in lines)


def test_limit_keeps_the_first_lines(gsm8k_file: Path) -> None:
    task = get_benchmark("gsm8k").task(gsm8k_file, limit=5)
    assert [s.id for s in task.dataset] == ["1", "2", "3", "4", "5"]


def test_the_pinned_digest_is_the_upstream_files(gsm8k_file: Path) -> None:
    source = get_benchmark("gsm8k").source
    assert source is not None
    sums = (SHARED / "SHA256SUMS").read_text().splitlines()
    listed = {line.split()[1]: line.split()[0] for line in sums}
    assert source.sha256 == listed["./gsm8k/test.jsonl"] == file_sha256(gsm8k_file)
    assert source.filename == "test.jsonl"
    assert "openai/grade-school-math" in source.url


def test_the_prompt_asks_for_a_final_answer_line(gsm8k_file: Path) -> None:
    task = get_benchmark("gsm8k").task(gsm8k_file, limit=1)
    template = spec_of(task.solver[0]).args["template"]
    assert "ANSWER: N" in template
    assert "step by step" in template
    assert [s.name for s in task.scorers] == ["numeric"]


def test_a_solution_without_hashes_is_reported_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "test.jsonl"
    rows = [{"question": "1+1?", "answer": "2\n#### 2"}, {"question": "2+2?", "answer": "4"}]
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(DatasetError, match=r"line 2: the answer must end with '#### N'"):
        get_benchmark("gsm8k").task(bad)


async def test_chain_of_thought_answers_are_scored_by_their_final_number(
    gsm8k_file: Path, tmp_path: Path
) -> None:
    task = get_benchmark("gsm8k").task(gsm8k_file, limit=3)
    targets = {s.id: s.target for s in task.dataset}
    answers = {
        "1": f"16 - 3 - 4 = 9 eggs; 9 * 2 = 18.\nANSWER: {targets['1']}",
        "2": f"ANSWER: ${targets['2']}.00",
        "3": "The total is 5.\nANSWER: 5",
    }
    script = tmp_path / "answers.jsonl"
    script.write_text(
        "".join(json.dumps({"id": k, "output": v}) + "\n" for k, v in answers.items())
    )
    summary = await run_task(
        task, f"scripted/{script}", store=Store.open(), options=RunOptions(), principal=LOCAL_ADMIN
    )
    assert targets["3"] != "5"
    assert summary.scored == 3
    assert summary.metrics["accuracy"]["value"] == pytest.approx(2 / 3)
