"""The typed document every report builder produces and every renderer reads.

A report is data first: sections of paragraphs, tables, figures, notices and transcripts, with
the marking banner, the ledger checkpoint it reflects and the provenance of what it cites. The
renderers (HTML, Markdown, JSON, PDF) only lay it out, so every format says the same thing.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Cell = str | int | float | None
"""A table cell: numbers stay numbers (JSON keeps them exact; HTML and Markdown format them)."""

ReportKind = Literal["annual", "model", "inventory", "waivers", "supply-chain"]
REPORT_KINDS: tuple[ReportKind, ...] = ("annual", "model", "inventory", "waivers", "supply-chain")
UNDERPOWERED = "below, but too few samples to rely on"
"""How an underpowered "below" reads wherever a verdict is shown: never as a plain pass."""


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Paragraph(_Part):
    """A paragraph of plain text."""

    kind: Literal["paragraph"] = "paragraph"
    text: str


class Notice(_Part):
    """Something the reader must not miss: withheld records, untested domains, missing data."""

    kind: Literal["notice"] = "notice"
    tone: Literal["info", "warning"] = "info"
    text: str


class Table(_Part):
    """Rows under named columns, with a caption saying what the rows are."""

    kind: Literal["table"] = "table"
    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    empty: str = "none"
    """What the table says when it has no rows."""
    verdicts: list[str] = Field(default_factory=list)
    """The columns whose cells are verdicts: only these carry verdict colours."""
    landscape: bool = False
    """Too wide for a portrait page: the PDF prints it on a landscape page of its own."""


class Figure(_Part):
    """A chart as inline SVG, with a text description for readers who cannot see it."""

    kind: Literal["figure"] = "figure"
    caption: str
    alt: str
    svg: str


class Message(_Part):
    """One turn of a transcript."""

    role: str
    content: str


class Transcript(_Part):
    """A sample's conversation with the model, with why it is shown and how it was scored."""

    kind: Literal["transcript"] = "transcript"
    title: str
    why: str
    messages: list[Message]
    target: str
    scores: list[str]
    sensitive: bool = False
    """From a hazard or harm domain: it may quote harmful text, so it is shown behind a content
    warning (collapsed in HTML)."""


Block = Annotated[Paragraph | Notice | Table | Figure | Transcript, Field(discriminator="kind")]


class Section(_Part):
    """A titled part of a report; ``id`` is its stable anchor (e.g. ``findings``)."""

    id: str
    title: str
    blocks: list[Block] = Field(default_factory=list)
    subsections: list[Section] = Field(default_factory=list)


class SignedCheckpoint(_Part):
    """The newest signed checkpoint file found, and whether the store's ledger agrees with it."""

    file: str
    tree_size: int
    root: str
    time: str
    key_id: str
    matches_ledger: bool
    """True when the ledger's first ``tree_size`` entries have this Merkle root."""


class LedgerState(_Part):
    """The ledger as the report saw it: its size and Merkle root (RFC 6962 over entry hashes)."""

    tree_size: int
    root: str
    last_entry_time: str | None
    """The newest entry's time (RFC 3339 UTC): the report's "as of", taken from the store."""
    signed_checkpoint: SignedCheckpoint | None


class Withheld(_Part):
    """How many records of each type the reader's clearance kept out of the report."""

    record_type: str
    count: int


class Reader(_Part):
    """Who the report was rendered for: it shows only what they may read."""

    id: str
    name: str
    clearance: str


class RunProvenance(_Part):
    """What one cited run measured, with the digests that pin it (DESIGN rule 3)."""

    run_id: str
    task: str
    model_spec: str
    model_version: str | None
    weights_sha256: str | None
    dataset_sha256: str | None
    task_sha256: str | None
    scorers: list[str]
    clearance_version: str | None
    created_at: str
    finished_at: str | None
    marking: str


class AssessmentProvenance(_Part):
    """A stored assessment the report cites, with the policy (by digest) it applied."""

    assessment_id: str
    model_spec: str
    policy_name: str
    policy_version: str
    policy_sha256: str
    created_at: str
    created_by: str
    marking: str


class Provenance(_Part):
    """Everything the report's figures rest on."""

    assessments: list[AssessmentProvenance] = Field(default_factory=list)
    runs: list[RunProvenance] = Field(default_factory=list)


class Approval(_Part):
    """The report's own approval, as recorded on the ledger."""

    approver: str
    """The approver's name and id, e.g. "Dana Chief (caio)"."""
    approved_at: str
    """RFC 3339 UTC."""
    ledger_seq: int
    """The ledger entry that records the approval."""
    ledger_size: int
    """The ledger's size when the approver read the report: the record they approved."""
    later_entries: int
    """Entries recorded after the approval, up to this rendering: not covered by it."""
    note: str = ""


class Cover(_Part):
    """What a memo states before anything else: who, for whom, over which period, approved by
    whom, at which classification and on which date."""

    agency: str | None = None
    office: str | None = None
    period_from: str | None = None
    """The first day of the reporting period (ISO date), or None for "from the first record"."""
    period_to: str | None = None
    """The last day of the reporting period (ISO date), or None for "to the newest record"."""
    prepared_by: str
    approval: Approval | None = None
    date: str
    """The date of the store's newest record, in words (e.g. "2 December 2026")."""

    @property
    def period(self) -> str:
        """The reporting period in words."""
        start = words_date(self.period_from) if self.period_from else "the first record"
        end = words_date(self.period_to) if self.period_to else "the newest record"
        return f"{start} to {end}"


def words_date(text: str | None) -> str:
    """An ISO date or RFC 3339 time as a date in words ("2 December 2026"); "no records yet"."""
    if not text:
        return "no records yet"
    day = date.fromisoformat(text[:10])
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


# Not strftime's %B, which follows the locale: the same store must render the same bytes.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class Report(_Part):
    """One report, ready to render."""

    kind: ReportKind
    title: str
    subtitle: str
    cover: Cover
    banner: str
    """The join of the markings of every record the report shows (UNCLASSIFIED when none)."""
    reader: Reader
    as_of: str | None
    """The time of the ledger's newest entry: the report reflects the store up to then."""
    ledger: LedgerState
    withheld: list[Withheld]
    sections: list[Section]
    provenance: Provenance
    clearance_version: str

    @property
    def withheld_total(self) -> int:
        """Every record withheld, all types together."""
        return sum(w.count for w in self.withheld)
