"""A practice may require a verified signature of the model's weights: an agency's rules say
so; the practice is implemented only with a verified signature linked; a failed check is not
evidence; a later failed check, or changed weights, is a change to the evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from signing_keys import key_pair

from clearance.access import LOCAL_ADMIN
from clearance.governance import (
    GovernanceError,
    add_document,
    add_use_case,
    adopt_agency_rules,
    evidence_changes,
    link_evidence,
    show_use_case,
    update_practice,
)
from clearance.store import Store
from clearance.supplychain import SignatureMismatchError, Trust, sign_weights, verify_weights
from people_support import translation_intake

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "agency-rules.yaml"
PRACTICE = "signed-weights"


def _rules_requiring_signatures(folder: Path) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["practices"].append(
        {
            "code": PRACTICE,
            "title": "The model's weights are signed and the signature verified before use",
            "applies_to": ["high_impact"],
            "citation": "Example Department AI use policy, annex C, item 9 (illustrative)",
            "quote": "Weights of high-impact AI are verified against their signature.",
            "requires_verified_signature": True,
        }
    )
    path = folder / "agency-rules.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_practice_requiring_a_verified_signature(sqlite_store: Store, tmp_path: Path) -> None:
    store = sqlite_store
    adopt_agency_rules(store, _rules_requiring_signatures(tmp_path), principal=LOCAL_ADMIN)
    intake = {
        **translation_intake(),
        "principal_basis": True,
        "functions": ["threat_designation"],
    }
    uc = add_use_case(store, intake, principal=LOCAL_ADMIN)
    codes = [p.practice.code for p in show_use_case(store, uc.id, principal=LOCAL_ADMIN).practices]
    assert PRACTICE in codes, codes

    memo = tmp_path / "memo.md"
    memo.write_text("# We checked the weights by eye\n")
    document = add_document(store, memo, principal=LOCAL_ADMIN)
    link_evidence(store, uc.id, PRACTICE, "document", document.id, principal=LOCAL_ADMIN)
    with pytest.raises(GovernanceError, match="requires a verified signature"):
        update_practice(store, uc.id, PRACTICE, status="implemented", principal=LOCAL_ADMIN)

    weights = tmp_path / "w.gguf"
    weights.write_bytes(b"GGUF" + bytes(range(200)))
    private, public = key_pair(tmp_path, "lab")
    _, stranger = key_pair(tmp_path, "stranger")
    sign_weights(store, weights, private_key=private, principal=LOCAL_ADMIN)
    with pytest.raises(SignatureMismatchError):
        verify_weights(store, weights, Trust.public_key(stranger), principal=LOCAL_ADMIN)
    failed = store.supply_chain.signatures()[0]
    with pytest.raises(GovernanceError, match="only a verified signature is evidence"):
        link_evidence(store, uc.id, PRACTICE, "signature", failed.id, principal=LOCAL_ADMIN)

    verified = verify_weights(store, weights, Trust.public_key(public), principal=LOCAL_ADMIN)
    link = link_evidence(store, uc.id, PRACTICE, "signature", verified.id, principal=LOCAL_ADMIN)
    assert link.pinned["weights_sha256"] == verified.weights_sha256
    done = update_practice(store, uc.id, PRACTICE, status="implemented", principal=LOCAL_ADMIN)
    assert done.status == "implemented"
    assert evidence_changes(store, "signature", verified.id, link.pinned) == []

    # The weights change: the next check fails, and the linked evidence says so
    weights.write_bytes(b"GGUF" + bytes(range(201)))
    with pytest.raises(SignatureMismatchError):
        verify_weights(store, weights, Trust.public_key(public), principal=LOCAL_ADMIN)
    (change,) = evidence_changes(store, "signature", verified.id, link.pinned)
    assert "failed a later check" in change
