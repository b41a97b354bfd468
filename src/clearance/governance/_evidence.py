"""Evidence for practices, pinned by digest, and the check of whether it has changed since.

A run pins its provenance digests (dataset, task, model id, version and weights) and the hash of
its latest ledger entry; a finding or mitigation pins the digest of its record; a policy its
file's SHA-256; a document its SHA-256.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, get_args

from clearance.access import (
    UNCLASSIFIED_MARKING,
    Action,
    Marking,
    Principal,
    actor_of,
    can,
    marking_fields,
    marking_of,
    require,
    require_permission,
)
from clearance.assess import PolicyError, load_policy, run_identity
from clearance.governance._context import moment
from clearance.governance._errors import GovernanceError
from clearance.ledger import change_digest
from clearance.store import (
    RUN_SHARING_HISTORY,
    AssessmentNotFoundError,
    DocumentRecord,
    GovernanceNotFoundError,
    RunNotFoundError,
    RunRecord,
    Store,
)

EvidenceKind = Literal["run", "finding", "mitigation", "policy", "document", "signature"]
EVIDENCE_KINDS: tuple[EvidenceKind, ...] = get_args(EvidenceKind)
DOCUMENT_MAX_BYTES = 50 * 1024 * 1024
_DEFAULT_POLICY_REFS = ("default", "")


@dataclass(frozen=True)
class Pinned:
    """What a piece of evidence is, as of now: its canonical reference, digests and marking."""

    kind: EvidenceKind
    ref: str
    pins: dict[str, Any]
    marking: Marking


Visible = Callable[[Any], bool]
"""Whether the linker may read a stored record: the others are as if absent."""


def subject_of(kind: str, pins: dict[str, Any]) -> str:
    """What evidence is about: a task on a model spec, a policy file, a document's name, or
    (for a finding or mitigation) the record itself. A newer link on the same subject in the
    same practice supersedes the older one."""
    if kind == "run":
        return f"run:{pins.get('task_name')}@{pins.get('model_spec')}"
    if kind == "policy":
        return f"policy:{pins.get('policy')}"
    if kind == "document":
        return f"document:{pins.get('filename')}"
    if kind == "signature":
        return f"signature:{pins.get('path')}"
    return f"{kind}:{pins.get(f'{kind}_id')}"


def pin_evidence(store: Store, kind: str, ref: str, principal: Principal) -> Pinned:
    """Resolve evidence ``ref`` of ``kind`` and pin its digests, after checking ``principal``
    may read it."""
    if kind not in EVIDENCE_KINDS:
        raise GovernanceError(
            f"unknown evidence kind {kind!r}; allowed: {', '.join(EVIDENCE_KINDS)}"
        )
    action = _READ_ACTIONS[kind]
    require_permission(principal, action)

    def visible(row: Any) -> bool:
        # Records above the principal's clearance are as if absent: never the match, never
        # making a prefix ambiguous, never refused by their marking (which would confirm them).
        return bool(can(principal, action, marking_of(row)))

    try:
        pinned = _PINNERS[kind](store, ref, visible)
    except (RunNotFoundError, AssessmentNotFoundError, GovernanceNotFoundError) as exc:
        raise GovernanceError(str(exc)) from None
    require(principal, action, pinned.marking)
    return pinned


def _run_evidence_digest(run: RunRecord) -> str:
    """The digest of what a run says as evidence: its whole record but the list of bundles it
    was shared in (sharing a run with another agency changes nothing it shows)."""
    content = run.model_dump(mode="json")
    content["provenance"] = {
        k: v for k, v in content["provenance"].items() if k != RUN_SHARING_HISTORY
    }
    return change_digest(content)


def _pin_run(store: Store, ref: str, visible: Visible) -> Pinned:
    run = store.runs.resolve(ref, visible)
    if run.status != "completed":
        raise GovernanceError(
            f"run {run.id} is {run.status}; only a completed run is evidence "
            f"(`clearance eval resume {run.id}` finishes it)"
        )
    provenance = run.provenance
    model = provenance.get("model", {})
    pins = {
        "run_id": run.id,
        "ledger_entry_hash": store.governance.last_entry_hash("run", run.id),
        "evidence_sha256": _run_evidence_digest(run),
        "task_name": run.task_name,
        "task_digest": provenance.get("task", {}).get("digest"),
        "dataset_digest": provenance.get("dataset", {}).get("digest"),
        "model_id": run.model_id,
        "model_spec": model.get("spec"),
        "model_version": model.get("version"),
        "weights_sha256": model.get("weights_sha256"),
        "created_at": run.created_at.isoformat(),
    }
    return Pinned("run", run.id, pins, marking_of(run))


def _pin_finding(store: Store, ref: str, visible: Visible) -> Pinned:
    finding = store.governance.finding(ref, visible)
    pins = {
        "finding_id": finding.id,
        "record_sha256": change_digest(finding.model_dump(mode="json")),
        "policy_digest": finding.policy_digest,
        "verdict": finding.verdict,
    }
    return Pinned("finding", finding.id, pins, marking_of(finding))


def _pin_mitigation(store: Store, ref: str, visible: Visible) -> Pinned:
    mitigation = store.mitigations.resolve(ref, visible)
    pins = {
        "mitigation_id": mitigation.id,
        "record_sha256": change_digest(mitigation.model_dump(mode="json")),
        "policy_digest": mitigation.policy_digest,
    }
    return Pinned("mitigation", mitigation.id, pins, marking_of(mitigation))


def _pin_policy(store: Store, ref: str, visible: Visible) -> Pinned:
    default = ref.strip() in _DEFAULT_POLICY_REFS
    try:
        loaded = load_policy(None if default else ref)
    except PolicyError as exc:
        raise GovernanceError(str(exc)) from None
    where = "default" if default else str(Path(ref).expanduser().resolve())
    pins = {
        "policy": where,
        "digest": loaded.digest,
        "name": loaded.policy.name,
        "version": loaded.policy.version,
    }
    return Pinned("policy", where, pins, UNCLASSIFIED_MARKING)


def _pin_document(store: Store, ref: str, visible: Visible) -> Pinned:
    document = store.governance.document(ref, visible)
    content = store.governance.document_content(document.id)
    pins = {
        "document_id": document.id,
        "filename": document.filename,
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    return Pinned("document", document.id, pins, marking_of(document))


def _pin_signature(store: Store, ref: str, visible: Visible) -> Pinned:
    """A verified signature of a model's weights (see ``clearance.supplychain``): only a check
    that passed is evidence. Signatures are found by their full id (no prefix search), so
    ``visible`` has no listing to filter; the caller's access check covers the one found."""
    signature = store.supply_chain.signature(ref)
    if signature.event != "verified":
        raise GovernanceError(
            f"signature record {signature.id} is {signature.event!r}; only a verified signature "
            f"is evidence (`clearance model verify {signature.path} --public-key KEY`)"
        )
    pins = {
        "signature_id": signature.id,
        "record_sha256": change_digest(signature.model_dump(mode="json")),
        "path": signature.path,
        "weights_sha256": signature.weights_sha256,
        "signer": signature.signer,
        "created_at": signature.created_at.isoformat(),
    }
    return Pinned("signature", signature.id, pins, marking_of(signature))


_PINNERS: dict[str, Callable[[Store, str, Visible], Pinned]] = {
    "run": _pin_run,
    "finding": _pin_finding,
    "mitigation": _pin_mitigation,
    "policy": _pin_policy,
    "document": _pin_document,
    "signature": _pin_signature,
}

_READ_ACTIONS: dict[str, Action] = {
    "run": Action.RUN_READ,
    "finding": Action.FINDING_READ,
    "mitigation": Action.MITIGATION_READ,
    "policy": Action.POLICY_READ,
    "document": Action.USECASE_READ,
    "signature": Action.SUPPLYCHAIN_READ,
}

_WATCHED: dict[str, tuple[str, ...]] = {
    "run": ("evidence_sha256", "task_digest", "dataset_digest", "model_id"),
    "finding": ("record_sha256",),
    "mitigation": ("record_sha256",),
    "policy": ("digest",),
    "document": ("sha256",),
    "signature": ("record_sha256",),
}


def _watched(kind: str, pinned: dict[str, Any]) -> tuple[str, ...]:
    """The pins compared for ``kind``; a run pinned before its evidence digest was pinned is
    compared by its ledger entry, as it was then."""
    if kind == "run" and "evidence_sha256" not in pinned:
        return ("ledger_entry_hash", *_WATCHED["run"][1:])
    return _WATCHED[kind]


def evidence_changes(store: Store, kind: str, ref: str, pinned: dict[str, Any]) -> list[str]:
    """How evidence ``ref`` of ``kind`` differs from what was ``pinned`` (empty if unchanged)."""
    try:
        # What was pinned is compared by the store itself, whoever reads the use case.
        current = _PINNERS[kind](store, ref, lambda _: True)
    except (RunNotFoundError, AssessmentNotFoundError, GovernanceNotFoundError):
        return [f"{kind} {ref} is no longer in the store"]
    except GovernanceError as exc:
        return [f"{kind} {ref} can no longer be used: {exc}"]
    changes = [
        f"{kind} {ref}: {key.replace('_', ' ')} changed "
        f"(pinned {_short(pinned.get(key))}, now {_short(current.pins.get(key))})"
        for key in _watched(kind, pinned)
        if pinned.get(key) != current.pins.get(key)
    ]
    if kind == "run":
        changes += _newer_run_changes(store, pinned)
    if kind == "signature":
        changes += _newer_signature_changes(store, pinned)
    return changes


def _newer_signature_changes(store: Store, pinned: dict[str, Any]) -> list[str]:
    """A later check of the same weights that failed, or weights at that path that are now
    other weights: what was verified is no longer what is there."""
    since = str(pinned.get("created_at", ""))
    later = [
        s
        for s in store.supply_chain.signatures()
        if s.path == pinned.get("path") and s.created_at.isoformat() > since
    ]
    if not later:
        return []
    newest = later[0]
    if newest.event == "failed":
        return [f"signature of {pinned.get('path')} failed a later check ({newest.id})"]
    if newest.weights_sha256 != pinned.get("weights_sha256"):
        return [
            f"the weights at {pinned.get('path')} changed since their signature was verified "
            f"(now {_short(newest.weights_sha256)}, pinned {_short(pinned.get('weights_sha256'))})"
        ]
    return []


def _newer_run_changes(store: Store, pinned: dict[str, Any]) -> list[str]:
    """A newer completed run of the same task on the same model spec, with a different model,
    dataset or task definition: what was tested is no longer what is run."""
    spec, task = pinned.get("model_spec"), pinned.get("task_name")
    if not spec or not task:
        return []
    identity = _pinned_identity(store, pinned)
    newer = store.governance.newest_completed_run(
        task, spec, matching=lambda run: run_identity(run) == identity
    )
    if newer is None or newer.id == pinned["run_id"]:
        return []
    if newer.created_at.isoformat() <= str(pinned.get("created_at", "")):
        return []
    provenance = newer.provenance
    now = {
        "model_id": newer.model_id,
        "dataset_digest": provenance.get("dataset", {}).get("digest"),
        "task_digest": provenance.get("task", {}).get("digest"),
    }
    return [
        f"newer run {newer.id} of task {task} on {spec} used a different "
        f"{key.removesuffix('_digest').replace('_', ' ')} "
        f"({_short(value)}, pinned {_short(pinned.get(key))})"
        for key, value in now.items()
        if value != pinned.get(key)
    ]


def _pinned_identity(store: Store, pinned: dict[str, Any]) -> str | None:
    """The benchmark identity of the pinned run (None if it is gone): only a newer run of the
    same identity supersedes it, not a task file that shares its name."""
    try:
        return run_identity(store.runs.resolve(str(pinned["run_id"])))
    except RunNotFoundError:
        return None


def _short(value: Any) -> str:
    if isinstance(value, str) and len(value) > 16:
        return value[:12] + "…"
    return str(value)


def add_document(
    store: Store,
    path: str | Path,
    *,
    description: str = "",
    marking: Marking = UNCLASSIFIED_MARKING,
    principal: Principal,
    now: datetime | None = None,
) -> DocumentRecord:
    """Upload a document (an impact assessment, a training record) as evidence; its SHA-256 is
    what evidence links pin."""
    require(principal, Action.PRACTICE_UPDATE, marking)
    path = Path(path).expanduser()
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise GovernanceError(f"cannot read document {path}: {exc.strerror}") from exc
    if len(content) > DOCUMENT_MAX_BYTES:
        raise GovernanceError(
            f"document {path} is {len(content)} bytes; the limit is {DOCUMENT_MAX_BYTES} "
            "(link large artefacts by their digest in a smaller document instead)"
        )
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return store_document(
        store,
        filename=path.name,
        content=content,
        media_type=media_type,
        description=description,
        marking=marking,
        action="document.upload",
        principal=principal,
        now=now,
    )


def store_document(
    store: Store,
    *,
    filename: str,
    content: bytes,
    media_type: str,
    description: str,
    marking: Marking,
    action: str,
    principal: Principal,
    now: datetime | None,
) -> DocumentRecord:
    """Store a document's bytes, addressed by SHA-256, with one ledger entry (``action``); the
    caller has checked the principal may."""
    with store.unit_of_work(actor_of(principal)) as uow:
        record: DocumentRecord = store.documents.add(
            uow,
            action=action,
            now=moment(now),
            fields={
                "filename": filename,
                "media_type": media_type,
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "content": content,
                "description": description,
                **marking_fields(marking),
            },
        )
    return record
