"""The Framework's governance reports: the use-case inventory and the waiver summary.

They read governance records through a small interface (:class:`GovernanceSource`) so that the
reports do not depend on how governance stores its tables: any object with these rows will do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol

import clearance
from clearance.access import Action, Principal, marking_of
from clearance.governance import report_state, use_case_view
from clearance.governance import waiver_state as governance_waiver_state
from clearance.reports._approval import find_approval
from clearance.reports._cover import CoverDetails, make_cover
from clearance.reports._document import (
    Block,
    Notice,
    Paragraph,
    Provenance,
    Report,
    ReportKind,
    Section,
    Table,
    words_date,
)
from clearance.reports._ledger_state import ledger_state
from clearance.reports._reading import Reading, reader_of
from clearance.reports._sections import (
    ledger_section,
    lettered,
    verify_section,
    withheld_notice,
)
from clearance.store import DecisionRecord, Store
from clearance.vocabulary import plural

GOVERNANCE_RECORD_TYPES = ("use_case", "waiver")
WaiverState = Literal["active", "expired", "revoked", "renewed"]
_WAIVER_STATES: tuple[WaiverState, ...] = ("active", "expired", "revoked", "renewed")


class InventoryRow(Protocol):
    """One use case as the inventory lists it."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def agency(self) -> str: ...
    @property
    def office(self) -> str: ...
    @property
    def classes(self) -> Sequence[str]:
        """The classes in force, e.g. ``rights-impacting``; empty when neither."""
        ...

    @property
    def decision(self) -> str:
        """Where the decision stands, in governance's words (``none``, ``requested``,
        ``approved``, ``needs re-review``, ``denied``, ``suspended``): what `usecase show` says."""
        ...

    @property
    def practices_required(self) -> int: ...
    @property
    def practices_met(self) -> int:
        """Required practices governance counts as satisfied: implemented or waived."""
        ...

    @property
    def risk_accepted(self) -> Sequence[str]:
        """The `exceeds` findings the approval in force accepted (threshold and severity)."""
        ...

    @property
    def marking_level(self) -> str: ...
    @property
    def marking_compartments(self) -> Sequence[str]: ...


class WaiverRow(Protocol):
    """One waiver of one minimum practice of one use case."""

    @property
    def id(self) -> str: ...
    @property
    def use_case_id(self) -> str: ...
    @property
    def practice_code(self) -> str: ...
    @property
    def category(self) -> str:
        """The justification the waiver was granted under."""
        ...

    @property
    def finding(self) -> str:
        """The written finding the waiver was granted on."""
        ...

    @property
    def created_by(self) -> str:
        """Who granted it."""
        ...

    @property
    def granted_at(self) -> datetime:
        """When the officer says it was granted (stated)."""
        ...

    @property
    def created_at(self) -> datetime:
        """When the store recorded the grant."""
        ...

    @property
    def expires_at(self) -> datetime: ...
    @property
    def revoked_at(self) -> datetime | None: ...
    @property
    def status(self) -> str:
        """As recorded: ``active``, ``revoked`` or ``renewed`` (superseded by a newer waiver)."""
        ...

    @property
    def marking_level(self) -> str: ...
    @property
    def marking_compartments(self) -> Sequence[str]: ...


class GovernanceSource(Protocol):
    """Where the inventory and waiver reports read their rows."""

    def inventory_rows(self, as_of: datetime | None) -> Iterable[InventoryRow]:
        """Every use case, with its decision and practices as they stand at ``as_of``."""
        ...

    def waiver_rows(self) -> Iterable[WaiverRow]: ...
    def use_case_names(self) -> Mapping[str, str]:
        """Each use case's name, by id."""
        ...

    def reporting(self, waiver_id: str, as_of: datetime | None) -> Sequence[ReportingDuty]:
        """The waiver's duties to report its events (grant, renewal, revocation) at ``as_of``."""
        ...


@dataclass(frozen=True)
class ReportingDuty:
    """One event of a waiver that must be reported within three days, and where it stands."""

    event: str
    due_at: datetime
    reported_at: datetime | None
    state: str
    """``pending``, ``overdue``, ``reported`` or ``reported late`` (governance's words)."""
    recorded_at: datetime | None = None
    """When the store recorded the report (``reported_at`` is the time its reporter stated)."""

    def text(self) -> str:
        """ "grant: reported 3 December 2026", "grant: reported 3 December 2026 (recorded 5
        December 2026)" or "grant: overdue (due 5 December 2026)"."""
        if self.reported_at is not None:
            said = f"{self.event}: {self.state} {words_date(self.reported_at.isoformat())}"
            return said + _recorded_apart(self.reported_at, self.recorded_at)
        return f"{self.event}: {self.state} (due {words_date(self.due_at.isoformat())})"


def _recorded_apart(stated: datetime, recorded: datetime | None) -> str:
    """ " (recorded DAY)" when the store recorded something on another day than the one stated."""
    if recorded is None or _utc(recorded).date() == _utc(stated).date():
        return ""
    return f" (recorded {words_date(recorded.isoformat())})"


def _as_of(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def waiver_state(row: WaiverRow, as_of: datetime | None) -> WaiverState:
    """Revoked, renewed, expired (as of the store's newest ledger entry) or active: governance's
    rule, so the report and `waiver list` agree."""
    return governance_waiver_state(row, as_of)


def report_for(
    kind: ReportKind,
    title: str,
    subtitle: str,
    reading: Reading,
    sections: list[Section],
    details: CoverDetails,
) -> Report:
    ledger = ledger_state(reading.store)
    reader = reader_of(reading.principal)
    approval = find_approval(reading.store, kind, "", details, reading.principal, ledger.tree_size)
    appendices = [ledger_section(ledger, reader, reading.withheld_text()), verify_section()]
    return Report(
        kind=kind,
        title=title,
        subtitle=subtitle,
        cover=make_cover(details, reading.principal, ledger, approval),
        banner=reading.banner(),
        reader=reader,
        as_of=ledger.last_entry_time,
        ledger=ledger,
        withheld=reading.withheld_list(),
        sections=[*sections, *lettered(appendices)],
        provenance=Provenance(),
        clearance_version=clearance.__version__,
    )


def _source_notice(rows: int, withheld: int) -> list[Block]:
    if rows == 0 and withheld == 0:
        return [
            Notice(
                text="This store holds no records of this kind yet: `clearance usecase` and "
                "`clearance waiver` commands record them."
            )
        ]
    return []


def build_inventory_report(
    store: Store,
    source: GovernanceSource | None = None,
    *,
    principal: Principal,
    details: CoverDetails | None = None,
) -> Report:
    """The use-case inventory: every use case the reader may see, with class and decision, as
    the store stands at its newest ledger entry (an inventory is a snapshot: the reporting
    period does not filter it, and the wall clock does not move it)."""
    details = (details or CoverDetails()).check()
    source = source or default_governance_source(store)
    reading = Reading(store, principal, record_types=GOVERNANCE_RECORD_TYPES)
    as_of = _as_of(ledger_state(store).last_entry_time)
    rows = sorted(
        reading.keep("use_case", source.inventory_rows(as_of), marking_of, Action.USECASE_READ),
        key=lambda r: (r.agency, r.office, r.name, r.id),
    )
    classes = Counter(c for r in rows for c in (r.classes or ["neither"]))
    decisions = Counter(r.decision for r in rows)
    summary: list[Block] = [
        *withheld_notice(reading.withheld_sentence()),
        *_source_notice(len(rows), reading.withheld["use_case"]),
        Paragraph(
            text=f"{plural(len(rows), 'use case')} in the inventory. By class: "
            + (", ".join(f"{n} {c}" for c, n in sorted(classes.items())) or "none")
            + ". By decision: "
            + (", ".join(f"{n} {d}" for d, n in sorted(decisions.items())) or "none")
            + f". Minimum practices met (implemented or waived): "
            f"{sum(r.practices_met for r in rows)} of "
            f"{sum(r.practices_required for r in rows)} required. " + _risk_sentence(rows)
        ),
    ]
    table = Table(
        caption="Use cases, by agency and office",
        columns=[
            "use case",
            "name",
            "agency",
            "office",
            "classes",
            "decision",
            "practices met",
            "practices required",
            "risk accepted",
            "marking",
        ],
        rows=[
            [
                r.id,
                r.name,
                r.agency,
                r.office,
                ", ".join(sorted(r.classes)) or "neither",
                r.decision,
                r.practices_met,
                r.practices_required,
                "; ".join(r.risk_accepted) or "none",
                marking_of(r).banner(),
            ]
            for r in rows
        ],
        empty="no use case readable at your clearance",
        landscape=True,
    )
    sections = [
        Section(id="summary", title="Summary", blocks=summary),
        Section(id="inventory", title="Use-case inventory", blocks=[table]),
    ]
    return report_for(
        "inventory",
        "AI use-case inventory",
        "Every AI use case of the agency, with its class, where its decision stands and its "
        "minimum practices",
        reading,
        sections,
        details,
    )


def _risk_sentence(rows: Sequence[InventoryRow]) -> str:
    accepting = [r for r in rows if r.risk_accepted]
    if not accepting:
        return "No approval in force accepts an open finding."
    findings = sum(len(r.risk_accepted) for r in accepting)
    return (
        f"{plural(len(accepting), 'approval')} in force "
        f"{'accepts' if len(accepting) == 1 else 'accept'} the risk of "
        f"{plural(findings, 'open finding')} that exceeded a threshold (see 'risk accepted')."
    )


def build_waiver_report(
    store: Store,
    source: GovernanceSource | None = None,
    *,
    principal: Principal,
    details: CoverDetails | None = None,
) -> Report:
    """The waiver summary: active and total waivers, by justification, as of the store's newest
    ledger entry (never the wall clock, so the same store gives the same report). With a
    reporting period, the waivers in force at some time within it."""
    details = (details or CoverDetails()).check()
    source = source or default_governance_source(store)
    reading = Reading(store, principal, record_types=GOVERNANCE_RECORD_TYPES)
    as_of = _as_of(ledger_state(store).last_entry_time)
    rows = sorted(
        (
            r
            for r in reading.keep("waiver", source.waiver_rows(), marking_of, Action.WAIVER_READ)
            if _in_force_within(r, details)
        ),
        key=lambda r: (_utc(r.granted_at), r.id),
    )
    states = {r.id: waiver_state(r, as_of) for r in rows}
    by_category: dict[str, Counter[str]] = {}
    for r in rows:
        by_category.setdefault(r.category, Counter())[states[r.id]] += 1
    active = sum(1 for s in states.values() if s == "active")
    duties = {r.id: source.reporting(r.id, as_of) for r in rows}
    overdue = {r.id for r in rows if any(d.state == "overdue" for d in duties[r.id])}
    names = source.use_case_names()
    summary: list[Block] = [
        *withheld_notice(reading.withheld_sentence()),
        *_source_notice(len(rows), reading.withheld["waiver"]),
        Paragraph(
            text=f"{active} active of {plural(len(rows), 'waiver')} in total, as of "
            f"{words_date(as_of.isoformat()) if as_of else 'an empty store'} (the store's newest "
            "ledger entry)."
        ),
        Paragraph(
            text=f"{plural(len(overdue), 'waiver')} with a report overdue (the Framework asks "
            "that a waiver be reported within three days)."
        ),
        Table(
            caption="Waivers by justification",
            columns=["justification", *_WAIVER_STATES, "total"],
            rows=[
                [category, *(counts[state] for state in _WAIVER_STATES), sum(counts.values())]
                for category, counts in sorted(by_category.items())
            ],
            empty="no waiver readable at your clearance",
        ),
    ]
    listing = Table(
        caption="Every waiver, oldest grant first, with the finding it was granted on and where "
        "each of its reports stands",
        columns=[
            "waiver",
            "use case",
            "practice",
            "justification",
            "finding",
            "granted by",
            "granted",
            "expires",
            "state",
            "reporting",
            "marking",
        ],
        rows=[
            [
                r.id,
                f"{names.get(r.use_case_id, 'name not readable')} ({r.use_case_id})",
                r.practice_code,
                r.category,
                r.finding,
                r.created_by,
                _day(r.granted_at) + _recorded_apart(r.granted_at, r.created_at),
                _day(r.expires_at),
                states[r.id],
                "; ".join(d.text() for d in duties[r.id]) or "no report due",
                marking_of(r).banner(),
            ]
            for r in rows
        ],
        empty="no waiver readable at your clearance",
        landscape=True,
    )
    sections = [
        Section(id="summary", title="Summary", blocks=summary),
        Section(id="waivers", title="Waivers", blocks=[listing]),
    ]
    return report_for(
        "waivers",
        "Waiver summary",
        "Waivers of minimum practices granted by the chief AI officer: why, on what finding, "
        "until when, and whether each was reported",
        reading,
        sections,
        details,
    )


def _day(value: datetime) -> str:
    return _utc(value).date().isoformat()


def _in_force_within(row: WaiverRow, details: CoverDetails) -> bool:
    """Whether the waiver was in force at some time in the reporting period."""
    if details.period_to and _utc(row.granted_at).date() > details.period_to:
        return False
    ended = row.revoked_at or row.expires_at
    return not (details.period_from and _utc(ended).date() < details.period_from)


@dataclass(frozen=True)
class UseCaseRow:
    """A use case as the inventory lists it, read from the store's governance tables."""

    id: str
    name: str
    agency: str
    office: str
    classes: tuple[str, ...]
    decision: str
    practices_required: int
    practices_met: int
    risk_accepted: tuple[str, ...]
    marking_level: str
    marking_compartments: tuple[str, ...]
    risk_accepted_by: str = ""
    risk_rationale: str = ""


class StoreGovernance:
    """The governance records of a store (``clearance.governance`` writes them)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def inventory_rows(self, as_of: datetime | None) -> Iterable[InventoryRow]:
        return self.use_case_rows(as_of)

    def use_case_rows(self, as_of: datetime | None) -> Iterable[UseCaseRow]:
        """Every use case as the inventory lists it, with who accepted what risk and why."""
        # Governance's own view decides the status, so the report and `usecase show` agree.
        # An empty ledger holds no use case, so the wall clock below is never read for one.
        at = as_of or datetime.now(UTC)
        for use_case in self._store.governance.use_cases():
            view = use_case_view(self._store, use_case, at)
            required = [p for p in view.practices if p.practice.required]
            yield UseCaseRow(
                id=use_case.id,
                name=use_case.name,
                agency=use_case.agency,
                office=use_case.office,
                classes=tuple(view.classes),
                decision=view.decision.state,
                practices_required=len(required),
                practices_met=sum(1 for p in required if p.satisfied),
                risk_accepted=_accepted_risk(view.decision.decision),
                marking_level=use_case.marking_level,
                marking_compartments=tuple(use_case.marking_compartments),
                **_acceptance(view.decision.decision),
            )

    def waiver_rows(self) -> Iterable[WaiverRow]:
        return self._store.governance.waivers()

    def use_case_names(self) -> Mapping[str, str]:
        return {u.id: u.name for u in self._store.governance.use_cases()}

    def reporting(self, waiver_id: str, as_of: datetime | None) -> Sequence[ReportingDuty]:
        duties = self._store.governance.waiver_reports(waiver_id)
        return [
            ReportingDuty(
                event=duty.event,
                due_at=duty.due_at,
                reported_at=duty.reported_at,
                state=report_state(duty, as_of) if as_of else "pending",
                recorded_at=duty.recorded_at,
            )
            for duty in sorted(duties, key=lambda d: (d.event_at, d.id))
        ]


def _acceptance(decision: DecisionRecord | None) -> dict[str, str]:
    """Who accepted the open risk of the approval in force, and why; empty when none did."""
    if decision is None or decision.kind != "approve":
        return {}
    accepted = decision.pinned.get("risk_acceptance") or {}
    if not accepted:
        return {}
    return {
        "risk_accepted_by": str(accepted.get("accepted_by", "")),
        "risk_rationale": str(accepted.get("rationale", "")),
    }


def risk_acceptance_section(reading: Reading, as_of: str | None) -> Section:
    """For the annual report: the approvals in force that accept the risk of a finding that
    exceeded a threshold, with who accepted it and why, as the inventory's 'risk accepted'
    column shows them. Such use cases above the reader's clearance are counted as withheld."""
    # Only the accepting use cases are read, so the report's marking and withheld count are
    # those of what this section is about, not of every use case in the store.
    rows = StoreGovernance(reading.store).use_case_rows(_as_of(as_of))
    accepting = sorted(
        reading.keep(
            "use_case", [r for r in rows if r.risk_accepted], marking_of, Action.USECASE_READ
        ),
        key=lambda r: (r.agency, r.id),
    )
    table = Table(
        caption="Approvals in force that accept an open finding",
        columns=["use case", "name", "agency", "findings accepted", "accepted by", "rationale"],
        rows=[
            [
                r.id,
                r.name,
                r.agency,
                "; ".join(r.risk_accepted),
                r.risk_accepted_by,
                r.risk_rationale,
            ]
            for r in accepting
        ],
        empty="no approval in force accepts an open finding",
        landscape=True,
    )
    return Section(
        id="risk-acceptance",
        title="Governance: risk accepted over open findings",
        blocks=[Paragraph(text=_risk_sentence(accepting)), table],
    )


def _accepted_risk(decision: DecisionRecord | None) -> tuple[str, ...]:
    """What the newest decision, if an approval, accepted: "THRESHOLD (SEVERITY) FINDING"."""
    if decision is None or decision.kind != "approve":
        return ()
    accepted = decision.pinned.get("risk_acceptance") or {}
    return tuple(
        f"{f['threshold_id']} ({f['severity']}) {f['finding_id']}"
        for f in accepted.get("findings", [])
    )


def default_governance_source(store: Store) -> GovernanceSource:
    """The governance records of ``store``."""
    return StoreGovernance(store)
