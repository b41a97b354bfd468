"""`clearance suite list` and `clearance suite run` through the CLI, with a scripted model whose
answers are generated from the starter items."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import clearance.suites
from clearance.cli._app import app
from clearance.suites import data_cache

STARTER = Path(__file__).resolve().parents[2] / "src" / "clearance" / "suites" / "starter"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets"
MY_DOMAINS = ("science", "mathematics", "reasoning", "cyber", "bio", "chem")
WRONG_IDS = {"science-002", "cyber-001"}
"""Answered wrongly on purpose, so the scores show the answers were read."""


@pytest.fixture
def knowledge_suite(monkeypatch: pytest.MonkeyPatch) -> str:
    """A suite of only the domains whose starters this work owns."""
    monkeypatch.setitem(clearance.suites.SUITES, "knowledge-test", MY_DOMAINS)
    return "knowledge-test"


@pytest.fixture
def script(tmp_path: Path) -> Path:
    """Scripted answers for every starter item of MY_DOMAINS (and GSM8K's first lines)."""
    lines = []
    for domain in MY_DOMAINS:
        for line in (STARTER / f"{domain}.jsonl").read_text().splitlines():
            item = json.loads(line)
            if domain == "mathematics":
                output = f"Working it out.\nANSWER: {item['answer']}"
            else:
                letter = "ABCD"[(item["answer"] + (item["id"] in WRONG_IDS)) % 4]
                output = f"ANSWER: {letter}"
            lines.append(json.dumps({"id": item["id"], "output": output}))
    lines += [
        json.dumps({"id": "1", "output": "ANSWER: 18"}),
        json.dumps({"id": "2", "output": "5"}),
    ]
    path = tmp_path / "answers.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _cache_gsm8k(content: bytes) -> None:
    folder = data_cache() / "gsm8k"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test.jsonl").write_bytes(content)


def _shared_gsm8k() -> bytes:
    path = SHARED / "gsm8k" / "test.jsonl"
    if not path.exists():
        pytest.skip(f"the shared GSM8K file is not at {path}")
    return path.read_bytes()


def _listing() -> dict[str, Any]:
    result = _invoke("suite", "list", "--json")
    assert result.exit_code == 0, result.output
    listing: dict[str, Any] = json.loads(result.stdout)
    return listing


def test_suite_list_gives_domains_counts_and_data() -> None:
    listing = _listing()
    suites = {s["name"]: s for s in listing["suites"]}
    assert suites["capabilities"]["domains"] == ["science", "mathematics", "code", "reasoning"]
    assert suites["hazards"]["domains"] == ["cyber", "bio", "chem", "autonomy"]
    assert "starter-mathematics" in suites["capabilities"]["plan"]
    rows = {b["name"]: b for b in listing["benchmarks"]}
    assert (rows["starter-science"]["samples"], rows["starter-science"]["data"]) == (28, True)
    assert rows["starter-chem"]["domain"] == "chem"
    for absent in ("gsm8k", "bbh", "mmlu", "wmdp-bio", "cybermetric"):
        assert (rows[absent]["samples"], rows[absent]["data"]) == (None, False)


def test_suite_list_counts_fetched_data_and_plans_it() -> None:
    _cache_gsm8k(_shared_gsm8k())
    listing = _listing()
    rows = {b["name"]: b for b in listing["benchmarks"]}
    assert (rows["gsm8k"]["samples"], rows["gsm8k"]["data"]) == (1319, True)
    plan = next(s["plan"] for s in listing["suites"] if s["name"] == "capabilities")
    assert "gsm8k" in plan
    assert "starter-mathematics" not in plan
    text = _invoke("suite", "list")
    assert text.exit_code == 0
    assert "1,319" in text.stdout
    assert "starter-science" in text.stdout


def test_suite_run_scores_every_benchmark_of_the_plan(knowledge_suite: str, script: Path) -> None:
    result = _invoke(
        "suite", "run", knowledge_suite, "--model", f"scripted/{script}", "--limit", "4", "--json"
    )
    assert result.exit_code == 0, result.output
    outcomes = {o["benchmark"]: o for o in json.loads(result.stdout)}
    assert list(outcomes) == [f"starter-{d}" for d in MY_DOMAINS]
    for name, outcome in outcomes.items():
        summary = outcome["summary"]
        assert outcome["error"] is None
        assert (summary["status"], summary["scored"], summary["errors"]) == ("completed", 4, 0)
        wrong = sum(f"{name.removeprefix('starter-')}-00{i}" in WRONG_IDS for i in range(1, 5))
        assert summary["metrics"]["accuracy"]["value"] == pytest.approx((4 - wrong) / 4), name
        assert outcome["domain"] == name.removeprefix("starter-")


def test_suite_run_prints_a_table_and_shows_progress(knowledge_suite: str, script: Path) -> None:
    result = _invoke(
        "suite", "run", knowledge_suite, "--model", f"scripted/{script}", "--limit", "2"
    )
    assert result.exit_code == 0, result.output
    for domain in MY_DOMAINS:
        assert f"starter-{domain}" in result.stdout
    lines = [line.split() for line in result.stdout.splitlines()]
    rows = {words[1]: words[2:7] for words in lines if words and words[0] in MY_DOMAINS}
    assert rows["starter-chem"] == ["accuracy", "1.000", "0.342–1.000", "2", "ok"]
    assert rows["starter-science"][:2] == ["accuracy", "0.500"]  # one of two answered wrongly
    assert "6 of 6 benchmarks done" in result.stderr
    assert "starter-chem" in result.stderr


def test_a_benchmark_that_cannot_build_is_reported_and_the_rest_run(
    monkeypatch: pytest.MonkeyPatch, script: Path
) -> None:
    monkeypatch.setitem(clearance.suites.SUITES, "maths-and-science", ("science", "mathematics"))
    _cache_gsm8k(b'{"question": "1+1?", "answer": "no hashes here"}\n')
    result = _invoke(
        "suite", "run", "maths-and-science", "--model", f"scripted/{script}", "--limit", "2",
        "--json",
    )  # fmt: skip
    assert result.exit_code == 1
    outcomes = {o["benchmark"]: o for o in json.loads(result.stdout)}
    assert list(outcomes) == ["starter-science", "gsm8k"]
    assert outcomes["starter-science"]["summary"]["scored"] == 2
    assert outcomes["gsm8k"]["summary"] is None
    assert "could not build the task" in outcomes["gsm8k"]["error"]
    assert "line 1: the answer must end with '#### N'" in outcomes["gsm8k"]["error"]
    assert "1 of 2 benchmarks failed: gsm8k" in " ".join(result.stderr.split())


def test_fetched_gsm8k_runs_in_place_of_the_starter_items(
    monkeypatch: pytest.MonkeyPatch, script: Path
) -> None:
    monkeypatch.setitem(clearance.suites.SUITES, "maths", ("mathematics",))
    _cache_gsm8k(_shared_gsm8k())
    result = _invoke("suite", "run", "maths", "--model", f"scripted/{script}", "--limit", "2", "-q")
    assert result.exit_code == 0, result.output
    assert "starter-mathematics" not in result.stdout
    # The results table's row (the run ids printed after it name gsm8k too).
    (row,) = [
        line.split()
        for line in result.stdout.splitlines()
        if line.split()[:2] == ["mathematics", "gsm8k"]
    ]
    assert row[:5] == ["mathematics", "gsm8k", "accuracy", "0.500", "0.095–0.905"]
    shutil.rmtree(data_cache())


def test_unknown_suite_and_bad_model_are_clear_errors(knowledge_suite: str) -> None:
    unknown = _invoke("suite", "run", "no-such-suite", "--model", "scripted/x.jsonl")
    assert unknown.exit_code == 1
    assert "no suite 'no-such-suite'" in unknown.stderr
    bad_model = _invoke("suite", "run", knowledge_suite, "--model", "nonsense", "-q")
    assert bad_model.exit_code == 1
    assert "error:" in bad_model.stderr


def test_suite_list_reports_unreadable_data_instead_of_a_count() -> None:
    _cache_gsm8k(b"this is not JSON\n")
    rows = {b["name"]: b for b in _listing()["benchmarks"]}
    assert rows["gsm8k"]["samples"] is None
    assert rows["gsm8k"]["data"] is True
    assert "line 1" in rows["gsm8k"]["error"]
    text = _invoke("suite", "list")
    assert text.exit_code == 0
    assert "unreadable" in text.stdout
    assert "warning: gsm8k:" in " ".join(text.stderr.split())
