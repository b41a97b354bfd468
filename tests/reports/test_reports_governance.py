"""The use-case inventory and waiver summary, through the GovernanceSource read interface."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from report_fixture import READER, report_json, section, table

from clearance.access import LOCAL_ADMIN
from clearance.reports import (
    InventoryRow,
    Report,
    ReportFormat,
    ReportingDuty,
    WaiverRow,
    build_inventory_report,
    build_waiver_report,
    ledger_state,
    render,
    verify_report_digest,
)
from clearance.store import Store


@dataclass(frozen=True)
class UseCase:
    id: str
    name: str
    agency: str = "Agency"
    office: str = "Office"
    classes: tuple[str, ...] = ()
    decision: str = "none"
    practices_required: int = 0
    practices_met: int = 0
    risk_accepted: tuple[str, ...] = ()
    marking_level: str = "UNCLASSIFIED"
    marking_compartments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Waiver:
    id: str
    category: str
    expires_at: datetime
    use_case_id: str = "uc-1"
    practice_code: str = "impact-assessment"
    granted_at: datetime = datetime(2024, 1, 1, tzinfo=UTC)
    created_at: datetime = datetime(2024, 1, 1, tzinfo=UTC)
    finding: str = "Testing would stop a critical operation; it runs in a closed range until then."
    created_by: str = "caio"
    revoked_at: datetime | None = None
    status: str = "active"
    marking_level: str = "UNCLASSIFIED"
    marking_compartments: tuple[str, ...] = ()


@dataclass
class Source:
    use_cases: list[UseCase] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)

    def inventory_rows(self, as_of: datetime | None) -> Iterable[InventoryRow]:
        return self.use_cases

    def waiver_rows(self) -> Iterable[WaiverRow]:
        return self.waivers

    def use_case_names(self) -> Mapping[str, str]:
        return {u.id: u.name for u in self.use_cases}

    def reporting(self, waiver_id: str, as_of: datetime | None) -> Sequence[ReportingDuty]:
        return ()


def _as_of(store: Store) -> datetime:
    text = ledger_state(store).last_entry_time
    assert text is not None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _source(store: Store) -> Source:
    now = _as_of(store)
    return Source(
        use_cases=[
            UseCase(
                "uc-1",
                "Triage",
                classes=("rights-impacting",),
                decision="approved",
                practices_required=5,
                practices_met=4,
                risk_accepted=("safety-harmful-refusal (critical) as-1-012",),
            ),
            UseCase("uc-2", "Translation", practices_required=1, practices_met=1),
            UseCase("uc-3", "Targeting", classes=("safety-impacting",), marking_level="SECRET"),
        ],
        waivers=[
            Waiver("wv-1", "critical-operations", now + timedelta(days=30)),
            Waiver("wv-2", "critical-operations", now - timedelta(days=1)),
            Waiver(
                "wv-3",
                "unacceptable-impediment",
                now + timedelta(days=9),
                revoked_at=now - timedelta(days=2),
                status="revoked",
            ),
            Waiver("wv-4", "unacceptable-impediment", now + timedelta(days=90)),
            Waiver("wv-5", "critical-operations", now + timedelta(days=5), marking_level="SECRET"),
        ],
    )


def test_inventory_lists_each_readable_use_case_and_withholds_the_rest(store: Store) -> None:
    source = _source(store)
    full = report_json(render(build_inventory_report(store, source, principal=LOCAL_ADMIN), "json"))
    rows = table(section(full, "inventory"), "use case")
    assert [r["use case"] for r in rows] == ["uc-3", "uc-2", "uc-1"]  # by agency, office, name
    triage = next(r for r in rows if r["use case"] == "uc-1")
    assert (triage["practices met"], triage["practices required"]) == (4, 5)
    assert triage["classes"] == "rights-impacting"
    assert triage["risk accepted"] == "safety-harmful-refusal (critical) as-1-012"
    assert next(r for r in rows if r["use case"] == "uc-2")["risk accepted"] == "none"
    summary = " ".join(b.get("text", "") for b in section(full, "summary")["blocks"])
    assert "1 approval in force accepts the risk of 1 open finding" in summary
    assert full["banner"] == "SECRET"
    limited = build_inventory_report(store, source, principal=READER)
    data = render(limited, "html")
    assert b"uc-3" not in data
    assert b"Targeting" not in data
    assert {w.record_type: w.count for w in limited.withheld} == {"use_case": 1, "waiver": 0}
    assert b"compartments: 1 use case." in data
    assert limited.banner == "UNCLASSIFIED"


def test_waiver_summary_counts_active_and_total_by_justification(store: Store) -> None:
    source = _source(store)
    report = report_json(render(build_waiver_report(store, source, principal=READER), "json"))
    counts = {r["justification"]: r for r in table(section(report, "summary"), "justification")}
    assert counts["critical-operations"]["active"] == 1
    assert counts["critical-operations"]["expired"] == 1
    assert counts["critical-operations"]["total"] == 2  # the SECRET waiver is withheld
    assert counts["unacceptable-impediment"]["active"] == 1
    assert counts["unacceptable-impediment"]["revoked"] == 1
    assert counts["unacceptable-impediment"]["total"] == 2
    states = {r["waiver"]: r["state"] for r in table(section(report, "waivers"), "waiver")}
    assert states == {"wv-1": "active", "wv-2": "expired", "wv-3": "revoked", "wv-4": "active"}
    assert {w["record_type"]: w["count"] for w in report["withheld"]}["waiver"] == 1
    paragraph, overdue = [
        b for b in section(report, "summary")["blocks"] if b["kind"] == "paragraph"
    ]
    assert paragraph["text"].startswith("2 active of 4 waivers in total")
    assert overdue["text"].startswith("0 waivers with a report overdue")


@pytest.mark.parametrize("build", [build_inventory_report, build_waiver_report])
def test_governance_reports_of_the_store_render_in_every_text_format(
    store: Store, build: Callable[..., Report]
) -> None:
    report = build(store, principal=LOCAL_ADMIN)
    formats: tuple[ReportFormat, ...] = ("html", "md", "json")
    for fmt in formats:
        first = render(report, fmt)
        assert verify_report_digest(first)
        assert render(build(store, principal=LOCAL_ADMIN), fmt) == first
    assert b"holds no records of this kind yet" in render(report, "html")
