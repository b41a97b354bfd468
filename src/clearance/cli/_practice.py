"""`clearance practice`: practices' status, owner, reviewer, evidence, independent evaluation."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clearance.cli._errors import fail, user_errors
from clearance.cli._options import (
    JsonOption,
    StatedAtOption,
    UseCaseArg,
    parse_when,
)
from clearance.cli._render import emit_json, out_console, styled
from clearance.cli._session import open_session
from clearance.cli._usecase_view import (
    print_practices,
    signed_when,
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


PracticesArg = Annotated[
    list[str], typer.Argument(help="One or more practice codes, e.g. impact-assessment.")
]


@practice_app.command("update")
def practice_update(
    use_case: UseCaseArg,
    practices: PracticesArg,
    status: Annotated[
        PracticeStatusChoice | None, typer.Option("--status", help="The practice's status.")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Who implements it.")] = None,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="Who reviews it.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note for the record.")] = None,
) -> None:
    """Set the status, owner or reviewer of one or more practices, or add a note."""
    from clearance.governance import update_practice

    with user_errors():
        store, who = open_session()
        for practice in practices:
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


@practice_app.command("link")
def practice_link(
    use_case: UseCaseArg,
    practices: PracticesArg,
    run: Annotated[str | None, typer.Option("--run", help="A run id.")] = None,
    finding: Annotated[str | None, typer.Option("--finding", help="A finding id.")] = None,
    mitigation: Annotated[str | None, typer.Option("--mitigation", help="A mitigation id.")] = None,
    policy: Annotated[
        str | None, typer.Option("--policy", help="A policy file, or 'default'.")
    ] = None,
    document: Annotated[
        str | None, typer.Option("--document", help="A file to upload, or a document id.")
    ] = None,
    signature: Annotated[
        str | None,
        typer.Option("--signature", help="A verified signature record (`clearance model verify`)."),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="What it shows.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Link one piece of evidence to one or more practices; its digests are pinned as they are
    now. A practice not started is then in progress; the output says what comes next."""
    from clearance.governance import link_document_file, link_evidence, next_step

    given = {
        k: v
        for k, v in {
            "run": run,
            "finding": finding,
            "mitigation": mitigation,
            "policy": policy,
            "document": document,
            "signature": signature,
        }.items()
        if v is not None
    }
    if len(given) != 1:
        fail(
            "give exactly one of --run, --finding, --mitigation, --policy, --document, --signature"
        )
    ((kind, ref),) = given.items()
    links = []
    with user_errors():
        store, who = open_session()
        for practice in practices:
            if kind == "document" and Path(ref).expanduser().is_file():
                # Uploaded once; the other practices link the stored document.
                link = link_document_file(
                    store, use_case, practice, ref, note=note, principal=who.principal
                )
                ref = link.ref
            else:
                link = link_evidence(
                    store, use_case, practice, kind, ref, note=note, principal=who.principal
                )
            links.append(link)
    if as_json:
        docs = [link.model_dump(mode="json") for link in links]
        emit_json(docs[0] if len(docs) == 1 else docs)
        return
    for practice, link in zip(practices, links, strict=True):
        # Pins are printed whole: a digest cut short cannot be checked against anything.
        pins = ", ".join(f"{k} {v}" for k, v in link.pinned.items() if v is not None)
        out_console.print(
            f"linked {link.kind} {link.ref} to {practice}: {pins}", highlight=False, soft_wrap=True
        )
        out_console.print(
            f"  next: {next_step(store, link.use_case_id, practice)}", highlight=False
        )


@practice_app.command("sign")
def practice_sign(
    use_case: UseCaseArg,
    practice: Annotated[
        str, typer.Argument(help="The practice to sign.")
    ] = "independent-evaluation",
    note: Annotated[str, typer.Option("--note", help="What was evaluated, and how.")] = "",
    at: StatedAtOption = None,
) -> None:
    """Sign the independent evaluation (not by a developer of the use case)."""
    from clearance.governance import sign_independent_evaluation

    with user_errors():
        store, who = open_session()
        record = sign_independent_evaluation(
            store,
            use_case,
            practice,
            note=note,
            signed_at=parse_when(at, "--at"),
            principal=who.principal,
        )
    out_console.print(
        f"{record.code}: [green]implemented[/], signed by {record.signed_by} {signed_when(record)}",
        highlight=False,
    )
