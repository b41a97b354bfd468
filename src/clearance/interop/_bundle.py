"""Signed evidence bundles: runs, their samples and assessments, carried between stores with
ledger inclusion proofs against a signed checkpoint, holding only what the recipient's stated
clearance allows.

A bundle is three lines: a format line, the payload (sorted, compact JSON) and the issuer's
Ed25519 signature over the payload's exact bytes. Anyone with the issuer's public key checks it
offline: the signature, the checkpoint's signature, each record against its ledger entry and
each entry's RFC 6962 inclusion in the checkpoint's tree, the samples batch by batch, and every
record's marking against the clearance the bundle states.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from clearance.access import (
    Action,
    Marking,
    MarkingError,
    Principal,
    can,
    join_markings,
    marking_of,
    readable,
    require,
)
from clearance.accountability import Acting, readable_run, sign_and_publish, signing_key
from clearance.atomicfile import write_bytes_atomically
from clearance.interop._errors import BundleRejected, InteropError
from clearance.ledger import (
    Checkpoint,
    InclusionProver,
    LedgerEntry,
    change_digest,
    entry_hash,
    key_id,
    load_public_key,
    public_key_pem,
    rfc3339_utc,
    verify_checkpoint,
    verify_inclusion,
)
from clearance.models import ModelInfo
from clearance.store import (
    RUN_SHARING_HISTORY,
    SAMPLES_RECORD_TYPE,
    AssessmentNotFoundError,
    AssessmentRecord,
    LedgerReader,
    RunNotFoundError,
    RunRecord,
    Store,
    match_sample_batches,
    new_record_id,
)

FORMAT_LINE = b"clearance-bundle 1"
SHARED_KEY = RUN_SHARING_HISTORY
"""The key of a run's provenance listing each bundle it was shared in."""
ORIGIN_KEY = "origin"
"""The key of an imported bundle run's provenance naming where it came from."""
SHARING_DAYS = 30
"""NSM 3.3(f)(i): results are shared with AISI within 30 days of the evaluation's completion."""


def _dumps(obj: Any) -> bytes:
    # Sorted compact JSON, floats as Python writes them: sample rows must keep 1.0 apart from 1,
    # because their ledger digests were taken over exactly that text.
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode()  # fmt: skip


@dataclass(frozen=True)
class CreatedBundle:
    """A bundle written: where, what it holds, and what the recipient's clearance left out."""

    path: Path
    bundle_id: str
    runs: tuple[str, ...]
    assessments: tuple[str, ...]
    withheld: int
    marking: str
    checkpoint: Checkpoint


def create_bundle(
    store: Store,
    acting: Acting,
    *,
    runs: Sequence[str],
    assessments: Sequence[str] = (),
    recipient: Marking,
    out: Path,
) -> CreatedBundle:
    """Bundle ``runs`` (``run.export`` on each) and ``assessments`` (``finding.read``) for a
    recipient cleared for ``recipient``: records it may not hold are left out (counted, not
    named). The store's ledger is checkpointed and signed first; each shared run's provenance
    then records the sharing, which the 30-day duty reads."""
    chosen = [readable_run(store, acting.principal, ref, Action.RUN_EXPORT) for ref in runs]
    kept_runs = [r for r in chosen if recipient.dominates(marking_of(r))]
    found = [_readable_assessment(store, acting.principal, ref) for ref in assessments]
    kept_assessments = [a for a in found if recipient.dominates(marking_of(a))]
    withheld = len(chosen) - len(kept_runs) + len(found) - len(kept_assessments)
    if not kept_runs and not kept_assessments:
        raise InteropError(
            f"nothing to bundle: every record named is above the recipient's clearance "
            f"{recipient.banner()} (or not visible to you)"
        )
    key = signing_key()
    checkpoint = sign_and_publish(store).checkpoint
    reader = LedgerReader(store.engine)
    prover = _Prover(reader, checkpoint.tree_size)
    records: list[dict[str, Any]] = []
    samples: list[dict[str, Any]] = []
    models = sorted({r.model_id for r in kept_runs})
    for model_id in models:
        records.append(prover.record("model", model_id))
    for run in kept_runs:
        records.append(prover.record("run", run.id))
        samples.append(prover.samples(run.id))
    findings = []
    for assessment in kept_assessments:
        records.append(prover.record("assessment", assessment.id))
        for finding in store.findings.findings(assessment_id=assessment.id):
            if recipient.dominates(marking_of(finding)):
                findings.append(prover.record("finding", finding.id))
            else:
                withheld += 1
    records.extend(findings)
    marking = join_markings(
        [marking_of(r) for r in kept_runs] + [marking_of(a) for a in kept_assessments]
    )
    bundle_id = new_record_id("bundle")
    created = datetime.now(UTC)
    payload = {
        "format": "clearance-bundle/1",
        "bundle_id": bundle_id,
        "created_at": rfc3339_utc(created),
        "created_by": acting.actor,
        "issuer": {"key_id": key_id(key), "public_key": public_key_pem(key).decode("ascii")},
        "recipient_clearance": recipient.banner(),
        "marking": marking.banner(),
        "checkpoint": checkpoint.model_dump(mode="json"),
        "records": records,
        "samples": samples,
    }
    body = _dumps(payload)
    signature = {"key_id": key_id(key), "signature": base64.b64encode(key.sign(body)).decode()}
    first = _first_line(marking.banner())
    write_bytes_atomically(out, first + b"\n" + body + b"\n" + _dumps(signature) + b"\n")
    change = {
        "bundle_id": bundle_id,
        "time": rfc3339_utc(created),
        "by": acting.actor,
        "recipient_clearance": recipient.banner(),
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    with store.unit_of_work(acting.actor) as uow:
        for run in kept_runs:
            store.runs.append_history(
                uow, run.id, action="run.share", history_key=SHARED_KEY, change=change
            )
    return CreatedBundle(
        path=out,
        bundle_id=bundle_id,
        runs=tuple(r.id for r in kept_runs),
        assessments=tuple(a.id for a in kept_assessments),
        withheld=withheld,
        marking=marking.banner(),
        checkpoint=checkpoint,
    )


def _readable_assessment(store: Store, principal: Principal, ref: str) -> AssessmentRecord:
    """The assessment ``ref`` names if ``principal`` may read it; one above its clearance is
    answered as one that does not exist."""
    found = store.findings.get_assessment(ref)
    if not can(principal, Action.FINDING_READ, marking_of(found)):
        raise AssessmentNotFoundError(
            f"no assessment matches {ref!r}; `clearance findings list` shows them"
        )
    return found


class _Prover:
    """Ledger entries and inclusion proofs against the checkpoint's tree."""

    def __init__(self, reader: LedgerReader, tree_size: int) -> None:
        self._reader = reader
        self._size = tree_size
        self._entries = list(reader.entries(up_to=tree_size))
        self._prover = InclusionProver([e.hash for e in self._entries])

    def _proved(self, seq: int) -> dict[str, Any]:
        entry = self._entries[seq - 1]
        return {
            "entry": entry.model_dump(mode="json"),
            "proof": self._prover.proof(seq - 1),
        }

    def record(self, record_type: str, record_id: str) -> dict[str, Any]:
        entries = self._reader.record_entries(record_type, record_id, up_to=self._size)
        content = self._reader.content(record_type, record_id)
        if not entries or content is None:
            raise InteropError(f"{record_type} {record_id} has no ledger entry to prove it by")
        seq, _, digest = entries[-1]
        if change_digest(content) != digest:
            raise InteropError(
                f"{record_type} {record_id} changed since the checkpoint was signed, or does "
                "not match its ledger entry (`clearance ledger verify` says which); try again"
            )
        return {"record_type": record_type, "record_id": record_id, "content": content,
                **self._proved(seq)}  # fmt: skip

    def samples(self, run_id: str) -> dict[str, Any]:
        batches = [
            self._proved(seq) for seq, _ in self._reader.sample_batches(run_id) if seq <= self._size
        ]
        rows = json.loads(json.dumps(self._reader.sample_rows(run_id), default=str))
        return {"run_id": run_id, "rows": rows, "batches": batches}


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle whose every check held."""

    bundle_id: str
    issuer_key_id: str
    checkpoint: Checkpoint
    recipient_clearance: Marking
    marking: Marking
    payload: dict[str, Any]
    sha256: str

    @property
    def runs(self) -> list[dict[str, Any]]:
        return [r["content"] for r in self.payload["records"] if r["record_type"] == "run"]

    def contents(self, record_type: str) -> list[dict[str, Any]]:
        return [r["content"] for r in self.payload["records"] if r["record_type"] == record_type]


def verify_bundle(data: bytes, public_key: Ed25519PublicKey) -> VerifiedBundle:
    """Check a bundle offline against the issuer's public key; BundleRejected says why not."""
    lines = data.split(b"\n")
    if len(lines) != 4 or not lines[0].startswith(FORMAT_LINE + b" ") or lines[3] != b"":
        raise BundleRejected("not a Clearance evidence bundle (its layout was changed or cut)")
    body, signature_line = lines[1], lines[2]
    try:
        signature = json.loads(signature_line)
        raw = base64.b64decode(signature["signature"], validate=True)
        if _dumps(signature) != signature_line:
            raise ValueError("not in its written form")
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise BundleRejected(f"the bundle's signature line is damaged ({exc})") from None
    if signature.get("key_id") != key_id(public_key):
        raise BundleRejected(
            f"signed by key {signature.get('key_id')}, not by the public key given "
            f"({key_id(public_key)})"
        )
    try:
        public_key.verify(raw, body)
    except InvalidSignature:
        raise BundleRejected(
            "the signature does not verify: the bundle was altered after it was signed"
        ) from None
    payload = json.loads(body)
    if lines[0] != _first_line(str(payload.get("marking"))):
        raise BundleRejected("the marking on the bundle's first line is not the one it signed")
    try:
        return _verify_payload(payload, public_key, hashlib.sha256(body).hexdigest())
    except (KeyError, TypeError, ValueError, ValidationError, MarkingError) as exc:
        if isinstance(exc, BundleRejected):
            raise
        raise BundleRejected(f"the bundle's content is malformed ({exc})") from None


def _verify_payload(payload: Any, public_key: Ed25519PublicKey, sha256: str) -> VerifiedBundle:
    if payload["format"] != "clearance-bundle/1":
        raise BundleRejected(f"unknown bundle format {payload['format']!r}")
    if payload["issuer"]["key_id"] != key_id(public_key):
        raise BundleRejected("the bundle names another issuer key than the one that signed it")
    checkpoint = Checkpoint.model_validate(payload["checkpoint"])
    if not verify_checkpoint(checkpoint, public_key):
        raise BundleRejected("the checkpoint's signature does not verify with the issuer's key")
    recipient = Marking.parse(payload["recipient_clearance"])
    held: list[Marking] = []
    runs: dict[str, Marking] = {}
    for record in payload["records"]:
        entry = _proved_entry(record, checkpoint)
        kind, rid, content = record["record_type"], record["record_id"], record["content"]
        where = f"{kind} {rid}"
        if (entry.record_type, entry.record_id, str(content.get("id"))) != (kind, rid, rid):
            raise BundleRejected(f"{where}: its ledger entry is about another record")
        if change_digest(content) != entry.change_sha256:
            raise BundleRejected(f"{where}: its content does not match its ledger entry")
        if "marking_level" in content:
            marking = marking_of(_Marked(content))
            if not recipient.dominates(marking):
                raise BundleRejected(
                    f"{where} is marked {marking.banner()}, above the clearance the bundle "
                    f"states for its recipient ({recipient.banner()})"
                )
            held.append(marking)
            if kind == "run":
                runs[rid] = marking
    for block in payload["samples"]:
        run_id = block["run_id"]
        if run_id not in runs:
            raise BundleRejected(f"samples of run {run_id}: the bundle holds no such run")
        digests = []
        for batch in block["batches"]:
            entry = _proved_entry(batch, checkpoint)
            if (entry.record_type, entry.record_id) != (SAMPLES_RECORD_TYPE, run_id):
                raise BundleRejected(
                    f"samples of run {run_id}: a batch entry is about another record"
                )
            digests.append(entry.change_sha256)
        mismatch = match_sample_batches(run_id, block["rows"], digests)
        if mismatch is not None:
            raise BundleRejected(mismatch.problem)
    stated = Marking.parse(payload["marking"])
    if stated != join_markings(held):
        raise BundleRejected(
            f"the bundle is marked {stated.banner()} but holds records marked up to "
            f"{join_markings(held).banner()}"
        )
    return VerifiedBundle(
        bundle_id=str(payload["bundle_id"]),
        issuer_key_id=key_id(public_key),
        checkpoint=checkpoint,
        recipient_clearance=recipient,
        marking=stated,
        payload=payload,
        sha256=sha256,
    )


def _first_line(banner: str) -> bytes:
    # The banner where a reader looks first; verification holds it to the signed marking.
    return FORMAT_LINE + b" " + banner.encode()


class _Marked:
    def __init__(self, content: dict[str, Any]) -> None:
        self.marking_level = str(content["marking_level"])
        self.marking_compartments = list(content["marking_compartments"])


def _proved_entry(block: dict[str, Any], checkpoint: Checkpoint) -> LedgerEntry:
    entry = LedgerEntry.model_validate(block["entry"])
    if entry_hash(entry) != entry.hash:
        raise BundleRejected(f"ledger entry {entry.seq}: its hash does not match its fields")
    if not verify_inclusion(
        entry.seq - 1, checkpoint.tree_size, entry.hash, block["proof"], checkpoint.root
    ):
        raise BundleRejected(
            f"ledger entry {entry.seq} is not in the checkpointed ledger (its inclusion proof "
            f"fails against the root of {checkpoint.tree_size} entries)"
        )
    return entry


def read_public_key(path: Path) -> Ed25519PublicKey:
    """The issuer's public key from a PEM file."""
    if not path.is_file():
        raise InteropError(f"--public-key {path}: no such file; pass the issuer's public key PEM")
    try:
        return load_public_key(path.read_bytes())
    except ValueError as exc:
        raise InteropError(f"--public-key {path}: {exc}") from None


@dataclass(frozen=True)
class ImportedBundle:
    """What a bundle import wrote: runs created, and runs already here from the same bundle."""

    bundle: VerifiedBundle
    created: tuple[str, ...]
    already: tuple[str, ...]


def import_bundle(
    store: Store, acting: Acting, data: bytes, public_key: Ed25519PublicKey
) -> ImportedBundle:
    """Verify a bundle, then write its runs and samples (``run.create`` at each run's marking)
    and its assessments with their findings (``finding.create``) to ``store``, each naming its
    origin: issuer key, checkpoint, bundle. An assessment gets an id of this store; its origin
    keeps the issuer's."""
    bundle = verify_bundle(data, public_key)
    models = {m["id"]: m for m in bundle.contents("model")}
    samples = {block["run_id"]: block["rows"] for block in bundle.payload["samples"]}
    created: list[str] = []
    already: list[str] = []
    for assessment in bundle.contents("assessment"):
        require(acting.principal, Action.FINDING_CREATE, marking_of(_Marked(assessment)))
    for run in bundle.runs:
        marking = marking_of(_Marked(run))
        require(acting.principal, Action.RUN_CREATE, marking)
        if _already_here(store, acting.principal, run["id"], bundle):
            already.append(run["id"])
            continue
        _write_run(store, acting, run, models[run["model_id"]], samples.get(run["id"], []), bundle)
        created.append(run["id"])
    findings = bundle.contents("finding")
    for assessment in bundle.contents("assessment"):
        if _assessment_here(store, assessment["id"], bundle):
            already.append(assessment["id"])
            continue
        own = [f for f in findings if f["assessment_id"] == assessment["id"]]
        created.append(_write_assessment(store, acting, assessment, own, bundle))
    return ImportedBundle(bundle=bundle, created=tuple(created), already=tuple(already))


def _origin(bundle: VerifiedBundle, record: dict[str, Any]) -> dict[str, Any]:
    """Where a record received in a bundle came from: the issuer's key, the checkpoint that
    vouched for it, the bundle, and the record's id, author and time at the issuer."""
    return {
        "issuer_key_id": bundle.issuer_key_id,
        "issuer_public_key": bundle.payload["issuer"]["public_key"],
        "bundle_id": bundle.bundle_id,
        "bundle_sha256": bundle.sha256,
        "checkpoint": bundle.payload["checkpoint"],
        "id": record["id"],
        "created_by": record["created_by"],
        "created_at": record["created_at"],
        "imported_at": rfc3339_utc(datetime.now(UTC)),
    }


def _assessment_here(store: Store, original_id: str, bundle: VerifiedBundle) -> bool:
    for existing in store.findings.assessments():
        origin = existing.summary.get(ORIGIN_KEY) or {}
        if origin.get("id") == original_id and origin.get("issuer_key_id") == bundle.issuer_key_id:
            return True
    return False


_FINDING_OWN = ("id", "assessment_id", "model_spec", "policy_digest", "created_at", "created_by",
                "marking_level", "marking_compartments")  # fmt: skip
"""A finding's columns that its assessment sets, not the finding itself."""


def _write_assessment(
    store: Store,
    acting: Acting,
    assessment: dict[str, Any],
    findings: list[dict[str, Any]],
    bundle: VerifiedBundle,
) -> str:
    fields = {key: assessment[key] for key in ("model_spec", "model_ids", "policy_name",
                                               "policy_version", "policy_digest")}  # fmt: skip
    fields["summary"] = {**assessment["summary"], ORIGIN_KEY: _origin(bundle, assessment)}
    fields["marking_level"] = assessment["marking_level"]
    fields["marking_compartments"] = assessment["marking_compartments"]
    rows = [{k: v for k, v in f.items() if k not in _FINDING_OWN} for f in findings]
    with store.unit_of_work(acting.actor) as uow:
        record, _ = store.findings.create_assessment(uow, assessment=fields, findings=rows)
    return record.id


def _already_here(store: Store, principal: Principal, run_id: str, bundle: VerifiedBundle) -> bool:
    try:
        existing = store.runs.resolve(run_id)
    except RunNotFoundError:
        return False
    origin = existing.provenance.get(ORIGIN_KEY) or {}
    if existing.id == run_id and origin.get("issuer_key_id") == bundle.issuer_key_id:
        return True
    if not can(principal, Action.RUN_READ, marking_of(existing)):
        raise InteropError(f"run {run_id} cannot be imported: a run with its id exists here")
    raise InteropError(
        f"run {run_id} is already in this store as a run of its own (not from issuer "
        f"{bundle.issuer_key_id}); it is not overwritten"
    )


def _write_run(
    store: Store,
    acting: Acting,
    run: dict[str, Any],
    model: dict[str, Any],
    rows: list[dict[str, Any]],
    bundle: VerifiedBundle,
) -> RunRecord:
    info = ModelInfo(**{k: model[k] for k in ("spec", "provider", "name", "base_url", "version",
                                              "weights_sha256")})  # fmt: skip
    provenance = {**run["provenance"], ORIGIN_KEY: _origin(bundle, run)}
    provenance.pop(SHARED_KEY, None)
    for row in rows:
        row["completed_at"] = datetime.fromisoformat(row["completed_at"])
    finished = run.get("finished_at")
    with store.unit_of_work(acting.actor) as uow:
        model_id = store.runs.ensure_model(uow, info)
        store.runs.create_run(
            uow,
            id=run["id"],
            task_name=run["task_name"],
            task_ref=run["task_ref"],
            model_id=model_id,
            total=run["total"],
            provenance=provenance,
            options=run["options"],
            marking_level=run["marking_level"],
            marking_compartments=run["marking_compartments"],
        )
        store.runs.append_samples(uow, run["id"], rows)
        return store.runs.finish_run(
            uow,
            run["id"],
            status=run["status"],
            metrics=run["metrics"],
            finished_at=datetime.fromisoformat(finished) if finished else None,
        )


@dataclass(frozen=True)
class SharingDue:
    """A completed run not yet shared, and when the 30-day duty falls due."""

    run: RunRecord
    completed_at: datetime
    due: datetime

    @property
    def overdue(self) -> bool:
        return self.due < datetime.now(UTC)


def sharing_due(store: Store, principal: Principal) -> list[SharingDue]:
    """Completed runs ``principal`` may read that no bundle has carried yet (runs received in a
    bundle are another agency's to share), soonest due first."""
    visible = readable(principal, store.runs.newest(), marking_of, action=Action.RUN_READ)
    due = []
    for run in visible.items:
        if run.status != "completed" or run.finished_at is None:
            continue
        if run.provenance.get(SHARED_KEY) or run.provenance.get(ORIGIN_KEY):
            continue
        due.append(SharingDue(run, run.finished_at, run.finished_at + timedelta(days=SHARING_DAYS)))
    return sorted(due, key=lambda d: (d.due, d.run.id))
