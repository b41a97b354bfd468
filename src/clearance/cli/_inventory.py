"""`clearance inventory`: the Framework's annual inventory and the OMB inventory."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clearance.cli._errors import fail, user_errors
from clearance.cli._options import (
    JsonOption,
)
from clearance.cli._render import emit_json, err_console, out_console
from clearance.cli._session import open_session

if TYPE_CHECKING:
    pass

inventory_app = typer.Typer(
    help="The Framework's annual inventory and the OMB use-case inventory.", no_args_is_help=True
)


class InventoryFormat(StrEnum):
    FRAMEWORK_JSON = "framework-json"
    FRAMEWORK_CSV = "framework-csv"
    OMB_CSV = "omb-csv"


@inventory_app.command("export")
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


@inventory_app.command("check")
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
        emit_json(spec.model_dump(mode="json"))
        return
    out_console.print(f"{spec.name} {spec.version} (sha256 {spec.digest[:12]}…)", highlight=False)
    for field in spec.fields:
        need = "required" if field.required else "optional"
        allowed = f": {' | '.join(field.allowed)}" if field.allowed else ""
        out_console.print(f"- {field.name} [{field.kind}, {need}]{allowed}", highlight=False)
