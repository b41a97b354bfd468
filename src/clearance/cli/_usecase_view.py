"""A use case as a person reads it: classification and why, practices, decision, waivers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from clearance.cli._options import recorded_and_stated
from clearance.cli._render import emit_json, out_console, styled

if TYPE_CHECKING:
    from clearance.governance import ClassificationResult, UseCaseView, WaiverView
    from clearance.store import PracticeRecord


def render_use_case(view: UseCaseView, as_json: bool) -> None:
    if as_json:
        doc = view.model_dump(mode="json")
        doc["label"] = view.label
        emit_json(doc)
        return
    c = out_console
    uc = view.use_case
    marking = uc.marking_level + "".join(f"//{x}" for x in uc.marking_compartments)
    c.print(f"[bold]{marking}[/]")
    c.print(f"[bold]{uc.id}[/] {uc.name} (revision {uc.revision})", highlight=False)
    c.print(f"{uc.agency} / {uc.office} · stage {view.intake.stage}", highlight=False)
    print_classification(view)
    print_practices(view)
    print_decision(view)
    for w in view.waivers:
        c.print(waiver_line(w), highlight=False)
    if view.incidents:
        c.print(
            f"{view.incidents} incident report(s): `clearance incident list --use-case {uc.id}`"
        )


def print_classification(view: UseCaseView) -> None:
    c = out_console
    cl = view.classification
    if cl is None:
        c.print("[yellow]not classified[/]")
        return
    c.print(
        f"class: {styled(view.label)} (rules {cl.rules_version}, sha256 {cl.rules_digest[:12]}…)",
        highlight=False,
    )
    if view.rules_outdated:
        c.print("[yellow]classified under an older rules file: `clearance usecase classify`[/]")
    for fired in cl.fired:
        c.print(f"  [bold]{fired['id']}[/] {fired['title']}", highlight=False)
        c.print(f"     {fired['citation']}", highlight=False, style="dim")
        c.print(f"     because {'; '.join(fired['reasons'])}", highlight=False)
    if cl.override:
        o = cl.override
        c.print(
            f"  [yellow]overridden[/] by {o['by']}: {o['from_label']} → {o['to_label']}: "
            f"{o['justification']}",
            highlight=False,
        )


def print_practices(view: UseCaseView) -> None:
    required = [p for p in view.practices if p.practice.required]
    if not required:
        return
    table = Table(show_header=True, header_style="bold", title="Minimum practices")
    for col in ("practice", "status", "owner", "reviewer", "evidence"):
        # Ids wrap onto more lines rather than lose their ends: they are what a reader types.
        table.add_column(col, overflow="fold")
    for p in required:
        evidence = [
            f"{e.link.kind} {e.link.ref}" + (" [red](changed)[/]" if e.changes else "")
            for e in p.evidence
        ]
        status = styled(p.state.replace("_", " "))
        if p.practice.signed_by:
            status += f"\nsigned by {p.practice.signed_by} {signed_when(p.practice)}"
        if p.waiver_id:
            status += f"\n{p.waiver_id}"
        table.add_row(
            p.practice.code,
            status,
            p.practice.owner or "",
            p.practice.reviewer or "",
            "\n".join(evidence) or "–",
        )
    out_console.print(table)


def print_decision(view: UseCaseView) -> None:
    c = out_console
    d = view.decision
    line = f"decision: {styled(d.state)}"
    if d.decision is not None:
        when = recorded_and_stated(d.decision.created_at, d.decision.stated_at)
        line += f" ({d.decision.kind} by {d.decision.created_by}, recorded {when})"
    if d.review_due is not None:
        overdue = " [bold red]overdue[/]" if d.review_overdue else ""
        line += f"; annual review due {d.review_due:%Y-%m-%d}{overdue}"
    c.print(line, highlight=False)
    if d.pending_request is not None:
        c.print(f"  requested by {d.pending_request.created_by}", highlight=False)
    for reason in d.lapse_reasons:
        c.print(f"  [red]•[/] {reason}", highlight=False)
    accepted = (d.decision.pinned or {}).get("risk_acceptance") if d.decision else None
    if accepted:
        c.print(
            f"  [yellow]risk accepted[/] by {accepted['accepted_by']}: {accepted['rationale']}",
            highlight=False,
        )
        for f in accepted["findings"]:
            c.print(
                f"    finding {f['finding_id']} ({f['threshold_id']}, severity {f['severity']}, "
                f"{f['domain']}): {f['verdict']}",
                highlight=False,
            )


def signed_when(practice: PracticeRecord) -> str:
    """When a sign-off was recorded, and the time its signer stated when that differs."""
    if practice.signed_at is None:
        return ""
    return recorded_and_stated(practice.sign_recorded_at or practice.signed_at, practice.signed_at)


def waiver_line(w: WaiverView) -> str:
    r = w.waiver
    line = (
        f"waiver {r.id}: {r.practice_code} {styled(w.state)} until {r.expires_at:%Y-%m-%d} "
        f"({r.category}); granted {recorded_and_stated(r.created_at, r.granted_at)}"
    )
    if w.reassessment_due:
        line += " [bold red]reassess: the use case changed since the grant[/]"
    for report in w.reports:
        line += f"\n  {report.report.event} report: {styled(report.state)}"
        if report.report.reported_at:
            recorded = report.report.recorded_at or report.report.reported_at
            line += (
                f" to {', '.join(report.report.recipients)}, "
                f"{recorded_and_stated(recorded, report.report.reported_at)}"
            )
        else:
            line += f", due {report.report.due_at:%Y-%m-%d %H:%M} UTC"
    return line


_NOT = {
    "prohibited": "not prohibited",
    "high_impact": "not presumed high-impact",
    "federal_personnel_impacting": "not presumed federal-personnel-impacting",
}


def print_not_fired(result: ClassificationResult) -> None:
    """The rules that did not fire, by the class they would have given, with why not."""
    c = out_console
    for risk_class, heading in _NOT.items():
        quiet = [r for r in result.not_fired if r.risk_class == risk_class]
        if not quiet:
            continue
        c.print(f"[bold]{heading}[/] under {len(quiet)} rule(s) checked:", highlight=False)
        for rule in quiet:
            c.print(f"  {rule.id} {rule.title}", highlight=False)
            c.print(f"     {rule.citation}", highlight=False, style="dim")
            c.print(f"     not, because {'; '.join(rule.reasons)}", highlight=False)
