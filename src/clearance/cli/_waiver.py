"""`clearance waiver`: the chief AI officer's waivers and their reporting."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from clearance.cli._errors import user_errors
from clearance.cli._options import (
    JsonOption,
    PracticeArg,
    PrintIdOption,
    StatedAtOption,
    UseCaseArg,
    parse_when,
)
from clearance.cli._render import emit_json, err_console, out_console
from clearance.cli._session import open_session
from clearance.cli._usecase_view import (
    waiver_line,
)

if TYPE_CHECKING:
    from clearance.governance import WaiverView

waiver_app = typer.Typer(
    help="The chief AI officer's waivers of minimum practices, and their reporting.",
    no_args_is_help=True,
)


ExpiresOption = Annotated[
    str | None, typer.Option("--expires", help="Expiry date (at most a year out).")
]
DaysOption = Annotated[int | None, typer.Option("--days", help="Or: lasts this many days.")]


@waiver_app.command("grant")
def waiver_grant(
    use_case: UseCaseArg,
    practice: PracticeArg,
    category: Annotated[str, typer.Option("--category", help="The Framework's justification.")],
    finding: Annotated[str, typer.Option("--finding", help="The written finding.")],
    expires: ExpiresOption = None,
    days: DaysOption = None,
    as_json: JsonOption = False,
    print_id: PrintIdOption = False,
    at: StatedAtOption = None,
) -> None:
    """Waive one practice of one use case (chief AI officer only). Report it within 3 days:
    `clearance waiver report WAIVER --to WHOM`."""
    from clearance.governance import grant_waiver

    with user_errors():
        store, who = open_session()
        view = grant_waiver(
            store,
            use_case,
            practice,
            category=category,
            finding=finding,
            expires_at=parse_when(expires, "--expires"),
            days=days,
            granted_at=parse_when(at, "--at"),
            principal=who.principal,
        )
    if print_id:
        err_console.print(waiver_line(view), highlight=False)
        sys.stdout.write(f"{view.waiver.id}\n")
        return
    _render_waiver(view, as_json)
    if not as_json:
        out_console.print(
            f"  next: report it within 3 days: `clearance waiver report {view.waiver.id} "
            '--to "WHOM"` (repeat --to for each recipient)',
            highlight=False,
        )


@waiver_app.command("revoke")
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


@waiver_app.command("renew")
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
            expires_at=parse_when(expires, "--expires"),
            days=days,
            principal=who.principal,
        )
    _render_waiver(view, as_json)


@waiver_app.command("report")
def waiver_report(
    waiver: Annotated[str, typer.Argument(help="The waiver id.")],
    to: Annotated[list[str], typer.Option("--to", help="To whom it was reported (repeatable).")],
    at: StatedAtOption = None,
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
            reported_at=parse_when(at, "--at"),
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
        emit_json(
            {
                "active": active,
                "total": len(views),
                "waivers": [v.model_dump(mode="json") for v in views],
            }
        )
        return
    for v in views:
        out_console.print(waiver_line(v), highlight=False)
    out_console.print(f"{active} active, {len(views)} total")
    if views.withheld_notice:
        err_console.print(views.withheld_notice)


def _render_waiver(view: WaiverView, as_json: bool) -> None:
    if as_json:
        emit_json(view.model_dump(mode="json"))
    else:
        out_console.print(waiver_line(view), highlight=False)
