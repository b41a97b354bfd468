"""`clearance bom`, `clearance model sign|verify`, `clearance cta ...` and
`clearance supply-chain ...`: the AI supply chain (NSM 3.2(b)(ii), 3.2(c), 3.3(f)(iii))."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from clearance.atomicfile import write_bytes_atomically
from clearance.cli._errors import user_errors
from clearance.cli._render import err_console
from clearance.cli._session import open_session


def bom(
    model: Annotated[str, typer.Argument(help="The model's spec (or models.id).")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the BOM here instead of stdout.")
    ] = None,
    supplier: Annotated[
        str | None, typer.Option("--supplier", help="Who supplies the model (default: provider).")
    ] = None,
    licence: Annotated[
        str | None, typer.Option("--licence", help="The model's licence, an SPDX expression.")
    ] = None,
) -> None:
    """The model's AI bill of materials, CycloneDX 1.6 JSON: the model with its weight files'
    hashes, its model card (the latest assessment's metrics with their intervals, and
    governance's considerations), the evaluation datasets and the toolchain's packages."""
    from clearance.supplychain import build_bom

    with user_errors():
        store, who = open_session()
        made = build_bom(store, model, principal=who.principal, supplier=supplier, licence=licence)
        text = made.json()
        if out is None:
            sys.stdout.write(text)
            return
        write_bytes_atomically(out, text.encode("utf-8"))
    err_console.print(f"wrote {out} (CycloneDX 1.6, marked {made.marking.banner()})")
