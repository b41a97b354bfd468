"""The model evaluation report: one model, every domain, its runs, and transcripts of notable
samples, from the store alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import clearance
from clearance.access import Action, Principal, marking_of, readable
from clearance.assess import domain_of, resolve_model
from clearance.reports._annual import (
    assessment_provenance,
    bottom_line_section,
    cited_run_ids,
)
from clearance.reports._approval import find_approval
from clearance.reports._cover import CoverDetails, make_cover
from clearance.reports._document import (
    Block,
    Message,
    Notice,
    Paragraph,
    Provenance,
    Report,
    Section,
    Table,
    Transcript,
)
from clearance.reports._ledger_state import ledger_state
from clearance.reports._monitoring import monitoring_section
from clearance.reports._reading import (
    Reading,
    StoredAssessment,
    cited_runs,
    newest_assessments,
    reader_of,
)
from clearance.reports._sections import (
    adequacy_blocks,
    adequacy_details,
    findings_blocks,
    ledger_section,
    lettered,
    mitigation_blocks,
    provenance_section,
    run_provenance,
    verify_section,
    withheld_notice,
)
from clearance.store import RunRecord, SampleRecord, Store
from clearance.vocabulary import DOMAINS, plural

TRANSCRIPT_CHARS = 4000
"""Longer turns are cut here in the report (the store keeps them whole)."""
RUN_COLUMNS = ["run", "task", "domain", "metric", "value", "95% low", "95% high", "n", "errors"]
CONTENT_WARNING = (
    "The transcripts below include requests a responsible model must decline "
    "and, where a model complied, what it answered. They may contain harmful or disturbing "
    "text. Those from hazard and harm domains are collapsed in the HTML report; open one only "
    "when you need it."
)


def _latest_runs(reading: Reading, model_ids: tuple[str, ...]) -> list[RunRecord]:
    """The newest readable completed run of each task, by task name; the rest counted withheld."""
    runs = reading.keep(
        "run", reading.store.findings.completed_runs(model_ids), marking_of, Action.RUN_READ
    )
    latest: dict[str, RunRecord] = {}
    for run in runs:
        latest.setdefault(run.task_name, run)
    return [latest[name] for name in sorted(latest)]


def _primary_metric(run: RunRecord) -> tuple[str | None, dict[str, Any]]:
    for name, metric in sorted((run.metrics or {}).items()):
        if isinstance(metric, dict) and name == "accuracy":
            return name, metric
    for name, metric in sorted((run.metrics or {}).items()):
        if isinstance(metric, dict):
            return name, metric
    return None, {}


def runs_table(runs: list[RunRecord]) -> Table:
    """The runs the report rests on, with each one's primary metric and interval."""
    rows = []
    for run in runs:
        name, metric = _primary_metric(run)
        rows.append(
            [
                run.id,
                run.task_name,
                domain_of(run) or "unassigned",
                name,
                metric.get("value"),
                metric.get("ci_low"),
                metric.get("ci_high"),
                metric.get("n"),
                run.errors,
            ]
        )
    return Table(
        caption="The newest completed run of each task (accuracy where measured)",
        columns=RUN_COLUMNS,
        rows=rows,
        empty="no completed run readable at your clearance",
    )


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [part.get("text") for part in content if isinstance(part, dict)]
        if texts and all(isinstance(t, str) for t in texts):
            return "\n".join(str(t) for t in texts)
    return json.dumps(content, sort_keys=True, ensure_ascii=False)


def _cut(text: str) -> str:
    if len(text) <= TRANSCRIPT_CHARS:
        return text
    return (
        text[:TRANSCRIPT_CHARS]
        + f"… ({len(text) - TRANSCRIPT_CHARS:,} characters more in the store)"
    )


def _messages(sample: SampleRecord) -> list[Message]:
    out = []
    for turn in sample.messages:
        if not isinstance(turn, dict):
            out.append(Message(role="?", content=_cut(_content_text(turn))))
            continue
        text = _content_text(turn.get("content", ""))
        if turn.get("tool_calls"):
            text += "\n[tool calls] " + json.dumps(turn["tool_calls"], sort_keys=True)
        out.append(Message(role=str(turn.get("role", "?")), content=_cut(text)))
    if sample.error:
        out.append(Message(role="error", content=_cut(sample.error)))
    return out


def _why(sample: SampleRecord, scorer: str | None) -> tuple[str, str] | None:
    """The kind of notable sample this is (error, scored wrong, scored right) and a sentence."""
    if sample.error is not None:
        return "error", f"the first sample that ended in error ({sample.error_type})"
    score = sample.scores.get(scorer or "") or {}
    value = score.get("value")
    if not isinstance(value, int | float):
        return None
    if value < 0.5:
        return "wrong", f"the first sample scored below 0.5 by {scorer} ({value:.3f})"
    return "right", f"the first sample scored 0.5 or above by {scorer} ({value:.3f})"


def _sensitive(run: RunRecord) -> bool:
    """A run outside the capability domains (hazards, risks to people) may hold harmful text;
    so may one whose domain is unknown."""
    areas: dict[str, str] = {str(d): str(a) for d, a in DOMAINS.items()}
    return areas.get(domain_of(run) or "", "unknown") != "capabilities"


def _notable(store: Store, run: RunRecord) -> Iterator[Transcript]:
    sensitive = _sensitive(run)
    scorers = [str(s) for s in run.provenance.get("scorers") or []]
    primary = scorers[0] if scorers else None
    seen: set[str] = set()
    for sample in store.runs.samples(run.id):
        found = _why(sample, primary)
        if found is None or found[0] in seen:
            continue
        seen.add(found[0])
        yield Transcript(
            title=f"{run.task_name} · sample {sample.sample_id} (epoch {sample.epoch})",
            why=f"Shown as {found[1]} of run {run.id}.",
            messages=_messages(sample),
            target=_cut(_content_text(sample.target)),
            scores=[
                f"{name}: {score.get('value')}"
                + (f" (answer {score['answer']!r})" if score.get("answer") is not None else "")
                for name, score in sorted(sample.scores.items())
                if isinstance(score, dict)
            ],
            sensitive=sensitive,
        )
        if len(seen) == 3:
            return


def transcripts_section(store: Store, runs: list[RunRecord]) -> Section:
    """For each run: its first errored, first wrong and first right sample, in full."""
    subsections = [
        Section(id=f"transcripts-{i}", title=run.task_name, blocks=list(_notable(store, run)))
        for i, run in enumerate(runs, start=1)
    ]
    blocks: list[Block] = [
        Paragraph(
            text="For each run, the first sample (in the order they were stored) that ended in "
            "error, the first the primary scorer marked wrong, and the first it marked right: "
            f"enough to see what was asked and answered. Turns longer than {TRANSCRIPT_CHARS:,} "
            "characters are cut; the store keeps them whole."
        )
    ]
    if any(_sensitive(run) for run in runs):
        blocks.insert(0, Notice(tone="warning", text=CONTENT_WARNING))
    if not runs:
        blocks.append(Notice(text="No run readable at your clearance, so no transcripts."))
    return Section(
        id="transcripts", title="Notable samples", blocks=blocks, subsections=subsections
    )


def _summary(
    reading: Reading, spec: str, assessment: StoredAssessment | None, runs: list[RunRecord]
) -> Section:
    blocks: list[Block] = [*withheld_notice(reading.withheld_sentence())]
    if assessment is None:
        blocks.append(
            Notice(
                tone="warning",
                text=f"{spec} has no stored assessment readable at your clearance: nothing below "
                f"is judged against a threshold. `clearance assess {spec}` makes one.",
            )
        )
    else:
        blocks.append(
            Paragraph(
                text=f"{spec}: {plural(len(runs), 'completed run')} readable at your clearance; "
                f"newest assessment {assessment.record.id}, detailed in sections A to C."
            )
        )
    blocks.append(runs_table(runs))
    return Section(id="summary", title="Summary", blocks=blocks)


def _assessed_sections(assessment: StoredAssessment | None) -> list[Section]:
    if assessment is None:
        missing: list[Block] = [Notice(text="No assessment readable at your clearance.")]
        return [
            Section(id="findings", title="(A) Findings", blocks=missing),
            Section(id="mitigation", title="(B) Mitigation: need and efficacy", blocks=missing),
            Section(id="adequacy", title="(C) Adequacy of tools and methods", blocks=missing),
        ]
    return [
        Section(
            id="findings", title="(A) Findings", blocks=findings_blocks(assessment, "findings")
        ),
        Section(
            id="mitigation",
            title="(B) Mitigation: need and efficacy",
            blocks=mitigation_blocks(assessment, "mitigation"),
        ),
        Section(
            id="adequacy",
            title="(C) Adequacy of tools and methods",
            blocks=adequacy_blocks(assessment),
        ),
    ]


def build_model_report(
    store: Store,
    model: str,
    *,
    principal: Principal,
    details: CoverDetails | None = None,
) -> Report:
    """The evaluation report of ``model`` (a spec or models.id): every domain, its runs and
    notable transcripts, showing only what ``principal`` may read.

    Raises :class:`clearance.assess.AssessError` when no such model is in the store.
    """
    details = (details or CoverDetails()).check()
    reading = Reading(store, principal)
    spec, model_ids = resolve_model(store, model)
    mitigations = readable(
        principal, store.mitigations.newest(spec), marking_of, action=Action.MITIGATION_READ
    )
    reading.withheld["mitigation"] += mitigations.withheld
    runs = _latest_runs(reading, model_ids)
    found = newest_assessments(reading, spec, within=details.within)
    assessment = found[0] if found else None
    cited = cited_runs(
        reading, [r.id for r in runs] + (cited_run_ids([assessment]) if assessment else [])
    )
    provenance = Provenance(
        assessments=[assessment_provenance(assessment)] if assessment else [],
        runs=[run_provenance(r) for r in cited],
    )
    ledger = ledger_state(store)
    reader = reader_of(principal)
    sections = [
        bottom_line_section(found),
        _summary(reading, spec, assessment, runs),
        *_assessed_sections(assessment),
        transcripts_section(store, runs),
        monitoring_section(reading, model_spec=spec, within=details.within),
        *lettered(
            [
                adequacy_details(found),
                provenance_section(provenance),
                ledger_section(ledger, reader, reading.withheld_text()),
                verify_section(),
            ]
        ),
    ]
    return Report(
        kind="model",
        title=f"Model evaluation report: {spec}",
        subtitle="Every test domain, the runs behind it and notable samples, against the "
        "thresholds of policy",
        cover=make_cover(
            details,
            principal,
            ledger,
            find_approval(store, "model", spec, details, principal, ledger.tree_size),
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
