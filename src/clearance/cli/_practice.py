"""`clearance practice`: practices' status, owner, reviewer, evidence, independent evaluation."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clearance.cli._errors import EXIT_CODES_HELP, fail, user_errors
from clearance.cli._options import (
    JsonOption,
    PracticeArg,
    UseCaseArg,
)
from clearance.cli._render import emit_json, out_console, styled
from clearance.cli._session import open_session
from clearance.cli._usecase_view import (
    print_practices,
)

if TYPE_CHECKING:
    pass

practice_app = typer.Typer(
    help="Minimum practices: status, owner, reviewer, evidence, independent evaluation.",
    no_args_is_help=True,
)


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
        emit_json(docs)
    elif not view.practices:
        out_console.print(f"{view.use_case.id} is {view.label}: no practices are required")
    else:
        print_practices(view)
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
    out_console.print(f"{record.code}: {styled(record.status.replace('_', ' '))}")


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
    from clearance.governance import link_document_file, link_evidence

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
            link = link_document_file(
                store, use_case, practice, ref, note=note, principal=who.principal
            )
        else:
            link = link_evidence(
                store, use_case, practice, kind, ref, note=note, principal=who.principal
            )
    if as_json:
        emit_json(link.model_dump(mode="json"))
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
