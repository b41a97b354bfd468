"""Reports as a reader sees them: every PDF page's text inside its margins with each finding's
verdict on its row, the HTML no wider than a 1,280 px window, and a DOCX that Word can open."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from report_fixture import Fixture
from report_layout import (
    CHROMIUM_ARGS,
    Line,
    chromium,
    need_pdf,
    outside_margins,
    row_cells,
    text_lines,
    widest_elements,
)

from clearance.access import LOCAL_ADMIN
from clearance.reports import (
    Report,
    build_annual_report,
    build_inventory_report,
    build_model_report,
    build_supply_chain_report,
    build_waiver_report,
    render_docx,
    render_html,
    render_pdf,
    stated_digest,
)
from clearance.store import Store

Build = Callable[[Store, Fixture], Report]
BUILDS: dict[str, Build] = {
    "annual": lambda store, fixture: build_annual_report(store, principal=LOCAL_ADMIN),
    "model": lambda store, fixture: build_model_report(
        store, fixture.strong, principal=LOCAL_ADMIN
    ),
    "inventory": lambda store, fixture: build_inventory_report(store, principal=LOCAL_ADMIN),
    "waivers": lambda store, fixture: build_waiver_report(store, principal=LOCAL_ADMIN),
    "supply-chain": lambda store, fixture: build_supply_chain_report(store, principal=LOCAL_ADMIN),
}
VIEWPORT = 1280


GLYPHS = "▲◆○▼▽– "
"""The shapes the stylesheet puts before a verdict word (colour is never the only carrier)."""
VERDICT_WORDS = ("exceeds", "inconclusive", "not tested", "below", "no threshold")


def _verdict_cell(lines: list[Line], anchor: Line) -> str:
    """The verdict cell of the findings row that ``anchor`` starts: its last column."""
    cells = row_cells(lines, anchor)
    return cells[-1].text.lstrip(GLYPHS)


@pytest.mark.parametrize("kind", list(BUILDS))
def test_every_pdf_line_lies_inside_the_page_margins(
    store: Store, fixture_store: Fixture, kind: str
) -> None:
    need_pdf()
    pdf = render_pdf(BUILDS[kind](store, fixture_store))
    pages, lines = text_lines(pdf)
    assert pages
    assert len(lines) > 20
    assert outside_margins(pdf) == []


@pytest.mark.parametrize("kind", ["annual", "model"])
def test_each_findings_row_in_the_pdf_carries_its_verdict(
    store: Store, fixture_store: Fixture, kind: str
) -> None:
    need_pdf()
    report = BUILDS[kind](store, fixture_store)
    _, lines = text_lines(render_pdf(report))
    specs = (
        [fixture_store.strong] if kind == "model" else [fixture_store.strong, fixture_store.other]
    )
    findings = [
        f
        for spec in specs
        for f in store.findings.findings(assessment_id=store.findings.assessments(spec)[0].id)
    ]
    assert findings
    # Each findings table names its rows by the id's last part ("…-005"); the two models of
    # the annual report share those, so compare, per row name, the verdicts the rows show.
    wanted: dict[str, Counter[str]] = {}
    for f in findings:
        suffix = "…-" + (f.id or "").rsplit("-", 1)[-1]
        wanted.setdefault(suffix, Counter())[f.verdict] += 1
    underpowered = 0
    for suffix, verdicts in wanted.items():
        anchors = [line for line in lines if line.text.split()[0] == suffix]
        assert len(anchors) == sum(verdicts.values()), (suffix, [a.text for a in anchors])
        shown: Counter[str] = Counter()
        for anchor in anchors:
            cell = _verdict_cell(lines, anchor)
            (word,) = [v for v in VERDICT_WORDS if cell.startswith(v)]
            shown[word] += 1
            underpowered += cell.startswith("below, but")
        assert shown == verdicts, suffix
    # The strong model's science "below" rests on 8 samples: it reads as such, not as a pass.
    assert underpowered >= 1


@pytest.mark.parametrize("kind", list(BUILDS))
def test_the_html_is_no_wider_than_a_1280_pixel_window(
    store: Store, fixture_store: Fixture, kind: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / f"{kind}.html"
    page_file.write_bytes(render_html(BUILDS[kind](store, fixture_store)))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": VIEWPORT, "height": 900})
            page.goto(page_file.as_uri(), wait_until="load")
            on_screen = widest_elements(page, VIEWPORT)
            page.emulate_media(media="print")
            in_print = widest_elements(page, VIEWPORT)
        finally:
            browser.close()
    assert on_screen == []
    assert in_print == []


def test_harmful_transcripts_sit_behind_a_content_warning_collapsed_in_html(
    store: Store, fixture_store: Fixture
) -> None:
    report = build_model_report(store, fixture_store.strong, principal=LOCAL_ADMIN)
    page = render_html(report).decode()
    warning = page.index("may contain harmful or disturbing text")
    first_transcript = page.index("<details")
    assert warning < first_transcript
    cyber = page[page.index('<details class="transcript sensitive"') :]
    assert cyber.split(">", 1)[0].endswith('sensitive"')  # no `open`: collapsed
    assert "content warning: may contain harmful text" in cyber.split("</summary>")[0]
    science = page[page.index("starter-science · sample") - 300 :]
    assert '<details class="transcript" open>' in science


def test_docx_opens_states_the_html_digest_and_is_the_same_bytes_twice(
    store: Store, fixture_store: Fixture
) -> None:
    docx = pytest.importorskip("docx", reason="the docx extra: pip install -e '.[docx]'")
    report = build_annual_report(store, principal=LOCAL_ADMIN)
    data = render_docx(report)
    assert render_docx(build_annual_report(store, principal=LOCAL_ADMIN)) == data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "word/document.xml" in archive.namelist()
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert stated_digest(render_html(report)) in text
    assert "Bottom line" in text
    assert document.sections[0].header.paragraphs[0].text == report.banner
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    for f in store.findings.findings(
        assessment_id=store.findings.assessments(fixture_store.strong)[0].id
    ):
        assert f.verdict in {c.split(",")[0] for c in cells}
    landscape = [s for s in document.sections if s.page_width > s.page_height]
    assert landscape, "the wide findings tables get landscape pages"
