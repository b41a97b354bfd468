"""Reports made from the store alone: the annual safety report, the model evaluation report,
the use-case inventory, the waiver summary and the supply-chain report, as self-contained HTML,
PDF, DOCX, Markdown or JSON.

A builder (:func:`build_annual_report`, :func:`build_model_report`,
:func:`build_inventory_report`, :func:`build_waiver_report`) reads what the principal may read
and returns a typed :class:`Report`; a renderer (:func:`render`) lays it out. Each report
carries its marking banner, the ledger checkpoint it reflects and its own SHA-256
(:func:`verify_report_digest` checks it); the same store renders the same bytes.
"""

from clearance.reports._annual import build_annual_report
from clearance.reports._approval import approve_report
from clearance.reports._build import build_report
from clearance.reports._cover import CoverDetails
from clearance.reports._document import (
    REPORT_KINDS,
    UNDERPOWERED,
    Approval,
    AssessmentProvenance,
    Block,
    Cell,
    Cover,
    Figure,
    LedgerState,
    Message,
    Notice,
    Paragraph,
    Provenance,
    Reader,
    Report,
    ReportKind,
    RunProvenance,
    Section,
    SignedCheckpoint,
    Table,
    Transcript,
    Withheld,
)
from clearance.reports._errors import ReportError
from clearance.reports._governance import (
    GovernanceSource,
    InventoryRow,
    ReportingDuty,
    WaiverRow,
    build_inventory_report,
    build_waiver_report,
    default_governance_source,
    waiver_state,
)
from clearance.reports._ledger_state import ledger_state
from clearance.reports._model_report import build_model_report
from clearance.reports._render import (
    PLACEHOLDER,
    REPORT_FORMATS,
    ReportFormat,
    render,
    render_docx,
    render_html,
    render_json,
    render_markdown,
    render_pdf,
    stated_digest,
    verify_report_digest,
    write_report,
)
from clearance.reports._supply_chain import build_supply_chain_report
from clearance.reports._text import format_cell

__all__ = [
    "PLACEHOLDER",
    "REPORT_FORMATS",
    "REPORT_KINDS",
    "UNDERPOWERED",
    "Approval",
    "AssessmentProvenance",
    "Block",
    "Cell",
    "Cover",
    "CoverDetails",
    "Figure",
    "GovernanceSource",
    "InventoryRow",
    "LedgerState",
    "Message",
    "Notice",
    "Paragraph",
    "Provenance",
    "Reader",
    "Report",
    "ReportError",
    "ReportFormat",
    "ReportKind",
    "ReportingDuty",
    "RunProvenance",
    "Section",
    "SignedCheckpoint",
    "Table",
    "Transcript",
    "WaiverRow",
    "Withheld",
    "approve_report",
    "build_annual_report",
    "build_inventory_report",
    "build_model_report",
    "build_report",
    "build_supply_chain_report",
    "build_waiver_report",
    "default_governance_source",
    "format_cell",
    "ledger_state",
    "render",
    "render_docx",
    "render_html",
    "render_json",
    "render_markdown",
    "render_pdf",
    "stated_digest",
    "verify_report_digest",
    "waiver_state",
    "write_report",
]
