"""`clearance usecase`: register AI use cases, classify them, see what falls due."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer
from rich.table import Table

from clearance.cli._errors import fail, user_errors
from clearance.cli._options import (
    JsonOption,
    UseCaseArg,
    parse_marking,
)
from clearance.cli._render import emit_json, err_console, out_console, styled
from clearance.cli._session import open_session
from clearance.cli._usecase_view import (
    print_classification,
    print_not_fired,
    render_use_case,
)

if TYPE_CHECKING:
    from clearance.access import Marking
    from clearance.governance import (
        ClassificationResult,
        IntakeFile,
        IntakeFlags,
        LoadedRules,
        UseCaseView,
    )

usecase_app = typer.Typer(
    help="Register AI use cases, classify them under the Framework, see what falls due.",
    no_args_is_help=True,
)


FileOption = Annotated[
    Path | None,
    typer.Option("--file", "-f", help="The intake, as a YAML or JSON file (`usecase template`)."),
]
FlagOption = Annotated[bool | None, typer.Option(help="Set or clear this intake flag.")]


def _intake_options(
    file: FileOption = None,
    name: Annotated[str | None, typer.Option("--name", help="The use case's name.")] = None,
    agency: Annotated[str | None, typer.Option("--agency", help="The agency.")] = None,
    office: Annotated[
        str | None, typer.Option("--office", help="The bureau, component or office.")
    ] = None,
    purpose: Annotated[
        str | None,
        typer.Option("--purpose-and-benefits", help="Intended purpose and expected benefits."),
    ] = None,
    outputs: Annotated[str | None, typer.Option("--outputs", help="What the AI outputs.")] = None,
    stage: Annotated[
        str | None, typer.Option("--stage", help="Stage of development, e.g. initiated.")
    ] = None,
    principal_basis: Annotated[
        bool | None,
        typer.Option(
            "--principal-basis/--no-principal-basis",
            help="Whether outputs are a principal basis for decisions or actions.",
        ),
    ] = None,
    domain: Annotated[
        str | None, typer.Option("--decision-domain", help="The decision domain.")
    ] = None,
    functions: Annotated[
        list[str] | None,
        typer.Option("--functions", "--function", help="What the AI does (repeatable)."),
    ] = None,
    affected: Annotated[
        list[str] | None, typer.Option("--affected", help="Who is affected (repeatable).")
    ] = None,
    oversight: Annotated[
        str | None,
        typer.Option("--human-oversight", help="Human oversight level, e.g. human_decides."),
    ] = None,
    models: Annotated[
        list[str] | None,
        typer.Option("--model", help="A model spec the use relies on, as run (repeatable)."),
    ] = None,
    developers: Annotated[
        list[str] | None,
        typer.Option(
            "--developers", "--developer", help="A developer's principal id (repeatable)."
        ),
    ] = None,
    risk_owner: Annotated[str | None, typer.Option("--risk-owner", help="The risk owner.")] = None,
    significant_risk: FlagOption = None,
    personal_data: FlagOption = None,
    biometrics: FlagOption = None,
    us_person_data: FlagOption = None,
    settings: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Any intake field as FIELD=VALUE, dotted for nested ones, e.g. "
            "--set real_time=true --set data.biometrics_only=true --set malware_capabilities="
            "[spreads_autonomously] (repeatable; `usecase template` lists the fields).",
        ),
    ] = None,
) -> None:
    """The intake's options, declared once for `usecase add` and `usecase edit`."""


_INTAKE_PARAMETERS = inspect.signature(_intake_options, eval_str=True).parameters

Command = TypeVar("Command", bound=Callable[..., None])


def _own_parameters(command: Callable[..., None]) -> list[inspect.Parameter]:
    """``command``'s parameters with their annotations resolved, except ``flags``: its type is
    imported only when a command runs, so that `clearance --help` stays light."""
    resolved = []
    for p in inspect.signature(command).parameters.values():
        if p.name != "flags" and isinstance(p.annotation, str):
            p = p.replace(annotation=eval(p.annotation, command.__globals__))
        resolved.append(p)
    return resolved


def with_intake_options(command: Command) -> Command:
    """Give ``command`` the intake's options; it receives them as ``file`` and ``flags`` (an
    :class:`~clearance.governance.IntakeFlags`), so the flag-to-field mapping stays in
    governance and the options are written once."""
    kept = [p for p in _own_parameters(command) if p.name not in ("file", "flags")]
    required = [p for p in kept if p.default is p.empty]
    optional = [p for p in kept if p.default is not p.empty]

    @functools.wraps(command)
    def run(**kwargs: Any) -> None:
        from clearance.governance import IntakeFlags  # loaded when a command runs, not at --help

        given = {name: kwargs.pop(name) for name in _INTAKE_PARAMETERS}
        file = given.pop("file")
        command(file=file, flags=IntakeFlags(**given), **kwargs)

    parameters = [*required, *_INTAKE_PARAMETERS.values(), *optional]
    # Typer reads the signature and the type hints: both must describe what `run` takes.
    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}
    return cast(Command, run)


@usecase_app.command("add")
@with_intake_options
def usecase_add(
    file: Path | None,
    flags: IntakeFlags,
    marking: Annotated[
        str | None, typer.Option("--marking", help="The use case's marking, e.g. SECRET//BIO.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a use case from a YAML/JSON intake file and/or flags (flags win; a `marking:`
    key in the file marks it); it is classified at once and its required practices created.
    Errors name the field and the allowed values."""
    from clearance.access import UNCLASSIFIED_MARKING
    from clearance.governance import add_use_case, intake_changes, parse_intake, show_use_case

    with user_errors():
        intake_file = _read_intake(file)
        data = intake_changes(intake_file, flags)
        chosen = parse_marking(marking or data.pop("marking", None)) or UNCLASSIFIED_MARKING
        with _lines_of(intake_file):
            intake = parse_intake(data, str(file) if file else "intake")
        store, who = open_session()
        record = add_use_case(store, intake, marking=chosen, principal=who.principal)
        view = show_use_case(store, record.id, principal=who.principal)
    render_use_case(view, as_json)


@usecase_app.command("edit")
@with_intake_options
def usecase_edit(
    use_case: UseCaseArg,
    file: Path | None,
    flags: IntakeFlags,
    as_json: JsonOption = False,
) -> None:
    """Change a use case's intake (file fields and flags replace the stored ones; nested
    sections merge). A change of inputs classifies it again; an approval then needs re-review."""
    from clearance.governance import edit_use_case, intake_changes, show_use_case

    with user_errors():
        intake_file = _read_intake(file)
        changes = intake_changes(intake_file, flags)
        if not changes:
            fail("nothing to change: give --file, --set or at least one field flag")
        store, who = open_session()
        with _lines_of(intake_file):
            record = edit_use_case(store, use_case, changes, principal=who.principal)
        view = show_use_case(store, record.id, principal=who.principal)
    render_use_case(view, as_json)


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
    render_use_case(view, as_json)


@usecase_app.command("list")
def usecase_list(as_json: JsonOption = False) -> None:
    """Every use case, with its class and decision."""
    from clearance.governance import list_use_cases

    with user_errors():
        store, who = open_session()
        views = list_use_cases(store, principal=who.principal)
    if as_json:
        emit_json([_summary(v) for v in views])
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
                styled(s["class"]),
                styled(s["decision"]),
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


@usecase_app.command("classify")
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
    explained = _explained(view, rules_in_force(store), who.principal.clearance)
    if as_json:
        doc = view.classification.model_dump(mode="json") if view.classification else None
        if doc is not None and explained is not None:
            doc["not_fired"] = [c.model_dump(mode="json") for c in explained.not_fired]
        emit_json(doc)
        return
    print_classification(view)
    if explained is not None:
        print_not_fired(explained)


def _explained(
    view: UseCaseView, rules: LoadedRules, cleared: Marking
) -> ClassificationResult | None:
    """The rules' reading of the intake now, for the rules that did not fire (annex categories
    the reader is not cleared for withheld); None when the stored classification came from
    another rules file (its reasons would not match)."""
    from clearance.governance import classify, withhold_annex

    result = classify(view.intake, rules)
    if view.classification is None or view.classification.rules_digest != result.rules_digest:
        return None
    return withhold_annex(result, cleared)


@usecase_app.command("due")
def usecase_due(
    within: Annotated[int, typer.Option("--within", help="Days ahead to look.", min=0)] = 30,
    as_json: JsonOption = False,
) -> None:
    """What falls due: annual reviews, approvals needing re-review, requests, waiver expiries
    and waiver reports (due within three days of each grant, renewal or revocation); then
    reviews of the supply chain's critical nodes."""
    from clearance.governance import due_items
    from clearance.supplychain import node_reviews_due

    with user_errors():
        store, who = open_session()
        items = due_items(store, within_days=within, principal=who.principal)
        items += node_reviews_due(store, within_days=within, principal=who.principal)
    if as_json:
        emit_json([i.model_dump(mode="json") for i in items])
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
            styled("overdue") + f" {i.kind}" if i.overdue else i.kind,
            when,
            i.detail,
        )
    out_console.print(table)
