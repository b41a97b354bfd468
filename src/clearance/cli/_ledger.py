"""`clearance ledger ...`: verify the ledger, sign checkpoints, export it and check exports."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clearance.cli._errors import EXIT_TAMPERED, fail, user_errors
from clearance.cli._render import err_console, out_console
from clearance.errors import ClearanceError
from clearance.vocabulary import plural

if TYPE_CHECKING:
    from clearance.accountability import LedgerVerification
    from clearance.ledger import VerifyReport


app = typer.Typer(
    help="The tamper-evident ledger: verify it, sign checkpoints, export it for auditors. "
    "It records every change and cannot be switched off.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="JSON on stdout.")]


@contextmanager
def _ledger_errors() -> Iterator[None]:
    """As every command (user_errors, where a ledger that cannot be trusted exits 4 by its
    type), plus: the export and key files' own problems (an existing directory, a key others
    can read, a file that is not a key) are reported as the files' errors, not tracebacks."""
    with user_errors():
        try:
            yield
        except ClearanceError:
            raise
        except (FileExistsError, PermissionError, ValueError) as exc:
            fail(str(exc))


def _store_and_acting() -> tuple[Any, Any]:
    from clearance.accountability import acting
    from clearance.store import Store

    store = Store.open()
    return store, acting(store)


@app.command("verify")
def verify(
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint", help="A signed checkpoint file (default: the newest one written)."
        ),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(
            "--public-key", help="The checkpoint's public key (default: beside the signing key)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check every entry's hash and link, the log against a signed checkpoint (truncation), and
    every record against its last entry. Names the first bad entry and exits non-zero."""
    from clearance.accountability import verify_ledger

    with _ledger_errors():
        store, who = _store_and_acting()
        result = verify_ledger(
            store, who.principal, checkpoint_file=checkpoint, public_key_file=public_key
        )
    if as_json:
        sys.stdout.write(result.model_dump_json() + "\n")
    else:
        _print_verification(result)
    if not result.ok:
        raise typer.Exit(EXIT_TAMPERED)


def _print_verification(result: LedgerVerification) -> None:
    for note in result.notes:
        err_console.print(f"[yellow]note:[/] {note}", highlight=False)
    if not result.ok:
        err_console.print(
            f"[bold red]ledger verification FAILED[/]: {result.problem}", highlight=False
        )
        for extra in result.record_problems[1:]:
            err_console.print(f"  also: {extra.problem}", highlight=False)
        _print_withheld(result)
        return
    where = (
        f"; matches checkpoint {result.checkpoint} ({plural(result.checkpoint_size or 0, 'entry')})"
        if result.checkpoint
        else ""
    )
    out_console.print(
        f"[bold green]ledger verified[/]: {plural(result.entries_checked, 'entry')}, "
        f"{plural(result.records_checked, 'record')}, samples of "
        f"{plural(result.sample_runs_checked, 'run')}{where}; "
        f"Merkle root {result.merkle_root}",
        highlight=False,
    )
    _print_withheld(result)


def _print_withheld(result: LedgerVerification) -> None:
    if result.entries_withheld or result.records_withheld:
        err_console.print(
            f"[yellow]withheld[/]: {plural(result.entries_withheld, 'entry')} and "
            f"{plural(result.records_withheld, 'record')} above your clearance or outside your "
            "compartments were checked but are not named",
            highlight=False,
        )


@app.command("checkpoint")
def checkpoint(
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help="An Ed25519 PEM private key to sign with (default: "
            "$CLEARANCE_HOME/keys/ledger_ed25519.pem, created on first use).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Verify the ledger, then sign its size and Merkle root; prints the checkpoint file."""
    from clearance.accountability import create_checkpoint

    with _ledger_errors():
        store, who = _store_and_acting()
        written = create_checkpoint(store, who.principal, key_file=key)
    if as_json:
        doc = {"path": str(written.path), **written.checkpoint.model_dump(mode="json")}
        sys.stdout.write(json.dumps(doc) + "\n")
        return
    err_console.print(
        f"signed {plural(written.checkpoint.tree_size, 'entry')}, root {written.checkpoint.root} "
        f"(key {written.checkpoint.key_id})",
        highlight=False,
    )
    sys.stdout.write(f"{written.path}\n")


@app.command("rotate-key")
def rotate_key() -> None:
    """Replace the checkpoint signing key: checkpoints the log with the old key, records the new
    public key and the old key's endorsement as a ledger entry, keeps the old key under
    retired/, and signs and publishes the log with the new key (witnesses take it only with
    that endorsement)."""
    from clearance.accountability import rotate_signing_key

    with _ledger_errors():
        store, who = _store_and_acting()
        written = rotate_signing_key(store, who)
    err_console.print(
        f"signing key rotated to {written.checkpoint.key_id}; signed {written.checkpoint.tree_size}"
        f" entries"
        + (f", witnessed by {', '.join(written.witnessed_by)}" if written.witnessed_by else ""),
        highlight=False,
    )
    sys.stdout.write(f"{written.path}\n")


@app.command("export")
def export(
    directory: Annotated[Path, typer.Argument(help="A new (or empty) directory to write.")],
    key: Annotated[
        Path | None,
        typer.Option(
            "--key", help="The Ed25519 PEM private key to sign with (default: the store's)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Write the ledger, a signed checkpoint, the public key and the records you may read, for
    offline verification with `clearance ledger verify-export`."""
    from clearance.accountability import export_ledger

    with _ledger_errors():
        store, who = _store_and_acting()
        result = export_ledger(store, who, directory, key_file=key)
    if result.withheld or result.entries_withheld:
        noun = "record" if result.withheld == 1 else "records"
        err_console.print(
            f"[yellow]{result.withheld} {noun} withheld[/]: above your clearance or outside your "
            f"compartments; {plural(result.entries_withheld, 'entry')} written as their seq and "
            "hashes only (the chain still verifies)",
            highlight=False,
        )
    if result.in_progress:
        err_console.print(
            f"{plural(result.in_progress, 'run')} still in progress were left out", highlight=False
        )
    if as_json:
        sys.stdout.write(result.model_dump_json() + "\n")
        return
    out_console.print(f"[bold]{result.banner}[/]", highlight=False)
    out_console.print(
        f"exported {plural(result.entries, 'entry')} and {plural(result.records, 'record')} "
        f"to {result.directory} "
        f"(export {result.export_id}; checkpoint {result.checkpoint})",
        highlight=False,
    )


@app.command("verify-export")
def verify_export(
    directory: Annotated[Path, typer.Argument(help="The export directory.")],
    public_key: Annotated[
        Path,
        typer.Option(
            "--public-key", help="The signer's public key, obtained apart from the export."
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Check an export offline with nothing but its files and the public key: every file's
    digest, the chain, the signed checkpoint, and each record against its last entry."""
    from clearance.ledger import verify_export as verify_files
    from clearance.store import EXPORT_RECORD_TYPE, EXPORTED_RECORD_TYPES

    with _ledger_errors():
        if not directory.is_dir():
            fail(f"{directory} is not a directory; give the directory `ledger export` wrote")
        if not public_key.is_file():
            fail(f"public key {public_key} does not exist")
        report = verify_files(
            directory,
            public_key.read_bytes(),
            record_types=EXPORTED_RECORD_TYPES,
            statement_type=EXPORT_RECORD_TYPE,
        )
    if as_json:
        sys.stdout.write(report.model_dump_json() + "\n")
    else:
        _print_export_report(report)
    if not report.ok:
        raise typer.Exit(EXIT_TAMPERED)


def _print_export_report(report: VerifyReport) -> None:
    if report.ok:
        withheld = (
            f" ({report.entries_withheld} withheld: their seq and hashes only)"
            if report.entries_withheld
            else ""
        )
        out_console.print(
            f"[bold green]export verified[/]: {plural(report.entries_checked, 'entry')}"
            f"{withheld}, {plural(report.records_checked, 'record')}; "
            f"Merkle root {report.merkle_root}",
            highlight=False,
        )
        return
    at = f" at entry {report.first_bad_seq}" if report.first_bad_seq is not None else ""
    err_console.print(
        f"[bold red]export verification FAILED[/]{at}: {report.problem}", highlight=False
    )
