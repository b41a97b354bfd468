"""Importing Inspect logs: the real 0.3.285 fixtures in both formats, the journal a crashed eval
leaves, and files that are not what they claim."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clearance.accountability import Acting, verify_ledger
from clearance.cli import app
from clearance.interop import IMPORTER_VERSION, InteropError, import_runs, inspect_logs, inspect_run
from clearance.interop._zipfile import ZipMembers
from clearance.store import Store
from conftest import INSPECT_EVAL, INSPECT_FAULTY, INSPECT_JSON


@pytest.mark.parametrize("log", [INSPECT_EVAL, INSPECT_JSON], ids=["eval", "json"])
def test_inspect_log_imports_with_inspects_own_accuracy(
    store: Store, admin: Acting, log: Path
) -> None:
    [result] = import_runs(store, admin, [inspect_run(log)])
    run = result.run
    assert run.status == "completed"
    assert run.metrics is not None
    assert run.metrics["accuracy"]["value"] == pytest.approx(0.275)
    assert run.metrics["accuracy"]["n"] == 40
    [check] = result.checks
    assert (check.source_metric, check.source_value, check.agrees) == (
        "choice/accuracy",
        0.275,
        True,
    )
    samples = list(store.runs.samples(run.id))
    assert len(samples) == 80
    assert {(s.sample_id, s.epoch) for s in samples} == {
        (f"q{i}", e) for i in range(40) for e in (1, 2)
    }
    q0 = next(s for s in samples if s.sample_id == "q0" and s.epoch == 1)
    assert q0.input == "Question 0: what is 332 + 971?"
    assert q0.target == "B"
    assert q0.output == "ANSWER: A"
    assert q0.scores["choice"]["value"] == 0.0
    assert q0.scores["choice"]["source_value"] == "I"
    assert [m["role"] for m in q0.messages] == ["user", "assistant"]
    provenance = run.provenance["import"]
    assert provenance["from"] == "imported from inspect_ai 0.3.285"
    assert provenance["sha256"] == hashlib.sha256(log.read_bytes()).hexdigest()
    assert provenance["importer_version"] == IMPORTER_VERSION
    assert run.provenance["model"]["spec"] == "openai/mock"
    assert run.provenance["epochs"] == 2
    # Written through the unit of work: the ledger covers the run and each of its samples.
    verdict = verify_ledger(store, admin.principal)
    assert verdict.ok, verdict.problem


def test_faulty_server_log_keeps_its_accuracy(sqlite_store: Store) -> None:
    from clearance.accountability import acting

    [result] = import_runs(sqlite_store, acting(sqlite_store), [inspect_run(INSPECT_FAULTY)])
    assert result.run.metrics is not None
    assert result.run.metrics["accuracy"]["value"] == pytest.approx(0.2333333333)
    assert result.run.scored == 30


def _rewrite(
    source: Path, target: Path, keep: object, change: dict[str, bytes] | None = None
) -> None:
    """Copy an .eval log as deflate members, keeping those ``keep`` accepts."""
    with ZipMembers(source) as members, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name in members.names:
            if keep(name):  # type: ignore[operator]
                out.writestr(name, (change or {}).get(name, members.read(name)))


def test_journal_of_a_crashed_eval_imports_as_interrupted(tmp_path: Path) -> None:
    crashed = tmp_path / "crashed.eval"
    _rewrite(INSPECT_EVAL, crashed, lambda n: n.startswith(("_journal/", "samples/")))
    run = inspect_run(crashed)
    assert run.status == "interrupted"
    assert len(run.samples) == 80
    assert run.epochs == 2
    assert run.source_metrics == {}


def test_deflate_members_read_as_zstd_ones(tmp_path: Path) -> None:
    deflated = tmp_path / "deflated.eval"
    _rewrite(INSPECT_EVAL, deflated, lambda n: True)
    assert inspect_run(deflated).samples == inspect_run(INSPECT_EVAL).samples


def test_one_flipped_byte_in_a_member_is_refused(tmp_path: Path) -> None:
    data = bytearray(INSPECT_EVAL.read_bytes())
    with zipfile.ZipFile(INSPECT_EVAL) as z:
        info = z.getinfo("header.json")
    # Inside header.json's compressed data: past its local header and name.
    data[info.header_offset + 30 + len("header.json") + 40] ^= 0x01
    damaged = tmp_path / "damaged.eval"
    damaged.write_bytes(bytes(data))
    with pytest.raises(InteropError, match=r"header\.json"):
        inspect_run(damaged)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("garbage.eval", b"not a zip at all", "not a readable zip archive"),
        ("list.json", b"[1, 2]", "expected an Inspect log"),
        ("broken.json", b'{"version": 2, "eval": {"task"', "not valid JSON"),
        ("nosamples.json", json.dumps({"version": 2, "eval": {"task": "t", "model": "m"}}).encode(),
         "holds no samples"),
        ("log.txt", b"{}", r"ends in \.eval or \.json"),
    ],
)  # fmt: skip
def test_bad_files_get_clear_errors(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InteropError, match=message):
        inspect_run(path)


def test_zip_without_a_log_is_named(tmp_path: Path) -> None:
    other = tmp_path / "other.eval"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(InteropError, match=r"neither header\.json nor _journal/start\.json"):
        inspect_run(other)


def test_directory_import_skips_json_that_is_not_a_log() -> None:
    runs, skipped = inspect_logs([INSPECT_EVAL.parent])
    assert len(runs) == 3
    assert [p.name for p in skipped] == ["eval_log_schema.json"]


def test_cli_imports_and_reports_a_bad_file_without_a_trace(
    tmp_path: Path, clearance_home: Path
) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["import", "inspect", str(INSPECT_EVAL), "--json"])
    assert ok.exit_code == 0, ok.stderr
    [row] = json.loads(ok.stdout)
    assert row["samples"] == 80
    assert row["metric_checks"][0]["agrees"] is True
    bad = tmp_path / "bad.eval"
    bad.write_bytes(b"PK\x03\x04 truncated")
    refused = runner.invoke(app, ["import", "inspect", str(bad)])
    assert refused.exit_code == 1
    assert "not a readable zip archive" in refused.stderr
    assert "Traceback" not in refused.stderr + refused.stdout


def test_a_member_inflating_past_the_bound_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clearance.interop import _zipfile

    # A small bound stands in for the 512 MiB one, so the test needs no bomb of that size.
    monkeypatch.setattr(_zipfile, "MAX_MEMBER_BYTES", 1000)
    with pytest.raises(InteropError, match="inflates past 1000 bytes"):
        inspect_run(INSPECT_EVAL)


def test_an_errored_sample_is_kept_as_an_error_not_a_score(tmp_path: Path) -> None:
    with ZipMembers(INSPECT_EVAL) as members:
        sample = json.loads(members.read("samples/q0_epoch_1.json"))
    sample["error"] = {
        "message": "RuntimeError: the server hung up",
        "traceback": "",
        "traceback_ansi": "",
    }
    failed = tmp_path / "failed.eval"
    _rewrite(
        INSPECT_EVAL,
        failed,
        lambda n: True,
        {"samples/q0_epoch_1.json": json.dumps(sample).encode()},
    )
    run = inspect_run(failed)
    [row] = [r for r in run.samples if (r["sample_id"], r["epoch"]) == ("q0", 1)]
    assert (row["error"], row["scores"]) == ("RuntimeError: the server hung up", {})


def test_cli_mapping_file_places_tasks(tmp_path: Path, clearance_home: Path) -> None:
    mapping = tmp_path / "tasks.yaml"
    mapping.write_text("mc: {benchmark: mmlu}\n")
    result = CliRunner().invoke(
        app, ["import", "inspect", str(INSPECT_EVAL), "--mapping", str(mapping), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["task"] == "mmlu"
    mapping.write_text("- not a mapping\n")
    refused = CliRunner().invoke(
        app, ["import", "inspect", str(INSPECT_EVAL), "--mapping", str(mapping)]
    )
    assert refused.exit_code == 1
    assert "expected TASK: {benchmark: NAME, domain: DOMAIN}" in " ".join(refused.stderr.split())


def test_imported_runs_pair_by_sample_id_as_a_mitigation(
    sqlite_store: Store, tmp_path: Path
) -> None:
    from clearance.accountability import acting
    from clearance.assess import record_mitigation
    from clearance.interop import TaskMapping

    # The "after" log: the same 40 samples x 2 epochs, with q0..q9 now answered correctly.
    changed: dict[str, bytes] = {}
    with ZipMembers(INSPECT_EVAL) as members:
        for i in range(10):
            for epoch in (1, 2):
                name = f"samples/q{i}_epoch_{epoch}.json"
                sample = json.loads(members.read(name))
                sample["scores"]["choice"]["value"] = "C"
                changed[name] = json.dumps(sample).encode()
    after = tmp_path / "after.eval"
    _rewrite(INSPECT_EVAL, after, lambda n: True, changed)
    who = acting(sqlite_store)
    mapping = TaskMapping(benchmark="mmlu", model_spec="openai/mock")
    [before] = import_runs(sqlite_store, who, [inspect_run(INSPECT_EVAL)], mapping=mapping)
    [later] = import_runs(sqlite_store, who, [inspect_run(after)], mapping=mapping)
    with sqlite_store.unit_of_work(who.actor) as uow:
        # A journal-only log is an interrupted run; this one holds every sample, so finish it.
        sqlite_store.runs.finish_run(
            uow, later.run.id, status="completed", metrics=later.run.metrics
        )
    record = record_mitigation(
        sqlite_store, baseline_run=before.run.id, mitigated_run=later.run.id, kind="system_prompt",
        description="a system prompt", principal=who.principal, metric="accuracy", better="higher",
    )  # fmt: skip
    assert record.efficacy["n"] == 40
    correct_before = sum(
        1 for i in range(10) for e in (1, 2)
        if sqlite_store.runs.sample(before.run.id, f"q{i}", e).scores["choice"]["value"] == 1.0
    )  # fmt: skip
    assert record.efficacy["baseline_value"] == pytest.approx(0.275)
    gained = (20 - correct_before) / 2 / 40
    assert record.efficacy["mitigated_value"] == pytest.approx(0.275 + gained)
