"""Inventory exports: the Framework's annual inventory of high-impact (and federal-personnel-
impacting) AI, as JSON and CSV, and the 2024 OMB use-case inventory CSV."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from clearance.access import Action, Principal, require_permission
from clearance.governance._context import moment
from clearance.governance._intake import appendix_i_impact
from clearance.governance._omb import OmbSpec, omb_spec
from clearance.governance._rules import default_rules
from clearance.governance._views import UseCaseView, list_use_cases
from clearance.governance._waivers import WaiverCounts, waiver_counts
from clearance.spreadsheet import SafeCsvWriter
from clearance.store import Store


class InventoryPractice(BaseModel):
    """A practice's status as inventoried."""

    code: str
    title: str
    state: str
    waiver_id: str | None


class InventoryWaiver(BaseModel):
    """A waiver as inventoried."""

    id: str
    practice: str
    category: str
    granted_at: datetime
    expires_at: datetime
    state: str


class InventoryEntry(BaseModel):
    """One high-impact or federal-personnel-impacting use case in the annual inventory."""

    id: str
    name: str
    agency: str
    office: str
    description: str
    purpose_and_benefits: str
    outputs: str
    stage: str
    classes: list[str]
    rules_fired: list[str]
    risks_identified: list[str]
    """The risks the classification found: each fired rule's title and place in the text."""
    risks_and_mitigations: str
    """The agency's own statement of the risks and how it manages them."""
    missing: list[str]
    """What the Framework's inventory must hold for this use and the intake does not say."""
    override_justification: str | None
    affected: list[str]
    human_oversight: str
    decision: str
    approved_at: datetime | None
    review_due: datetime | None
    practices: list[InventoryPractice]
    waivers: list[InventoryWaiver]
    incidents: int
    marking: str


class FrameworkInventory(BaseModel):
    """The annual inventory: high-impact uses, how their risks are managed, waiver counts."""

    framework: str
    rules_version: str
    generated_at: datetime
    marking: str
    withheld: int
    """Use cases above the exporter's clearance, left out."""
    use_cases: list[InventoryEntry]
    totals: dict[str, int]
    waivers: WaiverCounts


def _missing(view: UseCaseView) -> list[str]:
    """The Framework's inventory holds "at least a description of each included AI use case,
    its purpose and intended benefits, and the risks that such use poses and how the agency is
    managing those risks": what of that the intake leaves unsaid."""
    gaps = []
    if not view.intake.description.strip():
        gaps.append("description (intake field description)")
    if not view.intake.risks_and_mitigations.strip():
        gaps.append("the risks and how they are managed (intake field risks_and_mitigations)")
    return gaps


def _entry(view: UseCaseView) -> InventoryEntry:
    classification = view.classification
    fired = classification.fired if classification else []
    in_force = [f for f in fired if f["risk_class"] in view.classes]
    decision = view.decision
    approved = (
        decision.decision.created_at
        if decision.decision and decision.decision.kind == "approve"
        else None
    )
    return InventoryEntry(
        id=view.use_case.id,
        name=view.use_case.name,
        agency=view.intake.agency,
        office=view.intake.office,
        description=view.intake.description,
        purpose_and_benefits=view.intake.purpose_and_benefits,
        outputs=view.intake.outputs,
        stage=view.intake.stage,
        classes=view.classes,
        rules_fired=[f["id"] for f in fired],
        risks_identified=[f"{f['title']} ({f['citation']})" for f in in_force],
        risks_and_mitigations=view.intake.risks_and_mitigations,
        missing=_missing(view),
        override_justification=(
            classification.override["justification"]
            if classification and classification.override
            else None
        ),
        affected=list(view.intake.affected),
        human_oversight=view.intake.human_oversight.level,
        decision=decision.state,
        approved_at=approved,
        review_due=decision.review_due,
        practices=[
            InventoryPractice(
                code=p.practice.code,
                title=p.practice.title,
                state=p.state,
                waiver_id=p.waiver_id,
            )
            for p in view.practices
            if p.practice.required
        ],
        waivers=[
            InventoryWaiver(
                id=w.waiver.id,
                practice=w.waiver.practice_code,
                category=w.waiver.category,
                granted_at=w.waiver.granted_at,
                expires_at=w.waiver.expires_at,
                state=w.state,
            )
            for w in view.waivers
        ],
        incidents=view.incidents,
        marking=f"{view.use_case.marking_level}"
        + "".join(f"//{c}" for c in view.use_case.marking_compartments),
    )


def framework_inventory(
    store: Store, *, principal: Principal, now: datetime | None = None
) -> FrameworkInventory:
    """The annual high-impact inventory, of the use cases the principal may read."""
    require_permission(principal, Action.REPORT_GENERATE)
    at = moment(now)
    views = list_use_cases(store, principal=principal, now=at)
    inventoried = [
        v for v in views if {"high_impact", "federal_personnel_impacting"} & set(v.classes)
    ]
    every = list(views)
    totals = {
        "use_cases": len(every),
        "high_impact": sum(1 for v in every if "high_impact" in v.classes),
        "federal_personnel_impacting": sum(
            1 for v in every if "federal_personnel_impacting" in v.classes
        ),
        "prohibited": sum(1 for v in every if "prohibited" in v.classes),
        "approved": sum(1 for v in inventoried if v.decision.state == "approved"),
        "needs_re_review": sum(1 for v in inventoried if v.decision.state == "needs re-review"),
    }
    rules = default_rules()
    return FrameworkInventory(
        framework=rules.rules.source or rules.rules.name,
        rules_version=rules.rules.version,
        generated_at=at,
        marking=views.banner.banner(),
        withheld=views.withheld,
        use_cases=[_entry(v) for v in inventoried],
        totals=totals,
        waivers=waiver_counts(store, principal=principal, now=at),
    )


FRAMEWORK_CSV_COLUMNS = (
    "id",
    "name",
    "agency",
    "office",
    "classes",
    "rules_fired",
    "stage",
    "purpose_and_benefits",
    "outputs",
    "affected",
    "human_oversight",
    "decision",
    "approved_at",
    "review_due",
    "practices_implemented",
    "practices_waived",
    "practices_outstanding",
    "active_waivers",
    "incidents",
    "marking",
    "description",
    "risks_identified",
    "risks_and_mitigations",
    "missing",
)


def framework_inventory_csv(inventory: FrameworkInventory) -> str:
    """The annual inventory as CSV, one row per use case, between two rows of its banner (the
    totals and waiver counts are in the JSON export, which has a place for them)."""
    out = io.StringIO()
    writer = SafeCsvWriter(out, lineterminator="\n")
    writer.banner(inventory.marking)
    writer.writerow(FRAMEWORK_CSV_COLUMNS)
    for e in inventory.use_cases:
        states = [p.state for p in e.practices]
        writer.writerow(
            [
                e.id,
                e.name,
                e.agency,
                e.office,
                "; ".join(e.classes),
                "; ".join(e.rules_fired),
                e.stage,
                e.purpose_and_benefits,
                e.outputs,
                "; ".join(e.affected),
                e.human_oversight,
                e.decision,
                e.approved_at.isoformat() if e.approved_at else "",
                e.review_due.isoformat() if e.review_due else "",
                states.count("implemented"),
                states.count("waived"),
                sum(1 for s in states if s in ("not_started", "in_progress")),
                sum(1 for w in e.waivers if w.state == "active"),
                e.incidents,
                e.marking,
                e.description,
                "; ".join(e.risks_identified),
                e.risks_and_mitigations,
                "; ".join(e.missing),
            ]
        )
    writer.banner(inventory.marking)
    return out.getvalue()


# -- the 2024 OMB inventory ------------------------------------------------------------------

_STAGES = {
    "initiated": "Initiated",
    "acquisition_and_development": "Acquisition and/or Development",
    "implementation_and_assessment": "Implementation and Assessment",
    "operation_and_maintenance": "Operation and Maintenance",
    "retired": "Retired",
}
_DEVELOPMENT = {
    "contracted": "Developed with contracting resources.",
    "in_house": "Developed in-house.",
    "both": "Developed with both contracting and in-house resources.",
}
_DEMOGRAPHICS = {
    "race_ethnicity": "Race/Ethnicity",
    "sex_gender": "Sex/Gender",
    "age": "Age",
    "religious_affiliation": "Religious Affiliation",
    "socioeconomic_status": "Socioeconomic Status",
    "disability_status": "Disability Status",
    "sexual_orientation": "Sexual Orientation",
    "other": "Other",
}


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _impact(view: UseCaseView) -> str:
    classification = view.classification
    if classification is None or not classification.classes:
        return "Neither"
    said = {
        f["omb_impact"] for f in classification.fired if f["risk_class"] in classification.classes
    }
    kinds = said - {"by_activity"}
    if "by_activity" in said:
        # M-24-10 Appendix I lists safety-impacting and rights-impacting purposes: the use's
        # own activities say which.
        kinds |= {appendix_i_impact(a) for a in view.intake.appendix_i_activities}
    if not kinds:
        kinds = {"rights"}
    if kinds == {"rights", "safety"}:
        return "Both"
    return "Rights-Impacting" if kinds == {"rights"} else "Safety-Impacting"


def _practice_answer(code: str) -> Callable[[UseCaseView], str]:
    def answer(view: UseCaseView) -> str:
        for p in view.practices:
            if p.practice.code == code and p.practice.required:
                return {"implemented": "Yes", "waived": "Waived"}.get(p.state, "No")
        return "N/A"

    return answer


def _date(spec: OmbSpec, value: date | None) -> str:
    return value.strftime(spec.date_format) if value else ""


def _omb_columns(spec: OmbSpec) -> dict[str, Callable[[UseCaseView], str]]:
    sep = spec.list_separator
    return {
        "Use Case Name": lambda v: v.intake.name,
        "Agency": lambda v: v.intake.agency,
        "Bureau/Component": lambda v: v.intake.office,
        "Topic Area": lambda v: v.intake.omb.topic_area,
        "Intended Purpose and Expected Benefits": lambda v: v.intake.purpose_and_benefits,
        "AI System Outputs": lambda v: v.intake.outputs,
        "Stage of Development": lambda v: _STAGES[v.intake.stage],
        "Is the AI use case rights-impacting, safety-impacting, or both?": _impact,
        "Date Initiated": lambda v: _date(spec, v.intake.omb.date_initiated),
        "Date when Acquisition and/or Development began": lambda v: _date(
            spec, v.intake.omb.date_acquisition_began
        ),
        "Date Implemented": lambda v: _date(spec, v.intake.omb.date_implemented),
        "Date Retired": lambda v: _date(spec, v.intake.omb.date_retired),
        "Was the AI system involved in this use case developed (or is it to be developed) "
        "under contract(s) or in-house?": lambda v: _DEVELOPMENT[v.intake.omb.development_method],
        "Provide the Procurement Instrument Identifier(s) (PIID) of the contract(s) used.": (
            lambda v: sep.join(v.intake.omb.contract_piids)
        ),
        "Is this AI use case supporting a High-Impact Service Provider (HISP) public-facing "
        "service?": lambda v: _yes(v.intake.omb.supports_hisp_service),
        "Does this AI use case disseminate information to the public?": lambda v: _yes(
            v.intake.omb.disseminates_to_public
        ),
        "Does this AI use case involve personally identifiable information (PII) that is "
        "maintained by the agency?": lambda v: _yes(v.intake.data.personal_data),
        "Has the Senior Agency Official for Privacy (SAOP) assessed the privacy risks "
        "associated with this AI use case?": lambda v: _yes(v.intake.omb.saop_assessed),
        "Which, if any, demographic variables does the AI use case explicitly use as model "
        "features?": lambda v: (
            sep.join(_DEMOGRAPHICS[d] for d in v.intake.data.demographic_features) or "None"
        ),
        "Does this project include custom-developed code?": lambda v: _yes(
            v.intake.omb.custom_code
        ),
        "Does this AI use case have an associated Authority to Operate (ATO) for an AI system?": (
            lambda v: _yes(v.intake.omb.has_ato)
        ),
        "System Name": lambda v: v.intake.omb.system_name or "",
        "Has an AI impact assessment been completed?": _practice_answer("impact-assessment"),
        "Has the AI been tested for performance in a real-world context?": _practice_answer(
            "realistic-testing"
        ),
        "Has an independent evaluation of the AI been conducted?": _practice_answer(
            "independent-evaluation"
        ),
        "Is there a process to monitor performance of the AI system's functionality and "
        "changes to its impact on rights and safety?": _practice_answer("ongoing-monitoring"),
    }


def omb_columns_covered() -> tuple[list[str], list[str]]:
    """(spec columns with no writer, writers with no spec column): both empty when the writer
    and the pinned field list agree."""
    spec = omb_spec()
    writers = _omb_columns(spec)
    return (
        [c for c in spec.columns if c not in writers],
        [c for c in writers if c not in spec.columns],
    )


def omb_rows(views: Sequence[UseCaseView]) -> list[list[str]]:
    """The OMB inventory's rows for ``views``, in the spec's column order."""
    spec = omb_spec()
    writers = _omb_columns(spec)
    missing, _ = omb_columns_covered()
    if missing:
        raise RuntimeError(f"no writer for OMB columns: {', '.join(missing)}")
    return [[writers[c](v) for c in spec.columns] for v in views]


def omb_inventory_csv(store: Store, *, principal: Principal, now: datetime | None = None) -> str:
    """The 2024 OMB use-case inventory of every use case the principal may read, as CSV with
    the pinned column names and allowed values, between two rows of its banner (the highest
    marking of the use cases it lists)."""
    require_permission(principal, Action.REPORT_GENERATE)
    views = list_use_cases(store, principal=principal, now=now)
    out = io.StringIO()
    writer = SafeCsvWriter(out, lineterminator="\n")
    writer.banner(views.banner.banner())
    writer.writerow(omb_spec().columns)
    writer.writerows(omb_rows(list(views)))
    writer.banner(views.banner.banner())
    return out.getvalue()


def inventory_json(inventory: FrameworkInventory) -> dict[str, Any]:
    """The annual inventory as a JSON document."""
    return inventory.model_dump(mode="json")
