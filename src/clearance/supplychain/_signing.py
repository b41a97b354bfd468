"""Signed weights through OpenSSF model-signing: sign, verify, and the check ``eval run`` makes.

Both modes run offline: a key pair (elliptic curve, PEM), or a signing certificate verified
against a certificate chain the caller trusts. Sigstore's keyless mode needs its public
transparency log and identity provider, so it is not offered. Every signature made or checked is
recorded on the model it covers, with the public key or chain it verifies against, so anyone can
check it again; a signature that does not verify is recorded too, and refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from clearance.access import (
    UNCLASSIFIED_MARKING,
    Action,
    Principal,
    actor_of,
    marking_fields,
    require,
)
from clearance.store import ModelRecord, ModelSignatureRecord, Store
from clearance.supplychain._errors import SupplyChainError
from clearance.supplychain._time import moment
from clearance.supplychain._weights import (
    content_sha256,
    existing_weights,
    local_weights_path,
    signature_path_for,
)

SignatureMethod = Literal["key", "certificate"]
SignatureEvent = Literal["signed", "verified", "failed"]


class SignatureMismatchError(SupplyChainError):
    """A signature that does not verify: the weights changed, or another key signed them."""


@dataclass(frozen=True)
class Trust:
    """What a signature is verified against: a public key, or a certificate chain (PEM)."""

    method: SignatureMethod
    pem: str

    @classmethod
    def public_key(cls, path: Path) -> Trust:
        return cls("key", _read(path, "public key"))

    @classmethod
    def chain(cls, paths: Sequence[Path]) -> Trust:
        if not paths:
            raise SupplyChainError(
                "certificate mode needs the chain to trust: give --certificate CERT (the CA "
                "certificate that issued the signing certificate), once per certificate"
            )
        return cls("certificate", "".join(_read(p, "certificate") for p in paths))


def sign_weights(
    store: Store,
    path: Path,
    *,
    private_key: Path,
    principal: Principal,
    certificate: Path | None = None,
    chain: Sequence[Path] = (),
    signature: Path | None = None,
    now: datetime | None = None,
) -> ModelSignatureRecord:
    """Sign the weights at ``path`` (a file or a directory) with ``private_key``, in key mode,
    or in certificate mode with its ``certificate`` issued under ``chain``; write the signature
    (default ``PATH.sig``) and record it on the model."""
    require(principal, Action.SUPPLYCHAIN_RECORD, UNCLASSIFIED_MARKING)
    import model_signing

    weights = existing_weights(path)
    out = signature or signature_path_for(weights)
    config = model_signing.signing.Config()  # type: ignore[no-untyped-call]
    if certificate is None:
        trust = Trust("key", _public_key_pem(private_key))
        config.use_elliptic_key_signer(private_key=private_key)
    else:
        trust = Trust.chain([certificate, *chain])
        config.use_certificate_signer(
            private_key=private_key, signing_certificate=certificate, certificate_chain=chain
        )
    try:
        with _quiet_library():
            config.sign(weights, out)
    except (ValueError, TypeError, OSError) as exc:
        raise SupplyChainError(f"cannot sign {weights}: {exc}") from None
    return _record(store, weights, out, trust, "signed", "", principal, None, now)


def verify_weights(
    store: Store,
    path: Path,
    trust: Trust,
    *,
    principal: Principal,
    signature: Path | None = None,
    run_id: str | None = None,
    now: datetime | None = None,
) -> ModelSignatureRecord:
    """Verify the signature of the weights at ``path`` (default ``PATH.sig``) against
    ``trust``; record the outcome on the model either way, and raise
    :class:`SignatureMismatchError` when it does not verify."""
    require(principal, Action.SUPPLYCHAIN_RECORD, UNCLASSIFIED_MARKING)
    weights = existing_weights(path)
    sig = signature or signature_path_for(weights)
    if not sig.is_file():
        raise SupplyChainError(
            f"no signature at {sig}; sign the weights first (`clearance model sign {weights} "
            "--key KEY`) or give --signature FILE"
        )
    problem = _check(weights, sig, trust)
    event: SignatureEvent = "failed" if problem else "verified"
    record = _record(store, weights, sig, trust, event, problem, principal, run_id, now)
    if problem:
        raise SignatureMismatchError(
            f"the signature {sig} does not verify for {weights}: {problem} (recorded as "
            f"{record.id}); the weights were changed or signed by another key"
        )
    return record


def verify_before_evaluation(
    store: Store, spec: str, *, principal: Principal, now: datetime | None = None
) -> ModelSignatureRecord | None:
    """For a local model (``gguf/PATH``, ``hf/PATH``) whose weights have a signature beside
    them: verify it against the key or chain recorded when they were signed. None when there is
    no signature to check (or no local weights); raises :class:`SignatureMismatchError` when
    it does not verify, and :class:`SupplyChainError` when no signing of these weights is
    recorded, so nobody evaluates weights whose signature nobody can check."""
    provider, _, name = spec.partition("/")
    path = local_weights_path(provider, name)
    if path is None or not signature_path_for(path).is_file():
        return None
    where = str(path.resolve())
    signed = [s for s in store.supply_chain.signatures() if s.event == "signed" and s.path == where]
    if not signed:
        raise SupplyChainError(
            f"{signature_path_for(path)} signs the weights of {spec}, but this store holds no "
            "record of their signing, so there is no key to check it against: verify it with "
            f"`clearance model verify {path} --public-key KEY` (or --certificate CA)"
        )
    trust = Trust(method="key" if signed[0].method == "key" else "certificate",
                  pem=signed[0].trust)  # fmt: skip
    return verify_weights(store, path, trust, principal=principal, now=now)


# -- internals --------------------------------------------------------------------------------


def _check(weights: Path, signature: Path, trust: Trust) -> str:
    """Why the signature does not verify ("" when it does)."""
    import model_signing

    with tempfile.TemporaryDirectory(prefix="clearance-trust-") as folder:
        pem = Path(folder) / "trust.pem"
        pem.write_text(trust.pem)
        config = model_signing.verifying.Config()  # type: ignore[no-untyped-call]
        if trust.method == "key":
            config.use_elliptic_key_verifier(public_key=pem)
        else:
            config.use_certificate_verifier(certificate_chain=[pem])
        try:
            with _quiet_library():
                config.verify(weights, signature)
        except Exception as exc:  # model-signing raises ValueError, and others on a bad bundle
            return _first_line(str(exc)) or type(exc).__name__
    return ""


def _record(
    store: Store,
    weights: Path,
    signature: Path,
    trust: Trust,
    event: SignatureEvent,
    detail: str,
    principal: Principal,
    run_id: str | None,
    now: datetime | None,
) -> ModelSignatureRecord:
    digest = content_sha256(weights)
    model = _model_of(store, weights, digest)
    with store.unit_of_work(actor_of(principal)) as uow:
        return store.signatures.add(
            uow,
            action=f"model.signature.{event}",
            now=moment(now),
            fields={
                "model_id": model.id if model else None,
                "run_id": run_id,
                "path": str(weights.resolve()),
                "weights_sha256": digest,
                "signature_sha256": hashlib.sha256(signature.read_bytes()).hexdigest(),
                "event": event,
                "method": trust.method,
                "trust": trust.pem,
                "signer": _signer(trust, signature),
                "detail": detail,
                **marking_fields(UNCLASSIFIED_MARKING),
            },
        )


def _model_of(store: Store, weights: Path, digest: str) -> ModelRecord | None:
    """The newest registered model with these weights: by digest, else loaded from this path."""
    where = weights.resolve()
    found = [
        m
        for m in store.supply_chain.local_models()
        if m.weights_sha256 == digest or Path(m.name).expanduser().resolve() == where
    ]
    return found[-1] if found else None


def _signer(trust: Trust, signature: Path) -> str:
    """Who signed: the key's fingerprint, or the signing certificate's subject as the bundle
    carries it (the trusted chain names only the authority)."""
    if trust.method == "key":
        key = serialization.load_pem_public_key(trust.pem.encode())
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return f"key sha256:{hashlib.sha256(der).hexdigest()}"
    try:
        bundle = json.loads(signature.read_text(encoding="utf-8"))
        chain = bundle["verificationMaterial"]["x509CertificateChain"]["certificates"]
        leaf = x509.load_der_x509_certificate(base64.b64decode(chain[0]["rawBytes"]))
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        leaf = x509.load_pem_x509_certificates(trust.pem.encode())[0]
    return f"certificate {leaf.subject.rfc4514_string()}"


def _public_key_pem(private_key: Path) -> str:
    try:
        key = serialization.load_pem_private_key(private_key.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SupplyChainError(
            f"cannot read the private key {private_key}: {_first_line(str(exc))} (give an "
            "unencrypted PEM elliptic-curve key, e.g. `openssl ecparam -name prime256v1 "
            "-genkey -noout -out key.pem`)"
        ) from None
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _read(path: Path, what: str) -> str:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SupplyChainError(f"cannot read the {what} {path}: {exc}") from None
    if "-----BEGIN" not in text:
        raise SupplyChainError(f"{path} is not a PEM {what}")
    return text


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


class _quiet_library:
    """model-signing logs each file it hashes; keep that out of the user's terminal."""

    def __enter__(self) -> None:
        self._previous = logging.getLogger("model_signing").level
        logging.getLogger("model_signing").setLevel(logging.ERROR)

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("model_signing").setLevel(self._previous)
