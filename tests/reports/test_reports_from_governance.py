"""The use-case inventory and waiver summary of a store whose governance records were written by
the real governance services: every figure in the reports is checked against what the governance
services themselves say, never against the report builder."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from report_fixture import report_json, section, table
from report_layout import (
    CHROMIUM_ARGS,
    chromium,
    need_pdf,
    outside_margins,
    text_lines,
    widest_elements,
)

from clearance.access import LOCAL_ADMIN, Marking, Principal, Role
from clearance.governance import (
    add_document,
    add_use_case,
    approve_use_case,
    edit_use_case,
    grant_waiver,
    link_evidence,
    list_use_cases,
    list_waivers,
    merge_intake,
    record_waiver_report,
    revoke_waiver,
    show_use_case,
    sign_independent_evaluation,
    update_practice,
    waiver_counts,
)
from clearance.reports import (
    Report,
    build_inventory_report,
    build_waiver_report,
    ledger_state,
    render,
    verify_report_digest,
)
from clearance.store import Store

FINDING = (
    "Cleared evaluators are not available before the exercise; the system runs only in a "
    "closed test range until they are."
)


def _person(pid: str, *roles: Role) -> Principal:
    return Principal(
        id=pid,
        name=pid.replace("-", " ").title(),
        roles=frozenset(roles),
        clearance=Marking.parse("SECRET"),
    )


# The people of tests/governance/governance_people.py, which is not importable from here.
CAIO = _person("caio-carol", Role.CHIEF_AI_OFFICER)
DEVELOPER = _person("dev-dana", Role.RISK_OWNER, Role.REVIEWER)
REVIEWER = _person("rev-ravi", Role.REVIEWER)
CUI_READER = Principal(
    id="analyst",
    name="Analyst",
    roles=frozenset({"auditor"}),
    clearance=Marking.of("CUI"),
)
"""Reads governance records up to CUI: not the SECRET use case."""


@dataclass(frozen=True)
class Governed:
    """The ids the fixture recorded, by the role each plays."""

    high_impact: str
    personnel: str
    other: str
    secret: str
    reported_waiver: str
    revoked_waiver: str
    overdue_waiver: str


def _intake(**changes: Any) -> dict[str, Any]:
    """A use case no classification rule fires for, with ``changes`` merged in."""
    base = {
        "name": "Foreign news translation",
        "agency": "Department of Defense",
        "office": "Defense Intelligence Agency",
        "purpose_and_benefits": "Translates open-source foreign news for analysts to skim.",
        "outputs": "English translations of foreign-language articles.",
        "stage": "operation_and_maintenance",
        "principal_basis": False,
        "decision_domain": "intelligence_analysis",
        "functions": ["translation"],
        "affected": ["no_individuals"],
        "human_oversight": {"level": "human_decides", "description": "Analysts read them."},
        "developers": [DEVELOPER.id],
    }
    return merge_intake(base, changes)


def _implement_practices(store: Store, use_case: str, document: str, at: datetime) -> None:
    link_evidence(
        store, use_case, "impact-assessment", "document", document, now=at, principal=LOCAL_ADMIN
    )
    update_practice(
        store, use_case, "impact-assessment", status="implemented", now=at, principal=LOCAL_ADMIN
    )
    link_evidence(
        store,
        use_case,
        "independent-evaluation",
        "document",
        document,
        now=at,
        principal=LOCAL_ADMIN,
    )
    sign_independent_evaluation(store, use_case, principal=REVIEWER, now=at)


def _record(store: Store, folder: Path) -> Governed:
    # The ledger stamps entries with the wall clock and the waiver report reads "as of" the newest
    # one, so the story is told in the recent past: waivers are still in force as of then.
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=30)
    high = add_use_case(
        store,
        _intake(
            name="Threat designation support",
            principal_basis=True,
            functions=["threat_designation"],
        ),
        principal=DEVELOPER,
        now=start,
    ).id
    personnel = add_use_case(
        store,
        _intake(
            name="Clearance adjudication triage",
            principal_basis=True,
            affected=["federal_employees"],
            functions=["security_clearance_determination"],
            significant_effect_on_personnel=True,
        ),
        principal=DEVELOPER,
        now=start,
    ).id
    other = add_use_case(store, _intake(), principal=DEVELOPER, now=start).id
    secret = add_use_case(
        store,
        _intake(name="Collection tasking aid"),
        marking=Marking.parse("SECRET"),
        principal=DEVELOPER,
        now=start,
    ).id
    assessment = folder / "impact-assessment.md"
    assessment.write_text("Impact assessment of threat designation support.\n")
    document = add_document(store, assessment, now=start, principal=LOCAL_ADMIN).id
    _implement_practices(store, high, document, start + timedelta(hours=1))

    day = timedelta(days=1)
    reported = grant_waiver(
        store,
        high,
        "realistic-testing",
        category="impedes-critical-operations",
        finding=FINDING,
        principal=CAIO,
        now=start + day,
    ).waiver.id
    record_waiver_report(
        store, reported, recipients=["Department head"], principal=CAIO, now=start + 2 * day
    )
    revoked = grant_waiver(
        store,
        personnel,
        "realistic-testing",
        category="increases-overall-risk",
        finding=FINDING,
        principal=CAIO,
        now=start + day,
    ).waiver.id
    record_waiver_report(
        store, revoked, recipients=["Department head"], principal=CAIO, now=start + 2 * day
    )
    revoke_waiver(store, revoked, reason="Evaluators cleared.", principal=CAIO, now=start + 5 * day)
    record_waiver_report(
        store, revoked, recipients=["Department head"], principal=CAIO, now=start + 6 * day
    )
    # Never reported: its three days are up long before the newest ledger entry below.
    overdue = grant_waiver(
        store,
        personnel,
        "impact-assessment",
        category="impedes-critical-operations",
        finding=FINDING,
        principal=CAIO,
        now=start + 10 * day,
    ).waiver.id
    approve_use_case(
        store, other, rationale="Low-risk translation.", principal=CAIO, now=start + 20 * day
    )
    return Governed(high, personnel, other, secret, reported, revoked, overdue)


@pytest.fixture
def governed_store(clearance_home: Path, tmp_path: Path) -> Iterator[tuple[Store, Governed]]:
    """The embedded store under this test's CLEARANCE_HOME, written by the governance services."""
    store = Store.open()
    try:
        yield store, _record(store, tmp_path)
    finally:
        store.close()


def _as_of(store: Store) -> datetime:
    text = ledger_state(store).last_entry_time
    assert text is not None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _json(report: Report) -> dict[str, Any]:
    return report_json(render(report, "json"))


def test_the_fixture_lives_in_the_embedded_store_under_clearance_home(
    governed_store: tuple[Store, Governed], clearance_home: Path
) -> None:
    store, _ = governed_store
    assert str(clearance_home) in str(store.engine.url)
    assert store.engine.url.get_backend_name() == "sqlite"


def test_inventory_lists_each_use_case_with_the_class_governance_gave_it(
    governed_store: tuple[Store, Governed],
) -> None:
    store, ids = governed_store
    rows = {
        r["use case"]: r
        for r in table(
            section(_json(build_inventory_report(store, principal=LOCAL_ADMIN)), "inventory"),
            "use case",
        )
    }
    views = {
        v.use_case.id: v for v in list_use_cases(store, now=_as_of(store), principal=LOCAL_ADMIN)
    }
    assert set(rows) == set(views) == {ids.high_impact, ids.personnel, ids.other, ids.secret}
    for use_case, view in views.items():
        required = [p for p in view.practices if p.practice.required]
        row = rows[use_case]
        assert row["name"] == view.use_case.name
        assert row["classes"] == (", ".join(sorted(view.classes)) or "neither")
        assert row["practices required"] == len(required)
        assert row["practices met"] == sum(1 for p in required if p.satisfied)
        assert row["decision"] == view.decision.state
    assert rows[ids.high_impact]["classes"] == "high_impact"
    assert rows[ids.personnel]["classes"] == "federal_personnel_impacting"
    assert rows[ids.other]["classes"] == "neither"
    # Two practices implemented and one waived: governance counts all three as met.
    assert rows[ids.high_impact]["practices met"] == 3
    assert rows[ids.high_impact]["practices required"] > 2
    assert {u: r["decision"] for u, r in rows.items()} == {
        ids.high_impact: "none",
        ids.personnel: "none",
        ids.other: "approved",
        ids.secret: "none",
    }
    assert rows[ids.secret]["marking"] == "SECRET"


def test_inventory_and_usecase_show_agree_on_an_approval_that_lapsed(
    governed_store: tuple[Store, Governed],
) -> None:
    """The newest decision recorded is still the approval, but the intake changed after it:
    governance says the use case needs re-review, and so must the inventory."""
    store, ids = governed_store
    edit_use_case(
        store,
        ids.other,
        {"outputs": "English translations and summaries of foreign-language articles."},
        principal=DEVELOPER,
    )
    newest = store.governance.decisions(ids.other)[0]
    assert newest.kind == "approve"
    shown = show_use_case(store, ids.other, now=_as_of(store), principal=LOCAL_ADMIN)
    assert shown.decision.state == "needs re-review"
    rows = {
        r["use case"]: r
        for r in table(
            section(_json(build_inventory_report(store, principal=LOCAL_ADMIN)), "inventory"),
            "use case",
        )
    }
    assert rows[ids.other]["decision"] == shown.decision.state
    summary = section(_json(build_inventory_report(store, principal=LOCAL_ADMIN)), "summary")
    assert any("1 needs re-review" in b.get("text", "") for b in summary["blocks"])


def test_waiver_summary_counts_match_the_governance_services(
    governed_store: tuple[Store, Governed],
) -> None:
    store, ids = governed_store
    as_of = _as_of(store)
    report = _json(build_waiver_report(store, principal=LOCAL_ADMIN))
    counts = waiver_counts(store, now=as_of, principal=LOCAL_ADMIN)
    assert (counts.active, counts.total) == (2, 3)
    paragraph, overdue = [
        b for b in section(report, "summary")["blocks"] if b["kind"] == "paragraph"
    ]
    assert paragraph["text"].startswith(
        f"{counts.active} active of {counts.total} waivers in total"
    )
    assert overdue["text"].startswith(f"{counts.reporting_overdue} waiver with a report overdue")

    views = list_waivers(store, now=as_of, principal=LOCAL_ADMIN)
    expected = Counter((v.waiver.category, v.state) for v in views)
    summary = table(section(report, "summary"), "justification")
    states = ("active", "expired", "revoked", "renewed")
    got = Counter(
        {(row["justification"], state): row[state] for row in summary for state in states}
    )
    assert +got == expected
    assert {r["justification"]: r["total"] for r in summary} == dict(
        Counter(v.waiver.category for v in views)
    )

    listing = table(section(report, "waivers"), "waiver")
    assert {r["waiver"]: r["state"] for r in listing} == {v.waiver.id: v.state for v in views}
    assert {r["waiver"]: r["state"] for r in listing} == {
        ids.reported_waiver: "active",
        ids.revoked_waiver: "revoked",
        ids.overdue_waiver: "active",
    }


def test_governance_holds_exactly_one_waiver_overdue_for_reporting(
    governed_store: tuple[Store, Governed],
) -> None:
    store, ids = governed_store
    as_of = _as_of(store)
    assert waiver_counts(store, now=as_of, principal=LOCAL_ADMIN).reporting_overdue == 1
    overdue = [
        v.waiver.id
        for v in list_waivers(store, now=as_of, principal=LOCAL_ADMIN)
        if v.reporting_overdue
    ]
    assert overdue == [ids.overdue_waiver]


def test_waiver_summary_flags_the_waiver_overdue_for_reporting(
    governed_store: tuple[Store, Governed],
) -> None:
    store, ids = governed_store
    report = _json(build_waiver_report(store, principal=LOCAL_ADMIN))
    listing = table(section(report, "waivers"), "waiver")
    flagged = {r["waiver"] for r in listing if "overdue" in " ".join(map(str, r.values()))}
    assert flagged == {ids.overdue_waiver}


def test_every_waiver_shows_its_use_case_finding_grantor_dates_and_reporting(
    governed_store: tuple[Store, Governed],
) -> None:
    store, ids = governed_store
    as_of = _as_of(store)
    views = {v.waiver.id: v for v in list_waivers(store, now=as_of, principal=LOCAL_ADMIN)}
    names = {
        v.use_case.id: v.use_case.name
        for v in list_use_cases(store, now=as_of, principal=LOCAL_ADMIN)
    }
    rows = {
        r["waiver"]: r
        for r in table(
            section(_json(build_waiver_report(store, principal=LOCAL_ADMIN)), "waivers"), "waiver"
        )
    }
    assert set(rows) == set(views)
    for waiver_id, view in views.items():
        row, waiver = rows[waiver_id], view.waiver
        assert row["use case"] == f"{names[waiver.use_case_id]} ({waiver.use_case_id})"
        assert row["practice"] == waiver.practice_code
        assert row["finding"] == waiver.finding == FINDING
        assert row["granted by"] == waiver.created_by == CAIO.id
        assert row["granted"] == waiver.granted_at.date().isoformat()
        assert row["expires"] == waiver.expires_at.date().isoformat()
        states = [r.state for r in view.reports]
        assert row["reporting"].count(":") == len(states)  # one "event: state" per duty
        for state in states:
            assert state in row["reporting"]
    # A report was recorded: the column says so, not blank (the complaint).
    assert rows[ids.reported_waiver]["reporting"].startswith("grant: reported ")
    assert "revoke: reported" in rows[ids.revoked_waiver]["reporting"]
    assert rows[ids.overdue_waiver]["reporting"].startswith("grant: overdue (due ")


@pytest.mark.parametrize("build", [build_inventory_report, build_waiver_report])
def test_rendering_the_governed_store_twice_gives_identical_bytes(
    governed_store: tuple[Store, Governed], build: Callable[..., Report]
) -> None:
    store, _ = governed_store
    for fmt in ("json", "html"):
        first = render(build(store, principal=LOCAL_ADMIN), fmt)
        assert verify_report_digest(first)
        assert render(build(store, principal=LOCAL_ADMIN), fmt) == first
    assert b"holds no records of this kind yet" not in render(
        build(store, principal=LOCAL_ADMIN), "html"
    )


def test_a_reader_without_secret_clearance_gets_the_inventory_without_the_secret_use_case(
    governed_store: tuple[Store, Governed],
) -> None:
    store, ids = governed_store
    visible = list_use_cases(store, principal=CUI_READER, now=_as_of(store))
    assert visible.withheld == 1

    report = build_inventory_report(store, principal=CUI_READER)
    rows = table(section(_json(report), "inventory"), "use case")
    assert {r["use case"] for r in rows} == {v.use_case.id for v in visible}
    assert ids.secret not in {r["use case"] for r in rows}
    assert {w.record_type: w.count for w in report.withheld}["use_case"] == visible.withheld
    assert report.banner != "SECRET"

    html = render(report, "html")
    assert ids.secret.encode() not in html
    assert b"Collection tasking aid" not in html
    assert b"compartments: 1 use case." in html


@pytest.mark.parametrize("build", [build_inventory_report, build_waiver_report])
def test_governed_reports_fit_their_pdf_margins_and_a_1280_pixel_window(
    governed_store: tuple[Store, Governed], build: Callable[..., Report], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    store, _ = governed_store
    report = build(store, principal=LOCAL_ADMIN)
    need_pdf()
    pdf = render(report, "pdf")
    assert outside_margins(pdf) == []
    _, lines = text_lines(pdf)
    words = {word for line in lines for word in line.text.split()}
    # Prose wraps between words: a use case's name is there word by word, never "adjudica tion".
    assert {"Clearance", "adjudication", "triage", "Threat", "designation"} <= words
    page_file = tmp_path / "report.html"
    page_file.write_bytes(render(report, "html"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(page_file.as_uri(), wait_until="load")
            assert widest_elements(page, 1280) == []
        finally:
            browser.close()
