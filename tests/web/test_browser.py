"""The web application in Debian's chromium, driven by Playwright, against `clearance serve` on
a free loopback port: an evaluator reads a transcript; a use case goes from intake through
classification, practices, a waiver and approval; an UNCLASSIFIED reader sees withheld counts
and no SECRET name; a form posted without its CSRF token is refused; axe-core finds no serious
accessibility problem. Screenshots of the main pages are kept under the test's tmp dir."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_world import (
    PASSWORD,
    PUBLIC_TASK,
    SECRET_TASK,
    SECRET_USE_CASE,
    World,
    high_impact_intake,
    serving,
)

from clearance.governance import default_rules

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
AXE = Path(__file__).parent / "vendor" / "axe.min.js"

pytestmark = pytest.mark.slow


@pytest.fixture
def server(world: World, clearance_home: Path) -> Iterator[str]:
    """`clearance serve` on the world's store, in its own process; always stopped."""
    with serving(clearance_home) as base:
        yield base


@pytest.fixture
def browser() -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]' installs it")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is missing: `make system-deps` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Visit:
    """One person's browser tab on the server, recording console errors and screenshots."""

    def __init__(self, browser: Any, base: str, shots: Path) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.base = base
        self.shots = shots
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def sign_in(self, user: str) -> None:
        self.page.goto(self.base + "/sign-in")
        self.page.get_by_label("User id").fill(user)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.base + "/")

    def shot(self, name: str) -> Path:
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert path.read_bytes().startswith(b"\x89PNG")
        return path

    def text(self) -> str:
        return str(self.page.locator("body").inner_text())

    def axe_violations(self) -> list[dict[str, Any]]:
        # Evaluated through the DevTools protocol: the page's CSP (rightly) forbids injecting
        # a script tag, and the page's own code must not need relaxing for a test.
        self.page.evaluate(AXE.read_text(encoding="utf-8"))
        found: list[dict[str, Any]] = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
            ".map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target)}))"
        )
        return found

    def banners(self) -> list[str]:
        return [str(t) for t in self.page.locator("[data-marking]").all_inner_texts()]


def test_an_evaluator_finds_a_run_and_reads_a_transcript(
    server: str, browser: Any, world: World, tmp_path: Path
) -> None:
    eve = Visit(browser, server, tmp_path / "screenshots")
    eve.sign_in("eve")
    eve.shot("dashboard-evaluator")
    eve.page.get_by_role("link", name="Runs", exact=True).click()
    eve.page.get_by_label("task", exact=True).select_option(PUBLIC_TASK)
    eve.page.get_by_role("button", name="Filter").click()
    eve.page.wait_for_url("**/runs?*task=sums*")
    listed = eve.page.locator("main table tbody").inner_text()
    assert PUBLIC_TASK in listed
    assert SECRET_TASK not in listed  # eve may read it, but the filter keeps sums only
    eve.shot("runs")
    eve.page.get_by_role("link", name=world.public_run.id, exact=True).click()
    assert "accuracy" in eve.text()
    eve.page.get_by_label("search id or output").fill("s3")
    eve.page.get_by_role("button", name="Filter").click()  # htmx swaps the samples in place
    eve.page.wait_for_url("**q=s3**")
    eve.page.wait_for_function("document.querySelectorAll('#samples tbody tr').length === 1")
    eve.shot("run-viewer")
    eve.page.get_by_role("link", name="s3", exact=True).click()
    eve.page.wait_for_url("**/samples/s3**")
    text = eve.text()
    assert "What is 3 + 3?" in text
    assert "The answer is 7." in text
    assert eve.banners() == ["UNCLASSIFIED", "UNCLASSIFIED"]
    eve.shot("transcript")
    assert eve.axe_violations() == []
    assert eve.errors == []


def test_a_use_case_from_intake_to_approval_and_waiver(
    server: str, browser: Any, world: World, tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    rory = Visit(browser, server, shots)
    rory.sign_in("rory")
    rory.page.goto(server + "/use-cases/new")
    intake = high_impact_intake("Browser-made triage")
    for label, field in (
        ("Name", "name"),
        ("Agency", "agency"),
        ("Office", "office"),
        ("Purpose and benefits", "purpose_and_benefits"),
        ("Outputs", "outputs"),
        ("Risk owner (user id)", "risk_owner"),
    ):
        rory.page.get_by_label(label, exact=True).fill(intake[field])
    rory.page.get_by_label("Developers (user ids, comma-separated)").fill("rory")
    rory.page.get_by_label("Stage of development").select_option(intake["stage"])
    rory.page.get_by_label("Decision domain").select_option(intake["decision_domain"])
    rory.page.get_by_label("Human oversight").select_option("human_decides")
    rory.page.get_by_label("The outputs are a principal basis").check()
    rory.page.get_by_label("threat designation").check()
    rory.page.get_by_label("federal employees").check()
    rory.shot("intake-form")
    assert rory.axe_violations() == []
    rory.page.get_by_role("button", name="Intake and classify").click()
    rory.page.wait_for_url("**/use-cases/uc-*")
    ref = rory.page.url.rsplit("/", 1)[1]
    assert "high-impact" in rory.text()
    assert "Grant waiver" not in rory.text()

    # Practices: one through its form here, the rest through the API as the same person.
    row = rory.page.locator("#practice-training")
    row.get_by_label("reference", exact=True).fill(world.public_run.id)
    row.get_by_label("evidence kind", exact=True).select_option("run")
    row.get_by_role("button", name="Link evidence").click()
    rory.page.wait_for_url(f"**/use-cases/{ref}")
    row = rory.page.locator("#practice-training")
    row.get_by_label("status", exact=True).select_option("implemented")
    row.get_by_role("button", name="Set status").click()
    rory.page.wait_for_url(f"**/use-cases/{ref}")
    assert "implemented" in rory.page.locator("#practice-training").inner_text()
    others = ("training", "impact-assessment", "independent-evaluation")
    for code in _practice_codes(rory, ref):
        if code in others:
            continue
        _api(
            rory,
            f"/api/v1/use-cases/{ref}/practices/{code}/evidence",
            {"kind": "run", "ref": world.public_run.id},
            world.tokens["rory"],
        )
        _api(
            rory,
            f"/api/v1/use-cases/{ref}/practices/{code}",
            {"status": "implemented"},
            world.tokens["rory"],
        )

    ravi = Visit(browser, server, shots)
    ravi.sign_in("ravi")
    ravi.page.goto(f"{server}/use-cases/{ref}")
    row = ravi.page.locator("#practice-independent-evaluation")
    row.get_by_label("reference", exact=True).fill(world.public_run.id)
    row.get_by_role("button", name="Link evidence").click()
    ravi.page.wait_for_url(f"**/use-cases/{ref}")
    ravi.page.get_by_role("button", name="Sign the independent evaluation").click()
    ravi.page.wait_for_url(f"**/use-cases/{ref}")
    assert "signed by ravi" in ravi.text()

    carol = Visit(browser, server, shots)
    carol.sign_in("carol")
    carol.page.goto(f"{server}/queue")
    carol.shot("queue")
    carol.page.goto(f"{server}/use-cases/{ref}")
    carol.page.get_by_label("decision", exact=True).select_option("approve")
    carol.page.get_by_label("rationale").fill("Ready?")
    carol.page.get_by_role("button", name="Record decision").click()
    assert "impact-assessment" in carol.page.locator(".errors").inner_text()  # not met yet
    carol.errors.clear()  # the browser logs the refusal's 422 as a console error
    carol.page.get_by_label("practice", exact=True).select_option("impact-assessment")
    category = default_rules().rules.waivers.categories[0].code
    carol.page.get_by_label("justification category").select_option(category)
    carol.page.get_by_label("written finding").fill(
        "Completing the assessment first would delay a mission-critical deployment for "
        "months while every output is already reviewed by a person."
    )
    carol.page.get_by_label("days (at most a year)").fill("90")
    carol.page.get_by_role("button", name="Grant waiver").click()
    carol.page.wait_for_url(f"**/use-cases/{ref}")
    assert "impact-assessment: active" in carol.text()
    carol.page.get_by_label("decision", exact=True).select_option("approve")
    carol.page.get_by_label("rationale").fill("Practices met, one waived for 90 days.")
    carol.page.get_by_role("button", name="Record decision").click()
    carol.page.wait_for_url(f"**/use-cases/{ref}")
    assert "decision: approved" in carol.text()
    carol.shot("use-case-approved")
    assert carol.axe_violations() == []
    assert rory.errors == ravi.errors == carol.errors == []


def test_an_unclassified_reader_sees_withheld_counts_and_no_secret(
    server: str, browser: Any, world: World, tmp_path: Path
) -> None:
    ursula = Visit(browser, server, tmp_path / "screenshots")
    ursula.sign_in("ursula")
    for path, name in (
        ("/", "dashboard-unclassified"),
        ("/runs", "runs-unclassified"),
        ("/use-cases", "use-cases-unclassified"),
        ("/ledger", "ledger"),
    ):
        ursula.page.goto(server + path)
        html = ursula.page.content()
        for secret in (SECRET_TASK, SECRET_USE_CASE, world.secret_run.id, world.secret_use_case):
            assert secret not in html, f"{secret} on {path}"
        assert ursula.banners() == ["UNCLASSIFIED", "UNCLASSIFIED"]
        if path != "/ledger":
            assert "withheld" in ursula.text()
        ursula.shot(name)
    ursula.page.goto(f"{server}/runs/{world.secret_run.id}")
    assert SECRET_TASK not in ursula.page.content()
    assert ursula.axe_violations() == []


def test_a_form_posted_without_its_csrf_token_is_refused(
    server: str, browser: Any, world: World, tmp_path: Path
) -> None:
    carol = Visit(browser, server, tmp_path / "screenshots")
    carol.sign_in("carol")
    carol.page.goto(f"{server}/use-cases/{world.secret_use_case}")
    carol.page.evaluate(
        "document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())"
    )
    carol.page.get_by_label("decision", exact=True).select_option("deny")
    carol.page.get_by_label("rationale").fill("Posted without the token")
    carol.page.get_by_role("button", name="Record decision").click()
    assert "no valid CSRF token" in carol.text()
    assert carol.errors == [
        "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    ]
    carol.shot("csrf-refused")
    carol.page.goto(f"{server}/use-cases/{world.secret_use_case}")
    assert "Posted without the token" not in carol.text()


def _practice_codes(visit: Visit, ref: str) -> list[str]:
    ids = visit.page.locator("tr[id^=practice-]").evaluate_all("rows => rows.map(r => r.id)")
    return [str(i).removeprefix("practice-") for i in ids]


def _api(visit: Visit, path: str, body: dict[str, Any], token: str) -> None:
    answer = visit.context.request.post(
        visit.base + path,
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert answer.ok, answer.text()
