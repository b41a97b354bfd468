"""`clearance run ...`: change a stored run (its marking)."""

from __future__ import annotations

from typing import Annotated

import typer

from clearance.cli._errors import user_errors
from clearance.cli._render import out_console
from clearance.cli._session import open_session

run_app = typer.Typer(help="Change a stored run: its marking.", no_args_is_help=True)


@run_app.command("remark")
def remark(
    run_id: Annotated[str, typer.Argument(help="The run id (or a unique prefix of it).")],
    marking: Annotated[
        str, typer.Option("--marking", help="The new marking, e.g. SECRET//BIO or UNCLASSIFIED.")
    ],
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason", help="Why; required to lower a marking (admins only), and ledgered."
        ),
    ] = None,
) -> None:
    """Change a run's marking. Raising needs marking.raise; lowering needs the admin role and a
    reason. Either way you must be cleared for both markings. One ledger entry."""
    from clearance.access import Marking
    from clearance.accountability import remark_run

    with user_errors():
        new = Marking.parse(marking)
        store, who = open_session()
        result = remark_run(store, who, run_id, new, reason)
    if result.direction == "unchanged":
        out_console.print(f"run {result.run.id} is already {result.new}: nothing changed")
    else:
        out_console.print(
            f"run {result.run.id}: {result.old} -> {result.new} "
            f"({'raised' if result.direction == 'raise' else 'lowered'}; ledgered)",
            highlight=False,
        )
