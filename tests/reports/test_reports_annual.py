"""The annual and model reports: every section present, every number as the store holds it,
the same bytes on every rendering, and nothing the reader is not cleared for."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from report_fixture import (
    READER,
    Fixture,
    blocks,
    figure_text,
    ledger_hashes,
    model_part,
    report_json,
    section,
    table,
)

from clearance.access import LOCAL_ADMIN, AccessDenied, Marking, Principal
from clearance.ledger import merkle_root
from clearance.reports import (
    UNDERPOWERED,
    Report,
    ReportFormat,
    build_annual_report,
    build_model_report,
    render,
    render_html,
    render_json,
    render_markdown,
    verify_report_digest,
)
from clearance.store import FindingRecord, Store
from clearance.vocabulary import DOMAINS

ANNUAL_SECTIONS = (
    "bottom-line",
    "summary",
    "findings",
    "mitigation",
    "adequacy",
    "monitoring",
    "risk-acceptance",
    "appendix-adequacy",
    "appendix-provenance",
    "appendix-ledger",
    "appendix-verify",
)
MODEL_SECTIONS = (*ANNUAL_SECTIONS[:5], "transcripts", "monitoring", *ANNUAL_SECTIONS[7:])
"""The model report puts its transcripts after (C) and before monitoring; only the annual report
lists the approvals that accept open risk."""
APPENDIX_TITLES = [
    "Appendix A. Adequacy checks in detail",
    "Appendix B. Provenance",
    "Appendix C. Reader and ledger checkpoint",
    "Appendix D. Verifying this report",
]


def _newest_assessment(store: Store, spec: str) -> Any:
    return store.findings.assessments(spec)[0]


def _findings(store: Store, spec: str) -> list[FindingRecord]:
    return store.findings.findings(assessment_id=_newest_assessment(store, spec).id)


def _short(finding: FindingRecord) -> str:
    """A finding's id as its table shows it: the part after its assessment's id."""
    return "…-" + (finding.id or "").rsplit("-", 1)[-1]


def _shows(shown: str, stored: str) -> bool:
    """Whether a verdict cell shows the stored verdict (a "below" may say it rests on too few
    samples to rely on)."""
    return shown == stored or (stored == "below" and shown == UNDERPOWERED)


# -- (A) findings ------------------------------------------------------------------------------


def test_annual_json_has_every_section_and_each_finding_as_stored(
    store: Store, fixture_store: Fixture
) -> None:
    report = report_json(render_json(build_annual_report(store, principal=LOCAL_ADMIN)))
    top = [s["id"] for s in report["sections"]]
    assert top == list(ANNUAL_SECTIONS)
    assert [s["title"] for s in report["sections"][-4:]] == APPENDIX_TITLES
    for spec in (fixture_store.strong, fixture_store.other):
        stored = _findings(store, spec)
        assert stored, "the fixture assessed both models"
        part = model_part(report, "findings", spec)
        rows = {r["finding"]: r for r in table(part, "finding")}
        assert set(rows) == {_short(f) for f in stored}
        for f in stored:
            row = rows[_short(f)]
            assert row["value"] == f.value
            assert row["95% low"] == f.ci_low
            assert row["95% high"] == f.ci_high
            assert row["n"] == f.n
            assert row["threshold"] == f.threshold
            assert _shows(row["verdict"], f.verdict)
            assert row["domain"] == f.domain


def test_annual_domains_show_verdicts_and_untested_domains_as_such(
    store: Store, fixture_store: Fixture
) -> None:
    report = report_json(render_json(build_annual_report(store, principal=LOCAL_ADMIN)))
    summary = _newest_assessment(store, fixture_store.strong).summary
    stored = {d["domain"]: d["verdict"] for d in summary["domains"]}
    rows = {
        r["domain"]: r
        for r in table(model_part(report, "findings", fixture_store.strong), "domain")
    }
    assert all(_shows(r["verdict"], stored[d]) for d, r in rows.items())
    assert set(rows) == set(DOMAINS)
    assert rows["chem"]["verdict"] == "not tested"
    assert rows["cyber"]["verdict"] == "exceeds"
    # Science is below its threshold on 8 samples: too few to detect anything, so it says so.
    assert stored["science"] == "below"
    assert rows["science"]["verdict"] == UNDERPOWERED
    coverage = {r["domain"]: r for r in table(section(report, "summary"), "domain")}
    assert set(coverage) == set(DOMAINS)
    assert {d: coverage[d][fixture_store.strong] for d in DOMAINS} == {
        d: r["verdict"] for d, r in rows.items()
    }
    figures = [f["caption"] for f in blocks(section(report, "summary"), "figure")]
    assert figures == []  # one coverage display: the table


# -- (B) mitigation ------------------------------------------------------------------------------


def test_annual_mitigation_statistics_match_the_store(store: Store, fixture_store: Fixture) -> None:
    report = report_json(render_json(build_annual_report(store, principal=LOCAL_ADMIN)))
    record = store.mitigations.resolve(fixture_store.mitigation_id)
    (summarised,) = _newest_assessment(store, fixture_store.strong).summary["mitigations"]
    part = model_part(report, "mitigation", fixture_store.strong)
    rows = table(part, "mitigation")
    (row,) = [r for r in rows if r["mitigation"] == record.id]
    e = record.efficacy
    assert row["before"] == e["baseline_value"] == 1.0
    assert row["after"] == e["mitigated_value"]
    assert row["change"] == e["effect"]
    assert row["95% low"] == e["ci_low"]
    assert row["95% high"] == e["ci_high"]
    assert row["p"] == e["p_value"]
    assert row["n"] == e["n"]
    assert row["p (Holm)"] == summarised["p_adjusted"]
    assert row["effective"] == ("yes" if summarised["effective"] else "no") == "yes"
    need = {r["domain"]: r["mitigation needed"] for r in table(part, "domain")}
    assert need["cyber"] == "yes"
    assert need["chem"] == "unknown"
    figures = [f["caption"] for f in blocks(part, "figure")]
    assert f"Before and after mitigation: {fixture_store.strong}" in figures


# -- (C) adequacy ------------------------------------------------------------------------------


def test_annual_adequacy_sentences_and_figures_match_the_store(
    store: Store, fixture_store: Fixture
) -> None:
    report = report_json(render_json(build_annual_report(store, principal=LOCAL_ADMIN)))
    summary = _newest_assessment(store, fixture_store.strong).summary
    part = model_part(report, "adequacy", fixture_store.strong)
    paragraphs = [b["text"] for b in blocks(part, "paragraph")]
    assert blocks(part, "table") == []  # the checks are in the appendix
    assert len(paragraphs) == 1 + len(DOMAINS)  # the tally, then one sentence per domain
    for domain in summary["adequacy"]:
        assert domain["sentence"] in paragraphs
    details = [
        s
        for s in section(report, "appendix-adequacy")["subsections"]
        if s["title"] == fixture_store.strong
    ]
    rows = table(details[0], "domain")
    stored_checks = [(d["domain"], c) for d in summary["adequacy"] for c in d["checks"]]
    assert len(rows) == len(stored_checks)
    for row, (domain, check) in zip(rows, stored_checks, strict=True):
        assert (row["domain"], row["check"], row["figure"]) == (
            domain,
            check["check"].replace("_", " "),
            check["figure"],
        )
        assert row["sentence"] == check["sentence"]


def test_the_bottom_line_says_what_exceeds_what_worked_and_what_is_unknown(
    store: Store, fixture_store: Fixture
) -> None:
    report = report_json(render_json(build_annual_report(store, principal=LOCAL_ADMIN)))
    by_model = {
        b["text"].split(" ")[0]: b["text"]
        for b in blocks(section(report, "bottom-line"), "paragraph")
    }
    strong, other = by_model[fixture_store.strong], by_model[fixture_store.other]
    e = store.mitigations.resolve(fixture_store.mitigation_id).efficacy
    assert strong.startswith(f"{fixture_store.strong} exceeds its threshold in cyber (high")
    assert (
        f"Mitigation was needed in cyber: a system prompt moved starter-cyber from "
        f"{e['baseline_value']:.2f} to {e['mitigated_value']:.2f}, below the threshold: it worked."
    ) in strong
    assert "whether it exceeds in bio (inconclusive)" in strong
    assert "whether it stays below in science (too few samples to rely on)" in strong
    assert "9 domains are not tested at all: mathematics, code, reasoning, chem," in strong
    assert other.startswith(f"{fixture_store.other} exceeds none of the thresholds")
    assert "No mitigation was needed on this evidence." in other
    assert "whether it exceeds in cyber (inconclusive)" in other


# -- appendices ------------------------------------------------------------------------------


def test_annual_provenance_and_ledger_checkpoint_match_the_store(
    store: Store, fixture_store: Fixture
) -> None:
    report = report_json(render_json(build_annual_report(store, principal=LOCAL_ADMIN)))
    appendix = section(report, "appendix-provenance")
    runs = {r["run"]: r for r in table(appendix, "run")}
    digests = {(r["record"], r["of"]): r["sha256"] for r in table(appendix, "record")}
    for run_id in (fixture_store.baseline_run, fixture_store.mitigated_run, fixture_store.bio_run):
        run = store.runs.resolve(run_id)
        assert digests[(run_id, "dataset")] == run.provenance["dataset"]["digest"]
        assert digests[(run_id, "task")] == run.provenance["task"]["digest"]
        assert runs[run_id]["marking"] == run.marking_level
    for row in table(appendix, "assessment"):
        stored = store.findings.get_assessment(row["assessment"])
        assert digests[(row["assessment"], "policy")] == stored.policy_digest
        # The body shows the policy digest shortened; the appendix has all 64 digits.
        assert len(stored.policy_digest) == 64
    hashes = ledger_hashes(store)
    (checkpoint,) = table(section(report, "appendix-ledger"), "tree size")
    assert checkpoint["tree size"] == len(hashes) == report["ledger"]["tree_size"]
    assert checkpoint["Merkle root"] == merkle_root(hashes) == report["ledger"]["root"]
    assert report["ledger"]["signed_checkpoint"] is None


# -- formats -----------------------------------------------------------------------------------


def test_html_and_markdown_show_every_section_and_the_stored_figures(
    store: Store, fixture_store: Fixture
) -> None:
    report = build_annual_report(store, principal=LOCAL_ADMIN)
    page = render_html(report).decode()
    markdown = render_markdown(report).decode()
    for section_id in ANNUAL_SECTIONS:
        assert f'<section id="{section_id}">' in page
        assert f'<a id="{section_id}"></a>' in markdown
    for f in _findings(store, fixture_store.strong):
        for value in (f.value, f.ci_low, f.ci_high):
            if value is not None:
                assert figure_text(value) in page
                assert figure_text(value) in markdown
    e = store.mitigations.resolve(fixture_store.mitigation_id).efficacy
    for value in (e["baseline_value"], e["mitigated_value"], e["effect"], e["p_value"]):
        assert figure_text(value) in page
        assert figure_text(value) in markdown
    assert page.count("<svg") == 3  # two models' scores, one before-and-after
    assert markdown.count("data:image/svg+xml;base64,") == 3


def test_html_is_self_contained(store: Store) -> None:
    page = render_html(build_annual_report(store, principal=LOCAL_ADMIN)).decode()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "<link" not in page
    assert "@import" not in page
    assert "url(" not in page.replace("url(#", "")


@pytest.mark.parametrize("fmt", ["html", "md", "json"])
def test_each_format_states_a_digest_a_reader_can_recompute(
    store: Store, fmt: ReportFormat
) -> None:
    data = render(build_annual_report(store, principal=LOCAL_ADMIN), fmt)
    assert verify_report_digest(data)
    altered = data.replace(b"Executive summary", b"Executive summarY", 1)
    assert altered != data
    assert not verify_report_digest(altered)


@pytest.mark.parametrize("fmt", ["html", "md", "json"])
def test_the_same_store_renders_identical_bytes(
    store: Store, fixture_store: Fixture, fmt: ReportFormat
) -> None:
    builds: list[Callable[[], Report]] = [
        lambda: build_annual_report(store, principal=LOCAL_ADMIN),
        lambda: build_model_report(store, fixture_store.strong, principal=LOCAL_ADMIN),
    ]
    for build in builds:
        assert render(build(), fmt) == render(build(), fmt)


# -- access --------------------------------------------------------------------------------------


def test_a_reader_without_clearance_gets_the_report_without_those_records(
    store: Store, fixture_store: Fixture
) -> None:
    full = build_annual_report(store, principal=LOCAL_ADMIN)
    limited = build_annual_report(store, principal=READER)
    assert full.banner == "SECRET"
    assert limited.banner == "CUI"  # the join of what is shown: the strong model's CUI assessment
    secret_findings = len(_findings(store, fixture_store.other))
    withheld = {w.record_type: w.count for w in limited.withheld}
    assert withheld == {
        "assessment": 1,
        "finding": secret_findings,
        "mitigation": 0,
        "run": 1,
        "use_case": 0,
    }
    page = render_html(limited).decode()
    data = render_json(limited)
    for hidden in (fixture_store.other, fixture_store.secret_run):
        assert hidden not in page
        assert hidden.encode() not in data
    assert (
        f"compartments: 1 assessment, {secret_findings} findings, 1 run. They are not counted"
        in page
    )
    report = report_json(data)
    assert [a["model_spec"] for a in report["provenance"]["assessments"]] == [fixture_store.strong]
    assert report["banner"] == "CUI"
    assert 'id="banner-top">CUI<' in page


def test_a_principal_who_may_not_generate_reports_is_refused(store: Store) -> None:
    nobody = Principal(id="guest", name="Guest", clearance=Marking.of("TS"))
    with pytest.raises(AccessDenied, match=r"report\.generate"):
        build_annual_report(store, principal=nobody)


# -- the model report ----------------------------------------------------------------------------


def test_model_report_has_every_section_runs_and_stored_transcripts(
    store: Store, fixture_store: Fixture
) -> None:
    report = report_json(
        render_json(build_model_report(store, fixture_store.strong, principal=LOCAL_ADMIN))
    )
    assert [s["id"] for s in report["sections"]] == list(MODEL_SECTIONS)
    runs = {r["task"]: r for r in table(section(report, "summary"), "run")}
    assert set(runs) == {"starter-bio", "starter-cyber", "starter-science"}
    for name, row in runs.items():
        run = store.runs.resolve(row["run"])
        assert run.task_name == name
        metric = run.metrics["accuracy"]  # type: ignore[index]
        assert (row["value"], row["95% low"], row["95% high"], row["n"]) == (
            metric["value"],
            metric["ci_low"],
            metric["ci_high"],
            metric["n"],
        )
    transcripts = blocks(section(report, "transcripts"), "transcript")
    assert transcripts
    cyber = runs["starter-cyber"]["run"]
    stored = {s.sample_id: s for s in store.runs.samples(cyber)}
    shown = [t for t in transcripts if t["title"].startswith("starter-cyber")]
    assert len(shown) == 1  # every cyber answer was right: one "right" sample, none wrong
    sample_id = shown[0]["title"].split("sample ")[1].split(" ")[0]
    assert [m["content"] for m in shown[0]["messages"]] == [
        m["content"] for m in stored[sample_id].messages
    ]
    bio_wrong = [t for t in transcripts if t["title"].startswith("starter-bio")]
    assert len(bio_wrong) == 2  # one right, one wrong


def test_model_report_of_a_model_above_the_readers_clearance_says_so(
    store: Store, fixture_store: Fixture
) -> None:
    report = build_model_report(store, fixture_store.other, principal=READER)
    withheld = {w.record_type: w.count for w in report.withheld}
    assert withheld["assessment"] == 1
    assert withheld["run"] == 1
    assert report.banner == "UNCLASSIFIED"
    page = render_html(report).decode()
    assert "has no stored assessment readable at your clearance" in page
    assert fixture_store.secret_run not in page
