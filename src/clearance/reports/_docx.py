"""A :class:`Report` as a Word document (python-docx, the ``docx`` extra), since agencies edit
reports in Word before they send them.

The same report gives the same bytes: the zip's member times and the document's core properties
are fixed to the store's newest ledger entry, not the clock. Like a PDF, the document states the
SHA-256 of the HTML it corresponds to; its own is written beside it (``report.docx.sha256``).
Charts appear as their text descriptions (Word takes no inline SVG); every figure they draw is
also in a table.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from typing import Any

from clearance.reports._document import Block, Report, Section, Table
from clearance.reports._errors import ReportError
from clearance.reports._text import approval_text, code_spans, format_cell

_MONO = "DejaVu Sans Mono"
_VERDICT_FILL = {
    "exceeds": ("B03A2E", "FFFFFF"),
    "inconclusive": ("FDEBD0", "7E5109"),
    "not tested": ("F4ECF7", "4A235A"),
    "below": ("D5F5E3", "145A32"),
}
"""Fill and text colour of a verdict cell; the word is always there, so grey print reads."""
_EPOCH = (1980, 1, 1, 0, 0, 0)


def _docx() -> Any:
    try:
        import docx
    except ImportError as exc:
        raise ReportError(
            "DOCX reports need python-docx: pip install 'clearance[docx]'; HTML, Markdown and "
            f"JSON need nothing more ({exc})"
        ) from exc
    return docx


def render_docx(report: Report, html_digest: str) -> bytes:
    """The report as a .docx that states ``html_digest`` (the sealed HTML's SHA-256)."""
    docx = _docx()
    document = docx.Document()
    _fix_properties(document, report)
    _banners(document.sections[0], report.banner)
    _cover(document, report)
    for section in report.sections:
        _section(document, section, 1, report.banner)
    _foot(document, report, html_digest)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fix_properties(document: Any, report: Report) -> None:
    when = (
        datetime.fromisoformat(report.as_of.replace("Z", "+00:00"))
        if report.as_of
        else datetime(1980, 1, 1, tzinfo=UTC)
    ).replace(microsecond=0)
    props = document.core_properties
    props.title = report.title
    props.subject = report.subtitle
    props.author = report.cover.prepared_by
    props.last_modified_by = report.cover.prepared_by
    props.category = report.banner
    props.created = when
    props.modified = when
    props.revision = 1


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every member's time fixed, so the same report gives the same bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def _banners(section: Any, banner: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    for part in (section.header, section.footer):
        part.is_linked_to_previous = False
        paragraph = part.paragraphs[0]
        paragraph.text = ""
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(banner).bold = True


def _text(paragraph: Any, text: str) -> None:
    """``text`` into ``paragraph``, `backtick` spans in a monospace font."""
    for piece, is_code in code_spans(text):
        run = paragraph.add_run(piece)
        if is_code:
            run.font.name = _MONO


def _cover(document: Any, report: Report) -> None:
    cover = report.cover
    agency = document.add_paragraph()
    agency.add_run(cover.agency or "Agency not stated").bold = True
    if cover.office:
        agency.add_run(f" · {cover.office}")
    document.add_heading(report.title, level=0)
    document.add_paragraph(report.subtitle).runs[0].italic = True
    facts = [
        ("Reporting period", cover.period),
        ("Prepared by", cover.prepared_by),
        ("Approved by", approval_text(report)),
        ("Classification", f"{report.banner} (the highest marking of anything shown)"),
        ("Date", cover.date),
    ]
    table = document.add_table(rows=0, cols=2)
    for name, value in facts:
        cells = table.add_row().cells
        cells[0].paragraphs[0].add_run(name).bold = True
        _text(cells[1].paragraphs[0], value)
    document.add_page_break()


def _section(document: Any, section: Section, depth: int, banner: str) -> None:
    document.add_heading(section.title, level=min(depth, 4))
    for block in section.blocks:
        _block(document, block, banner)
    for sub in section.subsections:
        _section(document, sub, depth + 1, banner)


def _block(document: Any, block: Block, banner: str) -> None:
    if block.kind == "paragraph":
        _text(document.add_paragraph(), block.text)
    elif block.kind == "notice":
        paragraph = document.add_paragraph()
        paragraph.add_run("Warning: " if block.tone == "warning" else "Note: ").bold = True
        _text(paragraph, block.text)
    elif block.kind == "table":
        _table(document, block, banner)
    elif block.kind == "figure":
        paragraph = document.add_paragraph()
        paragraph.add_run(f"Figure: {block.caption}. ").italic = True
        paragraph.add_run(block.alt)
    else:
        document.add_heading(block.title, level=4)
        if block.sensitive:
            warning = document.add_paragraph()
            warning.add_run("Content warning: may contain harmful text.").bold = True
        document.add_paragraph(
            f"{block.why} Target: {block.target}. Scores: {'; '.join(block.scores) or 'none'}."
        )
        for message in block.messages:
            document.add_paragraph().add_run(message.role.upper()).bold = True
            content = document.add_paragraph().add_run(message.content)
            content.font.name = _MONO


def _table(document: Any, table: Table, banner: str) -> None:
    if table.landscape:
        _orient(document, landscape=True, banner=banner)
    caption = document.add_paragraph()
    caption.add_run(table.caption).italic = True
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    for cell, column in zip(grid.rows[0].cells, table.columns, strict=True):
        cell.paragraphs[0].add_run(column).bold = True
    if not table.rows:
        grid.add_row().cells[0].text = table.empty
    for row in table.rows:
        cells = grid.add_row().cells
        for index, (cell, value) in enumerate(zip(cells, row, strict=True)):
            text = format_cell(value)
            _text(cell.paragraphs[0], text)
            if table.columns[index] in table.verdicts:
                _shade(cell, text)
    if table.landscape:
        _orient(document, landscape=False, banner=banner)


def _shade(cell: Any, verdict: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    colours = _VERDICT_FILL.get(verdict)
    run = cell.paragraphs[0].runs[0] if cell.paragraphs[0].runs else None
    if colours is None or run is None:
        if run is not None:
            run.italic = True  # an underpowered "below", "no threshold": no verdict colour
        return
    fill, ink = colours
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)
    run.bold = True
    run.font.color.rgb = RGBColor.from_string(ink)


def _orient(document: Any, *, landscape: bool, banner: str) -> None:
    from docx.enum.section import WD_ORIENT, WD_SECTION

    section = document.add_section(WD_SECTION.NEW_PAGE)
    wide, tall = sorted((section.page_width, section.page_height))[::-1]
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (wide, tall) if landscape else (tall, wide)
    _banners(section, banner)


def _foot(document: Any, report: Report, html_digest: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run("HTML report SHA-256: ").bold = True
    paragraph.add_run(html_digest).font.name = _MONO
    document.add_paragraph(
        "This document was made from the HTML report with the SHA-256 above; its own SHA-256 is "
        f"in the .sha256 file written beside it. Rendered by Clearance "
        f"{report.clearance_version} from the store alone."
    )
