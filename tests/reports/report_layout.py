"""Reading a rendered report back as a reader sees it: the PDF's text layer with positions
(pdfminer.six), and the HTML laid out by Chromium at a given width (Playwright)."""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

MARGIN_PT = 14 / 25.4 * 72
"""The report's left and right page margin (14 mm), in PDF points."""
SLACK_PT = 1.0
"""Glyph boxes may poke this far past a margin (antialiasing, italic overhang)."""
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class Line:
    """One line of text on one page, with its box in PDF points (origin bottom left)."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float


def need_pdf() -> None:
    """Skip unless WeasyPrint, its libraries and pdfminer.six are here."""
    pytest.importorskip("weasyprint", reason="the pdf extra: pip install -e '.[pdf]'")
    pytest.importorskip("pdfminer", reason="the dev extra: pip install -e '.[dev]'")
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig is missing: `make system-deps` installs WeasyPrint's libraries")


def text_lines(pdf: bytes) -> tuple[list[Page], list[Line]]:
    """Every page's size and every line of text with its position."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer, LTTextLine

    pages: list[Page] = []
    lines: list[Line] = []
    # A small char margin keeps neighbouring table cells apart as separate lines.
    params = LAParams(char_margin=0.6, line_margin=0.2)
    for number, layout in enumerate(extract_pages(io.BytesIO(pdf), laparams=params), start=1):
        pages.append(Page(number, layout.width, layout.height))
        for element in layout:
            if not isinstance(element, LTTextContainer):
                continue
            for line in element:
                if isinstance(line, LTTextLine) and line.get_text().strip():
                    x0, y0, x1, y1 = line.bbox
                    lines.append(Line(number, x0, y0, x1, y1, line.get_text().strip()))
    return pages, lines


def outside_margins(pdf: bytes) -> list[str]:
    """Each line of text that runs past a side margin or off its page, described."""
    pages, lines = text_lines(pdf)
    sizes = {p.number: p for p in pages}
    bad = []
    for line in lines:
        page = sizes[line.page]
        if (
            line.x0 < MARGIN_PT - SLACK_PT
            or line.x1 > page.width - MARGIN_PT + SLACK_PT
            or line.y0 < 0
            or line.y1 > page.height
        ):
            bad.append(
                f"page {line.page} ({page.width:.0f}x{page.height:.0f}pt): {line.text!r} at "
                f"x {line.x0:.1f}-{line.x1:.1f}, y {line.y0:.1f}-{line.y1:.1f}"
            )
    return bad


def row_cells(lines: list[Line], anchor: Line) -> list[Line]:
    """The first line of each cell of the table row that ``anchor`` starts, left to right:
    every line on its page whose top is level with the anchor's (cells are top-aligned)."""
    same_row = [
        line for line in lines if line.page == anchor.page and abs(line.y1 - anchor.y1) < 2.0
    ]
    return sorted(same_row, key=lambda line: line.x0)


def widest_elements(page: Any, viewport: int) -> list[str]:
    """Elements of the laid-out page that are wider than the viewport or run past its right
    edge, with every <details> opened first (collapsed transcripts count too)."""
    found: list[str] = page.evaluate(
        """(viewport) => {
            document.querySelectorAll('details').forEach(d => { d.open = true; });
            const bad = [];
            for (const e of document.querySelectorAll('body, body *')) {
                const r = e.getBoundingClientRect();
                if (r.width > viewport + 0.5 || r.right > viewport + 0.5 || r.left < -0.5) {
                    bad.push(`${e.tagName.toLowerCase()}.${e.className}#${e.id}: `
                        + `${r.left.toFixed(1)}..${r.right.toFixed(1)}`);
                }
            }
            if (document.documentElement.scrollWidth > viewport) {
                bad.push(`document scrollWidth ${document.documentElement.scrollWidth}`);
            }
            return bad;
        }""",
        viewport,
    )
    return found


def chromium() -> Path:
    """Debian's chromium for Playwright, or a skip saying how to install it."""
    pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]' installs playwright")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is missing: `make system-deps` installs it")
    return CHROMIUM
