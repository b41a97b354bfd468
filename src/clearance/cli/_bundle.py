"""`clearance bundle ...`: signed evidence bundles between stores, and the 30-day sharing duty."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from clearance.cli._errors import user_errors
from clearance.cli._options import JsonOption
from clearance.cli._render import err_console, out_console
from clearance.cli._session import open_session

bundle_app = typer.Typer(
    help="Signed evidence bundles: runs, samples and assessments with ledger proofs, for "
    "another agency's store; and the runs still due to be shared.",
    no_args_is_help=True,
)
BundleArg = Annotated[Path, typer.Argument(help="The bundle file.")]
PublicKeyOption = Annotated[
    Path, typer.Option("--public-key", help="The issuer's public key (PEM), to check it against.")
]


def _read(file: Path, public_key: Path) -> tuple[bytes, Any]:
    """The bundle's bytes and the issuer's key, each file named if it cannot be read."""
    from clearance.interop import InteropError, read_public_key

    if not file.is_file():
        raise InteropError(f"{file}: no such bundle file")
    return file.read_bytes(), read_public_key(public_key)


@bundle_app.command("create")
def create(
    runs: Annotated[list[str], typer.Option("--runs", help="A run id (repeatable).")],
    recipient: Annotated[
        str,
        typer.Option(
            "--for",
            help="The recipient's clearance: LEVEL or LEVEL//COMPARTMENT..., e.g. SECRET//BIO.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="The bundle file to write.")],
    assessments: Annotated[
        list[str] | None, typer.Option("--assessments", help="An assessment id (repeatable).")
    ] = None,
) -> None:
    """Bundle runs (and assessments) for a recipient cleared for --for; what that clearance
    does not allow is left out. Records the sharing on each run."""
    from clearance.access import Marking
    from clearance.interop import create_bundle

    with user_errors():
        store, who = open_session()
        wanted = Marking.parse(recipient)
        made = create_bundle(
            store, who, runs=runs, assessments=assessments or [], recipient=wanted, out=out
        )
    out_console.print(
        f"wrote {made.path}: {len(made.runs)} runs, {len(made.assessments)} assessments, "
        f"marked {made.marking}; checkpoint of {made.checkpoint.tree_size} entries signed by "
        f"{made.checkpoint.key_id}",
        highlight=False,
    )
    if made.withheld:
        err_console.print(
            f"left out {made.withheld} records above the recipient's clearance {recipient}",
            highlight=False,
        )


@bundle_app.command("verify")
def verify(file: BundleArg, public_key: PublicKeyOption) -> None:
    """Check a bundle offline: signatures, ledger inclusion proofs, samples, markings."""
    from clearance.interop import verify_bundle

    with user_errors():
        bundle = verify_bundle(*_read(file, public_key))
    out_console.print(
        f"bundle {bundle.bundle_id} verified: {len(bundle.runs)} runs, marked "
        f"{bundle.marking.banner()}, for {bundle.recipient_clearance.banner()}; issuer key "
        f"{bundle.issuer_key_id}, checkpoint of {bundle.checkpoint.tree_size} entries",
        highlight=False,
    )


@bundle_app.command("import")
def import_(file: BundleArg, public_key: PublicKeyOption) -> None:
    """Verify a bundle, then import its runs into this store, each naming its origin."""
    from clearance.interop import import_bundle

    with user_errors():
        data, key = _read(file, public_key)
        store, who = open_session()
        done = import_bundle(store, who, data, key)
    out_console.print(
        f"bundle {done.bundle.bundle_id} from issuer {done.bundle.issuer_key_id}: imported "
        f"{len(done.created)} runs ({len(done.already)} already here)",
        highlight=False,
    )
    for run_id in done.created:
        out_console.print(f"  {run_id}", highlight=False)


@bundle_app.command("due")
def due(as_json: JsonOption = False) -> None:
    """Completed runs not yet shared in a bundle, with the date the 30-day duty falls due."""
    from clearance.interop import sharing_due

    with user_errors():
        store, who = open_session()
        rows = sharing_due(store, who.principal)
    if as_json:
        out_console.print_json(json.dumps([
            {"run": d.run.id, "task": d.run.task_name, "completed_at": d.completed_at.isoformat(),
             "due": d.due.isoformat(), "overdue": d.overdue}
            for d in rows
        ]))  # fmt: skip
        return
    if not rows:
        out_console.print("every completed run you can see has been shared")
        return
    for d in rows:
        late = "  OVERDUE" if d.overdue else ""
        out_console.print(
            f"{d.run.id}  {d.run.task_name}  completed {d.completed_at:%Y-%m-%d}  "
            f"due {d.due:%Y-%m-%d}{late}",
            highlight=False,
        )
