"""Key pairs and certificates for the signing tests, made fresh with `cryptography`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def key_pair(folder: Path, name: str) -> tuple[Path, Path]:
    """A P-256 key pair written as ``NAME.key`` (private) and ``NAME.pub`` (public), PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = folder / f"{name}.key"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = folder / f"{name}.pub"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def certificate_authority(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed CA (``NAME-ca.pem``) and a code-signing certificate it issued for a fresh
    key; returns (signing key, signing certificate); the CA is ``NAME-ca.pem`` beside them."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(authority=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    (folder / f"{name}-ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    private, _ = key_pair(folder, f"{name}-signer")
    signer_key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} signer")]))
        .issuer_name(ca_name)
        .public_key(signer_key.public_key())  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(authority=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    certificate = folder / f"{name}-signer.pem"
    certificate.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    return private, certificate


def _usage(*, authority: bool) -> x509.KeyUsage:
    """An authority signs certificates; a signer signs (weights) only."""
    flags = dict.fromkeys(
        ("content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
         "encipher_only", "decipher_only"),
        False,
    )  # fmt: skip
    return x509.KeyUsage(
        digital_signature=not authority, key_cert_sign=authority, crl_sign=authority, **flags
    )
