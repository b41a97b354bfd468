"""Report parts shared by the annual and the model report: findings, mitigations, adequacy,
provenance and the ledger checkpoint, each built from stored records only."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from clearance.access import marking_of
from clearance.assess import elicitation_sentences
from clearance.reports._charts import (
    BeforeAfter,
    ScorePoint,
    before_after_chart,
    finite_or_none,
    scores_chart,
)
from clearance.reports._document import (
    UNDERPOWERED,
    Block,
    Cell,
    Figure,
    LedgerState,
    Notice,
    Paragraph,
    Provenance,
    Reader,
    RunProvenance,
    Section,
    Table,
    words_date,
)
from clearance.reports._reading import StoredAssessment
from clearance.store import FindingRecord, RunRecord
from clearance.vocabulary import plural

FINDING_COLUMNS = [
    "finding",
    "domain",
    "benchmark",
    "metric",
    "value",
    "95% low",
    "95% high",
    "n",
    "threshold",
    "exceeds when",
    "severity",
    "verdict",
]
DOMAIN_COLUMNS = ["domain", "area", "verdict", "severity", "benchmarks"]
EFFICACY_COLUMNS = [
    "mitigation",
    "kind",
    "task",
    "metric",
    "better",
    "before",
    "after",
    "change",
    "95% low",
    "95% high",
    "n",
    "method",
    "p",
    "p (Holm)",
    "family",
    "effective",
]
NEED_COLUMNS = ["domain", "verdict", "mitigation needed", "why"]
ADEQUACY_COLUMNS = ["domain", "check", "benchmark", "figure", "flagged", "sentence"]
RUN_COLUMNS = ["run", "task", "model", "version", "scorers", "clearance", "finished", "marking"]
DIGEST_COLUMNS = ["record", "of", "sha256"]
SHORT_DIGEST = 12
"""Hex digits of a digest shown in the body; the provenance appendix gives all 64."""

SHOWN_VERDICTS = ("exceeds", "inconclusive", "not tested", UNDERPOWERED, "below", "no threshold")
"""Every verdict as the report shows it, most serious first."""
_NEED = {
    "exceeds": "yes",
    "inconclusive": "undetermined",
    "not tested": "unknown",
    "below": "no",
    "no threshold": "not judged",
}
_NEED_WHY = {
    "exceeds": "the interval lies wholly past the threshold",
    "inconclusive": "the interval straddles the threshold: not a pass",
    "not tested": "no completed run: nothing is known, which is not a pass",
    "below": "the interval lies wholly short of the threshold",
    "no threshold": "the policy sets no threshold for this domain",
}


def slug(text: str) -> str:
    """An anchor-safe form of ``text``: lower case letters, digits and single dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def figure_text(value: float | None) -> str:
    """A figure as sentences state it (three decimals), or "undefined"."""
    return "undefined" if value is None else f"{value:.3f}"


def short_digest(digest: str | None) -> str:
    """A digest as the body shows it: its first hex digits and an ellipsis."""
    if not digest:
        return "none"
    return digest if len(digest) <= SHORT_DIGEST else digest[:SHORT_DIGEST] + "…"


def short_id(record_id: str | None, parent: str) -> str | None:
    """A child record's id without its parent's prefix ("…-003" of assessment ``parent``)."""
    if record_id and record_id.startswith(parent + "-"):
        return "…" + record_id[len(parent) :]
    return record_id


def underpowered_findings(assessment: StoredAssessment) -> set[tuple[str, str | None]]:
    """(threshold id, run id) of each "below" whose sample-size check is flagged: too few
    samples to rely on (the adequacy checks say so, with the size that would)."""
    return {
        (c.threshold_id, c.run_id)
        for d in assessment.adequacy
        for c in d.checks
        if c.check == "sample_size" and c.flagged and c.threshold_id is not None
    }


def finding_verdict(finding: FindingRecord, weak: set[tuple[str, str | None]]) -> str:
    """A finding's verdict as the report shows it."""
    if finding.verdict == "below" and (finding.threshold_id, finding.run_id) in weak:
        return UNDERPOWERED
    return finding.verdict


def domain_verdicts(assessment: StoredAssessment) -> dict[str, str]:
    """Each domain's verdict as the report shows it: an underpowered "below" says so."""
    weak = underpowered_findings(assessment)
    weak_domains = {
        f.domain for f in assessment.findings if finding_verdict(f, weak) == UNDERPOWERED
    }
    return {
        d.domain: UNDERPOWERED if d.verdict == "below" and d.domain in weak_domains else d.verdict
        for d in assessment.domains
    }


# -- (A) findings ------------------------------------------------------------------------------


def findings_table(assessment: StoredAssessment) -> Table:
    """Every stored finding of the assessment: value, interval, threshold and verdict."""
    weak = underpowered_findings(assessment)
    rows: list[list[Cell]] = [
        [
            short_id(f.id, assessment.record.id),
            f.domain,
            f.benchmark,
            f.metric,
            f.value,
            f.ci_low,
            f.ci_high,
            f.n,
            f.threshold,
            f.direction,
            f.severity,
            finding_verdict(f, weak),
        ]
        for f in assessment.findings
    ]
    return Table(
        caption=f"Findings of assessment {assessment.record.id}: each threshold of policy "
        f"{assessment.record.policy_name} {assessment.record.policy_version} held against the "
        "95% interval of the run that measures it",
        columns=FINDING_COLUMNS,
        rows=rows,
        empty="no findings readable at your clearance",
        verdicts=["verdict"],
        landscape=True,
    )


def domains_table(assessment: StoredAssessment) -> Table:
    """The twelve domains with each one's most serious verdict; untested ones say so."""
    shown = domain_verdicts(assessment)
    return Table(
        caption="Each test domain's most serious verdict ('not tested' where no run exists)",
        columns=DOMAIN_COLUMNS,
        rows=[
            [d.domain, d.area, shown[d.domain], d.severity, ", ".join(d.benchmarks) or "none"]
            for d in assessment.domains
        ],
        verdicts=["verdict"],
    )


def scores_figure(assessment: StoredAssessment, prefix: str) -> Figure | None:
    """The findings' scores with their intervals against the thresholds, as a chart."""
    weak = underpowered_findings(assessment)
    points = [_score_point(f, weak) for f in assessment.findings if f.value is not None]
    if not points:
        return None
    described = "; ".join(
        f"{p.label}: {figure_text(p.value)} "
        f"({figure_text(p.ci_low)}-{figure_text(p.ci_high)}) against "
        f"{figure_text(p.threshold)}, {p.verdict}"
        for p in points
    )
    return Figure(
        caption=f"Scores with 95% intervals against thresholds: {assessment.record.model_spec}",
        alt=described,
        svg=scores_chart(points, prefix),
    )


def _score_point(finding: FindingRecord, weak: set[tuple[str, str | None]]) -> ScorePoint:
    verdict = finding_verdict(finding, weak)
    label = f"{finding.domain} · {finding.benchmark or finding.threshold_id}"
    return ScorePoint(
        label=label,
        value=finite_or_none(finding.value),
        ci_low=finite_or_none(finding.ci_low),
        ci_high=finite_or_none(finding.ci_high),
        threshold=finding.threshold,
        verdict=verdict,
    )


def findings_blocks(assessment: StoredAssessment, prefix: str) -> list[Block]:
    """(A) for one model: the assessment, the domain table, the chart, the findings, and one
    sentence per tested domain (the untested ones named together)."""
    record = assessment.record
    shown = domain_verdicts(assessment)
    counts = Counter(shown.values())
    tally = ", ".join(f"{counts[v]} {v}" for v in SHOWN_VERDICTS if counts[v])
    untested = [d.domain for d in assessment.domains if d.verdict == "not tested"]
    blocks: list[Block] = [
        Paragraph(
            text=f"Assessment {record.id}, made {words_date(record.created_at.isoformat())} by "
            f"{record.created_by} against policy {record.policy_name} {record.policy_version} "
            f"(policy SHA-256 {short_digest(record.policy_digest)}; all 64 digits in the "
            f"provenance appendix). Across the twelve domains: {tally}."
        ),
        domains_table(assessment),
    ]
    figure = scores_figure(assessment, prefix)
    if figure is not None:
        blocks.append(figure)
    blocks.append(findings_table(assessment))
    blocks.extend(
        Paragraph(text=d.sentence) for d in assessment.domains if d.verdict != "not tested"
    )
    blocks.extend(Paragraph(text=s) for s in elicitation_sentences(assessment.domains))
    if untested:
        blocks.append(
            Paragraph(
                text=f"Not tested ({plural(len(untested), 'domain')}, no completed run, which "
                f"is not a pass): {', '.join(untested)}."
            )
        )
    if assessment.withheld_runs:
        blocks.append(
            Notice(
                tone="warning",
                text=f"When this assessment was made, {plural(assessment.withheld_runs, 'run')} "
                "of this model lay outside the assessor's clearance and were not counted.",
            )
        )
    return blocks


# -- (B) mitigation ---------------------------------------------------------------------------


def need_table(assessment: StoredAssessment) -> Table:
    """Whether mitigation was deemed necessary in each domain, from its verdict."""
    shown = domain_verdicts(assessment)
    return Table(
        caption="Mitigation deemed necessary where a domain's interval lies wholly past its "
        "threshold; undetermined where it straddles it",
        columns=NEED_COLUMNS,
        rows=[
            [d.domain, shown[d.domain], _NEED[d.verdict], _NEED_WHY[d.verdict]]
            for d in assessment.domains
        ],
        verdicts=["verdict"],
    )


def efficacy_table(assessment: StoredAssessment) -> Table:
    """Each mitigation's paired statistics: before, after, change, interval, p, Holm's p."""
    return Table(
        caption="Mitigation efficacy: paired comparison of the baseline and mitigated runs on "
        "the same samples, Holm-corrected across the mitigations judged together",
        columns=EFFICACY_COLUMNS,
        rows=[
            [
                m.mitigation_id,
                m.kind,
                m.task_name,
                m.metric,
                m.better,
                m.baseline_value,
                m.mitigated_value,
                m.effect,
                m.ci_low,
                m.ci_high,
                m.n,
                m.method,
                m.p_value,
                m.p_adjusted,
                m.family_size,
                "yes" if m.effective else "no",
            ]
            for m in assessment.mitigations
        ],
        empty="no mitigation recorded for this model",
        landscape=True,
    )


def before_after_figure(assessment: StoredAssessment, prefix: str) -> Figure | None:
    """Each mitigation's metric before and after, against its domain's threshold."""
    if not assessment.mitigations:
        return None
    thresholds = {(f.domain, f.metric): f.threshold for f in assessment.findings}
    items = [
        BeforeAfter(
            label=f"{m.task_name} ({m.kind.replace('_', ' ')})",
            before=m.baseline_value,
            after=m.mitigated_value,
            threshold=thresholds.get((m.domain or "", m.metric)),
            effective=m.effective,
        )
        for m in assessment.mitigations
    ]
    return Figure(
        caption=f"Before and after mitigation: {assessment.record.model_spec}",
        alt="; ".join(
            f"{i.label}: {figure_text(i.before)} before, {figure_text(i.after)} after"
            + ("" if i.threshold is None else f", threshold {figure_text(i.threshold)}")
            for i in items
        ),
        svg=before_after_chart(items, prefix),
    )


def mitigation_blocks(assessment: StoredAssessment, prefix: str) -> list[Block]:
    """(B) for one model: where mitigation was needed, and whether what was done worked."""
    needed = [d.domain for d in assessment.domains if d.verdict == "exceeds"]
    open_ = [d.domain for d in assessment.domains if d.verdict == "inconclusive"]
    effective = [m for m in assessment.mitigations if m.effective]
    need_text = (
        f"Mitigation was deemed necessary in {plural(len(needed), 'domain')}: {', '.join(needed)}."
        if needed
        else "No domain's result lies wholly past its threshold, so no mitigation was deemed "
        "necessary on the evidence."
    )
    if open_:
        need_text += (
            f" In {plural(len(open_), 'domain')} ({', '.join(open_)}) the need is undetermined: "
            "the interval straddles the threshold."
        )
    blocks: list[Block] = [
        Paragraph(text=need_text),
        need_table(assessment),
        Paragraph(
            text=f"{plural(len(assessment.mitigations), 'mitigation')} recorded; "
            f"{len(effective)} shown effective."
        ),
        efficacy_table(assessment),
    ]
    figure = before_after_figure(assessment, prefix)
    if figure is not None:
        blocks.append(figure)
    blocks.extend(Paragraph(text=m.sentence) for m in assessment.mitigations)
    return blocks


# -- (C) adequacy -----------------------------------------------------------------------------


def adequacy_blocks(assessment: StoredAssessment) -> list[Block]:
    """(C) for one model: one sentence per domain, naming its decisive weakness and how many
    samples would settle it; every check, with its figure, is in the adequacy appendix."""
    flagged = [d.domain for d in assessment.adequacy if not d.adequate]
    intro = (
        f"The methods were adequate for the verdict in {len(assessment.adequacy) - len(flagged)} "
        f"of {len(assessment.adequacy)} domains"
        + (f"; weaknesses are flagged in {', '.join(flagged)}." if flagged else ".")
        + " Every check, with the figure behind it, is listed in the adequacy appendix."
    )
    return [Paragraph(text=intro), *(Paragraph(text=d.sentence) for d in assessment.adequacy)]


def _check_figure(check: str, figure: float | None) -> Cell:
    """A check's figure as a cell: a sample size is a count, not a three-decimal rate."""
    if check == "sample_size" and figure is not None and figure.is_integer():
        return int(figure)
    return figure


def adequacy_details(assessments: Sequence[StoredAssessment]) -> Section:
    """Appendix: every adequacy check of every model, with the figure behind its sentence."""
    subsections = [
        Section(
            id=f"adequacy-details-{slug(a.record.model_spec)}",
            title=a.record.model_spec,
            blocks=[
                Table(
                    caption="Every adequacy check, with the figure behind its sentence",
                    columns=ADEQUACY_COLUMNS,
                    rows=[
                        [
                            d.domain,
                            c.check.replace("_", " "),
                            c.benchmark,
                            _check_figure(c.check, c.figure),
                            "yes" if c.flagged else "no",
                            c.sentence,
                        ]
                        for d in a.adequacy
                        for c in d.checks
                    ],
                )
            ],
        )
        for a in assessments
    ]
    empty: list[Block] = [] if assessments else [Notice(text="No assessment to detail.")]
    return Section(
        id="appendix-adequacy",
        title="Adequacy checks in detail",
        blocks=empty,
        subsections=subsections,
    )


# -- appendices -------------------------------------------------------------------------------


def run_provenance(run: RunRecord) -> RunProvenance:
    """A cited run's digests and versions, from its stored provenance."""
    p = run.provenance
    model, dataset, task = p.get("model") or {}, p.get("dataset") or {}, p.get("task") or {}
    return RunProvenance(
        run_id=run.id,
        task=run.task_name,
        model_spec=str(model.get("spec", "")),
        model_version=model.get("version"),
        weights_sha256=model.get("weights_sha256"),
        dataset_sha256=dataset.get("digest"),
        task_sha256=task.get("digest"),
        scorers=[str(s) for s in p.get("scorers") or []],
        clearance_version=p.get("clearance_version"),
        created_at=run.created_at.isoformat(),
        finished_at=run.finished_at.isoformat() if run.finished_at else None,
        marking=marking_of(run).banner(),
    )


def provenance_section(provenance: Provenance) -> Section:
    """Appendix: the assessments and runs cited, and every digest that pins them in full."""
    assessments = Table(
        caption="Assessments cited, with the policy each applied",
        columns=["assessment", "model", "policy", "version", "made", "by", "marking"],
        rows=[
            [
                a.assessment_id,
                a.model_spec,
                a.policy_name,
                a.policy_version,
                a.created_at,
                a.created_by,
                a.marking,
            ]
            for a in provenance.assessments
        ],
        empty="no assessment cited",
    )
    runs = Table(
        caption="Runs cited",
        columns=RUN_COLUMNS,
        rows=[
            [
                r.run_id,
                r.task,
                r.model_spec,
                r.model_version,
                ", ".join(r.scorers),
                r.clearance_version,
                r.finished_at,
                r.marking,
            ]
            for r in provenance.runs
        ],
        empty="no run cited",
    )
    digests = Table(
        caption="SHA-256 digests that pin what was measured (DESIGN rule 3): the policy of each "
        "assessment; the dataset, task definition and weights of each run",
        columns=DIGEST_COLUMNS,
        rows=[
            *([a.assessment_id, "policy", a.policy_sha256] for a in provenance.assessments),
            *(
                [r.run_id, what, digest]
                for r in provenance.runs
                for what, digest in (
                    ("dataset", r.dataset_sha256),
                    ("task", r.task_sha256),
                    ("weights", r.weights_sha256),
                )
                if digest
            ),
        ],
        empty="no digest cited",
    )
    return Section(
        id="appendix-provenance", title="Provenance", blocks=[assessments, runs, digests]
    )


def ledger_section(ledger: LedgerState, reader: Reader, withheld: str) -> Section:
    """Appendix: who the report was rendered for, and the ledger checkpoint it reflects."""
    blocks: list[Block] = [
        Paragraph(
            text=f"Rendered for {reader.name} ({reader.id}), cleared {reader.clearance}. "
            f"Withheld by that clearance: {withheld}."
        ),
        Paragraph(
            text=f"This report reflects the store's ledger at {ledger.tree_size:,} "
            + ("entry" if ledger.tree_size == 1 else "entries")
            + f" (newest entry {ledger.last_entry_time or 'none'}), whose RFC 6962 Merkle root "
            "over the entry hashes in sequence order is given below. Any later change to the "
            "store appends entries and changes this root."
        ),
        Table(
            caption="Ledger checkpoint",
            columns=["tree size", "newest entry", "Merkle root"],
            rows=[[ledger.tree_size, ledger.last_entry_time, ledger.root]],
        ),
    ]
    signed = ledger.signed_checkpoint
    if signed is None:
        blocks.append(
            Notice(text="No signed checkpoint was found under $CLEARANCE_HOME/checkpoints.")
        )
    else:
        agreement = (
            "matches the store's ledger"
            if signed.matches_ledger
            else "does NOT match the store's ledger: run `clearance ledger verify`"
        )
        blocks.append(
            Table(
                caption=f"Newest signed checkpoint ({signed.file}); its root {agreement}",
                columns=["file", "tree size", "signed at", "key id", "matches", "Merkle root"],
                rows=[
                    [
                        signed.file,
                        signed.tree_size,
                        signed.time,
                        signed.key_id,
                        "yes" if signed.matches_ledger else "no",
                        signed.root,
                    ]
                ],
            )
        )
    return Section(id="appendix-ledger", title="Reader and ledger checkpoint", blocks=blocks)


VERIFY_TEXT = (
    "This report states its own SHA-256: at the foot of the HTML and Markdown, and in the "
    "`report_sha256` field of the JSON. It is computed over the file's bytes with every "
    "occurrence of that digest replaced by 64 zeros. To check it, run `clearance report verify "
    "report.html`, or replace the digest with 64 zeros and hash the result: "
    "`sed \"s/$D/$(printf '0%.0s' $(seq 64))/g\" report.html | sha256sum`, where $D is the "
    "stated digest. A PDF or DOCX states the SHA-256 of the HTML it was made from; its own "
    "SHA-256 is in the file written beside it (report.pdf.sha256, checked with `sha256sum -c`)."
)


def verify_section() -> Section:
    """Appendix: how a reader recomputes the report's digest."""
    return Section(
        id="appendix-verify",
        title="Verifying this report",
        blocks=[Paragraph(text=VERIFY_TEXT)],
    )


def lettered(appendices: Sequence[Section]) -> list[Section]:
    """The appendices titled "Appendix A. …", "Appendix B. …" in the order given."""
    return [
        section.model_copy(update={"title": f"Appendix {chr(ord('A') + i)}. {section.title}"})
        for i, section in enumerate(appendices)
    ]


def withheld_notice(sentence: str | None) -> list[Block]:
    """The withheld-records notice, when anything was withheld."""
    return [Notice(tone="warning", text=sentence)] if sentence else []
