"""Every command acts as the principal its credentials name: on a store with users the
assessment, governance, report and suite commands check that principal's roles and clearance
(not the local administrator's), and without credentials they stop with a clear error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from clearance.access import Marking, Role
from clearance.cli import app
from clearance.store import Store
from people_support import enrolled_user, first_admin, own_token

FINDING = "Evaluators with the clearance needed are not available until the next quarter begins."
INTAKE = {
    "name": "Clearance adjudication assistant",
    "agency": "Department of Defense",
    "office": "Defense Counterintelligence and Security Agency",
    "purpose_and_benefits": "Speeds up review of investigation files.",
    "outputs": "A summary and a recommended adjudication.",
    "stage": "implementation_and_assessment",
    "principal_basis": True,
    "decision_domain": "security_clearance",
    "functions": ["security_clearance_determination", "summarization"],
    "significant_effect_on_personnel": True,
    "affected": ["federal_employees"],
    "human_oversight": {"level": "human_decides"},
    "developers": ["eva"],
    "omb": {"topic_area": "Law & Justice", "date_initiated": "2024-03-01"},
}


@dataclass(frozen=True)
class Tokens:
    """API tokens of the store's users: an administrator cleared TOP SECRET, an evaluator cleared
    for UNCLASSIFIED only, and a chief AI officer cleared SECRET."""

    admin: str
    evaluator: str
    chief: str


def cli(*args: str, token: str | None = None, code: int = 0) -> Any:
    """``clearance ARGS`` in-process as the holder of ``token`` (no credentials when None)."""
    env = {"CLEARANCE_TOKEN": token} if token else {}
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


@pytest.fixture
def tokens(clearance_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Tokens]:
    """The CLI's default (embedded) store, with three users."""
    for name in ("CLEARANCE_TOKEN", "CLEARANCE_USER", "CLEARANCE_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    clearance_home.mkdir(parents=True, exist_ok=True)
    store = Store.open()
    root = first_admin(store, roles=[Role.ADMIN, Role.CHIEF_AI_OFFICER])
    people = {
        "eva": ([Role.EVALUATOR], Marking.of("UNCLASSIFIED")),
        "cao": ([Role.CHIEF_AI_OFFICER], Marking.of("SECRET")),
    }
    issued = {"root": own_token(store, root)}
    for user, (roles, clearance) in people.items():
        who = enrolled_user(store, root, user, roles=roles, clearance=clearance)
        issued[user] = own_token(store, who)
    yield Tokens(admin=issued["root"], evaluator=issued["eva"], chief=issued["cao"])
    store.close()


def write_task(directory: Path) -> tuple[Path, str]:
    """A four-sample sums task and a scripted model that answers every sample."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = [{"id": f"s{i}", "q": f"What is {i} + {i}?", "a": str(2 * i)} for i in range(4)]
    (directory / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = directory / "task.yaml"
    task.write_text(
        "name: sums\ndataset:\n  path: data.jsonl\n  fields: {id: id, input: q, target: a}\n"
        "scorer: numeric\n"
    )
    answers = directory / "answers.jsonl"
    answers.write_text(
        "".join(json.dumps({"id": r["id"], "output": f"It is {r['a']}."}) + "\n" for r in rows)
    )
    return task, f"scripted/{answers}"


def eval_run(task: Path, model: str, token: str, *extra: str) -> str:
    result = cli("eval", "run", str(task), "--model", model, "--json", "-q", *extra, token=token)
    return str(json.loads(result.stdout)["id"])


def test_evaluator_assesses_as_themselves(tokens: Tokens, tmp_path: Path) -> None:
    task, model = write_task(tmp_path / "task")
    eval_run(task, model, tokens.evaluator)
    result = cli("assess", model, "--task-domain", "sums=cyber", "--json", token=tokens.evaluator)
    assessment = json.loads(result.stdout)
    assert assessment["id"]
    found = cli("findings", "list", "--json", token=tokens.evaluator)
    assert {f["assessment_id"] for f in json.loads(found.stdout)} == {assessment["id"]}
    assert all(f["created_by"] == "eva" for f in json.loads(found.stdout))


def test_waiver_grant_needs_the_chief_ai_officer(tokens: Tokens, tmp_path: Path) -> None:
    intake = tmp_path / "intake.yaml"
    intake.write_text(yaml.safe_dump(INTAKE))
    added = cli("usecase", "add", "--file", str(intake), "--json", token=tokens.admin)
    use_case = json.loads(added.stdout)["use_case"]["id"]
    grant = ("waiver", "grant", use_case, "training", "--category", "impedes-critical-operations")
    terms = ("--finding", FINDING, "--days", "30", "--json")

    refused = cli(*grant, *terms, token=tokens.evaluator, code=1)
    assert "eva may not waiver.grant" in refused.stderr
    assert refused.exception is None or isinstance(refused.exception, SystemExit)

    granted = json.loads(cli(*grant, *terms, token=tokens.chief).stdout)
    assert granted["state"] == "active"
    assert granted["waiver"]["created_by"] == "cao"


def test_annual_report_withholds_what_the_reader_is_not_cleared_for(
    tokens: Tokens, tmp_path: Path
) -> None:
    task, model = write_task(tmp_path / "task")
    secret = eval_run(task, model, tokens.admin, "--marking", "SECRET")

    as_evaluator = cli("report", "annual", "--format", "json", token=tokens.evaluator)
    assert secret not in as_evaluator.stdout
    report = json.loads(as_evaluator.stdout)["report"]
    withheld = {w["record_type"]: w["count"] for w in report["withheld"]}
    assert withheld["run"] == 1
    assert "1 record withheld by your clearance" in as_evaluator.stderr

    as_admin = json.loads(cli("report", "annual", "--format", "json", token=tokens.admin).stdout)
    assert all(w["count"] == 0 for w in as_admin["report"]["withheld"])


@pytest.mark.parametrize(
    "args",
    [
        ("assess", "openai/gpt-4o"),
        ("findings", "list"),
        ("mitigation", "list"),
        ("usecase", "list"),
        ("waiver", "list"),
        ("inventory", "export"),
        ("report", "annual", "--format", "json"),
        ("suite", "run", "capabilities", "--model", "openai/gpt-4o"),
        ("eval", "list"),
    ],
)
def test_no_credentials_on_a_store_with_users_is_a_clear_error(
    tokens: Tokens, args: tuple[str, ...]
) -> None:
    result = cli(*args, code=1)
    assert "error:" in result.stderr
    assert "CLEARANCE_TOKEN" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_wrong_token_is_a_clear_error(tokens: Tokens) -> None:
    result = cli("usecase", "list", token="not-a-token", code=1)
    assert "error:" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
