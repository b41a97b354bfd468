"""Signed weights: sign then verify passes, one changed byte fails, a wrong key fails, in key
and certificate modes, offline; each outcome is recorded on the model as evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from signing_keys import certificate_authority, key_pair
from supply_support import clearance

from clearance.access import LOCAL_ADMIN
from clearance.models import ModelInfo
from clearance.store import Store
from clearance.supplychain import (
    SignatureMismatchError,
    Trust,
    sign_weights,
    verify_weights,
)


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(bytes(range(256)) * 64)
    (folder / "config.json").write_text('{"layers": 2}')
    return folder


def _flip_one_byte(path: Path, at: int = 1000) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_sign_then_verify_passes_and_both_are_recorded(
    store: Store, weights: Path, tmp_path: Path
) -> None:
    private, public = key_pair(tmp_path, "lab")
    signed = clearance("model", "sign", str(weights), "--key", str(private))
    assert signed.exit_code == 0, signed.stderr
    assert (tmp_path / "model.sig").is_file()
    verified = clearance("model", "verify", str(weights), "--public-key", str(public))
    assert verified.exit_code == 0, verified.stderr
    events = [s.event for s in store.supply_chain.signatures()]
    assert events == ["verified", "signed"]
    newest = store.supply_chain.signatures()[0]
    assert newest.method == "key"
    assert newest.trust == public.read_text()
    assert newest.signer.startswith("key sha256:")


def test_one_changed_byte_fails(store: Store, weights: Path, tmp_path: Path) -> None:
    private, public = key_pair(tmp_path, "lab")
    sign_weights(store, weights, private_key=private, principal=LOCAL_ADMIN)
    _flip_one_byte(weights / "model.safetensors")
    refused = clearance("model", "verify", str(weights), "--public-key", str(public))
    assert refused.exit_code == 1
    assert "does not verify" in refused.stderr
    assert "model.safetensors" in refused.stderr
    failed = store.supply_chain.signatures()[0]
    assert (failed.event, failed.path) == ("failed", str(weights.resolve()))


def test_a_wrong_key_fails(store: Store, weights: Path, tmp_path: Path) -> None:
    private, _ = key_pair(tmp_path, "lab")
    _, stranger = key_pair(tmp_path, "stranger")
    sign_weights(store, weights, private_key=private, principal=LOCAL_ADMIN)
    with pytest.raises(SignatureMismatchError, match="does not verify"):
        verify_weights(store, weights, Trust.public_key(stranger), principal=LOCAL_ADMIN)
    assert store.supply_chain.signatures()[0].event == "failed"


def test_a_single_weights_file_signs_and_a_changed_byte_fails(store: Store, tmp_path: Path) -> None:
    private, public = key_pair(tmp_path, "lab")
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF" + bytes(4096))
    sign_weights(store, gguf, private_key=private, principal=LOCAL_ADMIN)
    assert (tmp_path / "tiny.gguf.sig").is_file()
    verify_weights(store, gguf, Trust.public_key(public), principal=LOCAL_ADMIN)
    _flip_one_byte(gguf, at=7)
    with pytest.raises(SignatureMismatchError):
        verify_weights(store, gguf, Trust.public_key(public), principal=LOCAL_ADMIN)


def test_certificate_mode_verifies_against_the_trusted_ca_only(
    store: Store, weights: Path, tmp_path: Path
) -> None:
    private, certificate = certificate_authority(tmp_path, "lab")
    certificate_authority(tmp_path, "other")
    signed = clearance(
        "model", "sign", str(weights), "--key", str(private), "--certificate", str(certificate),
        "--chain", str(tmp_path / "lab-ca.pem"),
    )  # fmt: skip
    assert signed.exit_code == 0, signed.stderr
    trusted = clearance(
        "model", "verify", str(weights), "--certificate", str(tmp_path / "lab-ca.pem")
    )
    assert trusted.exit_code == 0, trusted.stderr
    assert "lab signer" in store.supply_chain.signatures()[0].signer
    untrusted = clearance(
        "model", "verify", str(weights), "--certificate", str(tmp_path / "other-ca.pem")
    )
    assert untrusted.exit_code == 1
    _flip_one_byte(weights / "model.safetensors")
    changed = clearance(
        "model", "verify", str(weights), "--certificate", str(tmp_path / "lab-ca.pem")
    )
    assert changed.exit_code == 1
    assert [s.event for s in store.supply_chain.signatures()[:2]] == ["failed", "failed"]


def test_the_signature_is_recorded_on_the_model_loaded_from_those_weights(
    store: Store, weights: Path, tmp_path: Path
) -> None:
    info = ModelInfo(spec=f"hf/{weights}", provider="hf", name=str(weights))
    with store.unit_of_work("test") as uow:
        model_id = store.runs.ensure_model(uow, info)
    private, _ = key_pair(tmp_path, "lab")
    record = sign_weights(store, weights, private_key=private, principal=LOCAL_ADMIN)
    assert record.model_id == model_id
    assert store.supply_chain.signatures(model_id=model_id) == [record]


def test_bad_inputs_end_in_a_message(store: Store, weights: Path, tmp_path: Path) -> None:
    not_a_key = tmp_path / "not-a-key.pem"
    not_a_key.write_text("hello")
    refused = clearance("model", "sign", str(weights), "--key", str(not_a_key))
    assert refused.exit_code == 1
    assert "cannot read the private key" in refused.stderr
    unsigned = clearance("model", "verify", str(weights), "--public-key", str(not_a_key))
    assert unsigned.exit_code == 1
    assert "not a PEM public key" in unsigned.stderr
    both = clearance("model", "verify", str(weights))
    assert both.exit_code == 1
    assert "exactly one of" in both.stderr
    assert store.supply_chain.signatures() == []
