"""The AI bill of materials: valid CycloneDX 1.6 (checked against the official schema, offline),
with the latest assessment's metrics and their intervals, the evaluation datasets and the
weight files' hashes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from supply_support import assessed_model, clearance

from clearance.access import LOCAL_ADMIN, Marking, Principal, Role
from clearance.models import ModelInfo
from clearance.store import Store
from clearance.supplychain import SupplyChainError, build_bom, validate_bom


def _model_component(document: dict[str, Any]) -> dict[str, Any]:
    (model,) = [c for c in document["components"] if c["type"] == "machine-learning-model"]
    return model


def test_bom_validates_and_lists_the_latest_assessments_metrics_with_intervals(
    store: Store, tmp_path: Path
) -> None:
    spec = assessed_model(tmp_path / "m")
    out = tmp_path / "bom.json"
    made = clearance("bom", spec, "--out", str(out), "--licence", "Apache-2.0")
    assert made.exit_code == 0, made.stderr
    document = json.loads(out.read_text())

    assert document["specVersion"] == "1.6"
    assert validate_bom(document) == []
    (assessment, *_) = store.findings.assessments(spec)
    findings = [f for f in store.findings.findings(assessment_id=assessment.id) if f.value]
    assert findings, "the assessment made no finding with a value"
    metrics = _model_component(document)["modelCard"]["quantitativeAnalysis"]["performanceMetrics"]
    listed = {
        (m["slice"], m["type"]): (
            float(m["value"]),
            float(m["confidenceInterval"]["lowerBound"]),
            float(m["confidenceInterval"]["upperBound"]),
        )
        for m in metrics
    }
    for f in findings:
        value, low, high = listed[
            (f"domain={f.domain}; benchmark={f.benchmark or 'all'}", f.metric)
        ]
        assert value == pytest.approx(f.value, rel=1e-5)
        assert (low, high) == (
            pytest.approx(f.ci_low, rel=1e-5),
            pytest.approx(f.ci_high, rel=1e-5),
        )
        assert low < value < high


def test_bom_lists_each_evaluation_dataset_with_its_digest(store: Store, tmp_path: Path) -> None:
    spec = assessed_model(tmp_path / "m")
    document = build_bom(store, spec, principal=LOCAL_ADMIN).document
    run = store.runs.newest(1)[0]
    digest = run.provenance["dataset"]["digest"]
    data = [c for c in document["components"] if c["type"] == "data"]
    assert [h["content"] for c in data for h in c["hashes"]] == [digest]
    card = _model_component(document)["modelCard"]
    assert card["modelParameters"]["datasets"] == [{"ref": data[0]["bom-ref"]}]
    libraries = {c["name"].lower() for c in document["components"] if c["type"] == "library"}
    assert {"pydantic", "sqlalchemy"} <= libraries, "the toolchain's own SBOM is missing"


def _register_local(store: Store, path: Path) -> str:
    spec = f"hf/{path}"
    info = ModelInfo(spec=spec, provider="hf", name=str(path), weights_sha256="0" * 64)
    with store.unit_of_work("test") as uow:
        store.runs.ensure_model(uow, info)
    return spec


def test_bom_hashes_every_weight_file_of_a_local_model(store: Store, tmp_path: Path) -> None:
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "model.safetensors").write_bytes(b"\x00weights" * 100)
    (weights / "config.json").write_text("{}")
    spec = _register_local(store, weights)
    document = build_bom(store, spec, principal=LOCAL_ADMIN).document
    assert validate_bom(document) == []
    files = {c["name"]: c["hashes"][0]["content"] for c in _model_component(document)["components"]}
    assert files == {
        "model.safetensors": hashlib.sha256(b"\x00weights" * 100).hexdigest(),
        "config.json": hashlib.sha256(b"{}").hexdigest(),
    }
    card = _model_component(document)["modelCard"]
    assert "quantitativeAnalysis" not in card
    assert any("No assessment" in t for t in card["considerations"]["technicalLimitations"])


def test_the_schema_check_is_real(store: Store, tmp_path: Path) -> None:
    """A field the schema does not know, or an interval bound written as a number (the schema
    wants a string), fails validation."""
    spec = assessed_model(tmp_path / "m")
    document = build_bom(store, spec, principal=LOCAL_ADMIN).document
    misplaced = json.loads(json.dumps(document))
    _model_component(misplaced)["modelCard"]["confidence"] = "high"
    assert validate_bom(misplaced)
    numeric = json.loads(json.dumps(document))
    metric = _model_component(numeric)["modelCard"]["quantitativeAnalysis"]["performanceMetrics"]
    metric[0]["confidenceInterval"]["lowerBound"] = 0.1
    assert any("lowerBound" in problem for problem in validate_bom(numeric))


def test_an_unknown_model_is_refused_with_the_known_specs(store: Store, tmp_path: Path) -> None:
    spec = assessed_model(tmp_path / "m")
    with pytest.raises(SupplyChainError, match="known specs: " + spec.replace("/", ".")):
        build_bom(store, "nobody/none", principal=LOCAL_ADMIN)
    refused = clearance("bom", "nobody/none")
    assert refused.exit_code == 1
    assert "no model 'nobody/none'" in refused.stderr


def test_a_remote_model_names_its_provider_and_endpoint(store: Store) -> None:
    info = ModelInfo(
        spec="openai/gpt-test",
        provider="openai",
        name="gpt-test",
        base_url="http://user:secret@127.0.0.1:9/v1",
        version="2026-01-01",
    )
    with store.unit_of_work("test") as uow:
        store.runs.ensure_model(uow, info)
    document = build_bom(
        store, "openai/gpt-test", principal=LOCAL_ADMIN, supplier="Example AI"
    ).document
    assert validate_bom(document) == []
    model = _model_component(document)
    assert (model["name"], model["version"], model["supplier"]["name"]) == (
        "gpt-test",
        "2026-01-01",
        "Example AI",
    )
    (endpoint,) = model["externalReferences"]
    assert endpoint["url"] == "http://127.0.0.1:9/v1"
    assert "secret" not in json.dumps(document)


def test_findings_above_the_readers_clearance_are_left_out(store: Store, tmp_path: Path) -> None:
    """A SECRET assessment made after an unclassified one: a reader cleared UNCLASSIFIED gets
    the BOM of the older one, marked UNCLASSIFIED, as if the SECRET one did not exist."""
    spec = assessed_model(tmp_path / "m")
    older = store.findings.assessments(spec)[0]
    assessed_model(tmp_path / "m", right=2, wrong=8, marking="SECRET")
    newer = store.findings.assessments(spec)[0]
    assert newer.marking_level == "SECRET"
    reader = Principal(
        id="aud-ada", name="Ada", roles=frozenset({Role.AUDITOR}), clearance=Marking.parse("U")
    )
    hidden = build_bom(store, spec, principal=reader)
    shown = build_bom(store, spec, principal=LOCAL_ADMIN)
    assert (shown.assessment_id, shown.marking.banner()) == (newer.id, "SECRET")
    assert (hidden.assessment_id, hidden.marking.banner()) == (older.id, "UNCLASSIFIED")
    assert _metrics(hidden.document) != _metrics(shown.document)


def _metrics(document: dict[str, Any]) -> list[dict[str, Any]]:
    card = _model_component(document)["modelCard"]
    return list(card.get("quantitativeAnalysis", {}).get("performanceMetrics", []))
