"""`clearance incident`: incident and misuse reports."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from clearance.cli._errors import user_errors
from clearance.cli._options import (
    JsonOption,
    parse_marking,
    parse_when,
)
from clearance.cli._render import emit_json, err_console, out_console
from clearance.cli._session import open_session

if TYPE_CHECKING:
    pass

incident_app = typer.Typer(help="Incidents and misuse reports.", no_args_is_help=True)


class IncidentKindChoice(StrEnum):
    INCIDENT = "incident"
    MISUSE = "misuse"


class SeverityChoice(StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    CRITICAL = "critical"


@incident_app.command("add")
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
            occurred_at=parse_when(occurred, "--occurred"),
            anonymous=anonymous,
            marking=parse_marking(marking),
            principal=who.principal,
        )
    if as_json:
        emit_json(record.model_dump(mode="json"))
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
        emit_json([i.model_dump(mode="json") for i in found])
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
        emit_json(record.model_dump(mode="json"))
        return
    out_console.print(f"[bold]{record.id}[/] {record.kind} ({record.severity})", highlight=False)
    out_console.print(record.summary, highlight=False)
    out_console.print(record.description, highlight=False)
    out_console.print(f"reported by {record.created_by} {record.created_at:%Y-%m-%d %H:%M}")
