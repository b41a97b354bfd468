"""The tamper-evident ledger, independent of storage: canonical JSON, a hash chain of entries,
RFC 6962 Merkle roots, Ed25519-signed checkpoints, verification and offline exports.

The store appends one :class:`LedgerEntry` per change (built with :func:`next_entry`) in the
same transaction as the change, and signs checkpoints with :func:`sign_checkpoint`. Anyone can
then check the log with :func:`verify_chain`, or an export with :func:`verify_export`.
"""

from clearance.ledger._canonical import (
    CanonicalJSONError,
    canonical_json,
    change_digest,
    rfc3339_utc,
    sha256_hex,
)
from clearance.ledger._checkpoint import (
    Checkpoint,
    key_id,
    load_or_create_signing_key,
    load_public_key,
    public_key_pem,
    read_checkpoint,
    sign_checkpoint,
    verify_checkpoint,
    write_checkpoint,
)
from clearance.ledger._entry import (
    GENESIS_HASH,
    ChainLink,
    LedgerEntry,
    WithheldEntry,
    entry_hash,
    entry_json,
    link_json,
    next_entry,
    withheld_entry,
)
from clearance.ledger._export import verify_export, write_export
from clearance.ledger._merkle import (
    EMPTY_ROOT,
    InclusionProver,
    MerkleAccumulator,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    verify_consistency,
    verify_inclusion,
)
from clearance.ledger._verify import RecordProblem, VerifyReport, verify_chain, verify_records
from clearance.ledger._witness import (
    Cosignature,
    Witness,
    Witnessed,
    WitnessRefusal,
    endorse_key,
    verify_cosignature,
)

__all__ = [
    "EMPTY_ROOT",
    "GENESIS_HASH",
    "CanonicalJSONError",
    "ChainLink",
    "Checkpoint",
    "Cosignature",
    "InclusionProver",
    "LedgerEntry",
    "MerkleAccumulator",
    "RecordProblem",
    "VerifyReport",
    "WithheldEntry",
    "Witness",
    "WitnessRefusal",
    "Witnessed",
    "canonical_json",
    "change_digest",
    "consistency_proof",
    "endorse_key",
    "entry_hash",
    "entry_json",
    "inclusion_proof",
    "key_id",
    "leaf_hash",
    "link_json",
    "load_or_create_signing_key",
    "load_public_key",
    "merkle_root",
    "next_entry",
    "public_key_pem",
    "read_checkpoint",
    "rfc3339_utc",
    "sha256_hex",
    "sign_checkpoint",
    "verify_chain",
    "verify_checkpoint",
    "verify_consistency",
    "verify_cosignature",
    "verify_export",
    "verify_inclusion",
    "verify_records",
    "withheld_entry",
    "write_checkpoint",
    "write_export",
]
