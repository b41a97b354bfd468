"""Signed checkpoints of the store's ledger, kept as files under ``$CLEARANCE_HOME``."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from clearance.access import Action, Principal, require_permission
from clearance.accountability._session import Acting
from clearance.accountability._witnesses import publish
from clearance.errors import EXIT_TAMPERED, ClearanceError
from clearance.filemodes import private_dir
from clearance.ledger import (
    Checkpoint,
    VerifyReport,
    endorse_key,
    key_id,
    load_or_create_signing_key,
    load_public_key,
    public_key_pem,
    read_checkpoint,
    sign_checkpoint,
    verify_chain,
    write_checkpoint,
)
from clearance.settings import settings
from clearance.store import SIGNING_KEY_RECORD_TYPE, LedgerReader, Store

KEY_FILE = "ledger_ed25519.pem"
PUBLIC_KEY_FILE = "ledger_ed25519.pub.pem"
_CHECKPOINT_NAME = re.compile(r"^checkpoint-(\d+)(?:-[0-9a-f]{16})?\.json$")


class LedgerIntegrityError(ClearanceError, RuntimeError):
    """The ledger fails verification, so Clearance will not sign or export it."""

    exit_code = EXIT_TAMPERED

    def __init__(self, report: VerifyReport) -> None:
        super().__init__(
            f"the ledger fails verification ({report.problem}); it is not signed or exported. "
            "`clearance ledger verify` shows the first bad entry"
        )
        self.report = report


@dataclass(frozen=True)
class WrittenCheckpoint:
    """A checkpoint signed and written to ``path`` (and the witnesses that countersigned it)."""

    path: Path
    checkpoint: Checkpoint
    witnessed_by: tuple[str, ...] = ()


SIGNING_KEY_VARIABLE = "CLEARANCE_SIGNING_KEY"


def key_path() -> Path:
    """The signing key: ``$CLEARANCE_SIGNING_KEY`` when set (a key kept outside the home, on
    another disk or a token device's mount), else ``$CLEARANCE_HOME/keys/ledger_ed25519.pem``."""
    outside = os.environ.get(SIGNING_KEY_VARIABLE, "").strip()
    if outside:
        return Path(outside).expanduser()
    return settings().keys / KEY_FILE


def checkpoint_dir() -> Path:
    """Where checkpoints are written: ``$CLEARANCE_HOME/checkpoints``."""
    return settings().checkpoints


def signing_key(path: Path | None = None) -> Ed25519PrivateKey:
    """The signing key at ``path`` (default :func:`key_path`, created 0600 on first use, its
    public half written beside it as ``ledger_ed25519.pub.pem``). A supplied key must exist."""
    if path is not None:
        if not path.is_file():
            raise FileNotFoundError(
                f"signing key {path} does not exist; pass an Ed25519 PEM private key, or leave "
                f"out --key to use (and create) {key_path()}"
            )
        return load_or_create_signing_key(path)
    key = load_or_create_signing_key(key_path())
    public = key_path().with_name(PUBLIC_KEY_FILE)
    if not public.exists():
        public.write_bytes(public_key_pem(key))
    return key


def default_public_key() -> Ed25519PublicKey | None:
    """The public half of the store's default signing key, if that key exists."""
    beside = key_path().with_name(PUBLIC_KEY_FILE)
    if beside.is_file():
        return load_public_key(beside.read_bytes())
    if key_path().is_file():
        return load_or_create_signing_key(key_path()).public_key()
    return None


def public_key(path: Path | None = None) -> Ed25519PublicKey:
    """The public key at ``path``, else the one beside the default signing key."""
    if path is not None:
        return load_public_key(_read(path, "public key"))
    found = default_public_key()
    if found is None:
        raise FileNotFoundError(
            f"no public key to check the checkpoint with: {key_path().with_name(PUBLIC_KEY_FILE)} "
            "does not exist; pass --public-key FILE (the public half of the key that signed it)"
        )
    return found


def newest_checkpoint(signed_by: str | None = None) -> Path | None:
    """The checkpoint file covering the most entries in :func:`checkpoint_dir`, if any (of
    those signed by key id ``signed_by``, when given)."""
    directory = checkpoint_dir()
    if not directory.is_dir():
        return None
    sized = sorted(
        (
            (int(match.group(1)), path)
            for path in directory.iterdir()
            if (match := _CHECKPOINT_NAME.match(path.name))
        ),
        reverse=True,
    )
    for _, path in sized:
        if signed_by is None or read_checkpoint(path).key_id == signed_by:
            return path
    return None


def load_checkpoint(path: Path) -> Checkpoint:
    """Read a checkpoint file; a missing or malformed file raises with its path."""
    if not path.is_file():
        raise FileNotFoundError(
            f"checkpoint {path} does not exist; `clearance ledger checkpoint` writes one"
        )
    return read_checkpoint(path)


def verified_head(
    store: Store, key: Ed25519PrivateKey, *, up_to: int | None = None
) -> VerifyReport:
    """Verify the chain (as of now, or its first ``up_to`` entries) against the newest
    checkpoint signed with ``key``, if any; raise :class:`LedgerIntegrityError` when it fails."""
    checkpoint_file = newest_checkpoint(signed_by=key_id(key))
    checkpoint = read_checkpoint(checkpoint_file) if checkpoint_file else None
    reader = LedgerReader(store.engine)
    size = reader.size() if up_to is None else up_to
    report = verify_chain(
        reader.entries(up_to=size), checkpoint=checkpoint, public_key=key.public_key()
    )
    if not report.ok:
        raise LedgerIntegrityError(report)
    return report


def sign_head(report: VerifyReport, key: Ed25519PrivateKey) -> WrittenCheckpoint:
    """Sign the verified log of ``report`` and write it as ``checkpoint-<size>.json``
    (``checkpoint-<size>-<key id>.json`` when another key already signed that size).

    A checkpoint of the same size and root by the same key is kept as it is.
    """
    if report.merkle_root is None:
        raise ValueError("cannot sign a report with no Merkle root; verify the chain first")
    path = checkpoint_dir() / f"checkpoint-{report.entries_checked}.json"
    if path.is_file():
        existing = read_checkpoint(path)
        if not _same_key(existing, key):
            # Another key signed this size: keep its file, name ours by our key.
            path = path.with_name(f"checkpoint-{report.entries_checked}-{key_id(key)}.json")
    if path.is_file():
        existing = read_checkpoint(path)
        if existing.root == report.merkle_root:
            return WrittenCheckpoint(path=path, checkpoint=existing)
        raise LedgerIntegrityError(
            VerifyReport(
                ok=False,
                entries_checked=report.entries_checked,
                problem=f"{path} signs a different Merkle root for the first "
                f"{report.entries_checked} entries than the ledger now has (history rewritten?)",
            )
        )
    checkpoint = sign_checkpoint(key, report.entries_checked, report.merkle_root, datetime.now(UTC))
    write_checkpoint(path, checkpoint)
    return WrittenCheckpoint(path=path, checkpoint=checkpoint)


def create_checkpoint(
    store: Store, principal: Principal, *, key_file: Path | None = None
) -> WrittenCheckpoint:
    """Verify the ledger, then sign its Merkle root and size (``ledger.checkpoint``)."""
    require_permission(principal, Action.LEDGER_CHECKPOINT)
    return sign_and_publish(store, key_file)


def sign_and_publish(store: Store, key_file: Path | None = None) -> WrittenCheckpoint:
    """Verify the chain, sign its head, and publish the checkpoint to every witness (the
    automatic checkpoint after a write; no permission: it is the store vouching for itself)."""
    key = signing_key(key_file)
    written = sign_head(verified_head(store, key), key)
    names = publish(LedgerReader(store.engine), written.checkpoint, public_key_pem(key))
    return WrittenCheckpoint(written.path, written.checkpoint, tuple(names))


def _same_key(checkpoint: Checkpoint, key: Ed25519PrivateKey) -> bool:
    return checkpoint.key_id == key_id(key)


def _read(path: Path, what: str) -> bytes:
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path} does not exist")
    return path.read_bytes()


def rotate_signing_key(store: Store, acting: Acting) -> WrittenCheckpoint:
    """Replace the signing key with a new one (``ledger.checkpoint``), as a ledger entry.

    The current log is first checkpointed with the old key; then a ``key.rotate`` entry records
    the new public key and the old key's endorsement of it; the old key is kept under
    ``retired/`` beside the key; the log (rotation included) is signed with the new key and
    published, with the endorsement, to the witnesses, which take the new key only so."""
    require_permission(acting.principal, Action.LEDGER_CHECKPOINT)
    sign_and_publish(store)
    path = key_path()
    old = signing_key()
    staging = path.with_name(f".rotating-{path.name}")
    staging.unlink(missing_ok=True)
    new = load_or_create_signing_key(staging)
    new_pem = public_key_pem(new)
    endorsement = endorse_key(old, new_pem)
    change = {
        "old_key_id": key_id(old),
        "new_key_id": key_id(new),
        "new_public_key": new_pem.decode("ascii"),
        "endorsement": endorsement,
    }
    with store.unit_of_work(acting.actor) as uow:
        uow.record("key.rotate", SIGNING_KEY_RECORD_TYPE, key_id(new), change)
    retired = private_dir(path.parent / "retired") / f"{path.stem}-{key_id(old)}.pem"
    os.replace(path, retired)
    os.replace(staging, path)
    path.with_name(PUBLIC_KEY_FILE).write_bytes(new_pem)
    written = sign_head(verified_head(store, new), new)
    names = publish(LedgerReader(store.engine), written.checkpoint, new_pem, endorsement)
    return WrittenCheckpoint(written.path, written.checkpoint, tuple(names))
