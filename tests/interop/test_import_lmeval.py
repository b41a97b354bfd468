"""Importing lm-eval results: recomputed, compared, idempotent, marked and placed in the
catalogue so that assessments read them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clearance.access import AccessDenied, Marking, Role
from clearance.accountability import Acting, acting, readable_run
from clearance.assess import gather_evidence
from clearance.interop import InteropError, TaskMapping, import_runs, inspect_run, lmeval_runs
from clearance.store import RunNotFoundError, Store
from conftest import INSPECT_EVAL, LMEVAL_LIKELIHOOD, LMEVAL_RESULTS
from people_support import enrolled_user, first_admin


def test_lmeval_imports_with_its_own_exact_match(store: Store, admin: Acting) -> None:
    [result] = import_runs(store, admin, lmeval_runs(LMEVAL_RESULTS))
    run = result.run
    assert run.task_name == "mcsynth"
    assert run.metrics is not None
    assert run.metrics["accuracy"]["value"] == pytest.approx(0.375)
    assert run.metrics["accuracy"]["n"] == 40
    [check] = result.checks
    assert check.source_metric == "exact_match,extract"
    assert check.agrees
    provenance = run.provenance["import"]
    assert provenance["from"] == "imported from lm-eval 0.4.13"
    assert provenance["source"]["task_version"] == "Yaml"
    assert run.provenance["model"]["spec"] == "local-chat-completions/mock"
    q0 = store.runs.sample(run.id, "q0", 1)
    assert q0.metadata["doc_id"] == 0
    assert q0.output == "C"
    assert q0.target == "B"
    assert q0.scores["exact_match"] == {"value": 0.0, "answer": "C", "source_value": 0.0}


def test_likelihood_multiple_choice_recomputes_acc_and_acc_norm() -> None:
    [run] = lmeval_runs(LMEVAL_LIKELIHOOD)
    from clearance.accountability import Acting  # noqa: F401

    values = {name: value for _, (name, value) in run.source_metrics.items()}
    assert values == {
        "acc,none": pytest.approx(0.0833333),
        "acc_norm,none": pytest.approx(0.1333333),
    }
    acc = sum(s["scores"]["acc"]["value"] for s in run.samples) / len(run.samples)
    acc_norm = sum(s["scores"]["acc_norm"]["value"] for s in run.samples) / len(run.samples)
    assert (acc, acc_norm) == (pytest.approx(5 / 60), pytest.approx(8 / 60))


def _tampered_copy(tmp_path: Path) -> Path:
    """The lm-eval fixture with its aggregate inflated and one sample claiming a match it lacks."""
    folder = tmp_path / "lied"
    folder.mkdir()
    results = json.loads(LMEVAL_RESULTS.read_text())
    results["results"]["mcsynth"]["exact_match,extract"] = 0.9
    (folder / LMEVAL_RESULTS.name).write_text(json.dumps(results))
    [samples] = LMEVAL_RESULTS.parent.glob("samples_*.jsonl")
    lines = samples.read_text().splitlines()
    first = json.loads(lines[0])
    assert first["exact_match"] == 0.0
    first["exact_match"] = 1.0
    (folder / samples.name).write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    return folder / LMEVAL_RESULTS.name


def test_a_source_that_lies_is_recomputed_and_the_mismatch_reported(
    sqlite_store: Store, tmp_path: Path
) -> None:
    [result] = import_runs(
        sqlite_store, acting(sqlite_store), lmeval_runs(_tampered_copy(tmp_path))
    )
    [check] = result.mismatches
    assert (check.source_value, check.recomputed) == (0.9, pytest.approx(0.375))
    stored = result.run.provenance["import"]["metric_checks"]
    assert stored[0]["agrees"] is False
    q0 = sqlite_store.runs.sample(result.run.id, "q0", 1)
    assert q0.scores["exact_match"]["value"] == 0.0
    assert q0.scores["exact_match"]["source_value"] == 1.0


def test_cli_prints_the_mismatch(tmp_path: Path, clearance_home: Path) -> None:
    from typer.testing import CliRunner

    from clearance.cli import app

    result = CliRunner().invoke(app, ["import", "lm-eval", str(_tampered_copy(tmp_path))])
    assert result.exit_code == 0, result.stderr
    assert "MISMATCH" in result.stdout
    said = " ".join(result.stderr.split())
    assert "exact_match,extract is 0.9 in the source, 0.375 recomputed" in said


def test_same_file_same_run(sqlite_store: Store) -> None:
    from clearance.store import LedgerReader

    who = acting(sqlite_store)
    [first] = import_runs(sqlite_store, who, lmeval_runs(LMEVAL_RESULTS))
    size = LedgerReader(sqlite_store.engine).size()
    [again] = import_runs(sqlite_store, who, lmeval_runs(LMEVAL_RESULTS))
    assert (again.run.id, again.created, first.created) == (first.run.id, False, True)
    assert LedgerReader(sqlite_store.engine).size() == size
    assert sqlite_store.runs.count_samples(first.run.id) == 40


def test_marking_is_kept_and_checked_at_the_service(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(postgres_url)
    try:
        root = first_admin(store, "root", clearance=Marking.of("TS", "BIO"))
        secret = Marking.of("S", "BIO")
        [result] = import_runs(store, root, lmeval_runs(LMEVAL_RESULTS), marking=secret)
        assert (result.run.marking_level, result.run.marking_compartments) == ("SECRET", ["BIO"])
        low = enrolled_user(store, root, "lowe", roles=[Role.EVALUATOR], clearance=Marking.of("C"))
        # Above the evaluator's clearance: it may not import at SECRET ...
        with pytest.raises(AccessDenied):
            import_runs(store, low, lmeval_runs(LMEVAL_RESULTS), marking=secret)
        # ... nor see the SECRET import, which reads as absent.
        with pytest.raises(RunNotFoundError):
            readable_run(store, low.principal, result.run.id)
        # Its own import at its level is a run of its own, not the SECRET one.
        [own] = import_runs(store, low, lmeval_runs(LMEVAL_RESULTS), marking=Marking.of("C"))
        assert own.created
        assert own.run.id != result.run.id
    finally:
        store.close()


def test_benchmark_and_domain_place_runs_where_assessments_find_them(sqlite_store: Store) -> None:
    who = acting(sqlite_store)
    mapping = TaskMapping(benchmark="mmlu", model_spec="openai/mock")
    [inspect] = import_runs(sqlite_store, who, [inspect_run(INSPECT_EVAL)], mapping=mapping)
    placed = TaskMapping(domain="reasoning", model_spec="openai/mock")
    [lmeval] = import_runs(sqlite_store, who, lmeval_runs(LMEVAL_RESULTS), mapping=placed)
    evidence = gather_evidence(sqlite_store, "openai/mock", who.principal)
    assert [r.id for r in evidence.by_domain["science"]] == [inspect.run.id]
    assert [r.id for r in evidence.by_domain["reasoning"]] == [lmeval.run.id]
    assert inspect.run.task_name == "mmlu"


def test_unknown_benchmark_or_domain_is_refused(sqlite_store: Store) -> None:
    who = acting(sqlite_store)
    with pytest.raises(InteropError, match="no benchmark 'nope'"):
        import_runs(
            sqlite_store, who, lmeval_runs(LMEVAL_RESULTS), mapping=TaskMapping(benchmark="nope")
        )
    with pytest.raises(InteropError, match="unknown domain 'astrology'"):
        import_runs(
            sqlite_store, who, lmeval_runs(LMEVAL_RESULTS), mapping=TaskMapping(domain="astrology")
        )


def test_results_without_samples_are_refused(tmp_path: Path) -> None:
    lonely = tmp_path / LMEVAL_RESULTS.name
    shutil.copy(LMEVAL_RESULTS, lonely)
    with pytest.raises(InteropError, match=r"no samples file for task 'mcsynth'.*--log_samples"):
        lmeval_runs(lonely)
    (tmp_path / "samples_mcsynth_x.jsonl").write_text('{"doc_id": 0}\n')
    with pytest.raises(InteropError, match="line 1: an lm-eval sample has no 'doc' field"):
        lmeval_runs(lonely)
