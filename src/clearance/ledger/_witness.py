"""Witnesses: parties outside the store that hold the log's checkpoints and countersign a new
one only when an RFC 6962 consistency proof shows it extends the last one they hold.

A witness keeps its own Ed25519 key and an append-only file of what it countersigned, in a
directory of its own. Whoever later holds the store (and even its signing key) cannot rewrite
or cut the history a witness holds without the witness refusing, and ``ledger verify`` checks
the log against what each witness holds.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict

from clearance.errors import EXIT_TAMPERED, ClearanceError
from clearance.ledger._canonical import canonical_json
from clearance.ledger._checkpoint import (
    Checkpoint,
    checkpoint_problem,
    key_id,
    load_or_create_signing_key,
    load_public_key,
    public_key_pem,
)
from clearance.ledger._merkle import verify_consistency

WITNESS_KEY_FILE = "witness_ed25519.pem"
WITNESSED_FILE = "witnessed.jsonl"

RefusalKind = Literal["signature", "rollback", "fork", "proof", "key"]


class WitnessRefusal(ClearanceError, ValueError):
    """The witness refused to countersign; ``kind`` says why (a fork, a rollback, ...)."""

    exit_code: ClassVar[int] = EXIT_TAMPERED

    def __init__(self, kind: RefusalKind, problem: str) -> None:
        super().__init__(problem)
        self.kind = kind


class Cosignature(BaseModel):
    """A witness's signature over a log checkpoint it checked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    log_key_id: str
    tree_size: int
    root: str
    witness_key_id: str
    time: datetime
    signature: str

    def signed_bytes(self) -> bytes:
        fields = self.model_dump(mode="json", exclude={"signature"})
        return canonical_json(fields)


class Witnessed(BaseModel):
    """A checkpoint a witness holds, with its countersignature."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    checkpoint: Checkpoint
    cosignature: Cosignature


def verify_cosignature(cosignature: Cosignature, witness_key: Ed25519PublicKey) -> bool:
    """Whether ``cosignature`` was made by the holder of ``witness_key``."""
    if cosignature.witness_key_id != key_id(witness_key):
        return False
    try:
        witness_key.verify(base64.b64decode(cosignature.signature), cosignature.signed_bytes())
    except (InvalidSignature, ValueError):
        return False
    return True


class Witness:
    """A witness kept in ``directory``: its key, and the append-only record of what it signed."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.directory = directory
        self._key = load_or_create_signing_key(directory / WITNESS_KEY_FILE)
        self._lock = threading.Lock()

    @property
    def key_id(self) -> str:
        return key_id(self._key)

    @property
    def public_key(self) -> bytes:
        return public_key_pem(self._key)

    def latest(self, log: str) -> Witnessed | None:
        """The newest checkpoint of the log named ``log`` that this witness holds."""
        found: Witnessed | None = None
        for record in self._records():
            if record["log"] == log:
                found = Witnessed.model_validate(record["witnessed"])
        return found

    def submit(
        self,
        log: str,
        checkpoint: Checkpoint,
        proof: list[str],
        log_key_pem: bytes,
        endorsement: str | None = None,
    ) -> Witnessed:
        """Countersign ``checkpoint`` of the log named ``log`` if it is signed by
        ``log_key_pem``, by the same key as the checkpoints held before (the first one is
        trusted on first use), and ``proof`` shows it extends the last one held; raise
        :class:`WitnessRefusal` otherwise. A checkpoint signed by a new key is taken only with
        ``endorsement``: the old key's signature over the new public key (a key rotation)."""
        log_key = load_public_key(log_key_pem)
        problem = checkpoint_problem(checkpoint, log_key)
        if problem is not None:
            raise WitnessRefusal("signature", f"not countersigned: {problem}")
        with self._lock:
            held = self.latest(log)
            if held is not None:
                if held.checkpoint.key_id != checkpoint.key_id:
                    self._check_rotation(log, held, log_key_pem, endorsement)
                if _same(held.checkpoint, checkpoint):
                    return held
                _check_extends(held.checkpoint, checkpoint, proof)
            witnessed = Witnessed(checkpoint=checkpoint, cosignature=self._cosign(checkpoint))
            record = {
                "log": log,
                "log_key_pem": log_key_pem.decode("ascii"),
                "witnessed": witnessed.model_dump(mode="json"),
            }
            self._append(record)
            return witnessed

    def _check_rotation(
        self, log: str, held: Witnessed, new_key_pem: bytes, endorsement: str | None
    ) -> None:
        old_pem = self._held_key(log)
        refused = WitnessRefusal(
            "key",
            f"refused: log {log!r} was signed by key {held.checkpoint.key_id}, and this checkpoint "
            "by another: a new key is taken only with the old key's endorsement (`clearance "
            "ledger rotate-key`)",
        )
        if old_pem is None or endorsement is None:
            raise refused
        try:
            load_public_key(old_pem).verify(base64.b64decode(endorsement), new_key_pem)
        except (InvalidSignature, ValueError):
            raise refused from None

    def _held_key(self, log: str) -> bytes | None:
        found: bytes | None = None
        for record in self._records():
            if record["log"] == log and "log_key_pem" in record:
                found = str(record["log_key_pem"]).encode("ascii")
        return found

    def _cosign(self, checkpoint: Checkpoint) -> Cosignature:
        unsigned = Cosignature(
            log_key_id=checkpoint.key_id,
            tree_size=checkpoint.tree_size,
            root=checkpoint.root,
            witness_key_id=self.key_id,
            time=datetime.now(UTC),
            signature="",
        )
        signature = base64.b64encode(self._key.sign(unsigned.signed_bytes())).decode("ascii")
        return unsigned.model_copy(update={"signature": signature})

    def _records(self) -> list[dict[str, Any]]:
        path = self.directory / WITNESSED_FILE
        if not path.exists():
            return []
        with path.open("rb") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def _append(self, record: dict[str, Any]) -> None:
        # Append-only: O_APPEND, one line per countersignature, synced before it is answered.
        line = json.dumps(record, sort_keys=True, separators=(",", ":")).encode() + b"\n"
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        descriptor = os.open(self.directory / WITNESSED_FILE, flags, 0o600)
        try:
            os.write(descriptor, line)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _same(held: Checkpoint, offered: Checkpoint) -> bool:
    return (held.tree_size, held.root) == (offered.tree_size, offered.root)


def _check_extends(held: Checkpoint, offered: Checkpoint, proof: list[str]) -> None:
    if offered.tree_size < held.tree_size:
        raise WitnessRefusal(
            "rollback",
            f"refused: this witness holds a checkpoint of {held.tree_size} entries and was "
            f"offered one of {offered.tree_size}: the log was truncated or rolled back",
        )
    if offered.tree_size == held.tree_size:
        raise WitnessRefusal(
            "fork",
            f"refused: a fork: two different roots for the first {held.tree_size} entries, both "
            f"signed by key {held.key_id}",
        )
    try:
        consistent = verify_consistency(
            held.tree_size, offered.tree_size, held.root, offered.root, proof
        )
    except ValueError:
        consistent = False
    if not consistent:
        raise WitnessRefusal(
            "fork",
            f"refused: a fork: the checkpoint of {offered.tree_size} entries does not extend the "
            f"{held.tree_size} this witness holds (history rewritten?)",
        )


def endorse_key(old_key: Ed25519PrivateKey, new_key_pem: bytes) -> str:
    """The old signing key's endorsement of a new public key, for witnesses (base64)."""
    return base64.b64encode(old_key.sign(new_key_pem)).decode("ascii")
