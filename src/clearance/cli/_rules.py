"""`clearance rules`: the classification rules in force, the agency's own categories, and the
traceability of the Framework's text to what implements it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from clearance.cli._errors import fail, user_errors
from clearance.cli._render import err_console, out_console
from clearance.cli._session import open_session

app = typer.Typer(
    help="The Framework's rules, an agency's added categories, and traceability to the text.",
    no_args_is_help=True,
)


@app.command("trace")
def rules_trace(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write it here, e.g. docs/framework-traceability.md."),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Only check that --out is current; exit 1 if not.")
    ] = False,
) -> None:
    """Every provision of the Framework's Pillars I-IV and the NSM duties served, with the rule,
    practice or command that implements it and the tests that check it, or why not."""
    from clearance.governance import traceability_markdown

    with user_errors():
        text = traceability_markdown()
    if out is None:
        if check:
            fail("--check compares against a file: give --out PATH")
        sys.stdout.write(text)
        return
    if check:
        current = out.read_text(encoding="utf-8") if out.exists() else None
        if current != text:
            fail(f"{out} is not current: run `clearance rules trace --out {out}`")
        err_console.print(f"{out} is current")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    err_console.print(f"wrote {out}")


@app.command("show")
def rules_show(
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """The rules in force: the Framework's, with the agency's adopted categories over them."""
    from clearance.governance import adopted_rules_document, rules_in_force

    with user_errors():
        store, _ = open_session()
        loaded = rules_in_force(store)
        adopted = adopted_rules_document(store)
    rules = loaded.rules.rules
    doc = {
        "name": loaded.rules.name,
        "version": loaded.rules.version,
        "sha256": loaded.digest,
        "adopted": None if adopted is None else {"id": adopted.id, "by": adopted.created_by},
        "rules": [
            {"id": r.id, "class": r.risk_class, "agency": r.agency, "annex": r.annex} for r in rules
        ],
    }
    if as_json:
        sys.stdout.write(json.dumps(doc) + "\n")
        return
    out_console.print(f"{loaded.rules.name} {loaded.rules.version} (sha256 {loaded.digest[:12]}…)")
    for r in rules:
        added = f" [dim](added by {r.agency}{', annex ' + r.annex if r.annex else ''})[/]"
        out_console.print(
            f"  {r.id} {r.risk_class.replace('_', '-')}: {r.title}" + (added if r.agency else ""),
            highlight=False,
        )


@app.command("adopt")
def rules_adopt(
    file: Annotated[Path, typer.Argument(help="The agency rules file (YAML).")],
) -> None:
    """Adopt an agency rules file: the categories the Department Head added, layered over the
    Framework's. Chief AI officer only; stored whole and ledgered. Use cases classified before
    show as classified under an older rules file until `clearance usecase classify`."""
    from clearance.governance import adopt_agency_rules, rules_in_force

    with user_errors():
        store, who = open_session()
        record = adopt_agency_rules(store, file, principal=who.principal)
        loaded = rules_in_force(store)
    out_console.print(
        f"adopted {record.id}: rules in force are {loaded.rules.name} {loaded.rules.version}",
        highlight=False,
    )


@app.command("list")
def rules_list(
    annex: Annotated[
        bool, typer.Option("--annex", help="The classified annex instead (needs clearance).")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write it to a file.")] = None,
) -> None:
    """The categories the agency added, as the unclassified public list the Framework requires,
    or (--annex) its classified annex under its marking."""
    from clearance.governance import agency_category_list, rules_in_force

    with user_errors():
        store, who = open_session()
        text = agency_category_list(rules_in_force(store), annex=annex, reader=who.principal)
    if out is None:
        sys.stdout.write(text)
        return
    out.write_text(text, encoding="utf-8")
    err_console.print(f"wrote {out}")
