"""The HTML report in headless Chromium (Debian's, driven by Playwright), and the PDF."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader
from report_fixture import Fixture
from report_layout import CHROMIUM_ARGS, chromium

from clearance.access import LOCAL_ADMIN
from clearance.reports import build_annual_report, build_model_report, render_html, render_pdf
from clearance.store import Store

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_annual_report_opens_in_chromium_without_errors_or_requests(
    store: Store, fixture_store: Fixture, tmp_path: Path
) -> None:
    from playwright.sync_api import Request, sync_playwright

    page_file = tmp_path / "annual.html"
    page_file.write_bytes(render_html(build_annual_report(store, principal=LOCAL_ADMIN)))
    url = page_file.as_uri()
    errors: list[str] = []
    requests: list[str] = []

    def on_request(request: Request) -> None:
        if request.url != url and not request.url.startswith("data:"):
            requests.append(request.url)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", on_request)
            page.goto(url, wait_until="load")
            shot = tmp_path / "annual.png"
            page.screenshot(path=str(shot), full_page=True)
            banner = page.locator("#banner-top").inner_text()
            headings = page.locator("section > h2").all_inner_texts()
            figures = page.locator("figure svg").count()
            drawn = page.locator("figure svg").first.bounding_box()
        finally:
            browser.close()
    assert errors == []
    assert requests == []
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 50_000
    assert banner == "SECRET"
    assert headings[:5] == [
        "Bottom line",
        "Executive summary",
        "(A) Summary of findings",
        "(B) Mitigation: need and efficacy",
        "(C) Adequacy of tools and methods",
    ]
    assert figures == 3
    assert drawn is not None
    assert drawn["width"] > 300
    assert drawn["height"] > 50


def _pdf_pages(data: bytes) -> int:
    # A real parser: WeasyPrint compresses its page objects into object streams.
    return len(PdfReader(io.BytesIO(data)).pages)


def test_pdf_renders_pages_and_the_same_bytes_twice(store: Store, fixture_store: Fixture) -> None:
    pytest.importorskip("weasyprint", reason="the pdf extra: pip install -e '.[pdf]'")
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig is missing: `make system-deps` installs WeasyPrint's libraries")
    report = build_model_report(store, fixture_store.strong, principal=LOCAL_ADMIN)
    first = render_pdf(report)
    assert first.startswith(b"%PDF-")
    assert _pdf_pages(first) >= 1
    assert (
        render_pdf(build_model_report(store, fixture_store.strong, principal=LOCAL_ADMIN)) == first
    )
