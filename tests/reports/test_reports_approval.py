"""A report's own approval: recorded on the ledger through the unit of work by someone allowed to
approve, stated on the cover of later renderings, and honest about what it does not cover."""

from __future__ import annotations

import pytest
from report_fixture import READER, Fixture, ledger_hashes, report_json
from typer.testing import CliRunner

from clearance.access import LOCAL_ADMIN, AccessDenied, Marking, Principal, Role
from clearance.accountability import verify_ledger
from clearance.cli import app
from clearance.reports import (
    CoverDetails,
    approve_report,
    build_annual_report,
    build_model_report,
    render_html,
    render_json,
)
from clearance.store import LedgerReader, Store

CAIO = Principal(
    id="caio",
    name="Dana Chief",
    roles=frozenset({Role.CHIEF_AI_OFFICER}),
    clearance=Marking.parse("TOP SECRET"),
)


def _entries(store: Store) -> list[tuple[str, str, str]]:
    return [(e.action, e.record_type, e.actor) for e in LedgerReader(store.engine).entries()]


def test_an_approval_is_a_ledger_entry_and_the_cover_names_the_approver(store: Store) -> None:
    before = len(ledger_hashes(store))
    period = CoverDetails(period_from="2020-01-01", period_to="2099-12-31")  # type: ignore[arg-type]
    approval = approve_report(
        store, "annual", principal=CAIO, details=period, note="Release to the committee."
    )
    assert len(ledger_hashes(store)) == before + 1
    assert _entries(store)[-1] == ("report.approve", "report_approval", CAIO.id)
    assert approval.ledger_seq == before + 1
    assert approval.ledger_size == before
    report = build_annual_report(store, principal=LOCAL_ADMIN, details=period)
    cover = report_json(render_json(report))["cover"]
    assert cover["approval"]["approver"] == "Dana Chief (caio)"
    assert cover["approval"]["ledger_seq"] == before + 1
    assert cover["approval"]["later_entries"] == 0
    page = render_html(report).decode()
    assert "Dana Chief (caio)" in page
    assert "not covered" not in page
    # The same report without that period is another report: not approved.
    assert build_annual_report(store, principal=LOCAL_ADMIN).cover.approval is None
    assert verify_ledger(store, CAIO.model_copy(update={"roles": frozenset({Role.AUDITOR})})).ok


def test_entries_recorded_after_an_approval_are_said_not_to_be_covered(
    store: Store, fixture_store: Fixture
) -> None:
    approve_report(store, "model", principal=CAIO, model=fixture_store.strong)
    approve_report(store, "waivers", principal=CAIO)  # one more entry after the first
    report = build_model_report(store, fixture_store.strong, principal=LOCAL_ADMIN)
    approval = report.cover.approval
    assert approval is not None
    assert approval.later_entries == 1
    assert "1 ledger entry recorded since is not covered by it" in render_html(report).decode()


def test_only_someone_allowed_to_approve_may_and_nothing_is_written_otherwise(
    store: Store,
) -> None:
    before = ledger_hashes(store)
    for person in (READER, CAIO.model_copy(update={"roles": frozenset({Role.AUDITOR})})):
        with pytest.raises(AccessDenied, match=r"report\.approve"):
            approve_report(store, "annual", principal=person)
    assert ledger_hashes(store) == before


def test_a_reader_is_not_shown_an_approval_marked_above_their_clearance(store: Store) -> None:
    approve_report(store, "annual", principal=CAIO)  # of the SECRET report CAIO reads
    assert build_annual_report(store, principal=LOCAL_ADMIN).cover.approval is not None
    limited = build_annual_report(store, principal=READER)
    assert limited.banner == "CUI"
    assert limited.cover.approval is None
    assert "not yet approved" in render_html(limited).decode()


def test_clearance_report_approve_records_it(
    store: Store, fixture_store: Fixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLEARANCE_DATABASE_URL", fixture_store.url)
    before = len(ledger_hashes(store))
    result = CliRunner().invoke(app, ["report", "approve", "inventory", "--note", "ok"])
    assert result.exit_code == 0, result.output
    assert "approved" in result.output
    assert len(ledger_hashes(store)) == before + 1
    refused = CliRunner().invoke(app, ["report", "approve", "model"])
    assert refused.exit_code in (1, 2)
    assert "needs the model" in refused.output
