"""Weights held as critical technical artifacts (NSM 3.2(c)) and their chain of custody.

An artifact is registered with its weights digest, a marking and a custodian. Every movement
(an export, a copy to a testing facility (3.3(f)(iii)), an evaluation that loads them, a
transfer of custody, a return, a destruction) is a custody entry on the ledger; when the weights
moved are at hand their digest is taken, and weights that are not the registered ones are
recorded as such and refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, get_args

from clearance.access import (
    Action,
    Marking,
    Principal,
    actor_of,
    can,
    marking_fields,
    marking_of,
    readable,
    require,
)
from clearance.store import (
    CriticalArtifactRecord,
    CustodyEntryRecord,
    GovernanceNotFoundError,
    Store,
)
from clearance.supplychain._access import readable_by
from clearance.supplychain._errors import SupplyChainError
from clearance.supplychain._time import moment
from clearance.supplychain._weights import content_sha256, existing_weights, local_weights_path

CustodyKind = Literal["register", "export", "copy", "evaluation", "transfer", "return", "destroy"]
CUSTODY_KINDS: tuple[CustodyKind, ...] = get_args(CustodyKind)


class CustodyMismatchError(SupplyChainError):
    """Weights moved under an artifact's name whose digest is not the registered one."""


@dataclass(frozen=True)
class ArtifactCustody:
    """One artifact and its custody entries, in the order they happened."""

    artifact: CriticalArtifactRecord
    entries: tuple[CustodyEntryRecord, ...]


def register_artifact(
    store: Store,
    *,
    name: str,
    custodian: str,
    location: str,
    marking: Marking,
    principal: Principal,
    path: Path | None = None,
    weights_sha256: str | None = None,
    description: str = "",
    now: datetime | None = None,
) -> CriticalArtifactRecord:
    """Register weights (read at ``path``, or known by ``weights_sha256``) as a critical
    technical artifact held by ``custodian`` at ``location``; the first custody entry says so."""
    require(principal, Action.SUPPLYCHAIN_RECORD, marking)
    digest = _digest(path, weights_sha256)
    at = moment(now)
    model = next(
        (m for m in reversed(store.supply_chain.local_models()) if m.weights_sha256 == digest),
        None,
    )
    fields = marking_fields(marking)
    with store.unit_of_work(actor_of(principal)) as uow:
        artifact = store.artifacts.add(
            uow,
            action="cta.register",
            now=at,
            fields={
                "name": _required(name, "name"),
                "model_id": model.id if model else None,
                "weights_sha256": digest,
                "custodian": _required(custodian, "custodian"),
                "location": _required(location, "location"),
                "description": description,
                "updated_at": at,
                "updated_by": actor_of(principal),
                **fields,
            },
        )
        store.custody.add(
            uow,
            action="custody.register",
            now=at,
            fields=_entry(artifact, "register", "", custodian, location, digest, None, "", at),
        )
    return artifact


def record_custody(
    store: Store,
    artifact_ref: str,
    *,
    kind: CustodyKind,
    destination: str,
    principal: Principal,
    to_custodian: str | None = None,
    path: Path | None = None,
    run_id: str | None = None,
    note: str = "",
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> CustodyEntryRecord:
    """Record one movement of an artifact. A transfer changes its custodian (and location).
    With ``path``, the weights moved are digested: a mismatch is recorded, then refused."""
    if kind not in CUSTODY_KINDS or kind == "register":
        allowed = ", ".join(k for k in CUSTODY_KINDS if k != "register")
        raise SupplyChainError(f"unknown custody kind {kind!r}; allowed: {allowed}")
    artifact = _artifact(store, artifact_ref, principal)
    require(principal, Action.SUPPLYCHAIN_RECORD, marking_of(artifact))
    if kind == "transfer" and not to_custodian:
        raise SupplyChainError("a transfer of custody names the new custodian: give --to WHO")
    digest = content_sha256(existing_weights(path)) if path is not None else None
    at = moment(now)
    receiver = to_custodian or artifact.custodian
    fields = _entry(
        artifact, kind, artifact.custodian, receiver, _required(destination, "destination"),
        digest, run_id, note, moment(occurred_at) if occurred_at else at,
    )  # fmt: skip
    with store.unit_of_work(actor_of(principal)) as uow:
        entry = store.custody.add(uow, action=f"custody.{kind}", now=at, fields=fields)
        if kind == "transfer" and entry.digest_matches is not False:
            store.artifacts.change(
                uow,
                artifact.id,
                action="cta.transfer",
                changes={
                    "custodian": receiver,
                    "location": destination,
                    "updated_at": at,
                    "updated_by": actor_of(principal),
                },
            )
    if entry.digest_matches is False:
        raise CustodyMismatchError(
            f"the weights at {path} (sha256 {digest}) are not artifact {artifact.id}'s "
            f"(sha256 {artifact.weights_sha256}); the movement is recorded as {entry.id} with "
            "the mismatch, and custody did not change"
        )
    return entry


def record_evaluation_custody(
    store: Store, spec: str, *, principal: Principal, now: datetime | None = None
) -> CustodyEntryRecord | None:
    """When ``eval run`` loads local weights registered as a critical technical artifact, the
    evaluation is a custody entry (None when the weights are not an artifact)."""
    provider, _, name = spec.partition("/")
    path = local_weights_path(provider, name)
    if path is None:
        return None
    digest = content_sha256(path)
    artifacts = [
        a
        for a in store.supply_chain.artifacts(weights_sha256=digest)
        if can(principal, Action.SUPPLYCHAIN_RECORD, marking_of(a))
    ]
    if not artifacts:
        return None
    return record_custody(
        store, artifacts[0].id, kind="evaluation", destination=f"evaluation of {spec}",
        principal=principal, path=path, now=now,
        note=f"loaded by `clearance eval run` as {actor_of(principal)}",
    )  # fmt: skip


def custody_of(store: Store, *, principal: Principal) -> list[ArtifactCustody]:
    """Every artifact the principal may read, with its custody entries."""
    artifacts = readable(
        principal, store.supply_chain.artifacts(), marking_of, action=Action.SUPPLYCHAIN_READ
    )
    return [ArtifactCustody(a, tuple(store.supply_chain.custody(a.id))) for a in artifacts.items]


# -- internals --------------------------------------------------------------------------------


def _artifact(store: Store, ref: str, principal: Principal) -> CriticalArtifactRecord:
    try:
        return store.supply_chain.artifact(ref, visible=readable_by(principal))
    except GovernanceNotFoundError as exc:
        raise SupplyChainError(str(exc)) from None


def _entry(
    artifact: CriticalArtifactRecord,
    kind: CustodyKind,
    giver: str,
    receiver: str,
    destination: str,
    digest: str | None,
    run_id: str | None,
    note: str,
    occurred_at: datetime,
) -> dict[str, Any]:
    return {
        "artifact_id": artifact.id,
        "kind": kind,
        "from_custodian": giver,
        "to_custodian": receiver,
        "destination": destination,
        "weights_sha256": digest,
        "digest_matches": None if digest is None else digest == artifact.weights_sha256,
        "run_id": run_id,
        "note": note,
        "occurred_at": occurred_at,
        **marking_fields(marking_of(artifact)),
    }


def _digest(path: Path | None, weights_sha256: str | None) -> str:
    if path is not None:
        return content_sha256(existing_weights(path))
    if (
        weights_sha256
        and len(weights_sha256) == 64
        and set(weights_sha256) <= set("0123456789abcdef")
    ):
        return weights_sha256
    raise SupplyChainError(
        "give the weights (a file or directory) or their SHA-256 (64 lowercase hex digits)"
    )


def _required(text: str, what: str) -> str:
    if not text.strip():
        raise SupplyChainError(f"the {what} may not be empty")
    return text.strip()
