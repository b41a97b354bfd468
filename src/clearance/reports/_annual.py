"""The annual safety report the memorandum asks for: (A) what the safety assessments of each
model found, (B) whether mitigation was needed and whether it worked, (C) whether the tools
and methods were adequate; with an executive summary and the provenance behind every figure."""

from __future__ import annotations

from collections import Counter

import clearance
from clearance.access import Principal, marking_of
from clearance.reports._approval import find_approval
from clearance.reports._bottom_line import bottom_line
from clearance.reports._cover import CoverDetails, make_cover
from clearance.reports._document import (
    AssessmentProvenance,
    Block,
    Notice,
    Paragraph,
    Provenance,
    Report,
    Section,
    Table,
)
from clearance.reports._governance import risk_acceptance_section
from clearance.reports._ledger_state import ledger_state
from clearance.reports._monitoring import monitoring_section
from clearance.reports._reading import (
    RECORD_TYPES,
    Reading,
    StoredAssessment,
    cited_runs,
    count_withheld_everywhere,
    newest_assessments,
    reader_of,
)
from clearance.reports._redteam import (
    campaign_summaries,
    red_team_agreement,
    red_team_findings,
)
from clearance.reports._sections import (
    SHOWN_VERDICTS,
    adequacy_blocks,
    adequacy_details,
    domain_verdicts,
    findings_blocks,
    ledger_section,
    lettered,
    mitigation_blocks,
    provenance_section,
    run_provenance,
    slug,
    verify_section,
    withheld_notice,
)
from clearance.store import Store
from clearance.vocabulary import DOMAINS, plural


def coverage_table(assessments: list[StoredAssessment]) -> Table:
    """The one coverage display: a row per test domain, a column per model, each cell the
    model's verdict in that domain (an underpowered "below" says so)."""
    models = [a.record.model_spec for a in assessments]
    shown = [domain_verdicts(a) for a in assessments]
    areas = {d.domain: d.area for a in assessments for d in a.domains}
    return Table(
        caption="Coverage: each model's verdict in each of the twelve test domains",
        columns=["domain", "area", *models],
        rows=[
            [domain, areas.get(domain, ""), *(v.get(domain, "not assessed") for v in shown)]
            for domain in DOMAINS
        ]
        if assessments
        else [],
        empty="no model has a stored assessment readable at your clearance",
        verdicts=models,
        landscape=len(models) > _PORTRAIT_MODELS,
    )


_PORTRAIT_MODELS = 5
"""More models than this and the coverage table goes on a landscape page."""


def _summary_section(reading: Reading, assessments: list[StoredAssessment], runs: int) -> Section:
    verdicts: Counter[str] = Counter(v for a in assessments for v in domain_verdicts(a).values())
    needed = sorted(
        f"{a.record.model_spec} ({d.domain})"
        for a in assessments
        for d in a.domains
        if d.verdict == "exceeds"
    )
    mitigations = [m for a in assessments for m in a.mitigations]
    effective = sum(m.effective for m in mitigations)
    flagged = sum(not d.adequate for a in assessments for d in a.adequacy)
    judged = sum(len(a.adequacy) for a in assessments)
    blocks: list[Block] = [
        *withheld_notice(reading.withheld_sentence()),
        Paragraph(
            text=f"This report covers {plural(len(assessments), 'model')} with a stored "
            f"assessment, resting on {plural(runs, 'completed run')} readable at your clearance. "
            "Each model is reported from its newest assessment in the reporting period."
        ),
        Paragraph(
            text="(A) Across all models and the twelve test domains: "
            + ", ".join(f"{verdicts[v]} {v}" for v in SHOWN_VERDICTS if verdicts[v])
            + ". 'Not tested' and 'inconclusive' are not passes, and neither is a 'below' that "
            "rests on too few samples."
        ),
        Paragraph(
            text="(B) Mitigation was deemed necessary in "
            + (f"{plural(len(needed), 'case')}: {', '.join(needed)}." if needed else "no case.")
            + f" {plural(len(mitigations), 'mitigation')} recorded, {effective} shown effective "
            "(paired test, Holm-corrected)."
        ),
        Paragraph(
            text=f"(C) The methods were adequate for the verdict in {judged - flagged} of "
            f"{plural(judged, 'model-domain pair')}; {flagged} flag a weakness, each named in "
            "section C."
        ),
        coverage_table(assessments),
    ]
    return Section(id="summary", title="Executive summary", blocks=blocks)


def bottom_line_section(assessments: list[StoredAssessment]) -> Section:
    """Each model's bottom line, first thing after the cover."""
    blocks: list[Block] = [bottom_line(a) for a in assessments] or [
        Notice(text="No model has a stored assessment readable at your clearance.")
    ]
    return Section(id="bottom-line", title="Bottom line", blocks=blocks)


def _per_model(
    section_id: str, title: str, assessments: list[StoredAssessment], kind: str
) -> Section:
    subsections = []
    for a in assessments:
        prefix = f"{kind}-{slug(a.record.model_spec)}"
        if kind == "findings":
            blocks = findings_blocks(a, prefix)
        elif kind == "mitigation":
            blocks = mitigation_blocks(a, prefix)
        else:
            blocks = adequacy_blocks(a)
        subsections.append(Section(id=prefix, title=a.record.model_spec, blocks=blocks))
    empty: list[Block] = (
        [Notice(text="No model has a stored assessment readable at your clearance.")]
        if not assessments
        else []
    )
    return Section(id=section_id, title=title, blocks=empty, subsections=subsections)


def assessment_provenance(a: StoredAssessment) -> AssessmentProvenance:
    """A cited assessment's identity and policy digest."""
    r = a.record
    return AssessmentProvenance(
        assessment_id=r.id,
        model_spec=r.model_spec,
        policy_name=r.policy_name,
        policy_version=r.policy_version,
        policy_sha256=r.policy_digest,
        created_at=r.created_at.isoformat(),
        created_by=r.created_by,
        marking=marking_of(r).banner(),
    )


def cited_run_ids(assessments: list[StoredAssessment]) -> list[str]:
    """Every run a finding or mitigation of these assessments rests on."""
    ids = [run_id for a in assessments for f in a.findings for run_id in f.evidence_run_ids]
    ids += [
        run_id
        for a in assessments
        for m in a.mitigations
        for run_id in (m.baseline_run_id, m.mitigated_run_id)
    ]
    return ids


def build_annual_report(
    store: Store,
    *,
    principal: Principal,
    details: CoverDetails | None = None,
) -> Report:
    """The annual safety report, from the store alone, showing only what ``principal`` may read.

    Raises :class:`clearance.access.AccessDenied` when the principal may not generate reports.
    """
    details = (details or CoverDetails()).check()
    reading = Reading(store, principal, record_types=(*RECORD_TYPES, "use_case"))
    count_withheld_everywhere(reading)
    assessments = newest_assessments(reading, within=details.within)
    runs = cited_runs(reading, cited_run_ids(assessments))
    provenance = Provenance(
        assessments=[assessment_provenance(a) for a in assessments],
        runs=[run_provenance(r) for r in runs],
    )
    ledger = ledger_state(store)
    reader = reader_of(principal)
    findings = _per_model("findings", "(A) Summary of findings", assessments, "findings")
    adequacy = _per_model("adequacy", "(C) Adequacy of tools and methods", assessments, "adequacy")
    campaigns = campaign_summaries(reading)
    findings.subsections.append(red_team_findings(campaigns))
    adequacy.subsections.append(red_team_agreement(campaigns))
    sections = [
        bottom_line_section(assessments),
        _summary_section(reading, assessments, len(runs)),
        findings,
        _per_model("mitigation", "(B) Mitigation: need and efficacy", assessments, "mitigation"),
        adequacy,
        monitoring_section(reading, within=details.within),
        risk_acceptance_section(reading, ledger.last_entry_time),
        *lettered(
            [
                adequacy_details(assessments),
                provenance_section(provenance),
                ledger_section(ledger, reader, reading.withheld_text()),
                verify_section(),
            ]
        ),
    ]
    return Report(
        kind="annual",
        title="Annual report on the safety assessments of frontier AI models",
        subtitle=f"{plural(len(assessments), 'model')} assessed against the thresholds of "
        "policy, with the need for and efficacy of mitigation and the adequacy of the methods",
        cover=make_cover(
            details,
            principal,
            ledger,
            find_approval(store, "annual", "", details, principal, ledger.tree_size),
        ),
        banner=reading.banner(),
        reader=reader,
        as_of=ledger.last_entry_time,
        ledger=ledger,
        withheld=reading.withheld_list(),
        sections=sections,
        provenance=provenance,
        clearance_version=clearance.__version__,
    )
