"""Renderers: a :class:`Report` as self-contained HTML, Markdown, canonical JSON or PDF.

Every format states the report's own SHA-256. It is computed over the rendered bytes with the
digest written as 64 zeros, then written in; so a reader recomputes it by putting the zeros
back (:func:`verify_report_digest`, or ``sed`` and ``sha256sum`` as Appendix C shows). A PDF
(or DOCX) is made from the sealed HTML's report, so it states the HTML's digest; its own is
written beside it (``report.pdf.sha256``) by :func:`write_report`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from functools import cache
from pathlib import Path
from typing import Literal, get_args

from markupsafe import Markup

from clearance.atomicfile import write_bytes_atomically
from clearance.reports._document import (
    UNDERPOWERED,
    Block,
    Cell,
    Report,
    Section,
    Table,
)
from clearance.reports._errors import ReportError
from clearance.reports._sections import short_digest
from clearance.reports._text import approval_text, code_spans, format_cell

ReportFormat = Literal["html", "pdf", "docx", "md", "json"]
REPORT_FORMATS: tuple[ReportFormat, ...] = get_args(ReportFormat)
PLACEHOLDER = "0" * 64
"""What the digest is written as while the digest is computed."""
_STATED = re.compile(
    r'(?:Report SHA-256: (?:<code id="report-sha256">)?|"report_sha256":")([0-9a-f]{64})'
)
_DIGEST_COLUMNS = ("sha256", "Merkle root")


def _seal(body: str) -> bytes:
    """Hash ``body`` (digest written as zeros), then write the digest in."""
    if body.count(PLACEHOLDER) == 0:
        raise ReportError("internal: the rendered report has no place for its digest")
    data = body.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    return data.replace(PLACEHOLDER.encode(), digest.encode())


def stated_digest(data: bytes) -> str:
    """The SHA-256 a rendered HTML, Markdown or JSON report states for itself."""
    match = _STATED.search(data.decode("utf-8", errors="replace"))
    if match is None:
        raise ReportError(
            "no 'Report SHA-256' (HTML, Markdown) or 'report_sha256' (JSON) in this file: it is "
            "not a Clearance report, or it was altered; a PDF's digest is in its .sha256 sidecar"
        )
    return match.group(1)


def verify_report_digest(data: bytes) -> bool:
    """Whether a rendered report's stated SHA-256 is that of its bytes with the digest zeroed."""
    digest = stated_digest(data)
    zeroed = data.replace(digest.encode(), PLACEHOLDER.encode())
    return hashlib.sha256(zeroed).hexdigest() == digest


# -- cells ------------------------------------------------------------------------------------

_VERDICT_CLASSES = {
    "exceeds": "v-exceeds",
    "inconclusive": "v-inconclusive",
    "not tested": "v-not-tested",
    "below": "v-below",
    UNDERPOWERED: "v-below-weak",
    "no threshold": "v-no-threshold",
    "not assessed": "v-not-assessed",
}
"""A verdict's look: colour, shape and word together (report.css)."""


_SHORT = 14
"""A column whose every cell is at most this long stays on one line, so the long columns beside
it wrap instead of squeezing it to a letter a line."""
_LONG_WORD = 20
"""A heading with a word longer than this (a model spec) may break anywhere."""


def column_classes(table: Table) -> list[str]:
    """How each column wraps: ``short`` (never), ``text`` (between words, so prose keeps whole
    words) or ``token`` (anywhere: ids, paths and digests have no words to break between)."""
    classes = []
    for i in range(len(table.columns)):
        cells = [format_cell(row[i]) for row in table.rows]
        if all(len(c) <= _SHORT for c in cells):
            classes.append("short")
        elif any(" " in c for c in cells):
            classes.append("text")
        else:
            classes.append("token")
    return classes


def heading_class(table: Table, index: int, kind: str) -> str:
    """The wrapping of a column's heading: between words unless a word is too long for that."""
    if kind == "short":
        return "short"
    words = table.columns[index].split()
    return "token" if max((len(w) for w in words), default=0) > _LONG_WORD else "text"


def _cell_html(table: Table, index: int, cell: Cell, kind: str) -> Markup:
    column = table.columns[index]
    text = html.escape(format_cell(cell))
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return Markup(f'<td class="num">{text}</td>')
    if cell is None:
        return Markup(f'<td class="empty">{text}</td>')
    if column in table.verdicts and cell in _VERDICT_CLASSES:
        return Markup(f'<td class="verdict {_VERDICT_CLASSES[cell]}">{text}</td>')
    if any(key in column for key in _DIGEST_COLUMNS):
        return Markup(f'<td class="digest">{text}</td>')
    if isinstance(cell, str) and "`" in cell:
        return Markup(f'<td class="{kind}">{_inline_html(cell)}</td>')
    return Markup(f'<td class="{kind}">{text}</td>')


def _inline_html(text: str) -> Markup:
    """Plain text as HTML, with `backtick` spans as <code> (never raw backticks on the page)."""
    return Markup(
        "".join(
            f"<code>{html.escape(piece)}</code>" if is_code else html.escape(piece)
            for piece, is_code in code_spans(text)
        )
    )


# -- HTML -------------------------------------------------------------------------------------


@cache
def _environment() -> object:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("clearance.reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.globals["cell_html"] = _cell_html
    env.globals["inline"] = _inline_html
    env.globals["column_classes"] = column_classes
    env.globals["heading_class"] = heading_class
    return env


def _html_body(report: Report) -> str:
    from jinja2 import Environment

    env = _environment()
    assert isinstance(env, Environment)
    template = env.get_template("report.html.j2")
    return template.render(
        report=report,
        digest=PLACEHOLDER,
        approval_text=_inline_html(approval_text(report)),
        short_root=short_digest(report.ledger.root),
        banner_class="level-" + report.banner.split("//")[0].replace(" ", "-"),
    )


def render_html(report: Report) -> bytes:
    """The report as one self-contained HTML page: CSS and SVG inline, no external requests."""
    return _seal(_html_body(report))


# -- Markdown ---------------------------------------------------------------------------------


def _md_text(text: str) -> str:
    # Escaped so that text from the store can never become live HTML in a Markdown viewer.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md_cell(cell: Cell) -> str:
    return _md_text(format_cell(cell)).replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> list[str]:
    lines = [f"*{_md_text(table.caption)}*", ""]
    lines.append("| " + " | ".join(_md_cell(c) for c in table.columns) + " |")
    lines.append("|" + "|".join("---" for _ in table.columns) + "|")
    if not table.rows:
        cells = [_md_text(table.empty)] + [""] * (len(table.columns) - 1)
        lines.append("| " + " | ".join(cells) + " |")
    lines.extend("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows)
    return [*lines, ""]


def _fence(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _md_block(block: Block) -> list[str]:
    if block.kind == "paragraph":
        return [_md_text(block.text), ""]
    if block.kind == "notice":
        label = "Warning" if block.tone == "warning" else "Note"
        return [f"> **{label}:** {_md_text(block.text)}", ""]
    if block.kind == "table":
        return _md_table(block)
    if block.kind == "figure":
        data = base64.b64encode(block.svg.encode("utf-8")).decode("ascii")
        return [
            f"![{_md_text(block.caption)}](data:image/svg+xml;base64,{data})",
            "",
            f"*Figure: {_md_text(block.caption)}.* {_md_text(block.alt)}",
            "",
        ]
    warning = " (content warning: may contain harmful text)" if block.sensitive else ""
    lines = [f"**{_md_text(block.title)}**{warning}", "", f"*{_md_text(block.why)}*", ""]
    for message in block.messages:
        fence = _fence(message.content)
        lines += [f"{_md_text(message.role)}:", "", f"{fence}text", message.content, fence, ""]
    lines += [
        f"Target: {_md_text(block.target)}. Scores: {_md_text('; '.join(block.scores) or 'none')}.",
        "",
    ]
    return lines


def _md_section(section: Section, depth: int) -> list[str]:
    lines = [f'{"#" * depth} {_md_text(section.title)} <a id="{section.id}"></a>', ""]
    for block in section.blocks:
        lines.extend(_md_block(block))
    for sub in section.subsections:
        lines.extend(_md_section(sub, depth + 1))
    return lines


def _md_cover(report: Report) -> list[str]:
    cover = report.cover
    agency = cover.agency or "Agency not stated"
    return [
        f"**{report.banner}**",
        "",
        f"**{_md_text(agency)}**" + (f" · {_md_text(cover.office)}" if cover.office else ""),
        "",
        f"# {_md_text(report.title)}",
        "",
        f"*{_md_text(report.subtitle)}*",
        "",
        f"- Reporting period: {cover.period}",
        f"- Prepared by: {_md_text(cover.prepared_by)}",
        f"- Approved by: {_md_text(approval_text(report))}",
        f"- Classification: {report.banner} (the highest marking of anything shown)",
        f"- Date: {cover.date}",
        "",
    ]


def render_markdown(report: Report) -> bytes:
    """The report as Markdown; charts are inline SVG data URIs, each with its text description."""
    lines = _md_cover(report)
    for section in report.sections:
        lines.extend(_md_section(section, 2))
    lines += [
        "---",
        "",
        f"Report SHA-256: {PLACEHOLDER}",
        "",
        "The SHA-256 above is of this file with every occurrence of it replaced by 64 zeros "
        '("Verifying this report" says how to check it). It reflects the ledger at '
        f"{report.ledger.tree_size} entries, Merkle root {short_digest(report.ledger.root)}. "
        f"Rendered by Clearance {report.clearance_version} from the store alone.",
        "",
        f"**{report.banner}**",
        "",
    ]
    return _seal("\n".join(lines))


# -- JSON -------------------------------------------------------------------------------------


def render_json(report: Report) -> bytes:
    """The report as canonical JSON: sorted keys, no spaces, UTF-8, one trailing newline."""
    document = {
        "format": "clearance-report/1",
        "report": report.model_dump(mode="json"),
        "report_sha256": PLACEHOLDER,
    }
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return _seal(text + "\n")


# -- PDF --------------------------------------------------------------------------------------


def render_pdf(report: Report) -> bytes:
    """The HTML report printed to PDF with WeasyPrint (the ``pdf`` extra)."""
    try:
        from weasyprint import HTML
    except ImportError as exc:
        raise ReportError(
            "PDF reports need WeasyPrint: pip install 'clearance[pdf]' (and its system "
            "libraries: `make system-deps` installs them on Debian); HTML, Markdown and JSON "
            f"need nothing more ({exc})"
        ) from exc
    except OSError as exc:  # WeasyPrint is installed but Pango is not
        raise ReportError(
            f"WeasyPrint cannot load its system libraries ({exc}); on Debian run `make "
            "system-deps` or apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b"
        ) from exc
    page = render_html(report).decode("utf-8")
    # No base URL and no external references in the page: WeasyPrint fetches nothing.
    pdf = HTML(string=page, base_url=None).write_pdf()
    if not isinstance(pdf, bytes):
        raise ReportError("internal: WeasyPrint returned no PDF bytes")
    return pdf


def render_docx(report: Report) -> bytes:
    """The report as a Word document (python-docx, the ``docx`` extra), stating the SHA-256 of
    the HTML report it corresponds to."""
    from clearance.reports._docx import render_docx as docx_of

    return docx_of(report, stated_digest(render_html(report)))


def render(report: Report, fmt: ReportFormat) -> bytes:
    """``report`` in ``fmt`` (html, pdf, docx, md or json)."""
    renderers = {
        "html": render_html,
        "md": render_markdown,
        "json": render_json,
        "pdf": render_pdf,
        "docx": render_docx,
    }
    if fmt not in renderers:
        raise ReportError(f"unknown format {fmt!r}; choose one of: {', '.join(REPORT_FORMATS)}")
    return renderers[fmt](report)


def write_report(data: bytes, path: Path, fmt: ReportFormat) -> list[Path]:
    """Write a rendered report to ``path`` (and, for a PDF or DOCX, ``path.sha256`` beside it)."""
    write_bytes_atomically(path, data)
    written = [path]
    if fmt in ("pdf", "docx"):
        sidecar = path.with_name(path.name + ".sha256")
        line = f"{hashlib.sha256(data).hexdigest()}  {path.name}\n"
        write_bytes_atomically(sidecar, line.encode("utf-8"))
        written.append(sidecar)
    return written
