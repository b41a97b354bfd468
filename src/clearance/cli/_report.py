"""`clearance report annual|model|inventory|waivers`: reports made from the store alone."""

from __future__ import annotations

import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clearance.cli._errors import fail, user_errors
from clearance.cli._render import err_console, out_console
from clearance.cli._session import open_session
from clearance.vocabulary import plural

if TYPE_CHECKING:
    from clearance.reports import CoverDetails, Report, ReportKind

app = typer.Typer(
    help="Reports for leadership and the public: annual safety report, model evaluation report, "
    "use-case inventory and waiver summary, as HTML, PDF, DOCX, Markdown or JSON. "
    "Each carries its marking banner, the ledger checkpoint it reflects and its own SHA-256.",
    no_args_is_help=True,
)


class Format(StrEnum):
    HTML = "html"
    PDF = "pdf"
    DOCX = "docx"
    MD = "md"
    JSON = "json"


FormatOption = Annotated[
    Format,
    typer.Option("--format", "-f", help="html (self-contained), pdf, docx (Word), md or json."),
]
AgencyOption = Annotated[
    str | None, typer.Option("--agency", help="The agency, as the cover states it.")
]
OfficeOption = Annotated[
    str | None, typer.Option("--office", help="The office within the agency, for the cover.")
]


def _day(flag: str, help_text: str) -> Any:
    return typer.Option(flag, formats=["%Y-%m-%d"], help=help_text)


FromOption = Annotated[
    datetime | None,
    _day("--from", "First day of the reporting period (YYYY-MM-DD); earlier records are left out."),
]
ToOption = Annotated[
    datetime | None,
    _day("--to", "Last day of the reporting period (YYYY-MM-DD); later records are left out."),
]
PreparedByOption = Annotated[
    str | None,
    typer.Option("--prepared-by", help="Who prepared the report. Default: you, as signed in."),
]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Write here (a PDF or DOCX also gets PATH.sha256). Default: stdout, except for a "
        "PDF or DOCX, which goes to ./clearance-<report>.pdf (or .docx).",
    ),
]


def _emit(report: Report, fmt: Format, out: Path | None) -> None:
    from clearance.reports import render, write_report

    data = render(report, fmt.value)
    if out is None and fmt in (Format.PDF, Format.DOCX):
        out = Path(f"clearance-{report.kind}.{fmt.value}")
    # On stderr whether the report goes to a file or to stdout, so a reader of either knows.
    if report.withheld_total:
        err_console.print(
            f"[yellow]{plural(report.withheld_total, 'record')} withheld by your clearance; "
            "the report says which kinds[/]",
            highlight=False,
        )
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    written = write_report(data, out, fmt.value)
    for path in written:
        out_console.print(str(path.resolve()), highlight=False, soft_wrap=True)


def _details(
    agency: str | None,
    office: str | None,
    period_from: datetime | None,
    period_to: datetime | None,
    prepared_by: str | None,
) -> CoverDetails:
    from clearance.reports import CoverDetails

    return CoverDetails(
        agency=agency,
        office=office,
        period_from=period_from.date() if period_from else None,
        period_to=period_to.date() if period_to else None,
        prepared_by=prepared_by,
    ).check()


def _generate(
    kind: ReportKind,
    fmt: Format,
    out: Path | None,
    details: CoverDetails,
    model: str | None = None,
) -> None:
    from clearance.reports import build_report

    with user_errors():
        store, who = open_session()
        try:
            report = build_report(
                store, kind, model=model, principal=who.principal, details=details
            )
            _emit(report, fmt, out)
        finally:
            store.close()


@app.command("annual")
def annual(
    fmt: FormatOption = Format.HTML,
    out: OutOption = None,
    agency: AgencyOption = None,
    office: OfficeOption = None,
    period_from: FromOption = None,
    period_to: ToOption = None,
    prepared_by: PreparedByOption = None,
) -> None:
    """The annual safety report: a bottom line per model, (A) findings per model and domain,
    (B) mitigation need and efficacy, (C) adequacy of methods, with provenance and the ledger
    checkpoint in the appendices."""
    with user_errors():
        details = _details(agency, office, period_from, period_to, prepared_by)
    _generate("annual", fmt, out, details)


@app.command("model")
def model(
    spec: Annotated[
        str | None, typer.Argument(help="The model spec (as run) or its model id.")
    ] = None,
    model_option: Annotated[
        str | None, typer.Option("--model", "-m", help="The model (instead of the argument).")
    ] = None,
    fmt: FormatOption = Format.HTML,
    out: OutOption = None,
    agency: AgencyOption = None,
    office: OfficeOption = None,
    period_from: FromOption = None,
    period_to: ToOption = None,
    prepared_by: PreparedByOption = None,
) -> None:
    """One model's evaluation report: every domain, its runs and notable transcripts."""
    chosen = spec or model_option
    if not chosen:
        fail("give the model: `clearance report model gguf/smollm2-135m`")
    if spec and model_option and spec != model_option:
        fail(f"two different models given ({spec!r} and {model_option!r}); give one")
    with user_errors():
        details = _details(agency, office, period_from, period_to, prepared_by)
    _generate("model", fmt, out, details, chosen)


@app.command("inventory")
def inventory(
    fmt: FormatOption = Format.HTML,
    out: OutOption = None,
    agency: AgencyOption = None,
    office: OfficeOption = None,
    prepared_by: PreparedByOption = None,
) -> None:
    """The use-case inventory: each use case with its classes, decision and practices."""
    with user_errors():
        details = _details(agency, office, None, None, prepared_by)
    _generate("inventory", fmt, out, details)


@app.command("waivers")
def waivers(
    fmt: FormatOption = Format.HTML,
    out: OutOption = None,
    agency: AgencyOption = None,
    office: OfficeOption = None,
    period_from: FromOption = None,
    period_to: ToOption = None,
    prepared_by: PreparedByOption = None,
) -> None:
    """The waiver summary: each waiver's use case, practice, finding, grantor, dates and
    reporting, and the totals by justification (with --from/--to: those in force then)."""
    with user_errors():
        details = _details(agency, office, period_from, period_to, prepared_by)
    _generate("waivers", fmt, out, details)


@app.command("supply-chain")
def supply_chain(
    fmt: FormatOption = Format.HTML,
    out: OutOption = None,
    agency: AgencyOption = None,
    office: OfficeOption = None,
    prepared_by: PreparedByOption = None,
) -> None:
    """The supply-chain report: critical nodes and their avenues of disruption or compromise,
    critical technical artifacts and their custody, and signed weights (also
    `clearance supply-chain report`)."""
    with user_errors():
        details = _details(agency, office, None, None, prepared_by)
    _generate("supply-chain", fmt, out, details)


class Kind(StrEnum):
    ANNUAL = "annual"
    MODEL = "model"
    INVENTORY = "inventory"
    WAIVERS = "waivers"
    SUPPLY_CHAIN = "supply-chain"


@app.command("approve")
def approve(
    kind: Annotated[
        Kind, typer.Argument(help="annual, model, inventory, waivers or supply-chain.")
    ],
    model_option: Annotated[
        str | None, typer.Option("--model", "-m", help="The model, for a model report.")
    ] = None,
    period_from: FromOption = None,
    period_to: ToOption = None,
    note: Annotated[str, typer.Option("--note", help="Why, or on what condition.")] = "",
) -> None:
    """Approve a report for release (chief AI officer). The approval is recorded on the ledger;
    the report's cover then names you, and says if anything was recorded after you approved."""
    from clearance.reports import approve_report

    with user_errors():
        details = _details(None, None, period_from, period_to, None)
        store, who = open_session()
        try:
            approval = approve_report(
                store,
                kind.value,
                principal=who.principal,
                model=model_option,
                details=details,
                note=note,
            )
        finally:
            store.close()
    out_console.print(
        f"[green]approved[/]: the {kind.value} report, by {approval.approver}, at ledger entry "
        f"{approval.ledger_seq}",
        highlight=False,
    )


@app.command("verify")
def verify(
    path: Annotated[Path, typer.Argument(help="A rendered HTML, Markdown or JSON report.")],
) -> None:
    """Check that a report's stated SHA-256 matches its bytes (exit 1 when it does not)."""
    from clearance.reports import stated_digest, verify_report_digest

    with user_errors():
        data = path.read_bytes()
        digest = stated_digest(data)
        if not verify_report_digest(data):
            fail(f"{path}: the stated SHA-256 {digest} does not match: the file was altered")
    out_console.print(f"[green]ok[/]: {path} SHA-256 {digest}", highlight=False)
