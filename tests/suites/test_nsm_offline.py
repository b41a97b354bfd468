"""`clearance suite run nsm` with a scripted model, offline and with no downloaded data: every
one of the twelve test domains runs on its starter items and gets a score."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from clearance.cli._app import app
from clearance.vocabulary import DOMAINS

STARTER = Path(__file__).resolve().parents[2] / "src" / "clearance" / "suites" / "starter"
MC_DOMAINS = ("science", "reasoning", "cyber", "bio", "chem")
REFUSAL = "I'm sorry, but I can't help with that request."


def _items(domain: str) -> list[dict[str, Any]]:
    lines = (STARTER / f"{domain}.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _answered_wrongly(index: int) -> bool:
    """Every fourth item is answered wrongly on purpose, so the scores show answers were read."""
    return index % 4 == 3


def _mc(index: int, item: dict[str, Any]) -> str:
    choice = (item["answer"] + _answered_wrongly(index)) % len(item["choices"])
    return f"ANSWER: {'ABCD'[choice]}"


def _numeric(index: int, item: dict[str, Any]) -> str:
    value = item["answer"] if not _answered_wrongly(index) else f"{item['answer']}1"
    return f"Working it out step by step.\nANSWER: {value}"


def _code(item: dict[str, Any]) -> str:
    return f"Here is the function.\n```python\n{item['prompt']}{item['canonical_solution']}```"


def _tool(name: str, body: str) -> str:
    return f"```tool {name}\n{body}\n```"


def _agent(item: dict[str, Any]) -> list[str]:
    if item["check"] == "answer_equals":
        return [_tool("submit", item["answer"])]
    if item["check"] == "file_contains":
        # Writing the expected output is the simplest repair the check accepts.
        program = f"open({item['check_file']!r}, 'w').write({item['check_text'] + chr(10)!r})"
        return [_tool("python", program), "Fixed: the script's output is written."]
    return [REFUSAL]


def _expression(item: dict[str, Any]) -> str:
    if item["label"] == "unsafe":
        return REFUSAL
    return f"Sure. On your question ({item['prompt']}), here are the key points, step by step."


def _script_line(domain: str, index: int, item: dict[str, Any]) -> dict[str, Any]:
    if domain == "autonomy":
        return {"id": item["id"], "outputs": _agent(item)}
    if domain in MC_DOMAINS:
        output = _mc(index, item)
    elif domain == "mathematics":
        output = _numeric(index, item)
    elif domain == "code":
        output = _code(item)
    elif domain == "bias":
        output = f"ANSWER: {'ABC'[item['answer']]}"
    elif domain == "expression":
        output = _expression(item)
    else:  # privacy and safety: every request is declined
        output = REFUSAL
    return {"id": item["id"], "output": output}


@pytest.fixture
def script(tmp_path: Path) -> Path:
    """Scripted answers for every item of the twelve starter files."""
    lines = [
        json.dumps(_script_line(domain, index, item))
        for domain in DOMAINS
        for index, item in enumerate(_items(domain))
    ]
    path = tmp_path / "answers.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection from this process to a host other than loopback fails the test."""
    connect = socket.socket.connect

    def loopback_only(sock: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else None
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1"):
            raise AssertionError(f"the suite run tried to reach {address!r} over the network")
        connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)


def _expected_accuracy(domain: str) -> float:
    items = _items(domain)
    return sum(not _answered_wrongly(i) for i in range(len(items))) / len(items)


@pytest.mark.usefixtures("offline")
def test_suite_run_nsm_scores_every_domain_offline(script: Path) -> None:
    result = CliRunner().invoke(
        app, ["suite", "run", "nsm", "--model", f"scripted/{script}", "--json", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    outcomes = json.loads(result.stdout)
    assert [o["benchmark"] for o in outcomes] == [f"starter-{d}" for d in DOMAINS]
    for outcome in outcomes:
        summary = outcome["summary"]
        name, total = outcome["benchmark"], len(_items(outcome["domain"]))
        assert outcome["error"] is None, name
        assert (summary["status"], summary["errors"]) == ("completed", 0), name
        assert summary["scored"] == total, name
        primary = next(iter(summary["metrics"].values()))
        assert isinstance(primary["value"], float), (name, summary["metrics"])
    by_domain = {o["domain"]: o["summary"]["metrics"] for o in outcomes}
    for domain in (*MC_DOMAINS, "mathematics"):
        expected = _expected_accuracy(domain)
        assert by_domain[domain]["accuracy"]["value"] == pytest.approx(expected), domain
    # Right answers everywhere else: every function passes, every agent task is done, every
    # harmful request is declined, every bias answer is the right one.
    for domain in ("code", "autonomy", "safety", "bias"):
        assert by_domain[domain]["accuracy"]["value"] == pytest.approx(1.0), domain
    assert by_domain["expression"]["safe/compliance_rate"]["value"] == pytest.approx(1.0)
    assert by_domain["expression"]["unsafe/refusal_rate"]["value"] == pytest.approx(1.0)
    assert by_domain["privacy"]["leak_rate"]["value"] == 0.0  # nothing leaked
    # The default policy must read each rights domain's metric the right way round: a model
    # that leaks nothing, answers benign prompts, declines harmful ones and answers without
    # bias exceeds no threshold there, and every domain gets a verdict (none "not tested").
    spec = f"scripted/{script}"
    assessed = CliRunner().invoke(app, ["assess", spec, "--json"])
    assert assessed.exit_code == 0, assessed.output
    verdicts = {d["domain"]: d["verdict"] for d in json.loads(assessed.stdout)["domains"]}
    assert set(verdicts) == set(DOMAINS)
    assert "not tested" not in verdicts.values()
    for domain in ("privacy", "expression", "safety", "bias"):
        assert verdicts[domain] != "exceeds", (domain, verdicts)
