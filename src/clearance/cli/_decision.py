"""`clearance decision`: request, approve, deny or suspend a use case."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from clearance.cli._errors import user_errors
from clearance.cli._options import (
    JsonOption,
    RationaleOption,
    StatedAtOption,
    UseCaseArg,
    parse_when,
    recorded_and_stated,
)
from clearance.cli._render import emit_json, out_console
from clearance.cli._session import open_session

if TYPE_CHECKING:
    pass

decision_app = typer.Typer(
    help="Request, approve, deny or suspend a use case.", no_args_is_help=True
)


def _print_decision_record(kind: str, record: Any) -> None:
    when = recorded_and_stated(record.created_at, record.stated_at)
    line = f"{kind} recorded: {record.id} at {when}"
    if record.review_due:
        line += f"; annual review due {record.review_due:%Y-%m-%d}"
    out_console.print(line, highlight=False)


def _decide(
    decide: Callable[..., Any],
    label: str,
    use_case: str,
    rationale: str,
    at: str | None,
    **terms: Any,
) -> Any:
    """A decision with its rationale, stated time and any further ``terms``, recorded and
    printed; returns the record."""
    with user_errors():
        store, who = open_session()
        record = decide(
            store,
            use_case,
            rationale=rationale,
            stated_at=parse_when(at, "--at"),
            principal=who.principal,
            **terms,
        )
    _print_decision_record(label, record)
    return record


@decision_app.command("request")
def decision_request(
    use_case: UseCaseArg, rationale: RationaleOption, at: StatedAtOption = None
) -> None:
    """Ask for a decision (whoever asks cannot approve)."""
    from clearance.governance import request_decision

    _decide(request_decision, "request", use_case, rationale, at)


@decision_app.command("approve")
def decision_approve(
    use_case: UseCaseArg,
    rationale: RationaleOption,
    review_by: Annotated[
        str | None, typer.Option("--review-by", help="Review date (within a year).")
    ] = None,
    accept_risk: Annotated[
        list[str] | None,
        typer.Option(
            "--accept-risk",
            help="Accept an open `exceeds` finding of the evidence, by finding id or threshold id "
            "(repeatable; every open finding must be named).",
        ),
    ] = None,
    risk_rationale: Annotated[
        str,
        typer.Option("--risk-rationale", help="Why the use may go ahead over the accepted risk."),
    ] = "",
    at: StatedAtOption = None,
) -> None:
    """Approve: every required practice implemented or waived; pins the evidence's digests.
    Evidence holding an `exceeds` finding needs --accept-risk and --risk-rationale."""
    from clearance.governance import approve_use_case

    with user_errors():
        review = parse_when(review_by, "--review-by")
    record = _decide(
        approve_use_case,
        "approval",
        use_case,
        rationale,
        at,
        review_by=review,
        accept_risks=accept_risk or [],
        risk_rationale=risk_rationale,
    )
    accepted = record.pinned.get("risk_acceptance")
    if accepted:
        names = ", ".join(f["finding_id"] for f in accepted["findings"])
        out_console.print(f"risk accepted, on the record: {names}", highlight=False)


@decision_app.command("deny")
def decision_deny(
    use_case: UseCaseArg, rationale: RationaleOption, at: StatedAtOption = None
) -> None:
    """Deny a use case."""
    from clearance.governance import deny_use_case

    _decide(deny_use_case, "denial", use_case, rationale, at)


@decision_app.command("suspend")
def decision_suspend(
    use_case: UseCaseArg, rationale: RationaleOption, at: StatedAtOption = None
) -> None:
    """Suspend an approved use case."""
    from clearance.governance import suspend_use_case

    _decide(suspend_use_case, "suspension", use_case, rationale, at)


@decision_app.command("list")
def decision_list(use_case: UseCaseArg, as_json: JsonOption = False) -> None:
    """A use case's requests and decisions, newest first."""
    from clearance.governance import list_decisions

    with user_errors():
        store, who = open_session()
        found = list_decisions(store, use_case, principal=who.principal)
    if as_json:
        emit_json([d.model_dump(mode="json") for d in found])
        return
    table = Table(show_header=True, header_style="bold")
    for col in ("id", "recorded (stated)", "kind", "by", "rationale"):
        table.add_column(col)
    for d in found:
        when = recorded_and_stated(d.created_at, d.stated_at)
        table.add_row(d.id, when, d.kind, d.created_by, d.rationale)
    out_console.print(table)
