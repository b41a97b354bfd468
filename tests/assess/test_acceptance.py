"""The acceptance scenario, offline, through the runner and the CLI as a user runs them.

A scripted model exceeds the cyber threshold; a mitigated configuration brings it below with a
significant McNemar difference; a too-small bio run is flagged as unable to decide; chem,
never run, reads "not tested". Every write leaves exactly one ledger entry per change.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from assess_runs import ledger_count
from typer.testing import CliRunner

import clearance.suites  # noqa: F401  (registers the catalogue's benchmarks as tasks)
from clearance.access import LOCAL_ADMIN
from clearance.cli import app
from clearance.datasets import Sample
from clearance.runner import run_task
from clearance.store import Store
from clearance.tasks import Task, load_task

CYBER, BIO = "starter-cyber", "starter-bio"


def _option_text(sample: Sample, offset: int = 0) -> str:
    """The text of the correct option (or, with an offset, of a wrong one): the choice scorer
    reads a restated option, so the answer holds whatever order the solver shuffles into."""
    assert sample.choices is not None
    assert isinstance(sample.target, str)
    index = (ord(sample.target) - ord("A") + offset) % len(sample.choices)
    return sample.choices[index]


def _script(path: Path, answers: dict[str, str]) -> str:
    path.write_text("".join(json.dumps({"id": k, "output": v}) + "\n" for k, v in answers.items()))
    return f"scripted/{path}"


def _answers(task: Task, correct: int) -> dict[str, str]:
    """The first ``correct`` samples answered right, the rest with a wrong option."""
    return {
        s.id: _option_text(s, 0 if i < correct else 1) for i, s in enumerate(task.dataset.samples)
    }


def _cli(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def cli_login(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A team (PostgreSQL) store acts for no one until it has users: log the CLI in as its
    first administrator, as a team would. The embedded store needs no login."""
    if not store_url.startswith("postgresql"):
        return
    from people_support import first_admin, own_token

    store = Store.open(store_url)
    monkeypatch.setenv("CLEARANCE_TOKEN", own_token(store, first_admin(store, "admin")))
    store.close()


@pytest.fixture
def scenario(store_url: str, tmp_path: Path, cli_login: None) -> dict[str, Any]:
    cyber, bio = load_task(CYBER), load_task(BIO, limit=6)
    n = len(cyber.dataset)
    strong = _script(tmp_path / "strong.jsonl", _answers(cyber, n) | _answers(bio, 4))
    mitigated = _script(tmp_path / "mitigated.jsonl", _answers(cyber, 4))
    return {"cyber": cyber, "bio": bio, "n": n, "strong": strong, "mitigated": mitigated}


async def test_exceeds_then_mitigated_below_with_adequacy_and_not_tested(
    store_url: str, scenario: dict[str, Any]
) -> None:
    store = Store.open(store_url)
    strong, mitigated, n = scenario["strong"], scenario["mitigated"], scenario["n"]
    baseline = await run_task(scenario["cyber"], strong, store=store, principal=LOCAL_ADMIN)
    await run_task(scenario["bio"], strong, store=store, principal=LOCAL_ADMIN)
    after = await run_task(scenario["cyber"], mitigated, store=store, principal=LOCAL_ADMIN)
    assert baseline.metrics["accuracy"]["value"] == 1.0
    assert after.metrics["accuracy"]["value"] == pytest.approx(4 / n)

    before = ledger_count(store)
    assessed = _cli("assess", strong, "--json")
    assert ledger_count(store) - before == 1 + len(assessed["findings"])
    assert ledger_count(store, action="finding.create") == len(assessed["findings"])
    domains = {d["domain"]: d for d in assessed["domains"]}
    assert domains["cyber"]["verdict"] == "exceeds"
    assert domains["cyber"]["severity"] == "high"
    assert domains["bio"]["verdict"] == "inconclusive"
    assert domains["chem"]["verdict"] == "not tested"
    assert "chem" in assessed["not_tested"]
    cyber_finding = next(f for f in assessed["findings"] if f["domain"] == "cyber")
    assert cyber_finding["run_id"] == baseline.id
    assert cyber_finding["ci_low"] > 0.7
    bio_adequacy = next(d for d in assessed["adequacy"] if d["domain"] == "bio")
    assert not bio_adequacy["adequate"]
    assert re.search(
        r"6 samples cannot tell 0.67 \(95% interval [\d.]+ to [\d.]+\) from the threshold 0.60; "
        r"about \d+ would",
        bio_adequacy["sentence"],
    )
    chem_adequacy = next(d for d in assessed["adequacy"] if d["domain"] == "chem")
    assert chem_adequacy["checks"][0]["sentence"].startswith("chem: not tested")

    before = ledger_count(store)
    efficacy = _cli(
        "mitigation", "add",
        "--baseline", baseline.id,
        "--mitigated", after.id,
        "--kind", "system_prompt",
        "--description", "system prompt declines offensive-security questions",
        "--json",
    )  # fmt: skip
    assert ledger_count(store) - before == 1
    assert ledger_count(store, action="mitigation.create") == 1
    assert efficacy["method"] == "mcnemar-exact"
    assert efficacy["effect"] == pytest.approx((4 - n) / n)
    assert efficacy["p_adjusted"] < 1e-6
    assert efficacy["effective"] is True
    assert (efficacy["baseline_verdict"], efficacy["mitigated_verdict"]) == ("exceeds", "below")

    after_assessed = _cli("assess", mitigated, "--json")
    assert {d["domain"]: d["verdict"] for d in after_assessed["domains"]}["cyber"] == "below"

    again = _cli("assess", strong, "--json")
    (judged,) = again["mitigations"]
    assert judged["mitigation_id"] == efficacy["mitigation_id"]
    assert judged["effective"]
    assert again["policy_digest"] == assessed["policy_digest"]

    listed = _cli("findings", "list", "--model", strong, "--latest", "--json")
    assert {f["assessment_id"] for f in listed} == {again["id"]}
    assert {f["policy_digest"] for f in listed} == {assessed["policy_digest"]}
    assert [m["id"] for m in _cli("mitigation", "list", "--json")] == [efficacy["mitigation_id"]]
    (shown,) = _cli("mitigation", "show", efficacy["mitigation_id"], "--json")
    assert shown["p_value"] == efficacy["p_value"]


async def test_human_output_and_errors_read_plainly(
    store_url: str, scenario: dict[str, Any]
) -> None:
    store = Store.open(store_url)
    await run_task(scenario["bio"], scenario["strong"], store=store, principal=LOCAL_ADMIN)
    result = CliRunner().invoke(app, ["assess", scenario["strong"], "--no-save"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "assessment (not saved)" in text
    assert "not tested" in text
    assert "inconclusive" in text
    assert "6 samples cannot tell 0.67 (95% interval" in text
    assert ledger_count(store, action="assessment.create") == 0

    unknown = CliRunner().invoke(app, ["assess", "scripted/nowhere.jsonl"])
    assert unknown.exit_code == 1
    assert "no model 'scripted/nowhere.jsonl' in the store" in unknown.output
    missing = CliRunner().invoke(app, ["mitigation", "show", "mt-nothing"])
    assert missing.exit_code == 1
    assert "no mitigation matches 'mt-nothing'" in missing.output
    bad_pair = CliRunner().invoke(app, ["assess", scenario["strong"], "--task-domain", "x"])
    assert bad_pair.exit_code == 1
    assert "NAME=DOMAIN" in bad_pair.output
    empty = CliRunner().invoke(app, ["findings", "list"])
    assert empty.exit_code == 0
    assert "no findings yet" in empty.output
