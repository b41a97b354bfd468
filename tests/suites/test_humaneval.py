"""HumanEval and starter-code end to end: the real engine, the scripted model, the sandbox."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import socket
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from clearance.access import LOCAL_ADMIN
from clearance.cli._app import app
from clearance.runner import RunOptions, RunSummary, run_task
from clearance.store import SampleRecord, Store
from clearance.suites import get_benchmark
from clearance.suites.humaneval import build_humaneval
from clearance.tasks import allow_unsafe_local_exec, code_execution, load_task, spec_of

REPO = Path(__file__).resolve().parents[2]
HUMANEVAL = REPO.parent / "shared" / "datasets" / "humaneval" / "HumanEval.jsonl.gz"
STARTER_CODE = REPO / "src" / "clearance" / "suites" / "starter" / "code.jsonl"


def _problems(path: Path = HUMANEVAL) -> list[dict[str, Any]]:
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _script(tmp_path: Path, outputs: dict[str, str]) -> str:
    path = tmp_path / f"script-{uuid.uuid4().hex[:8]}.jsonl"
    with path.open("w") as f:
        for sid, text in outputs.items():
            f.write(json.dumps({"id": sid, "output": text}) + "\n")
    return f"scripted/{path}"


def _fenced(code: str) -> str:
    return f"Here is the function:\n\n```python\n{code}```\n"


async def _run(task: Any, model: str, **options: Any) -> tuple[RunSummary, dict[str, SampleRecord]]:
    store = Store.open()
    summary = await run_task(
        task, model, store=store, options=RunOptions(**options), principal=LOCAL_ADMIN
    )
    return summary, {s.sample_id: s for s in store.runs.samples(summary.id)}


def test_the_source_pins_the_shared_files_digest() -> None:
    digest = hashlib.sha256(HUMANEVAL.read_bytes()).hexdigest()
    bench = get_benchmark("humaneval")
    assert bench.source is not None
    assert bench.source.sha256 == digest
    assert bench.domain == "code"
    sums = (HUMANEVAL.parents[1] / "SHA256SUMS").read_text()
    assert f"{digest}  ./humaneval/HumanEval.jsonl.gz" in sums


def test_ids_are_task_ids_and_the_prompt_asks_for_a_python_block() -> None:
    task = load_task("humaneval", data=HUMANEVAL, limit=3)
    assert [s.id for s in task.dataset] == ["HumanEval/0", "HumanEval/1", "HumanEval/2"]
    assert task.epochs == 1
    assert [s.name for s in task.scorers] == ["code_execution"]
    assert {"prompt", "test", "entry_point"} <= set(task.dataset.samples[0].metadata)
    assert "```python" in spec_of(task.solver[0]).args["template"]


async def test_all_164_canonical_solutions_pass_as_full_functions(tmp_path: Path) -> None:
    problems = _problems()
    outputs = {p["task_id"]: _fenced(p["prompt"] + p["canonical_solution"]) for p in problems}
    summary, rows = await _run(
        load_task("humaneval", data=HUMANEVAL), _script(tmp_path, outputs), max_connections=4
    )
    failed = {sid: r.scores for sid, r in rows.items() if r.scores["code_execution"]["value"] != 1}
    assert failed == {}
    assert (summary.scored, summary.errors) == (164, 0)
    assert summary.metrics["accuracy"]["value"] == 1.0
    assert summary.metrics["pass@1"]["value"] == 1.0
    assert summary.metrics["pass@1"]["n"] == 164


async def test_canonical_bodies_continue_the_prompt_in_starter_code(tmp_path: Path) -> None:
    items = _problems(STARTER_CODE)
    outputs = {p["id"]: f"```python\n{p['canonical_solution']}```" for p in items}
    summary, _ = await _run(
        load_task("starter-code"), _script(tmp_path, outputs), max_connections=4
    )
    assert (summary.scored, summary.errors) == (len(items), 0)
    assert summary.metrics["accuracy"]["value"] == 1.0


async def test_epochs_give_pass_at_k_up_to_k(tmp_path: Path) -> None:
    items = _problems(STARTER_CODE)[:3]
    outputs = {p["id"]: f"```python\n{p['canonical_solution']}```" for p in items[:2]}
    outputs[items[2]["id"]] = "```python\n    return None\n```"
    summary, _ = await _run(
        load_task("starter-code", limit=3), _script(tmp_path, outputs), epochs=3
    )
    assert summary.scored == 9
    assert {k for k in summary.metrics if k.startswith("pass@")} == {"pass@1", "pass@2", "pass@3"}
    for k in (1, 2, 3):
        assert summary.metrics[f"pass@{k}"]["value"] == pytest.approx(2 / 3)
        assert summary.metrics[f"pass@{k}"]["n"] == 3


@pytest.fixture
def listening_port() -> Iterator[socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    yield server
    server.close()


def _hostile(port: int, outside: Path) -> dict[str, str]:
    """Solutions for HumanEval/0..4: wrong, then four that try to escape the sandbox."""
    sig = "def {name}(*args):\n"
    return {
        "HumanEval/0": sig.format(name="has_close_elements") + "    return True\n",
        "HumanEval/1": sig.format(name="separate_paren_groups")
        + "    import socket\n"
        + f"    socket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'leak')\n"
        + "    return []\n",
        "HumanEval/2": sig.format(name="truncate_number")
        + "    import os, time\n"
        + "    for _ in range(300):  # bounded: at most 300 forks even if nothing stops them\n"
        + "        if os.fork() == 0:\n"
        + "            time.sleep(30)\n"
        + "            os._exit(0)\n"
        + "    return 0.5\n",
        "HumanEval/3": sig.format(name="below_zero")
        + "    block = bytearray(8 * 1024 ** 3)\n"
        + "    return False\n",
        "HumanEval/4": sig.format(name="mean_absolute_deviation")
        + f"    open({str(outside)!r}, 'w').write('escaped')\n"
        + "    return 0.0\n",
    }


async def test_wrong_and_hostile_code_is_contained_and_scored_zero(
    tmp_path: Path, listening_port: socket.socket
) -> None:
    # The venv: writable on the host, read-only inside every sandbox backend, wherever the
    # checkout lives (a checkout under /tmp sits in the sandbox's private, writable /tmp).
    outside = Path(sys.prefix) / f"escaped-{uuid.uuid4().hex}.txt"
    port = listening_port.getsockname()[1]
    outputs = {sid: _fenced(code) for sid, code in _hostile(port, outside).items()}
    summary, rows = await _run(
        load_task("humaneval", data=HUMANEVAL, limit=5),
        _script(tmp_path, outputs),
        max_connections=5,
    )
    assert (summary.scored, summary.errors) == (5, 0)
    scores = {sid: r.scores["code_execution"] for sid, r in rows.items()}
    assert {sid: s["value"] for sid, s in scores.items()} == dict.fromkeys(outputs, 0.0)
    assert "AssertionError" in scores["HumanEval/0"]["explanation"]
    # The sandbox's own loopback has no listener, or there is no network at all.
    assert re.search(
        "Connection refused|Network is unreachable", scores["HumanEval/1"]["explanation"]
    )
    assert "Resource temporarily unavailable" in scores["HumanEval/2"]["explanation"]
    assert "memory limit" in scores["HumanEval/3"]["explanation"]
    assert scores["HumanEval/3"]["metadata"]["killed"] == "memory"
    assert "Read-only file system" in scores["HumanEval/4"]["explanation"]
    with pytest.raises(TimeoutError):
        listening_port.accept()  # nothing ever connected
    assert not outside.exists()


async def test_without_a_sandbox_the_sample_errors_unless_unsafe_exec_is_allowed(
    tmp_path: Path,
) -> None:
    problem = _problems()[0]
    model = _script(
        tmp_path, {"HumanEval/0": _fenced(problem["prompt"] + problem["canonical_solution"])}
    )
    task = build_humaneval(HUMANEVAL, 1)
    refused = replace(task, scorers=(code_execution(backends=[]),))
    summary, rows = await _run(refused, model)
    assert (summary.scored, summary.errors) == (0, 1)
    assert rows["HumanEval/0"].error_type == "SandboxUnavailableError"
    allowed = allow_unsafe_local_exec(refused)
    assert allowed.definition["unsafe_local_exec"] is True
    assert allowed.digest != refused.digest
    summary, rows = await _run(allowed, model)
    assert (summary.scored, summary.errors) == (1, 0)
    assert rows["HumanEval/0"].scores["code_execution"]["metadata"]["backend"] == "unsafe-local"


def test_the_cli_flag_marks_the_run_and_is_refused_where_no_code_runs(tmp_path: Path) -> None:
    items = _problems(STARTER_CODE)[:2]
    model = _script(
        tmp_path, {p["id"]: _fenced(p["prompt"] + p["canonical_solution"]) for p in items}
    )
    runner = CliRunner()
    args = ["eval", "run", "starter-code", "--model", model, "--limit", "2", "--json"]
    result = runner.invoke(app, [*args, "--unsafe-local-exec"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["scored"] == 2
    assert summary["provenance"]["task"]["ref"]["unsafe_local_exec"] is True
    plain = runner.invoke(app, args)
    digest = json.loads(plain.stdout.strip().splitlines()[-1])["provenance"]["task"]["digest"]
    assert digest != summary["provenance"]["task"]["digest"]
    refused = runner.invoke(
        app, ["eval", "run", "starter-knowledge", "--model", model, "--unsafe-local-exec"]
    )
    assert refused.exit_code == 1
    assert "runs no code in a sandbox" in refused.output
