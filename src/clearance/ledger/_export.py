"""Offline exports: a directory an auditor verifies with nothing but its files and a public key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from clearance.atomicfile import staged_directory
from clearance.errors import ClearanceError
from clearance.ledger._canonical import CanonicalJSONError, canonical_json
from clearance.ledger._checkpoint import (
    Checkpoint,
    checkpoint_fields,
    checkpoint_problem,
    key_id,
    load_public_key,
)
from clearance.ledger._entry import (
    ChainLink,
    LedgerEntry,
    WithheldEntry,
    link_json,
    withheld_entry,
)
from clearance.ledger._verify import VerifyReport, verify_chain, verify_records

ENTRIES_FILE = "entries.jsonl"
CHECKPOINT_FILE = "checkpoint.json"
PUBLIC_KEY_FILE = "public_key.pem"
RECORDS_FILE = "records.jsonl"
MANIFEST_FILE = "manifest.json"
EXPORT_FORMAT = "clearance-ledger-export/1"

_REQUIRED_FILES = (ENTRIES_FILE, CHECKPOINT_FILE, PUBLIC_KEY_FILE)
_KNOWN_FILES = (*_REQUIRED_FILES, RECORDS_FILE)
_RECORD_KEYS = {"record_type", "record_id", "content"}


class _ExportProblem(ClearanceError):
    """Why an export fails verification; turned into a VerifyReport, never escapes."""

    def __init__(self, problem: str, seq: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.seq = seq


def write_export(
    dir: Path,
    entries: Iterable[LedgerEntry],
    checkpoint: Checkpoint,
    public_key_pem: bytes,
    records: Iterable[tuple[str, str, Mapping[str, Any]]] | None = None,
    *,
    withhold: Callable[[LedgerEntry], bool] | None = None,
) -> None:
    """Write an offline export into ``dir`` (created; it must be empty or absent).

    Files: entries.jsonl (one canonical JSON entry per line; an entry ``withhold`` picks is
    written as a :class:`WithheldEntry`, its seq and hashes only), checkpoint.json, public_key.pem,
    records.jsonl when ``records`` is given (record_type, record_id, content), and manifest.json
    with the SHA-256 of each. ``checkpoint`` must be signed by ``public_key_pem`` and cover exactly
    the entries written, so the signature vouches for the whole export.
    """
    public_key = load_public_key(public_key_pem)
    problem = checkpoint_problem(checkpoint, public_key)
    if problem is not None:
        raise ValueError(f"cannot export with this checkpoint: {problem}")
    _check_empty_dir(dir)
    # Staged beside ``dir`` and renamed into place whole: an export that failed half way (a
    # damaged entry, a killed process) leaves nothing that could pass for an export.
    with staged_directory(dir) as staging:
        links = (withheld_entry(e) if withhold is not None and withhold(e) else e for e in entries)
        entries_digest = _write_entries(staging / ENTRIES_FILE, links, checkpoint.tree_size)
        digests = {ENTRIES_FILE: entries_digest}
        digests[CHECKPOINT_FILE] = _write_file(
            staging / CHECKPOINT_FILE, canonical_json(checkpoint_fields(checkpoint))
        )
        digests[PUBLIC_KEY_FILE] = _write_file(staging / PUBLIC_KEY_FILE, public_key_pem)
        if records is not None:
            digests[RECORDS_FILE] = _write_records(staging / RECORDS_FILE, records)
        manifest = {"format": EXPORT_FORMAT, "files": digests}
        (staging / MANIFEST_FILE).write_bytes(canonical_json(manifest))


def verify_export(
    dir: Path,
    public_key_pem: bytes,
    *,
    record_types: Collection[str] | None = None,
    statement_type: str | None = None,
) -> VerifyReport:
    """Verify an export offline: manifest digests, the public key, the chain, the checkpoint's
    signature (against ``public_key_pem``, not merely the key in the directory) and Merkle root,
    and each record against the change digest of its last ledger entry. With ``record_types``
    (the store's record registry), a record of any other type is refused as well. With
    ``statement_type``, the export's record of that type (the exporter's signed statement of
    what it holds) must state ``withheld_entries`` equal to the entries withheld in the file, so
    a whole entry cannot be passed off as withheld to hide it.

    A damaged or forged export gives a report whose ``problem`` names the file (and line, or
    entry) at fault; a ``public_key_pem`` that is not an Ed25519 public key raises ValueError.
    """
    public_key = load_public_key(public_key_pem)
    try:
        checkpoint, has_records = _open_export(dir, public_key)
    except _ExportProblem as fault:
        return _failed_export(fault, entries_checked=0)
    latest: dict[tuple[str, str], str] = {}
    try:
        report = verify_chain(
            _read_entries(dir / ENTRIES_FILE, latest), checkpoint=checkpoint, public_key=public_key
        )
    except _ExportProblem as fault:
        return _failed_export(fault, entries_checked=(fault.seq or 1) - 1)
    if not report.ok:
        return report
    try:
        _check_covered(report, checkpoint)
        statements: list[Mapping[str, Any]] = []
        records_checked = (
            _check_records(dir / RECORDS_FILE, latest, record_types, statement_type, statements)
            if has_records
            else 0
        )
        if statement_type is not None:
            _check_statement(statements, statement_type, report.entries_withheld)
    except _ExportProblem as fault:
        return _failed_export(fault, entries_checked=report.entries_checked)
    return report.model_copy(update={"records_checked": records_checked})


def _open_export(dir: Path, public_key: Ed25519PublicKey) -> tuple[Checkpoint, bool]:
    files = _read_manifest(dir)
    _check_digests(dir, files)
    _check_key_file(dir / PUBLIC_KEY_FILE, public_key)
    return _read_checkpoint(dir / CHECKPOINT_FILE), RECORDS_FILE in files


def _failed_export(fault: _ExportProblem, *, entries_checked: int) -> VerifyReport:
    return VerifyReport(
        ok=False, entries_checked=entries_checked, first_bad_seq=fault.seq, problem=fault.problem
    )


def _check_empty_dir(dir: Path) -> None:
    if dir.exists() and (not dir.is_dir() or any(dir.iterdir())):
        raise FileExistsError(
            f"export directory {dir} is not empty; choose a new directory or empty this one "
            "(mixing files from two exports would make both unverifiable)"
        )


def _write_entries(path: Path, entries: Iterable[ChainLink], expected: int) -> str:
    digest = hashlib.sha256()
    count = 0
    with path.open("wb") as handle:
        for entry in entries:
            line = link_json(entry) + b"\n"
            handle.write(line)
            digest.update(line)
            count += 1
    if count != expected:
        raise ValueError(
            f"wrote {count} entries but the checkpoint covers {expected}; sign a checkpoint over "
            f"exactly the exported entries (the export in {path.parent} is incomplete: no manifest)"
        )
    return digest.hexdigest()


def _write_records(path: Path, records: Iterable[tuple[str, str, Mapping[str, Any]]]) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for record_type, record_id, content in records:
            fields = {"record_type": record_type, "record_id": record_id, "content": content}
            line = canonical_json(fields) + b"\n"
            handle.write(line)
            digest.update(line)
    return digest.hexdigest()


def _write_file(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _read_manifest(dir: Path) -> dict[str, str]:
    path = dir / MANIFEST_FILE
    if not path.is_file():
        raise _ExportProblem(f"{MANIFEST_FILE} is missing from {dir}: this is not a ledger export")
    manifest = _canonical_object(path.read_bytes(), MANIFEST_FILE)
    if set(manifest) != {"format", "files"} or manifest["format"] != EXPORT_FORMAT:
        raise _ExportProblem(
            f"{MANIFEST_FILE}: expected format {EXPORT_FORMAT!r} with a 'files' object "
            "(altered, or written by another tool?)"
        )
    return _manifest_files(manifest["files"])


def _manifest_files(files: Any) -> dict[str, str]:
    if not isinstance(files, dict):
        raise _ExportProblem(f"{MANIFEST_FILE}: 'files' is not an object (altered?)")
    unknown = sorted(set(files) - set(_KNOWN_FILES))
    missing = [name for name in _REQUIRED_FILES if name not in files]
    if unknown:
        raise _ExportProblem(f"{MANIFEST_FILE}: lists unknown files {unknown} (altered?)")
    if missing:
        raise _ExportProblem(f"{MANIFEST_FILE}: does not list {missing} (altered?)")
    for name, digest in files.items():
        if not isinstance(digest, str):
            raise _ExportProblem(
                f"{MANIFEST_FILE}: the digest of {name} is not a string (altered?)"
            )
    return files


def _check_digests(dir: Path, files: Mapping[str, str]) -> None:
    for name, expected in files.items():
        path = dir / name
        if not path.is_file():
            raise _ExportProblem(f"{name} is listed in {MANIFEST_FILE} but missing from {dir}")
        with path.open("rb") as handle:
            actual = hashlib.file_digest(handle, "sha256").hexdigest()
        if actual != expected:
            raise _ExportProblem(
                f"{name}: its SHA-256 does not match {MANIFEST_FILE} (the file, or the "
                "manifest, was altered after export)"
            )


def _check_key_file(path: Path, public_key: Ed25519PublicKey) -> None:
    try:
        in_export = load_public_key(path.read_bytes())
    except ValueError as error:
        raise _ExportProblem(f"{PUBLIC_KEY_FILE}: {error}") from error
    if key_id(in_export) != key_id(public_key):
        raise _ExportProblem(
            f"{PUBLIC_KEY_FILE} holds key {key_id(in_export)}, not the key you gave "
            f"({key_id(public_key)}): the export was signed by another key, or replaced"
        )


def _read_checkpoint(path: Path) -> Checkpoint:
    data = _canonical_object(path.read_bytes(), CHECKPOINT_FILE)
    try:
        return Checkpoint.model_validate(data)
    except ValidationError as error:
        raise _ExportProblem(
            f"{CHECKPOINT_FILE}: not a valid checkpoint ({_summary(error)})"
        ) from error


def _read_entries(path: Path, latest: dict[tuple[str, str], str]) -> Iterator[ChainLink]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            entry = _parse_entry(line, number)
            if isinstance(entry, LedgerEntry):
                latest[(entry.record_type, entry.record_id)] = entry.change_sha256
            yield entry


def _parse_entry(line: bytes, number: int) -> ChainLink:
    where = f"{ENTRIES_FILE} line {number}"
    body = _line_body(line, where)
    data = _json_object(body, where, seq=number)
    shape: type[LedgerEntry] | type[WithheldEntry] = (
        WithheldEntry if "withheld" in data else LedgerEntry
    )
    entry: ChainLink
    try:
        entry = shape.model_validate(data)
    except ValidationError as error:
        raise _ExportProblem(
            f"{where}: not a ledger entry ({_summary(error)})", seq=number
        ) from error
    # Stricter than a canonical-JSON check: the entry must also spell its time the one way.
    try:
        canonical = link_json(entry)
    except CanonicalJSONError as error:
        raise _ExportProblem(f"{where}: {error}", seq=number) from error
    if canonical != body:
        raise _ExportProblem(f"{where}: not in canonical form (altered?)", seq=number)
    return entry


def _check_covered(report: VerifyReport, checkpoint: Checkpoint) -> None:
    if report.entries_checked != checkpoint.tree_size:
        raise _ExportProblem(
            f"{ENTRIES_FILE} has {report.entries_checked} entries but the checkpoint covers "
            f"{checkpoint.tree_size}: entries {checkpoint.tree_size + 1} onward are not vouched "
            "for by the signature (appended after export?)",
            seq=checkpoint.tree_size + 1,
        )


def _check_records(
    path: Path,
    latest: Mapping[tuple[str, str], str],
    record_types: Collection[str] | None,
    statement_type: str | None,
    statements: list[Mapping[str, Any]],
) -> int:
    count = 0

    def numbered_records() -> Iterator[tuple[str, str, Mapping[str, Any]]]:
        nonlocal count
        with path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                count = number
                record = _parse_record(line, number)
                if record_types is not None and record[0] not in record_types:
                    raise _ExportProblem(
                        f"{RECORDS_FILE} line {number}: record type {record[0]!r} is not one "
                        "this store's registry knows (forged, or from another program?)"
                    )
                if record[0] == statement_type:
                    statements.append(record[2])
                yield record

    problems = verify_records(latest, numbered_records())
    if problems:
        raise _ExportProblem(f"{RECORDS_FILE}: {problems[0].problem}")
    return count


def _check_statement(
    statements: list[Mapping[str, Any]], statement_type: str, withheld: int
) -> None:
    if len(statements) != 1:
        raise _ExportProblem(
            f"{RECORDS_FILE}: holds {len(statements)} records of type {statement_type!r} where "
            "an export holds exactly one, its own statement (altered?)"
        )
    stated = statements[0].get("withheld_entries", 0)
    if stated != withheld:
        raise _ExportProblem(
            f"{ENTRIES_FILE}: {withheld} entries are withheld but the export's signed statement "
            f"says {stated} (whole entries passed off as withheld, or the reverse?)"
        )


def _parse_record(line: bytes, number: int) -> tuple[str, str, Mapping[str, Any]]:
    where = f"{RECORDS_FILE} line {number}"
    data = _canonical_object(_line_body(line, where), where)
    record_type = data.get("record_type")
    record_id = data.get("record_id")
    content = data.get("content")
    if (
        set(data) != _RECORD_KEYS
        or not isinstance(record_type, str)
        or not isinstance(record_id, str)
        or not isinstance(content, dict)
    ):
        raise _ExportProblem(
            f"{where}: expected an object with string record_type and record_id and an object "
            "content (altered?)"
        )
    return record_type, record_id, content


def _line_body(line: bytes, where: str) -> bytes:
    if not line.endswith(b"\n"):
        raise _ExportProblem(f"{where}: the last line has no newline (file truncated?)")
    return line[:-1]


def _json_object(data: bytes, where: str, seq: int | None = None) -> dict[str, Any]:
    try:
        parsed = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _ExportProblem(f"{where}: not valid JSON ({error})", seq=seq) from error
    if not isinstance(parsed, dict):
        raise _ExportProblem(f"{where}: expected a JSON object", seq=seq)
    return parsed


def _canonical_object(data: bytes, where: str, seq: int | None = None) -> dict[str, Any]:
    parsed = _json_object(data, where, seq)
    try:
        canonical = canonical_json(parsed)
    except CanonicalJSONError as error:
        raise _ExportProblem(f"{where}: {error}", seq=seq) from error
    if canonical != data:
        raise _ExportProblem(f"{where}: not in canonical JSON form (altered?)", seq=seq)
    return parsed


def _summary(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in detail['loc'])}: {detail['msg']}"
        for detail in error.errors(include_url=False)
    )
