"""`clearance db ...`: the store's schema: where it stands, and upgrading it."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from clearance.cli._errors import user_errors
from clearance.cli._render import out_console, terminal_safe

if TYPE_CHECKING:
    from clearance.store import SchemaStatus

app = typer.Typer(
    help="The store's schema: `status` says whether it is at this Clearance's newest migration, "
    "`upgrade` brings it there. Commands upgrade the store when they open it, unless "
    "CLEARANCE_AUTO_MIGRATE=off (a team's database, upgraded by its administrator).",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="JSON on stdout.")]


def _show(status: SchemaStatus, as_json: bool, before: str | None = None) -> None:
    if as_json:
        fields: dict[str, object] = {
            "location": status.location,
            "dialect": status.dialect,
            "current": status.current,
            "head": status.head,
            "pending": list(status.pending),
            "up_to_date": status.up_to_date,
            "pool": status.pool,
            "before": before,
        }
        sys.stdout.write(json.dumps(fields) + "\n")
        return
    out_console.print(f"store   {terminal_safe(status.location)} ({status.dialect})", markup=False)
    if before is not None and before != status.current:
        out_console.print(f"upgraded from {before or '(no schema)'} to {status.current}")
    out_console.print(f"schema  {status.current or '(none)'}; newest {status.head}", markup=False)
    if status.up_to_date:
        out_console.print("up to date")
    else:
        out_console.print(
            f"{len(status.pending)} migration(s) pending: {', '.join(status.pending)} "
            "(`clearance db upgrade` applies them)",
            markup=False,
        )
    if status.pool:
        pool = ", ".join(f"{k}={v:g}" for k, v in status.pool.items())
        out_console.print(f"pool    {pool} (per process)", markup=False)


@app.command("status")
def status(as_json: JsonOption = False) -> None:
    """Where the store's schema stands (changes nothing). Exit 0 up to date, 1 behind."""
    from clearance.store import schema_status

    with user_errors():
        found = schema_status()
    _show(found, as_json)
    if not found.up_to_date:
        raise typer.Exit(1)


@app.command("upgrade")
def upgrade(as_json: JsonOption = False) -> None:
    """Apply the pending migrations (none: nothing happens). Back the database up first."""
    from clearance.store import schema_status

    with user_errors():
        before = schema_status().current
        after = schema_status(upgrade=True)
    _show(after, as_json, before=before)
