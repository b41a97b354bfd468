"""`clearance cta ...`: weights held as critical technical artifacts and their custody."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.table import Table

from clearance.cli._errors import user_errors
from clearance.cli._options import JsonOption
from clearance.cli._render import emit_json, err_console, out_console
from clearance.cli._session import open_session

if TYPE_CHECKING:
    from clearance.supplychain import CustodyKind


cta_app = typer.Typer(
    help="Weights held as critical technical artifacts (NSM 3.2(c)): register them with a "
    "marking and a custodian, and record every export, copy to a facility, evaluation and "
    "transfer as a custody entry on the ledger.",
    no_args_is_help=True,
)


@cta_app.command("register")
def cta_register(
    name: Annotated[str, typer.Argument(help="What the artifact is called.")],
    custodian: Annotated[str, typer.Option("--custodian", help="Who holds it.")],
    location: Annotated[str, typer.Option("--location", help="Where it is held.")],
    weights: Annotated[
        Path | None, typer.Option("--weights", help="The weights (file or directory) to digest.")
    ] = None,
    sha256: Annotated[
        str | None, typer.Option("--sha256", help="Their SHA-256, when they are not at hand.")
    ] = None,
    marking: Annotated[
        str, typer.Option("--marking", help="LEVEL//COMPARTMENT..., e.g. SECRET//BIO.")
    ] = "UNCLASSIFIED",
    description: Annotated[str, typer.Option("--description", "-d")] = "",
) -> None:
    """Register weights as a critical technical artifact (the first custody entry)."""
    from clearance.access import Marking
    from clearance.supplychain import register_artifact

    with user_errors():
        store, who = open_session()
        made = register_artifact(
            store, name=name, custodian=custodian, location=location,
            marking=Marking.parse(marking), principal=who.principal, path=weights,
            weights_sha256=sha256, description=description,
        )  # fmt: skip
    out_console.print(made.id)
    err_console.print(
        f"registered {made.name} (sha256 {made.weights_sha256[:12]}…), held by {made.custodian} "
        f"at {made.location}, marked {marking_banner(made)}",
        highlight=False,
    )


@cta_app.command("record")
def cta_record(
    artifact: Annotated[str, typer.Argument(help="The artifact's id (or prefix, or name).")],
    kind: Annotated[
        str, typer.Option("--kind", help="export, copy, evaluation, transfer, return or destroy.")
    ],
    destination: Annotated[
        str, typer.Option("--destination", help="Where it went (a facility, a system).")
    ],
    to: Annotated[str | None, typer.Option("--to", help="The receiving custodian.")] = None,
    weights: Annotated[
        Path | None,
        typer.Option("--weights", help="The weights as moved: digested and compared."),
    ] = None,
    run_id: Annotated[str | None, typer.Option("--run", help="The run that moved them.")] = None,
    note: Annotated[str, typer.Option("--note")] = "",
) -> None:
    """Record one movement of an artifact; weights whose digest is not the registered one are
    recorded as such and the command ends with exit code 1."""
    from clearance.supplychain import record_custody

    with user_errors():
        store, who = open_session()
        entry = record_custody(
            store, artifact, kind=cast("CustodyKind", kind), destination=destination,
            principal=who.principal, to_custodian=to, path=weights, run_id=run_id, note=note,
        )  # fmt: skip
    out_console.print(entry.id)


@cta_app.command("list")
def cta_list(as_json: JsonOption = False) -> None:
    """Artifacts you may read, each with its custody entries."""
    from clearance.supplychain import custody_of

    with user_errors():
        store, who = open_session()
        held = custody_of(store, principal=who.principal)
    if as_json:
        emit_json(
            [
                {
                    **h.artifact.model_dump(mode="json"),
                    "custody": [e.model_dump(mode="json") for e in h.entries],
                }
                for h in held
            ]
        )
        return
    table = Table(show_header=True, header_style="bold")
    for col in ("artifact", "custodian", "where", "entries", "marking"):
        table.add_column(col)
    for h in held:
        table.add_row(
            f"{h.artifact.id}\n{h.artifact.name}", h.artifact.custodian, h.artifact.location,
            "\n".join(f"{e.occurred_at:%Y-%m-%d} {e.kind} → {e.destination}" for e in h.entries),
            marking_banner(h.artifact),
        )  # fmt: skip
    out_console.print(table)


def marking_banner(record: Any) -> str:
    """A stored record's marking, as a banner."""
    from clearance.access import marking_of

    return str(marking_of(record).banner())
