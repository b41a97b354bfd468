"""How a report's text reads in every format: table cells, `code` spans and the approval."""

from __future__ import annotations

import re

from clearance.reports._document import Cell, Report, words_date


def format_cell(cell: Cell) -> str:
    """A table cell as text: floats to three decimals (tiny ones in scientific notation)."""
    if cell is None:
        return "–"
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, float):
        if cell != 0 and abs(cell) < 0.001:
            return f"{cell:.2e}"
        return f"{cell:.3f}"
    if isinstance(cell, int):
        return str(cell)
    return cell


_CODE = re.compile(r"`([^`]+)`")


def code_spans(text: str) -> list[tuple[str, bool]]:
    """``text`` split into (piece, is_code) at its `backtick` spans."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for match in _CODE.finditer(text):
        if match.start() > at:
            pieces.append((text[at : match.start()], False))
        pieces.append((match.group(1), True))
        at = match.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def approval_text(report: Report) -> str:
    """Who approved the report and when, and whether the record has moved on since."""
    approval = report.cover.approval
    if approval is None:
        return "not yet approved (`clearance report approve` records an approval on the ledger)"
    later = approval.later_entries
    since = (
        f"; {later} ledger "
        + ("entry recorded since is" if later == 1 else "entries recorded since are")
        + " not covered by it"
        if later
        else ""
    )
    return (
        f"{approval.approver}, {words_date(approval.approved_at)} (ledger entry "
        f"{approval.ledger_seq}, approving the record as it stood at {approval.ledger_size} "
        f"entries{since})" + (f". Note: {approval.note}" if approval.note else "")
    )
