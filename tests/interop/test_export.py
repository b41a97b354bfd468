"""Exporting runs as Inspect logs (validated against Inspect's own schema, read back by the
importer) and as lm-eval results and samples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from clearance.access import Marking
from clearance.accountability import Acting, acting
from clearance.cli import app
from clearance.interop import InteropError, export_run, import_runs, inspect_run, read_inspect_log
from clearance.interop._zipfile import ZipMembers
from clearance.store import SampleRecord, Store
from conftest import INSPECT_EVAL, INSPECT_SCHEMA

SCHEMA = json.loads(INSPECT_SCHEMA.read_text())


def _errors(instance: Any, definition: str) -> list[str]:
    """Where ``instance`` breaks Inspect's schema for ``definition`` (its OpenAPI components)."""
    validator = Draft202012Validator({**SCHEMA, "$ref": f"#/components/schemas/{definition}"})
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def test_the_schema_check_accepts_inspects_own_log_and_rejects_a_broken_one() -> None:
    log = read_inspect_log(INSPECT_EVAL)
    header = {k: v for k, v in log.items() if k not in ("samples", "reductions")}
    assert _errors(header, "EvalLog") == []
    # Inspect 0.3.285's own `state` events do not match its published schema (a JSON patch
    # that fits none of the schema's alternatives); Clearance writes no events.
    assert _errors({**log["samples"][0], "events": []}, "EvalSample") == []
    broken = {**header, "status": "finished"}
    del broken["plan"]
    assert len(_errors(broken, "EvalLog")) == 2


def _sample_view(samples: list[SampleRecord]) -> list[tuple[Any, ...]]:
    return sorted(
        (s.sample_id, s.epoch, s.input, s.target, s.output,
         {name: score["value"] for name, score in s.scores.items()}, s.error)
        for s in samples
    )  # fmt: skip


def _native_run(tmp_path: Path) -> str:
    """A run made by Clearance's own runner: a numeric task, one sample ending in error."""
    from accountability.accountability_support import eval_run, write_task

    task, model = write_task(tmp_path / "task", n=5, missing=frozenset({3}))
    return eval_run(task, model, "--epochs", "2")


def test_native_run_round_trips_through_an_inspect_log(sqlite_store: Store, tmp_path: Path) -> None:
    who = acting(sqlite_store)
    run_id = _native_run(tmp_path)
    run, [path] = export_run(sqlite_store, who.principal, run_id, tmp_path / "x.eval", "inspect")
    with ZipMembers(path) as members:
        header = json.loads(members.read("header.json"))
        assert _errors(header, "EvalLog") == []
        for name in members.names:
            if name.startswith("samples/"):
                assert _errors(json.loads(members.read(name)), "EvalSample") == [], name
        reductions = json.loads(members.read("reductions.json"))
        assert all(_errors(r, "EvalSampleReductions") == [] for r in reductions)
        summaries = json.loads(members.read("summaries.json"))
        assert all(_errors(s, "EvalSampleSummary") == [] for s in summaries)
    [back] = import_runs(sqlite_store, who, [inspect_run(path)])
    assert back.created
    assert back.run.id != run.id
    original = list(sqlite_store.runs.samples(run.id))
    assert _sample_view(list(sqlite_store.runs.samples(back.run.id))) == _sample_view(original)
    assert len(original) == 10
    assert sum(1 for s in original if s.error) == 2
    assert back.run.metrics is not None
    assert run.metrics is not None
    assert back.run.metrics["accuracy"]["value"] == run.metrics["accuracy"]["value"]
    assert [c.agrees for c in back.checks] == [True]


def test_imported_inspect_log_round_trips_as_json(
    store: Store, admin: Acting, tmp_path: Path
) -> None:
    [first] = import_runs(store, admin, [inspect_run(INSPECT_EVAL)])
    _, [path] = export_run(store, admin.principal, first.run.id, tmp_path / "x.json", "inspect")
    log = json.loads(path.read_text())
    assert _errors(log, "EvalLog") == []
    [back] = import_runs(store, admin, [inspect_run(path)])
    assert _sample_view(list(store.runs.samples(back.run.id))) == _sample_view(
        list(store.runs.samples(first.run.id))
    )
    assert back.run.metrics is not None
    assert back.run.metrics["accuracy"]["value"] == pytest.approx(0.275)


def test_export_carries_the_marking_and_obeys_clearance(
    store: Store, admin: Acting, tmp_path: Path
) -> None:
    marked = Marking.of("S")
    [result] = import_runs(store, admin, [inspect_run(INSPECT_EVAL)], marking=marked)
    _, [path] = export_run(store, admin.principal, result.run.id, tmp_path / "m.eval", "inspect")
    with ZipMembers(path) as members:
        header = json.loads(members.read("header.json"))
    assert header["metadata"]["marking"] == "SECRET"
    assert header["eval"]["metadata"]["clearance"]["marking"] == "SECRET"


def test_lmeval_export_holds_the_runs_samples_and_aggregate(
    sqlite_store: Store, tmp_path: Path
) -> None:
    who = acting(sqlite_store)
    [result] = import_runs(sqlite_store, who, [inspect_run(INSPECT_EVAL)])
    _, written = export_run(sqlite_store, who.principal, result.run.id, tmp_path / "lm", "lm-eval")
    results_path, samples_path = written
    results = json.loads(results_path.read_text())
    assert results["results"]["mc"]["choice,none"] == pytest.approx(0.275)
    lines = [json.loads(line) for line in samples_path.read_text().splitlines()]
    assert len(lines) == 80
    assert {line["doc"]["id"] for line in lines} == {f"q{i}" for i in range(40)}
    assert sum(line["choice"] for line in lines) / 80 == pytest.approx(0.275)


def test_export_needs_out_and_a_known_suffix(sqlite_store: Store, tmp_path: Path) -> None:
    who = acting(sqlite_store)
    [result] = import_runs(sqlite_store, who, [inspect_run(INSPECT_EVAL)])
    with pytest.raises(InteropError, match=r"FILE\.eval or FILE\.json"):
        export_run(sqlite_store, who.principal, result.run.id, tmp_path / "x.txt", "inspect")
    refused = CliRunner().invoke(app, ["eval", "export", result.run.id, "--format", "inspect"])
    assert refused.exit_code == 1
    assert "give --out" in refused.stderr


def test_inspects_own_reader_opens_the_export(sqlite_store: Store, tmp_path: Path) -> None:
    """Inspect is not a dependency: give CLEARANCE_TEST_INSPECT_PYTHON, an interpreter with
    inspect_ai installed (0.3.285 was checked), to run this."""
    import os
    import subprocess

    python = os.environ.get("CLEARANCE_TEST_INSPECT_PYTHON")
    if not python:
        pytest.skip("CLEARANCE_TEST_INSPECT_PYTHON (a Python with inspect_ai) is not set")
    who = acting(sqlite_store)
    [result] = import_runs(sqlite_store, who, [inspect_run(INSPECT_EVAL)])
    read = (
        "import sys; from inspect_ai.log import read_eval_log as r; log = r(sys.argv[1]); "
        "print(log.status, len(log.samples), log.results.scores[0].metrics['accuracy'].value)"
    )
    for suffix in (".eval", ".json"):
        _, [path] = export_run(
            sqlite_store, who.principal, result.run.id, tmp_path / f"x{suffix}", "inspect"
        )
        shown = subprocess.run(
            [python, "-c", read, str(path)], capture_output=True, text=True, check=True
        )
        assert shown.stdout.split() == ["success", "80", "0.275"]


def test_chat_input_stays_a_list_of_messages(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from clearance.interop._export import _inspect_sample

    chat = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}]
    sample = SampleRecord(
        run_id="r", sample_id="s1", epoch=1, input=chat, target="4", output="4", messages=chat,
        scores={"match": {"value": 1.0}}, cluster=None, metadata_={}, input_tokens=3,
        output_tokens=1, latency=0.1, model_calls=1, error=None, error_type=None, raw=None,
        completed_at=datetime.now(UTC),
    )  # fmt: skip
    exported = _inspect_sample(sample, "openai/x")
    assert exported["input"] == chat
    assert _errors(exported, "EvalSample") == []
    odd = sample.model_copy(update={"input": {"question": "2+2?"}})
    assert _inspect_sample(odd, "openai/x")["input"] == '{"question": "2+2?"}'
