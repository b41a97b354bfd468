"""Times: decisions, sign-offs, waivers and waiver reports carry the store's time of recording
and a stated time. A stated time may only lie between the record it concerns and now; both are
kept, ledgered, and shown by the commands and the waiver report."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from governance_people import CAIO, DEVELOPER, REVIEWER, T0
from typer.testing import CliRunner

from clearance.access import LOCAL_ADMIN
from clearance.accountability import verify_ledger
from clearance.cli import app
from clearance.governance import (
    GovernanceError,
    add_document,
    add_use_case,
    grant_waiver,
    link_evidence,
    list_decisions,
    record_waiver_report,
    request_decision,
    sign_independent_evaluation,
)
from clearance.reports import build_report, render
from clearance.store import Store

NOW = T0 + timedelta(days=10)
"""When the store records everything here: ten days after the use case was added at T0."""
FINDING = "Evaluators with the needed clearance are not available before the exercise begins."


@pytest.fixture
def use_case(sqlite_store: Store, intake: Callable[..., dict[str, Any]]) -> str:
    high = intake(principal_basis=True, functions=["threat_designation"])
    return add_use_case(sqlite_store, high, principal=DEVELOPER, now=T0).id


def _refused(call: Callable[[], Any], match: str) -> None:
    with pytest.raises(GovernanceError, match=match):
        call()


def _bounded(state: Callable[[Any], Any], since: Any, since_what: str) -> None:
    """``state(time)`` refuses a time before ``since`` and one after NOW, naming the bound."""
    _refused(lambda: state(since - timedelta(minutes=1)), f"before {since_what}")
    _refused(lambda: state(NOW + timedelta(minutes=1)), "in the future")


def test_a_decision_keeps_its_stated_and_recorded_times(sqlite_store: Store, use_case: str) -> None:
    def request(at: Any) -> Any:
        return request_decision(
            sqlite_store, use_case, rationale="Please decide.", stated_at=at,
            principal=DEVELOPER, now=NOW,
        )  # fmt: skip

    _bounded(request, T0, "the use case's creation")
    stated = T0 + timedelta(days=2)
    record = request(stated)
    assert (record.stated_at, record.created_at) == (stated, NOW)
    unstated = request(None)
    assert unstated.stated_at == unstated.created_at == NOW
    [_, first] = list_decisions(sqlite_store, use_case, principal=LOCAL_ADMIN)
    assert first.stated_at == stated  # read back as written

    shown = CliRunner().invoke(app, ["decision", "list", use_case, "--json"])
    assert shown.exit_code == 0, shown.output
    listed = json.loads(shown.stdout)[-1]
    assert (listed["stated_at"][:16], listed["created_at"][:16]) == (
        f"{stated:%Y-%m-%dT%H:%M}",
        f"{NOW:%Y-%m-%dT%H:%M}",
    )
    table = CliRunner().invoke(app, ["decision", "list", use_case], env={"COLUMNS": "200"})
    assert f"{NOW:%Y-%m-%d %H:%M} UTC (stated {stated:%Y-%m-%d %H:%M})" in table.stdout
    assert verify_ledger(sqlite_store, LOCAL_ADMIN).ok


def test_a_waiver_and_its_report_keep_both_times(sqlite_store: Store, use_case: str) -> None:
    def grant(at: Any) -> Any:
        return grant_waiver(
            sqlite_store, use_case, "independent-evaluation",
            category="impedes-critical-operations", finding=FINDING, granted_at=at,
            principal=CAIO, now=NOW,
        )  # fmt: skip

    _bounded(grant, T0, "the use case's creation")
    granted = T0 + timedelta(days=3)
    view = grant(granted)
    assert (view.waiver.granted_at, view.waiver.created_at) == (granted, NOW)

    def report(at: Any) -> Any:
        return record_waiver_report(
            sqlite_store, view.waiver.id, recipients=["Department head"], reported_at=at,
            principal=CAIO, now=NOW + timedelta(days=2),
        )  # fmt: skip

    # The duty arose when the grant was recorded: a report stated before it is refused.
    _refused(lambda: report(NOW - timedelta(days=1)), "before the event it reports")
    reported = NOW + timedelta(days=1)
    [duty] = report(reported).reports
    assert (duty.report.reported_at, duty.report.recorded_at) == (
        reported,
        NOW + timedelta(days=2),
    )

    listed = CliRunner().invoke(app, ["waiver", "list"])
    assert listed.exit_code == 0, listed.output
    text = " ".join(listed.stdout.split())
    assert f"granted {NOW:%Y-%m-%d %H:%M} UTC (stated {granted:%Y-%m-%d %H:%M})" in text
    recorded = NOW + timedelta(days=2)
    assert f"{recorded:%Y-%m-%d %H:%M} UTC (stated {reported:%Y-%m-%d %H:%M})" in text
    summary = json.loads(
        render(build_report(sqlite_store, "waivers", principal=LOCAL_ADMIN), "json")
    )
    cells = json.dumps(summary)
    assert "2025-01-09 (recorded 16 January 2025)" in cells  # granted stated 9th, recorded 16th
    assert "reported 17 January 2025 (recorded 18 January 2025)" in cells
    assert verify_ledger(sqlite_store, LOCAL_ADMIN).ok


def test_a_sign_off_is_stated_no_earlier_than_its_evidence(
    sqlite_store: Store, use_case: str, tmp_path: Path
) -> None:
    evidence_at = T0 + timedelta(days=4)
    path = tmp_path / "evaluation.md"
    path.write_text("# Independent evaluation\nRe-ran the tests.\n")
    document = add_document(sqlite_store, path, principal=REVIEWER, now=evidence_at)
    link_evidence(
        sqlite_store, use_case, "independent-evaluation", "document", document.id,
        principal=REVIEWER, now=evidence_at,
    )  # fmt: skip

    def sign(at: Any) -> Any:
        return sign_independent_evaluation(
            sqlite_store, use_case, signed_at=at, principal=REVIEWER, now=NOW
        )

    # Signed "before" the evidence it vouches for existed: refused.
    _bounded(sign, evidence_at, "its newest linked evidence")
    stated = evidence_at + timedelta(days=1)
    signed = sign(stated)
    assert (signed.signed_at, signed.sign_recorded_at) == (stated, NOW)
    shown = CliRunner().invoke(app, ["usecase", "show", use_case], env={"COLUMNS": "300"})
    assert shown.exit_code == 0, shown.output
    assert f"(stated {stated:%Y-%m-%d %H:%M})" in " ".join(shown.stdout.split())
    assert verify_ledger(sqlite_store, LOCAL_ADMIN).ok


def test_the_at_option_states_the_time(sqlite_store: Store, use_case: str) -> None:
    early = (T0 - timedelta(days=1)).isoformat()
    args = ["decision", "request", use_case, "--rationale", "Please decide."]
    refused = CliRunner().invoke(app, [*args, "--at", early])
    assert refused.exit_code == 1  # a governance rule, as every GovernanceError
    assert "before the use case's creation" in " ".join(refused.output.split())
    stated = (T0 + timedelta(days=1)).replace(tzinfo=None).isoformat()
    done = CliRunner().invoke(app, [*args, "--at", stated])
    assert done.exit_code == 0, done.output
    assert f"(stated {T0 + timedelta(days=1):%Y-%m-%d %H:%M})" in " ".join(done.stdout.split())
