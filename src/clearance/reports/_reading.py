"""What a report may show its reader: the stored records they are cleared for, in a stable
order, with counts of what was withheld and the join of the markings of what is shown."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from clearance.access import (
    Action,
    Filtered,
    Marking,
    Principal,
    join_markings,
    marking_of,
    readable,
    require_permission,
)
from clearance.assess import DomainAdequacy, DomainSummary, MitigationEfficacy
from clearance.reports._document import Reader, Withheld
from clearance.reports._errors import ReportError
from clearance.store import (
    AssessmentRecord,
    FindingRecord,
    RunNotFoundError,
    RunRecord,
    Store,
)

T = TypeVar("T")

RECORD_TYPES = ("assessment", "finding", "mitigation", "run")
"""The record types a report counts when it withholds some, in the order it states them."""


def reader_of(principal: Principal) -> Reader:
    """Who the report is for, as it states it."""
    return Reader(id=principal.id, name=principal.name, clearance=principal.clearance_banner())


@dataclass
class Reading:
    """A reader's view of the store, accumulating what was shown and what was withheld."""

    store: Store
    principal: Principal
    record_types: tuple[str, ...] = RECORD_TYPES
    shown: list[Marking] = field(default_factory=list)
    withheld: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require_permission(self.principal, Action.REPORT_GENERATE)
        self.withheld = dict.fromkeys(self.record_types, 0)

    def keep(
        self,
        record_type: str,
        records: Iterable[T],
        marking: Callable[[T], Marking],
        action: Action,
        *,
        count_withheld: bool = True,
    ) -> list[T]:
        """The records the reader may read; the rest counted (once) as withheld."""
        filtered: Filtered[T] = readable(self.principal, records, marking, action=action)
        if count_withheld:
            self.withheld[record_type] += filtered.withheld
        self.shown.extend(marking(r) for r in filtered.items)
        return list(filtered.items)

    def banner(self) -> str:
        """The join of every marking shown so far."""
        return join_markings(self.shown).banner()

    def withheld_list(self) -> list[Withheld]:
        return [Withheld(record_type=t, count=self.withheld[t]) for t in self.record_types]

    def withheld_text(self) -> str:
        """ "1 assessment, 12 findings" or "nothing"."""
        return self._withheld_parts() or "nothing"

    def _withheld_parts(self) -> str:
        return ", ".join(
            f"{n} {t.replace('_', ' ')}{'' if n == 1 else 's'}"
            for t in self.record_types
            if (n := self.withheld[t])
        )

    def withheld_sentence(self) -> str | None:
        """ "Withheld by your clearance: 1 assessment, 12 findings." or None."""
        parts = self._withheld_parts()
        if not parts:
            return None
        return (
            "Withheld because they are marked above your clearance or outside your "
            f"compartments: {parts}. They are not counted in any figure below."
        )


@dataclass(frozen=True)
class StoredAssessment:
    """A stored assessment with its findings and the summary parsed back into typed parts."""

    record: AssessmentRecord
    findings: list[FindingRecord]
    domains: list[DomainSummary]
    adequacy: list[DomainAdequacy]
    mitigations: list[MitigationEfficacy]
    withheld_runs: int


def _summary_part(record: AssessmentRecord, key: str) -> list[dict[str, object]]:
    value = record.summary.get(key)
    if not isinstance(value, list):
        raise ReportError(
            f"assessment {record.id} has no {key!r} list in its stored summary; it was made by "
            "an older Clearance: assess the model again (`clearance assess MODEL`)"
        )
    return value


def load_assessment(reading: Reading, record: AssessmentRecord) -> StoredAssessment:
    """Parse ``record``'s summary and read its findings (those the reader may read)."""
    findings = reading.keep(
        "finding",
        reading.store.findings.findings(assessment_id=record.id),
        marking_of,
        Action.FINDING_READ,
    )
    findings.sort(key=lambda f: f.id)
    mitigations = [
        MitigationEfficacy.model_validate(m) for m in _summary_part(record, "mitigations")
    ]
    visible_mitigations = _visible_mitigations(reading, mitigations)
    return StoredAssessment(
        record=record,
        findings=findings,
        domains=[DomainSummary.model_validate(d) for d in _summary_part(record, "domains")],
        adequacy=[DomainAdequacy.model_validate(d) for d in _summary_part(record, "adequacy")],
        mitigations=visible_mitigations,
        withheld_runs=int(record.summary.get("withheld_runs") or 0),
    )


def _visible_mitigations(
    reading: Reading, mitigations: Sequence[MitigationEfficacy]
) -> list[MitigationEfficacy]:
    # The assessment's marking covers its mitigations when it was made; a mitigation re-marked
    # since is checked again, and withheld (counted with all withheld mitigations) if need be.
    records = {r.id: r for r in reading.store.mitigations.newest()}
    kept = []
    for item in mitigations:
        record = records.get(item.mitigation_id)
        if record is None:
            raise ReportError(
                f"mitigation {item.mitigation_id}, cited by an assessment, is not in the store"
            )
        if reading.keep(
            "mitigation", [record], marking_of, Action.MITIGATION_READ, count_withheld=False
        ):
            kept.append(item)
    return sorted(kept, key=lambda m: (m.task_name, m.mitigation_id))


def newest_assessments(
    reading: Reading,
    model_spec: str | None = None,
    within: Callable[[datetime], bool] | None = None,
) -> list[StoredAssessment]:
    """Each model's newest assessment (made ``within`` the reporting period, when given), by
    model spec, where the reader may read it."""
    newest: dict[str, AssessmentRecord] = {}
    for record in reading.store.findings.assessments(model_spec):
        if within is None or within(record.created_at):
            newest.setdefault(record.model_spec, record)
    current = [newest[spec] for spec in sorted(newest)]
    hidden_findings = 0
    visible = reading.keep("assessment", current, marking_of, Action.FINDING_READ)
    for record in current:
        if record not in visible:
            hidden_findings += len(reading.store.findings.findings(assessment_id=record.id))
    reading.withheld["finding"] += hidden_findings
    return [load_assessment(reading, record) for record in visible]


def count_withheld_everywhere(reading: Reading) -> None:
    """Count the store's runs and mitigations the reader may not read (shown nowhere)."""
    runs = readable(
        reading.principal, reading.store.runs.newest(), marking_of, action=Action.RUN_READ
    )
    reading.withheld["run"] += runs.withheld
    mitigations = readable(
        reading.principal,
        reading.store.mitigations.newest(),
        marking_of,
        action=Action.MITIGATION_READ,
    )
    reading.withheld["mitigation"] += mitigations.withheld


def cited_runs(reading: Reading, run_ids: Iterable[str]) -> list[RunRecord]:
    """The runs behind the report's figures that the reader may read, by id.

    Withheld runs are not counted here: :func:`count_withheld_everywhere` counts every run."""
    runs = []
    for run_id in sorted(set(run_ids)):
        try:
            runs.append(reading.store.runs.resolve(run_id))
        except RunNotFoundError as exc:
            raise ReportError(f"run {run_id}, cited by a finding or mitigation: {exc}") from exc
    return reading.keep("run", runs, marking_of, Action.RUN_READ, count_withheld=False)
