"""The bottom line: for each model, in plain sentences, which domains exceed their thresholds,
whether mitigation was needed and worked, and what the evidence cannot yet tell."""

from __future__ import annotations

from collections.abc import Sequence

from clearance.assess import DomainSummary, MitigationEfficacy
from clearance.reports._document import UNDERPOWERED, Paragraph
from clearance.reports._reading import StoredAssessment
from clearance.reports._sections import domain_verdicts
from clearance.vocabulary import plural


def in_words(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _rate(value: float) -> str:
    return f"{value:.2f}"


def _exceeds(spec: str, exceeded: list[DomainSummary]) -> str:
    if not exceeded:
        return f"{spec} exceeds none of the thresholds it was tested against."
    places = [f"{d.domain} ({d.severity} severity)" for d in exceeded]
    noun = "threshold" if len(exceeded) == 1 else "thresholds"
    return f"{spec} exceeds its {noun} in {in_words(places)}."


def _mitigation_clause(m: MitigationEfficacy) -> str:
    kind = m.kind.replace("_", " ")
    moved = (
        f"{kind} moved {m.task_name} from {_rate(m.baseline_value)} to {_rate(m.mitigated_value)}"
    )
    if m.effective and m.mitigated_verdict == "below":
        return f"a {moved}, below the threshold: it worked"
    if m.effective:
        still = f", still {m.mitigated_verdict}" if m.mitigated_verdict else ""
        return f"a {moved}{still}: a real change, but not yet enough"
    return f"a {moved}, not shown to be a real change"


def _mitigation(assessment: StoredAssessment, exceeded: list[DomainSummary]) -> str:
    if not exceeded:
        count = len(assessment.mitigations)
        return "No mitigation was needed on this evidence" + (
            f" ({plural(count, 'mitigation')} recorded all the same)." if count else "."
        )
    sentences = []
    for domain in exceeded:
        tried = [m for m in assessment.mitigations if m.domain == domain.domain]
        if not tried:
            sentences.append(f"Mitigation is needed in {domain.domain} and none has been recorded.")
            continue
        clauses = "; ".join(_mitigation_clause(m) for m in tried)
        sentences.append(f"Mitigation was needed in {domain.domain}: {clauses}.")
    return " ".join(sentences)


def _unknown(assessment: StoredAssessment) -> str:
    shown = domain_verdicts(assessment)
    open_ = [d for d, v in shown.items() if v == "inconclusive"]
    weak = [d for d, v in shown.items() if v == UNDERPOWERED]
    untested = [d for d, v in shown.items() if v == "not tested"]
    parts = []
    if open_:
        parts.append(f"whether it exceeds in {in_words(open_)} (inconclusive)")
    if weak:
        parts.append(f"whether it stays below in {in_words(weak)} (too few samples to rely on)")
    text = ""
    if parts:
        text = "The evidence cannot yet tell " + "; nor ".join(parts) + "."
    if untested:
        text += (
            f" {plural(len(untested), 'domain')} "
            + ("is" if len(untested) == 1 else "are")
            + f" not tested at all: {in_words(untested)}."
        )
    return text.strip() or "Every domain was tested and its verdict settled."


def bottom_line(assessment: StoredAssessment) -> Paragraph:
    """One model's bottom line, in three plain sentences (or a few more)."""
    exceeded = [d for d in assessment.domains if d.verdict == "exceeds"]
    spec = assessment.record.model_spec
    return Paragraph(
        text=" ".join(
            (_exceeds(spec, exceeded), _mitigation(assessment, exceeded), _unknown(assessment))
        )
    )
