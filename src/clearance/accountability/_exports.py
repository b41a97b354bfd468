"""`ledger export`: an offline, signed copy of the ledger with the records the exporter may read."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict

from clearance.access import (
    Action,
    Marking,
    Principal,
    join_markings,
    readable,
    require_permission,
)
from clearance.accountability._checkpoints import (
    LedgerIntegrityError,
    newest_checkpoint,
    sign_head,
    signing_key,
)
from clearance.accountability._entry_sight import EntrySight
from clearance.accountability._session import Acting
from clearance.accountability._verification import LedgerIndex
from clearance.errors import ClearanceError
from clearance.ledger import (
    VerifyReport,
    canonical_json,
    change_digest,
    key_id,
    public_key_pem,
    read_checkpoint,
    verify_chain,
    write_export,
)
from clearance.store import (
    EXPORT_RECORD_TYPE,
    RECORD_KINDS,
    LedgerReader,
    Store,
    new_record_id,
)


class ExportChangedError(ClearanceError, RuntimeError):
    """A record changed while the export was being written; running it again will succeed."""


class LedgerExport(BaseModel):
    """What ``ledger export`` wrote."""

    model_config = ConfigDict(frozen=True)

    directory: str
    export_id: str
    entries: int
    records: int
    withheld: int
    """Records left out because the exporter may not read them."""
    entries_withheld: int = 0
    """Entries written as their seq and hashes only: those of records the exporter may not
    read (and of users and sign-ins, for an exporter who does not manage users)."""
    in_progress: int
    """Runs left out because they are still running (their content is not final)."""
    banner: str
    """The highest marking of what the export contains (the join of its records' markings)."""
    checkpoint: str
    """The checkpoint file signed for the export (also copied into it)."""


@dataclass
class _Selection:
    records: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    markings: list[Marking] = field(default_factory=list)
    withheld: int = 0
    in_progress: int = 0


def export_ledger(
    store: Store, acting: Acting, directory: Path, *, key_file: Path | None = None
) -> LedgerExport:
    """Write an offline export of the whole ledger into ``directory`` (``ledger.export``).

    Holds every entry the exporter may see whole (:class:`EntrySight`) and every other one as
    its seq and hashes only, so the chain and the Merkle root verify while nothing says who did
    what to a record above the exporter's clearance; a checkpoint signed over all of them; the
    public key; and the content of each record of every registered kind that the exporter may
    read (plus the models of those runs; principals and tokens never leave the store). The
    export itself is ledgered first: its entry's record, listed in ``records.jsonl``, states the
    banner (the join of the exported records' markings) and how many records and entries were
    withheld, so all are covered by the signature. ``clearance ledger verify-export`` then
    checks the directory with nothing but its files and the public key.
    """
    principal = acting.principal
    require_permission(principal, Action.LEDGER_EXPORT)
    _check_empty(directory)
    key = signing_key(key_file)
    reader = LedgerReader(store.engine)
    index = LedgerIndex()
    _verified(reader, index, reader.size(), key)
    selection = _select(reader, principal, index)
    sight = EntrySight.of(reader, principal)
    entries_withheld = _withheld_entries(reader, sight, reader.size())
    export_id = new_record_id("ex")
    banner = join_markings(selection.markings)
    content = _export_content(export_id, principal, banner, selection) | {
        "withheld_entries": entries_withheld
    }
    with store.unit_of_work(acting.actor) as uow:
        entry = uow.record("ledger.export", EXPORT_RECORD_TYPE, export_id, content)
    final = LedgerIndex()
    report = _verified(reader, final, entry.seq, key)
    _check_unchanged(selection, final)
    if _withheld_entries(reader, sight, entry.seq) != entries_withheld:
        raise ExportChangedError(
            "entries were written while the export was being made; run `clearance ledger "
            "export` again (into a new directory)"
        )
    written = sign_head(report, key)
    records = [*selection.records, (EXPORT_RECORD_TYPE, export_id, content)]
    write_export(
        directory,
        reader.entries(up_to=entry.seq),
        written.checkpoint,
        public_key_pem(key),
        records,
        withhold=lambda e: not sight.shows(e),
    )
    return LedgerExport(
        directory=str(directory),
        export_id=export_id,
        entries=entry.seq,
        records=len(selection.records),
        withheld=selection.withheld,
        entries_withheld=entries_withheld,
        in_progress=selection.in_progress,
        banner=banner.banner(),
        checkpoint=str(written.path),
    )


def _withheld_entries(reader: LedgerReader, sight: EntrySight, up_to: int) -> int:
    return sum(1 for e in reader.entries(up_to=up_to) if not sight.shows(e))


def _check_empty(directory: Path) -> None:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise FileExistsError(
            f"export directory {directory} is not empty; choose a new directory (an export "
            "mixed with other files cannot be verified)"
        )


def _verified(
    reader: LedgerReader, index: LedgerIndex, up_to: int, key: Ed25519PrivateKey
) -> VerifyReport:
    # Against the newest checkpoint this key signed: the export's signature extends it.
    checkpoint_file = newest_checkpoint(signed_by=key_id(key))
    checkpoint = read_checkpoint(checkpoint_file) if checkpoint_file is not None else None
    report = verify_chain(
        index.observe(reader.entries(up_to=up_to)),
        checkpoint=checkpoint,
        public_key=key.public_key(),
    )
    if not report.ok:
        raise LedgerIntegrityError(report)
    return report


def _select(reader: LedgerReader, principal: Principal, index: LedgerIndex) -> _Selection:
    latest = index.latest_digests()
    selection = _Selection()
    model_ids: set[str] = set()
    for kind in RECORD_KINDS:
        # Unmarked kinds are not read on their own: models go with the runs that used them.
        action, record_type = kind.read_action, kind.record_type
        if action is None or not kind.marked:
            continue
        items = list(_final_records(reader, record_type, index, latest, selection))
        if not (principal.active and action in principal.permissions):
            selection.withheld += len(items)
            continue
        visible = readable(principal, items, _marking, action=action)
        selection.withheld += visible.withheld
        for record_id, content in visible:
            selection.records.append((record_type, record_id, content))
            selection.markings.append(_marking((record_id, content)))
            if record_type == "run":
                model_ids.add(str(content["model_id"]))
    for record_id, content in reader.contents("model"):
        if record_id in model_ids:
            _check_matches(latest, "model", record_id, content)
            selection.records.append(("model", record_id, content))
    return selection


def _final_records(
    reader: LedgerReader,
    record_type: str,
    index: LedgerIndex,
    latest: Mapping[tuple[str, str], str],
    selection: _Selection,
) -> Iterator[tuple[str, dict[str, Any]]]:
    for record_id, content in reader.contents(record_type):
        if record_type == "run" and not index.run_at_rest(record_id):
            selection.in_progress += 1
            continue
        _check_matches(latest, record_type, record_id, content)
        yield record_id, content


def _check_matches(
    latest: Mapping[tuple[str, str], str], record_type: str, record_id: str, content: Any
) -> None:
    if latest.get((record_type, record_id)) != change_digest(content):
        raise LedgerIntegrityError(
            VerifyReport(
                ok=False,
                entries_checked=0,
                problem=f"{record_type} {record_id} does not match its last ledger entry",
            )
        )


def _marking(item: tuple[str, dict[str, Any]]) -> Marking:
    content = item[1]
    return Marking(
        level=content["marking_level"], compartments=frozenset(content["marking_compartments"])
    )


def _export_content(
    export_id: str, principal: Principal, banner: Marking, selection: _Selection
) -> dict[str, Any]:
    lines = hashlib.sha256()
    for record_type, record_id, content in selection.records:
        fields = {"record_type": record_type, "record_id": record_id, "content": content}
        lines.update(canonical_json(fields) + b"\n")
    return {
        "id": export_id,
        "exported_by": principal.id,
        "banner": banner.banner(),
        "records": len(selection.records),
        "records_sha256": lines.hexdigest(),
        "withheld": selection.withheld,
        "in_progress": selection.in_progress,
    }


def _check_unchanged(selection: _Selection, final: LedgerIndex) -> None:
    latest = final.latest_digests()
    for record_type, record_id, content in selection.records:
        if latest.get((record_type, record_id)) != change_digest(content):
            raise ExportChangedError(
                f"{record_type} {record_id} changed while the export was being written; "
                "run `clearance ledger export` again (into a new directory)"
            )
