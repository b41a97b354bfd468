"""`ledger verify`: the chain, a signed checkpoint, and every record against its last entry."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from clearance.access import Action, Principal, require_permission
from clearance.accountability._checkpoints import (
    default_public_key,
    load_checkpoint,
    newest_checkpoint,
    public_key,
)
from clearance.accountability._entry_sight import EntrySight
from clearance.accountability._witnesses import configured_witnesses, witness_problems
from clearance.filemodes import wider_than_private
from clearance.ledger import (
    GENESIS_HASH,
    LedgerEntry,
    VerifyReport,
    key_id,
    verify_chain,
    verify_records,
)
from clearance.store import RECORD_KINDS, LedgerReader, MalformedEntryError, Store, clearance_home


class RecordMismatch(BaseModel):
    """A record that disagrees with the ledger, and the entry it disagrees with."""

    model_config = ConfigDict(frozen=True)

    record_type: str
    record_id: str
    seq: int | None
    """The ledger entry the record no longer matches (None when it has none)."""
    problem: str


class LedgerVerification(BaseModel):
    """The outcome of ``ledger verify``. When not ``ok``, ``problem`` names the first bad entry."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    entries_checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    merkle_root: str | None = None
    checkpoint: str | None = None
    """The checkpoint file verified against, if any."""
    checkpoint_size: int | None = None
    records_checked: int = 0
    record_problems: list[RecordMismatch] = Field(default_factory=list)
    sample_runs_checked: int = 0
    """Runs whose stored samples were matched batch by batch against their ledger entries."""
    notes: list[str] = Field(default_factory=list)
    """What was not checked, and why (no checkpoint; runs in progress)."""
    witnesses_checked: list[str] = Field(default_factory=list)
    """The witnesses whose countersigned checkpoints the log was held against."""
    entries_withheld: int = 0
    """Entries checked (chained, hashed, held against checkpoints and witnesses) whose records
    the reader may not know of: counted here, never named."""
    records_withheld: int = 0
    """Records checked against their entries that the reader may not read; a mismatch among
    them is reported without its type or id."""


class LedgerIndex:
    """What one pass over the chain learns: each record's last entry, and the last entry."""

    def __init__(self) -> None:
        self.last: dict[tuple[str, str], tuple[int, str, str]] = {}
        self.head: tuple[int, str] | None = None
        self.entries_of: dict[tuple[str, str], int] = {}
        """How many entries each record has (as many keys as ``last``: one per record)."""

    def observe(self, entries: Iterable[LedgerEntry]) -> Iterator[LedgerEntry]:
        """Pass ``entries`` through, noting each."""
        for entry in entries:
            key = (entry.record_type, entry.record_id)
            self.entries_of[key] = self.entries_of.get(key, 0) + 1
            self.last[key] = (entry.seq, entry.action, entry.change_sha256)
            self.head = (entry.seq, entry.hash)
            yield entry

    def latest_digests(self) -> dict[tuple[str, str], str]:
        """(record_type, record_id) -> ``change_sha256`` of its last entry."""
        return {key: digest for key, (_, _, digest) in self.last.items()}

    def last_seq(self, record_type: str, record_id: str) -> int | None:
        """The seq of the record's last entry, if it has one."""
        found = self.last.get((record_type, record_id))
        return None if found is None else found[0]

    def run_at_rest(self, run_id: str) -> bool:
        """Whether the run's last entry holds its whole content: no samples or partial change
        came after it. False for a run in progress, or one whose process was killed."""
        run = self.last.get(("run", run_id))
        if run is None:
            return True
        samples = self.last.get(("samples", run_id))
        return samples is None or samples[0] < run[0]


def verify_ledger(
    store: Store,
    principal: Principal,
    *,
    checkpoint_file: Path | None = None,
    public_key_file: Path | None = None,
    records: bool = True,
) -> LedgerVerification:
    """Verify the store's ledger (``ledger.verify``).

    Checks the hash chain (edited, deleted, inserted, reordered entries), a signed checkpoint
    (``checkpoint_file``, default the newest under ``$CLEARANCE_HOME/checkpoints`` that the
    public key signed; truncation and rewritten history), and with ``records`` each stored
    record against its last entry: models, runs, assessments, findings, mitigations, principals
    and API tokens by their full content; each run's samples by count and, batch by batch, by
    content. Runs still in progress are noted, not checked. Verify a quiet store: a write
    landing mid-check may be reported.
    """
    require_permission(principal, Action.LEDGER_VERIFY)
    reader = LedgerReader(store.engine)
    sight = EntrySight.of(reader, principal)
    key = public_key(public_key_file) if public_key_file or checkpoint_file else None
    if checkpoint_file is None:
        key = key or default_public_key()
        checkpoint_file = newest_checkpoint(signed_by=key_id(key)) if key else None
    checkpoint = load_checkpoint(checkpoint_file) if checkpoint_file is not None else None
    index = LedgerIndex()
    try:
        report = verify_chain(
            index.observe(reader.entries(up_to=reader.size())),
            checkpoint=checkpoint,
            public_key=key,
        )
    except MalformedEntryError as malformed:
        report = VerifyReport(
            ok=False,
            entries_checked=malformed.seq,
            first_bad_seq=malformed.seq,
            problem=str(malformed),
        )
    base: dict[str, Any] = {
        "entries_checked": report.entries_checked,
        "entries_withheld": sum(
            n for key, n in index.entries_of.items() if not sight.sees_record(*key)
        ),
        "records_withheld": sight.records_withheld,
        "merkle_root": report.merkle_root,
        "checkpoint": str(checkpoint_file) if checkpoint_file is not None else None,
        "checkpoint_size": checkpoint.tree_size if checkpoint is not None else None,
        "notes": ([] if checkpoint is not None else [_NO_CHECKPOINT]) + permission_notes(),
    }
    if not report.ok:
        return LedgerVerification(
            ok=False, first_bad_seq=report.first_bad_seq, problem=report.problem, **base
        )
    witnessed = _against_witnesses(reader, report.entries_checked, base)
    if witnessed is not None:
        return witnessed
    if not records:
        return LedgerVerification(ok=True, **base)
    return _with_records(reader, index, base, sight)


def permission_notes(limit: int = 10) -> list[str]:
    """Warnings for files and folders under ``$CLEARANCE_HOME`` that others may read."""
    wide = wider_than_private(clearance_home())
    notes = [
        f"readable by other users: {found}; `chmod -R go-rwx {clearance_home()}` makes it private"
        for found in wide[:limit]
    ]
    if len(wide) > limit:
        notes.append(f"... and {len(wide) - limit} more files or folders readable by others")
    return notes


def _against_witnesses(
    reader: LedgerReader, size: int, base: dict[str, Any]
) -> LedgerVerification | None:
    """A failed verification when some witness holds a checkpoint the log no longer matches
    (truncation, rewrite, fork); None when every witness agrees."""
    base["witnesses_checked"] = [witness.name for witness in configured_witnesses()]
    problems = list(witness_problems(reader, size))
    if not problems:
        return None
    seq, problem = problems[0]
    base["notes"] = base["notes"] + [extra for _, extra in problems[1:]]
    return LedgerVerification(ok=False, first_bad_seq=seq, problem=problem, **base)


_NO_CHECKPOINT = (
    "no signed checkpoint: entries removed from the end of the log cannot be detected; "
    "`clearance ledger checkpoint` signs one"
)


def _with_records(
    reader: LedgerReader, index: LedgerIndex, base: dict[str, Any], sight: EntrySight
) -> LedgerVerification:
    check = _RecordCheck(reader, index, sight)
    check.head()
    for kind in RECORD_KINDS:
        check.table(kind.record_type)
    check.samples()
    problems = sorted(
        (_as_seen(p, sight) for p in check.problems), key=lambda p: (p.seq is None, p.seq or 0)
    )
    first = problems[0] if problems else None
    return LedgerVerification(
        ok=first is None,
        first_bad_seq=first.seq if first else None,
        problem=_record_sentence(first) if first else None,
        records_checked=check.checked,
        record_problems=problems,
        sample_runs_checked=check.sample_runs,
        **{**base, "notes": base["notes"] + check.notes},
    )


WITHHELD = "withheld"
"""The record type and id a reader is shown for a record they may not know of."""


def _as_seen(problem: RecordMismatch, sight: EntrySight) -> RecordMismatch:
    """``problem`` as the reader may see it: about a record they may not know of, it says that
    one such record disagrees with the ledger, at which entry, and nothing more (the tampering
    is still reported; what was tampered with is for someone cleared for it to look at)."""
    if problem.record_type == "ledger_head" or sight.sees_record(
        problem.record_type, problem.record_id
    ):
        return problem
    return RecordMismatch(
        record_type=WITHHELD,
        record_id=WITHHELD,
        seq=problem.seq,
        problem="a record you may not read disagrees with the ledger (someone cleared for it "
        "can see which, with `clearance ledger verify`)",
    )


def _record_sentence(problem: RecordMismatch) -> str:
    if problem.seq is None:
        return problem.problem
    return f"entry {problem.seq}: {problem.problem}"


class _RecordCheck:
    def __init__(self, reader: LedgerReader, index: LedgerIndex, sight: EntrySight) -> None:
        self.reader = reader
        self.index = index
        self.sight = sight
        self.latest = index.latest_digests()
        self.problems: list[RecordMismatch] = []
        self.notes: list[str] = []
        self.checked = 0
        self.sample_runs = 0
        self.runs: dict[str, dict[str, Any]] = {}

    def head(self) -> None:
        """The head row every append chains to must be the chain's last entry; a head left
        behind (entries cut from the end) or ahead (a rewritten head) means tampering."""
        stored = self.reader.head()
        expected = self.index.head or (0, GENESIS_HASH)
        if stored is not None and stored != expected:
            self._add(
                "ledger_head",
                "1",
                f"the ledger head says entry {stored[0]} (hash {stored[1][:12]}…) but the chain "
                f"ends at entry {expected[0]} (hash {expected[1][:12]}…): entries were removed "
                "from, or forged onto, the end of the log",
                seq=min(stored[0], expected[0]) + 1,
            )

    def table(self, record_type: str) -> None:
        stored: set[str] = set()
        for problem in verify_records(self.latest, self._current(record_type, stored)):
            self._add(problem.record_type, problem.record_id, problem.problem)
        ledgered = {rid for (rtype, rid) in self.latest if rtype == record_type}
        for missing in sorted(ledgered - stored):
            self._add(
                record_type,
                missing,
                f"{record_type} {missing}: has ledger entries but is not in the store "
                "(deleted outside the ledger?)",
            )

    def _current(
        self, record_type: str, stored: set[str]
    ) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for record_id, content in self.reader.contents(record_type):
            stored.add(record_id)
            if record_type == "run" and not self.index.run_at_rest(record_id):
                if not self.sight.sees_record("run", record_id):
                    continue  # withheld; counted among records_withheld
                self.notes.append(
                    f"run {record_id} is in progress (or its process was killed): its content "
                    "and samples are checked once it finishes (`clearance eval resume` it)"
                )
                continue
            if record_type == "run":
                self.runs[record_id] = content
            self.checked += 1
            yield record_type, record_id, content

    def samples(self) -> None:
        runs = self.reader.record_ids("run")
        for orphan in sorted(self.reader.sample_run_ids() - runs):
            self._add(
                "samples",
                orphan,
                f"samples of run {orphan}: stored, but there is no such run (planted outside "
                "the ledger, or their run was deleted?)",
            )
        bad_runs = {p.record_id for p in self.problems if p.record_type == "run"}
        for run_id, content in self.runs.items():
            if run_id in bad_runs:
                continue
            self._run_samples(run_id, content)

    def _run_samples(self, run_id: str, content: dict[str, Any]) -> None:
        batches = self.reader.sample_batches(run_id)
        expected = int(content["scored"]) + int(content["errors"])
        stored = self.reader.sample_count(run_id)
        last_seq = batches[-1][0] if batches else self.index.last_seq("run", run_id)
        if stored != expected:
            self._add(
                "samples",
                run_id,
                f"samples of run {run_id}: {stored} stored but the run's ledgered content "
                f"counts {expected} (samples deleted or added outside the ledger?)",
                seq=last_seq,
            )
            return
        mismatch = self.reader.sample_batch_problem(run_id, [d for _, d in batches])
        self.sample_runs += 1
        if mismatch is not None:
            # A batch that fails names its own entry; samples beyond every batch, the last one.
            seq = batches[mismatch.batch - 1][0] if mismatch.batch is not None else last_seq
            self._add("samples", run_id, mismatch.problem, seq=seq)

    def _add(self, record_type: str, record_id: str, problem: str, seq: int | None = None) -> None:
        if seq is None:
            seq = self.index.last_seq(record_type, record_id)
        self.problems.append(
            RecordMismatch(record_type=record_type, record_id=record_id, seq=seq, problem=problem)
        )
