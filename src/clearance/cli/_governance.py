"""`clearance usecase`, `practice`, `decision`, `waiver`, `incident` and `inventory`: the
governance layer's commands. Each parses, calls one service, and renders."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from clearance.cli._errors import EXIT_CODES_HELP, fail, user_errors
from clearance.cli._render import err_console, out_console
from clearance.cli._session import open_session

if TYPE_CHECKING:
    from clearance.access import Marking
    from clearance.governance import (
        ClassificationResult,
        IntakeFile,
        LoadedRules,
        UseCaseView,
        WaiverView,
    )

usecase_app = typer.Typer(
    help="Register AI use cases, classify them under the Framework, see what falls due.",
    no_args_is_help=True,
)
practice_app = typer.Typer(
    help="Minimum practices: status, owner, reviewer, evidence, independent evaluation.",
    no_args_is_help=True,
)
decision_app = typer.Typer(
    help="Request, approve, deny or suspend a use case.", no_args_is_help=True
)
waiver_app = typer.Typer(
    help="The chief AI officer's waivers of minimum practices, and their reporting.",
    no_args_is_help=True,
)
incident_app = typer.Typer(help="Incidents and misuse reports.", no_args_is_help=True)
inventory_app = typer.Typer(
    help="The Framework's annual inventory and the OMB use-case inventory.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="JSON on stdout.")]
UseCaseArg = Annotated[str, typer.Argument(help="The use case: id, id prefix or exact name.")]
PracticeArg = Annotated[str, typer.Argument(help="The practice code, e.g. impact-assessment.")]
RationaleOption = Annotated[
    str, typer.Option("--rationale", "-r", help="Why: written to the record and the ledger.")
]

_STATE_STYLE = {
    "approved": "green",
    "implemented": "green",
    "active": "yellow",
    "waived": "yellow",
    "needs re-review": "bold red",
    "overdue": "bold red",
    "denied": "red",
    "suspended": "red",
    "prohibited": "bold red",
}


def _emit(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, default=str) + "\n")


def _styled(text: str) -> str:
    style = _STATE_STYLE.get(text)
    return f"[{style}]{text}[/]" if style else text


def _when(text: str | None, option: str) -> datetime | None:
    """A date (midnight UTC) or an ISO date-time; naive times are read as UTC."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option} takes a date such as 2025-06-30 or 2025-06-30T12:00Z, got {text!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _marking(text: str | None) -> Marking | None:
    from clearance.access import Marking

    return Marking.parse(text) if text else None


# -- intake ----------------------------------------------------------------------------------

FileOption = Annotated[
    Path | None,
    typer.Option("--file", "-f", help="The intake, as a YAML or JSON file (`usecase template`)."),
]
NameOption = Annotated[str | None, typer.Option("--name", help="The use case's name.")]
AgencyOption = Annotated[str | None, typer.Option("--agency", help="The agency.")]
OfficeOption = Annotated[
    str | None, typer.Option("--office", help="The bureau, component or office.")
]
PurposeOption = Annotated[
    str | None,
    typer.Option("--purpose-and-benefits", help="Intended purpose and expected benefits."),
]
OutputsOption = Annotated[str | None, typer.Option("--outputs", help="What the AI outputs.")]
StageOption = Annotated[
    str | None, typer.Option("--stage", help="Stage of development, e.g. initiated.")
]
BasisOption = Annotated[
    bool | None,
    typer.Option(
        "--principal-basis/--no-principal-basis",
        help="Whether outputs are a principal basis for decisions or actions.",
    ),
]
DomainOption = Annotated[str | None, typer.Option("--decision-domain", help="The decision domain.")]
FunctionOption = Annotated[
    list[str] | None,
    typer.Option("--functions", "--function", help="What the AI does (repeatable)."),
]
AffectedOption = Annotated[
    list[str] | None, typer.Option("--affected", help="Who is affected (repeatable).")
]
OversightOption = Annotated[
    str | None,
    typer.Option("--human-oversight", help="Human oversight level, e.g. human_decides."),
]
ModelOption = Annotated[
    list[str] | None,
    typer.Option("--model", help="A model spec the use relies on, as run (repeatable)."),
]
DeveloperOption = Annotated[
    list[str] | None,
    typer.Option("--developers", "--developer", help="A developer's principal id (repeatable)."),
]
RiskOwnerOption = Annotated[str | None, typer.Option("--risk-owner", help="The risk owner.")]
FlagOption = Annotated[bool | None, typer.Option(help="Set or clear this intake flag.")]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Any intake field as FIELD=VALUE, dotted for nested ones, e.g. "
        "--set real_time=true --set data.biometrics_only=true --set malware_capabilities="
        "[spreads_autonomously] (repeatable; `usecase template` lists the fields).",
    ),
]


def _settings(pairs: list[str] | None) -> dict[str, Any]:
    """``--set FIELD=VALUE`` pairs as intake changes; values are read as YAML scalars/lists."""
    import yaml

    changes: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            fail(f"--set takes FIELD=VALUE, e.g. --set real_time=true; got {pair!r}")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            fail(f"--set {key}: {raw!r} is not a value (true, false, a word, or [a, b])")
        changes[key.strip()] = value
    return changes


def _intake_changes(
    intake_file: IntakeFile | None,
    flags: dict[str, Any],
    models: list[str] | None,
    settings: list[str] | None = None,
) -> dict[str, Any]:
    """The file's fields (if any) with the flags given on the command line on top."""
    from clearance.governance import merge_intake

    data: dict[str, Any] = dict(intake_file.data) if intake_file else {}
    given = {k: v for k, v in flags.items() if v is not None} | _settings(settings)
    nested: dict[str, Any] = {}
    for key, value in given.items():
        section, _, name = key.partition(".")
        if name:
            nested.setdefault(section, {})[name] = value
        else:
            nested[key] = value
    if models:
        nested["ai_systems"] = [{"name": spec, "model": spec} for spec in models]
    return merge_intake(data, nested)


def _read_intake(file: Path | None) -> IntakeFile | None:
    from clearance.governance import read_intake_document

    return read_intake_document(file) if file else None


@contextmanager
def _lines_of(intake_file: IntakeFile | None) -> Iterator[None]:
    """Problems with fields the file holds name the file's line."""
    from clearance.governance import IntakeError

    try:
        yield
    except IntakeError as exc:
        if intake_file is None:
            raise
        raise intake_file.located(exc) from None


def _intake_flags(
    name: str | None,
    agency: str | None,
    office: str | None,
    purpose: str | None,
    outputs: str | None,
    stage: str | None,
    principal_basis: bool | None,
    domain: str | None,
    function: list[str] | None,
    affected: list[str] | None,
    oversight: str | None,
    developer: list[str] | None,
    risk_owner: str | None,
    significant_risk: bool | None,
    personal_data: bool | None,
    biometrics: bool | None,
    us_person_data: bool | None,
) -> dict[str, Any]:
    return {
        "name": name,
        "agency": agency,
        "office": office,
        "purpose_and_benefits": purpose,
        "outputs": outputs,
        "stage": stage,
        "principal_basis": principal_basis,
        "decision_domain": domain,
        "functions": function or None,
        "affected": affected or None,
        "human_oversight.level": oversight,
        "developers": developer or None,
        "risk_owner": risk_owner,
        "significant_risk": significant_risk,
        "data.personal_data": personal_data,
        "data.biometrics": biometrics,
        "data.us_person_data": us_person_data,
    }


# -- usecase ---------------------------------------------------------------------------------


@usecase_app.command("add", epilog=EXIT_CODES_HELP)
def usecase_add(
    file: FileOption = None,
    name: NameOption = None,
    agency: AgencyOption = None,
    office: OfficeOption = None,
    purpose: PurposeOption = None,
    outputs: OutputsOption = None,
    stage: StageOption = None,
    principal_basis: BasisOption = None,
    domain: DomainOption = None,
    function: FunctionOption = None,
    affected: AffectedOption = None,
    oversight: OversightOption = None,
    model: ModelOption = None,
    developer: DeveloperOption = None,
    risk_owner: RiskOwnerOption = None,
    significant_risk: FlagOption = None,
    personal_data: FlagOption = None,
    biometrics: FlagOption = None,
    us_person_data: FlagOption = None,
    set_: SetOption = None,
    marking: Annotated[
        str | None, typer.Option("--marking", help="The use case's marking, e.g. SECRET//BIO.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a use case from a YAML/JSON intake file and/or flags (flags win; a `marking:`
    key in the file marks it); it is classified at once and its required practices created.
    Errors name the field and the allowed values."""
    from clearance.access import UNCLASSIFIED_MARKING
    from clearance.governance import add_use_case, parse_intake, show_use_case

    flags = _intake_flags(
        name, agency, office, purpose, outputs, stage, principal_basis, domain, function,
        affected, oversight, developer, risk_owner, significant_risk, personal_data, biometrics,
        us_person_data,
    )  # fmt: skip
    with user_errors():
        intake_file = _read_intake(file)
        data = _intake_changes(intake_file, flags, model, set_)
        chosen = _marking(marking or data.pop("marking", None)) or UNCLASSIFIED_MARKING
        with _lines_of(intake_file):
            intake = parse_intake(data, str(file) if file else "intake")
        store, who = open_session()
        record = add_use_case(store, intake, marking=chosen, principal=who.principal)
        view = show_use_case(store, record.id, principal=who.principal)
    _render_view(view, as_json)


@usecase_app.command("edit", epilog=EXIT_CODES_HELP)
def usecase_edit(
    use_case: UseCaseArg,
    file: FileOption = None,
    name: NameOption = None,
    agency: AgencyOption = None,
    office: OfficeOption = None,
    purpose: PurposeOption = None,
    outputs: OutputsOption = None,
    stage: StageOption = None,
    principal_basis: BasisOption = None,
    domain: DomainOption = None,
    function: FunctionOption = None,
    affected: AffectedOption = None,
    oversight: OversightOption = None,
    model: ModelOption = None,
    developer: DeveloperOption = None,
    risk_owner: RiskOwnerOption = None,
    significant_risk: FlagOption = None,
    personal_data: FlagOption = None,
    biometrics: FlagOption = None,
    us_person_data: FlagOption = None,
    set_: SetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a use case's intake (file fields and flags replace the stored ones; nested
    sections merge). A change of inputs classifies it again; an approval then needs re-review."""
    from clearance.governance import edit_use_case, show_use_case

    flags = _intake_flags(
        name, agency, office, purpose, outputs, stage, principal_basis, domain, function,
        affected, oversight, developer, risk_owner, significant_risk, personal_data, biometrics,
        us_person_data,
    )  # fmt: skip
    with user_errors():
        intake_file = _read_intake(file)
        changes = _intake_changes(intake_file, flags, model, set_)
        if not changes:
            fail("nothing to change: give --file, --set or at least one field flag")
        store, who = open_session()
        with _lines_of(intake_file):
            record = edit_use_case(store, use_case, changes, principal=who.principal)
        view = show_use_case(store, record.id, principal=who.principal)
    _render_view(view, as_json)


@usecase_app.command("template")
def usecase_template(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write it to this file instead.")
    ] = None,
) -> None:
    """A commented intake to fill in: every field under the plain-language question it answers,
    with its allowed values and default. Then `clearance usecase add --file FILE`."""
    from clearance.governance import intake_template

    text = intake_template()
    if out is None:
        sys.stdout.write(text)
        return
    if out.exists():
        fail(f"{out} exists; choose another --out or remove it first")
    out.write_text(text, encoding="utf-8")
    err_console.print(f"wrote {out}: fill it in, then `clearance usecase add --file {out}`")


@usecase_app.command("show")
def usecase_show(use_case: UseCaseArg, as_json: JsonOption = False) -> None:
    """A use case in full: intake, classification and why, practices and evidence (digests
    checked now), decision (and whether it needs re-review), waivers."""
    from clearance.governance import show_use_case

    with user_errors():
        store, who = open_session()
        view = show_use_case(store, use_case, principal=who.principal)
    _render_view(view, as_json)


@usecase_app.command("list")
def usecase_list(as_json: JsonOption = False) -> None:
    """Every use case, with its class and decision."""
    from clearance.governance import list_use_cases

    with user_errors():
        store, who = open_session()
        views = list_use_cases(store, principal=who.principal)
    if as_json:
        _emit([_summary(v) for v in views])
    elif not views:
        out_console.print("no use cases yet: `clearance usecase add --file intake.yaml`")
    else:
        out_console.print(f"[bold]{views.banner.banner()}[/]")
        table = Table(show_header=True, header_style="bold")
        for col in ("id", "name", "agency / office", "class", "decision", "review due"):
            table.add_column(col)
        for v in views:
            s = _summary(v)
            table.add_row(
                s["id"],
                s["name"],
                f"{s['agency']} / {s['office']}",
                _styled(s["class"]),
                _styled(s["decision"]),
                s["review_due"] or "",
            )
        out_console.print(table)
    if views.withheld_notice:
        err_console.print(views.withheld_notice)


def _summary(view: UseCaseView) -> dict[str, Any]:
    due = view.decision.review_due
    return {
        "id": view.use_case.id,
        "name": view.use_case.name,
        "agency": view.use_case.agency,
        "office": view.use_case.office,
        "class": view.label,
        "classes": view.classes,
        "decision": view.decision.state,
        "review_due": f"{due:%Y-%m-%d}" if due else None,
    }


class OverrideClass(StrEnum):
    PROHIBITED = "prohibited"
    HIGH_IMPACT = "high_impact"
    FEDERAL_PERSONNEL_IMPACTING = "federal_personnel_impacting"
    NONE = "none"


@usecase_app.command("classify", epilog=EXIT_CODES_HELP)
def usecase_classify(
    use_case: UseCaseArg,
    override: Annotated[
        list[OverrideClass] | None,
        typer.Option(
            "--override",
            help="Chief AI officer only: the classes in force instead of the rules' "
            "(repeatable; 'none' for not high-impact).",
        ),
    ] = None,
    justification: Annotated[
        str | None, typer.Option("--justification", help="Why the override (required with it).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Classify a use case again under the rules in force, or override a presumption; says
    which facts decided each rule, fired or not."""
    from clearance.governance import classify_use_case, rules_in_force, show_use_case

    classes = None
    if override is not None:
        classes = [c.value for c in override if c is not OverrideClass.NONE]
    with user_errors():
        store, who = open_session()
        classify_use_case(
            store, use_case, override=classes, justification=justification, principal=who.principal
        )
        view = show_use_case(store, use_case, principal=who.principal)
    explained = _explained(view, rules_in_force(store))
    if as_json:
        doc = view.classification.model_dump(mode="json") if view.classification else None
        if doc is not None and explained is not None:
            doc["not_fired"] = [c.model_dump(mode="json") for c in explained.not_fired]
        _emit(doc)
        return
    _print_classification(view)
    if explained is not None:
        _print_not_fired(explained)


def _explained(view: UseCaseView, rules: LoadedRules) -> ClassificationResult | None:
    """The rules' reading of the intake now, for the rules that did not fire; None when the
    stored classification came from another rules file (its reasons would not match)."""
    from clearance.governance import classify

    result = classify(view.intake, rules)
    if view.classification is None or view.classification.rules_digest != result.rules_digest:
        return None
    return result


_NOT = {
    "prohibited": "not prohibited",
    "high_impact": "not presumed high-impact",
    "federal_personnel_impacting": "not presumed federal-personnel-impacting",
}


def _print_not_fired(result: ClassificationResult) -> None:
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


@usecase_app.command("due")
def usecase_due(
    within: Annotated[int, typer.Option("--within", help="Days ahead to look.", min=0)] = 30,
    as_json: JsonOption = False,
) -> None:
    """What falls due: annual reviews, approvals needing re-review, requests, waiver expiries
    and waiver reports (due within three days of each grant, renewal or revocation)."""
    from clearance.governance import due_items

    with user_errors():
        store, who = open_session()
        items = due_items(store, within_days=within, principal=who.principal)
    if as_json:
        _emit([i.model_dump(mode="json") for i in items])
        return
    if not items:
        out_console.print(f"nothing due within {within} days")
        return
    table = Table(show_header=True, header_style="bold")
    for col in ("use case", "what", "due", "detail"):
        table.add_column(col)
    for i in items:
        when = f"{i.due:%Y-%m-%d}" if i.due else "now"
        table.add_row(
            f"{i.use_case_id}\n{i.name}",
            _styled("overdue") + f" {i.kind}" if i.overdue else i.kind,
            when,
            i.detail,
        )
    out_console.print(table)


# -- rendering a use case ----------------------------------------------------------------------


def _render_view(view: UseCaseView, as_json: bool) -> None:
    if as_json:
        doc = view.model_dump(mode="json")
        doc["label"] = view.label
        _emit(doc)
        return
    c = out_console
    uc = view.use_case
    marking = uc.marking_level + "".join(f"//{x}" for x in uc.marking_compartments)
    c.print(f"[bold]{marking}[/]")
    c.print(f"[bold]{uc.id}[/] {uc.name} (revision {uc.revision})", highlight=False)
    c.print(f"{uc.agency} / {uc.office} · stage {view.intake.stage}", highlight=False)
    _print_classification(view)
    _print_practices(view)
    _print_decision(view)
    for w in view.waivers:
        c.print(_waiver_line(w), highlight=False)
    if view.incidents:
        c.print(
            f"{view.incidents} incident report(s): `clearance incident list --use-case {uc.id}`"
        )


def _print_classification(view: UseCaseView) -> None:
    c = out_console
    cl = view.classification
    if cl is None:
        c.print("[yellow]not classified[/]")
        return
    c.print(
        f"class: {_styled(view.label)} (rules {cl.rules_version}, sha256 {cl.rules_digest[:12]}…)",
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


def _print_practices(view: UseCaseView) -> None:
    required = [p for p in view.practices if p.practice.required]
    if not required:
        return
    table = Table(show_header=True, header_style="bold", title="Minimum practices")
    for col in ("practice", "status", "owner", "reviewer", "evidence"):
        table.add_column(col)
    for p in required:
        evidence = [
            f"{e.link.kind} {e.link.ref}" + (" [red](changed)[/]" if e.changes else "")
            for e in p.evidence
        ]
        status = _styled(p.state.replace("_", " "))
        if p.practice.signed_by:
            status += f"\nsigned by {p.practice.signed_by}"
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


def _print_decision(view: UseCaseView) -> None:
    c = out_console
    d = view.decision
    line = f"decision: {_styled(d.state)}"
    if d.decision is not None:
        line += f" ({d.decision.kind} by {d.decision.created_by} {d.decision.created_at:%Y-%m-%d})"
    if d.review_due is not None:
        overdue = " [bold red]overdue[/]" if d.review_overdue else ""
        line += f"; annual review due {d.review_due:%Y-%m-%d}{overdue}"
    c.print(line, highlight=False)
    if d.pending_request is not None:
        c.print(f"  requested by {d.pending_request.created_by}", highlight=False)
    for reason in d.lapse_reasons:
        c.print(f"  [red]•[/] {reason}", highlight=False)


def _waiver_line(w: WaiverView) -> str:
    r = w.waiver
    line = (
        f"waiver {r.id}: {r.practice_code} {_styled(w.state)} until {r.expires_at:%Y-%m-%d} "
        f"({r.category})"
    )
    if w.reassessment_due:
        line += " [bold red]reassess: the use case changed since the grant[/]"
    for report in w.reports:
        line += f"\n  {report.report.event} report: {_styled(report.state)}"
        if report.report.reported_at:
            line += (
                f" to {', '.join(report.report.recipients)} "
                f"{report.report.reported_at:%Y-%m-%d %H:%M}"
            )
        else:
            line += f", due {report.report.due_at:%Y-%m-%d %H:%M} UTC"
    return line


# -- practice --------------------------------------------------------------------------------


@practice_app.command("list")
def practice_list(use_case: UseCaseArg, as_json: JsonOption = False) -> None:
    """A use case's practices with their effective status and evidence, and what the
    Framework's text says each must cover."""
    from clearance.governance import rules_in_force, show_use_case

    with user_errors():
        store, who = open_session()
        view = show_use_case(store, use_case, principal=who.principal)
        specs = {p.code: p for p in rules_in_force(store).rules.practices}
    if as_json:
        docs = []
        for p in view.practices:
            doc = p.model_dump(mode="json")
            spec = specs.get(p.practice.code)
            if spec is not None:
                doc["text"] = spec.model_dump(
                    mode="json", include={"citation", "quote", "contents"}
                )
            docs.append(doc)
        _emit(docs)
    elif not view.practices:
        out_console.print(f"{view.use_case.id} is {view.label}: no practices are required")
    else:
        _print_practices(view)
        for p in view.practices:
            spec = specs.get(p.practice.code)
            if p.practice.required and spec is not None and spec.contents:
                out_console.print(f"{spec.code} must cover ({spec.citation}):", highlight=False)
                for item in spec.contents:
                    out_console.print(f"  • {item}", highlight=False)


class PracticeStatusChoice(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"


@practice_app.command("update", epilog=EXIT_CODES_HELP)
def practice_update(
    use_case: UseCaseArg,
    practice: PracticeArg,
    status: Annotated[
        PracticeStatusChoice | None, typer.Option("--status", help="The practice's status.")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Who implements it.")] = None,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="Who reviews it.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note for the record.")] = None,
) -> None:
    """Set a practice's status, owner or reviewer, or add a note."""
    from clearance.governance import update_practice

    with user_errors():
        store, who = open_session()
        record = update_practice(
            store,
            use_case,
            practice,
            status=status.value if status else None,
            owner=owner,
            reviewer=reviewer,
            note=note,
            principal=who.principal,
        )
    out_console.print(f"{record.code}: {_styled(record.status.replace('_', ' '))}")


@practice_app.command("link", epilog=EXIT_CODES_HELP)
def practice_link(
    use_case: UseCaseArg,
    practice: PracticeArg,
    run: Annotated[str | None, typer.Option("--run", help="A run id.")] = None,
    finding: Annotated[str | None, typer.Option("--finding", help="A finding id.")] = None,
    mitigation: Annotated[str | None, typer.Option("--mitigation", help="A mitigation id.")] = None,
    policy: Annotated[
        str | None, typer.Option("--policy", help="A policy file, or 'default'.")
    ] = None,
    document: Annotated[
        str | None, typer.Option("--document", help="A file to upload, or a document id.")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="What it shows.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Link one piece of evidence to a practice; its digests are pinned as they are now."""
    from clearance.governance import add_document, link_evidence

    given = {
        k: v
        for k, v in {
            "run": run,
            "finding": finding,
            "mitigation": mitigation,
            "policy": policy,
            "document": document,
        }.items()
        if v is not None
    }
    if len(given) != 1:
        fail("give exactly one of --run, --finding, --mitigation, --policy, --document")
    ((kind, ref),) = given.items()
    with user_errors():
        store, who = open_session()
        if kind == "document" and Path(ref).expanduser().is_file():
            owner = store.governance.use_case(use_case)
            from clearance.access import Marking

            doc_marking = Marking(
                level=owner.marking_level, compartments=frozenset(owner.marking_compartments)
            )
            ref = add_document(
                store, ref, description=note, marking=doc_marking, principal=who.principal
            ).id
        link = link_evidence(
            store, use_case, practice, kind, ref, note=note, principal=who.principal
        )
    if as_json:
        _emit(link.model_dump(mode="json"))
    else:
        pins = ", ".join(f"{k} {str(v)[:16]}" for k, v in link.pinned.items() if v is not None)
        out_console.print(f"linked {link.kind} {link.ref} to {practice}: {pins}", highlight=False)


@practice_app.command("sign", epilog=EXIT_CODES_HELP)
def practice_sign(
    use_case: UseCaseArg,
    practice: Annotated[
        str, typer.Argument(help="The practice to sign.")
    ] = "independent-evaluation",
    note: Annotated[str, typer.Option("--note", help="What was evaluated, and how.")] = "",
) -> None:
    """Sign the independent evaluation (not by a developer of the use case)."""
    from clearance.governance import sign_independent_evaluation

    with user_errors():
        store, who = open_session()
        record = sign_independent_evaluation(
            store, use_case, practice, note=note, principal=who.principal
        )
    out_console.print(f"{record.code}: [green]implemented[/], signed by {record.signed_by}")


# -- decision --------------------------------------------------------------------------------


def _print_decision_record(kind: str, record: Any) -> None:
    line = f"{kind} recorded: {record.id}"
    if record.review_due:
        line += f"; annual review due {record.review_due:%Y-%m-%d}"
    out_console.print(line, highlight=False)


@decision_app.command("request", epilog=EXIT_CODES_HELP)
def decision_request(use_case: UseCaseArg, rationale: RationaleOption) -> None:
    """Ask for a decision (whoever asks cannot approve)."""
    from clearance.governance import request_decision

    with user_errors():
        store, who = open_session()
        record = request_decision(store, use_case, rationale=rationale, principal=who.principal)
    _print_decision_record("request", record)


@decision_app.command("approve", epilog=EXIT_CODES_HELP)
def decision_approve(
    use_case: UseCaseArg,
    rationale: RationaleOption,
    review_by: Annotated[
        str | None, typer.Option("--review-by", help="Review date (within a year).")
    ] = None,
) -> None:
    """Approve: every required practice implemented or waived; pins the evidence's digests."""
    from clearance.governance import approve_use_case

    with user_errors():
        store, who = open_session()
        record = approve_use_case(
            store,
            use_case,
            rationale=rationale,
            review_by=_when(review_by, "--review-by"),
            principal=who.principal,
        )
    _print_decision_record("approval", record)


@decision_app.command("deny", epilog=EXIT_CODES_HELP)
def decision_deny(use_case: UseCaseArg, rationale: RationaleOption) -> None:
    """Deny a use case."""
    from clearance.governance import deny_use_case

    with user_errors():
        store, who = open_session()
        record = deny_use_case(store, use_case, rationale=rationale, principal=who.principal)
    _print_decision_record("denial", record)


@decision_app.command("suspend", epilog=EXIT_CODES_HELP)
def decision_suspend(use_case: UseCaseArg, rationale: RationaleOption) -> None:
    """Suspend an approved use case."""
    from clearance.governance import suspend_use_case

    with user_errors():
        store, who = open_session()
        record = suspend_use_case(store, use_case, rationale=rationale, principal=who.principal)
    _print_decision_record("suspension", record)


@decision_app.command("list")
def decision_list(use_case: UseCaseArg, as_json: JsonOption = False) -> None:
    """A use case's requests and decisions, newest first."""
    from clearance.governance import list_decisions

    with user_errors():
        store, who = open_session()
        found = list_decisions(store, use_case, principal=who.principal)
    if as_json:
        _emit([d.model_dump(mode="json") for d in found])
        return
    table = Table(show_header=True, header_style="bold")
    for col in ("id", "when", "kind", "by", "rationale"):
        table.add_column(col)
    for d in found:
        table.add_row(d.id, f"{d.created_at:%Y-%m-%d %H:%M}", d.kind, d.created_by, d.rationale)
    out_console.print(table)


# -- waiver ----------------------------------------------------------------------------------

ExpiresOption = Annotated[
    str | None, typer.Option("--expires", help="Expiry date (at most a year out).")
]
DaysOption = Annotated[int | None, typer.Option("--days", help="Or: lasts this many days.")]


@waiver_app.command("grant", epilog=EXIT_CODES_HELP)
def waiver_grant(
    use_case: UseCaseArg,
    practice: PracticeArg,
    category: Annotated[str, typer.Option("--category", help="The Framework's justification.")],
    finding: Annotated[str, typer.Option("--finding", help="The written finding.")],
    expires: ExpiresOption = None,
    days: DaysOption = None,
    as_json: JsonOption = False,
) -> None:
    """Waive one practice of one use case (chief AI officer only). Report it within 3 days."""
    from clearance.governance import grant_waiver

    with user_errors():
        store, who = open_session()
        view = grant_waiver(
            store,
            use_case,
            practice,
            category=category,
            finding=finding,
            expires_at=_when(expires, "--expires"),
            days=days,
            principal=who.principal,
        )
    _render_waiver(view, as_json)


@waiver_app.command("revoke", epilog=EXIT_CODES_HELP)
def waiver_revoke(
    waiver: Annotated[str, typer.Argument(help="The waiver id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is revoked.")],
    as_json: JsonOption = False,
) -> None:
    """Revoke an active waiver (chief AI officer only). Report it within 3 days."""
    from clearance.governance import revoke_waiver

    with user_errors():
        store, who = open_session()
        view = revoke_waiver(store, waiver, reason=reason, principal=who.principal)
    _render_waiver(view, as_json)


@waiver_app.command("renew", epilog=EXIT_CODES_HELP)
def waiver_renew(
    waiver: Annotated[str, typer.Argument(help="The waiver id.")],
    finding: Annotated[str, typer.Option("--finding", help="The new written finding.")],
    reassessment: Annotated[str, typer.Option("--reassessment", help="What was reassessed.")],
    category: Annotated[str | None, typer.Option("--category", help="A new category.")] = None,
    expires: ExpiresOption = None,
    days: DaysOption = None,
    as_json: JsonOption = False,
) -> None:
    """Renew a waiver after reassessing it (chief AI officer only). Report it within 3 days."""
    from clearance.governance import renew_waiver

    with user_errors():
        store, who = open_session()
        view = renew_waiver(
            store,
            waiver,
            finding=finding,
            reassessment=reassessment,
            category=category,
            expires_at=_when(expires, "--expires"),
            days=days,
            principal=who.principal,
        )
    _render_waiver(view, as_json)


@waiver_app.command("report", epilog=EXIT_CODES_HELP)
def waiver_report(
    waiver: Annotated[str, typer.Argument(help="The waiver id.")],
    to: Annotated[list[str], typer.Option("--to", help="To whom it was reported (repeatable).")],
    at: Annotated[str | None, typer.Option("--at", help="When (default: now).")] = None,
    note: Annotated[str, typer.Option("--note", help="How, or a reference.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Record that a waiver's oldest unreported event was reported."""
    from clearance.governance import record_waiver_report

    with user_errors():
        store, who = open_session()
        view = record_waiver_report(
            store,
            waiver,
            recipients=to,
            reported_at=_when(at, "--at"),
            note=note,
            principal=who.principal,
        )
    _render_waiver(view, as_json)


@waiver_app.command("list")
def waiver_list(
    use_case: Annotated[
        str | None, typer.Option("--use-case", help="Only this use case's waivers.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Waivers with their state and reporting, and the counts of active and total waivers."""
    from clearance.governance import list_waivers

    with user_errors():
        store, who = open_session()
        views = list_waivers(store, use_case_ref=use_case, principal=who.principal)
    active = sum(1 for v in views if v.state == "active")
    if as_json:
        _emit(
            {
                "active": active,
                "total": len(views),
                "waivers": [v.model_dump(mode="json") for v in views],
            }
        )
        return
    for v in views:
        out_console.print(_waiver_line(v), highlight=False)
    out_console.print(f"{active} active, {len(views)} total")
    if views.withheld_notice:
        err_console.print(views.withheld_notice)


def _render_waiver(view: WaiverView, as_json: bool) -> None:
    if as_json:
        _emit(view.model_dump(mode="json"))
    else:
        out_console.print(_waiver_line(view), highlight=False)


# -- incident --------------------------------------------------------------------------------


class IncidentKindChoice(StrEnum):
    INCIDENT = "incident"
    MISUSE = "misuse"


class SeverityChoice(StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    CRITICAL = "critical"


@incident_app.command("add", epilog=EXIT_CODES_HELP)
def incident_add(
    kind: Annotated[IncidentKindChoice, typer.Option("--kind", help="Incident or misuse.")],
    severity: Annotated[SeverityChoice, typer.Option("--severity", help="How severe.")],
    summary: Annotated[str, typer.Option("--summary", help="One line.")],
    description: Annotated[str, typer.Option("--description", help="What happened.")],
    use_case: Annotated[
        str | None, typer.Option("--use-case", help="The use case concerned.")
    ] = None,
    occurred: Annotated[str | None, typer.Option("--occurred", help="When it happened.")] = None,
    anonymous: Annotated[
        bool, typer.Option("--anonymous", help="Do not record who reported it.")
    ] = False,
    marking: Annotated[str | None, typer.Option("--marking", help="The report's marking.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Report an incident or misuse, anonymously if you choose."""
    from clearance.governance import report_incident

    with user_errors():
        store, who = open_session()
        record = report_incident(
            store,
            kind=kind.value,
            severity=severity.value,
            summary=summary,
            description=description,
            use_case_ref=use_case,
            occurred_at=_when(occurred, "--occurred"),
            anonymous=anonymous,
            marking=_marking(marking),
            principal=who.principal,
        )
    if as_json:
        _emit(record.model_dump(mode="json"))
    else:
        out_console.print(f"{record.kind} {record.id} recorded", highlight=False)


@incident_app.command("list")
def incident_list(
    use_case: Annotated[str | None, typer.Option("--use-case", help="Only this use case.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Incidents and misuse reports, newest first."""
    from clearance.governance import list_incidents

    with user_errors():
        store, who = open_session()
        found = list_incidents(store, use_case_ref=use_case, principal=who.principal)
    if as_json:
        _emit([i.model_dump(mode="json") for i in found])
        return
    table = Table(show_header=True, header_style="bold")
    for col in ("id", "when", "kind", "severity", "use case", "by", "summary"):
        table.add_column(col)
    for i in found:
        table.add_row(
            i.id,
            f"{i.created_at:%Y-%m-%d}",
            i.kind,
            i.severity,
            i.use_case_id or "–",
            i.created_by,
            i.summary,
        )
    out_console.print(table)
    if found.withheld_notice:
        err_console.print(found.withheld_notice)


@incident_app.command("show")
def incident_show(
    incident: Annotated[str, typer.Argument(help="The incident id.")], as_json: JsonOption = False
) -> None:
    """One incident report."""
    from clearance.governance import show_incident

    with user_errors():
        store, who = open_session()
        record = show_incident(store, incident, principal=who.principal)
    if as_json:
        _emit(record.model_dump(mode="json"))
        return
    out_console.print(f"[bold]{record.id}[/] {record.kind} ({record.severity})", highlight=False)
    out_console.print(record.summary, highlight=False)
    out_console.print(record.description, highlight=False)
    out_console.print(f"reported by {record.created_by} {record.created_at:%Y-%m-%d %H:%M}")


# -- inventory -------------------------------------------------------------------------------


class InventoryFormat(StrEnum):
    FRAMEWORK_JSON = "framework-json"
    FRAMEWORK_CSV = "framework-csv"
    OMB_CSV = "omb-csv"


@inventory_app.command("export", epilog=EXIT_CODES_HELP)
def inventory_export(
    format_: Annotated[
        InventoryFormat, typer.Option("--format", help="Which inventory, in which format.")
    ] = InventoryFormat.FRAMEWORK_JSON,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """The Framework's annual high-impact inventory (JSON or CSV) or the 2024 OMB use-case
    inventory CSV."""
    from clearance.governance import (
        framework_inventory,
        framework_inventory_csv,
        inventory_json,
        omb_inventory_csv,
    )

    with user_errors():
        store, who = open_session()
        if format_ is InventoryFormat.OMB_CSV:
            text = omb_inventory_csv(store, principal=who.principal)
        else:
            inventory = framework_inventory(store, principal=who.principal)
            if format_ is InventoryFormat.FRAMEWORK_CSV:
                text = framework_inventory_csv(inventory)
            else:
                text = json.dumps(inventory_json(inventory), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err_console.print(f"wrote {output}", highlight=False)


@inventory_app.command("check", epilog=EXIT_CODES_HELP)
def inventory_check(
    file: Annotated[Path, typer.Argument(help="An OMB inventory CSV to check.")],
) -> None:
    """Check a CSV against the pinned OMB field list and allowed values; exit 1 if it fails."""
    from clearance.governance import omb_spec, validate_omb_csv

    with user_errors():
        problems = validate_omb_csv(file.read_text(encoding="utf-8"))
    spec = omb_spec()
    if problems:
        fail(
            f"{file} does not conform to {spec.name} {spec.version}:\n  - "
            + "\n  - ".join(problems)
        )
    out_console.print(f"[green]valid[/]: {file} conforms to {spec.name} {spec.version}")


@inventory_app.command("fields")
def inventory_fields(as_json: JsonOption = False) -> None:
    """The pinned OMB inventory columns and their allowed values."""
    from clearance.governance import omb_spec

    spec = omb_spec()
    if as_json:
        _emit(spec.model_dump(mode="json"))
        return
    out_console.print(f"{spec.name} {spec.version} (sha256 {spec.digest[:12]}…)", highlight=False)
    for field in spec.fields:
        need = "required" if field.required else "optional"
        allowed = f": {' | '.join(field.allowed)}" if field.allowed else ""
        out_console.print(f"- {field.name} [{field.kind}, {need}]{allowed}", highlight=False)
