"""`clearance bom` and `clearance model sign|verify`: a model's AI bill of materials and its
signed weights (the supply chain's custody is `_custody`, its critical nodes `_nodes`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clearance.atomicfile import write_bytes_atomically
from clearance.cli._errors import user_errors
from clearance.cli._render import err_console
from clearance.cli._session import open_session

if TYPE_CHECKING:
    from clearance.access import Principal
    from clearance.store import Store

if TYPE_CHECKING:
    pass


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


model_app = typer.Typer(
    help="Signed weights (OpenSSF model-signing, offline): sign a model's weights with a key or "
    "a certificate, and verify them; each result is recorded on the model.",
    no_args_is_help=True,
)

WeightsArgument = Annotated[
    Path, typer.Argument(help="The weights: a model file (.gguf) or a model directory.")
]
SignatureOption = Annotated[
    Path | None,
    typer.Option("--signature", help="The signature file (default: PATH.sig beside the weights)."),
]


@model_app.command("sign")
def model_sign(
    path: WeightsArgument,
    key: Annotated[
        Path, typer.Option("--key", help="The private key (PEM, elliptic curve, unencrypted).")
    ],
    certificate: Annotated[
        Path | None,
        typer.Option("--certificate", help="Certificate mode: the key's signing certificate."),
    ] = None,
    chain: Annotated[
        list[Path] | None,
        typer.Option("--chain", help="Certificate mode: a CA certificate above it (repeatable)."),
    ] = None,
    signature: SignatureOption = None,
) -> None:
    """Sign the weights and record the signing (with the public key or chain to check it by)."""
    from clearance.supplychain import sign_weights

    with user_errors():
        store, who = open_session()
        record = sign_weights(
            store, path, private_key=key, certificate=certificate, chain=chain or [],
            signature=signature, principal=who.principal,
        )  # fmt: skip
    err_console.print(
        f"signed {record.path} (weights sha256 {record.weights_sha256[:12]}…) by {record.signer}; "
        f"recorded as {record.id}",
        highlight=False,
    )


@model_app.command("verify")
def model_verify(
    path: WeightsArgument,
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="Key mode: the signer's public key (PEM).")
    ] = None,
    certificate: Annotated[
        list[Path] | None,
        typer.Option("--certificate", help="Certificate mode: a CA certificate to trust."),
    ] = None,
    signature: SignatureOption = None,
) -> None:
    """Verify the weights' signature; the outcome is recorded on the model either way, and a
    signature that does not verify ends the command with exit code 1."""
    from clearance.supplychain import SupplyChainError, Trust, verify_weights

    with user_errors():
        if (public_key is None) == (not certificate):
            raise SupplyChainError("give exactly one of --public-key KEY or --certificate CA")
        trust = Trust.public_key(public_key) if public_key else Trust.chain(certificate or [])
        store, who = open_session()
        record = verify_weights(store, path, trust, principal=who.principal, signature=signature)
    err_console.print(
        f"verified {record.path}: signed by {record.signer}; recorded as {record.id}",
        highlight=False,
    )


def check_before_evaluation(store: Store, model: str, principal: Principal) -> None:
    """Verify local weights' signature, when one lies beside them, before evaluating them; an
    evaluation of weights held as a critical technical artifact is a custody entry."""
    from clearance.supplychain import record_evaluation_custody, verify_before_evaluation

    checked = verify_before_evaluation(store, model, principal=principal)
    if checked is not None:
        err_console.print(
            f"signature verified: {checked.path} signed by {checked.signer} ({checked.id})",
            highlight=False,
        )
    moved = record_evaluation_custody(store, model, principal=principal)
    if moved is not None:
        err_console.print(
            f"custody: evaluation of critical artifact {moved.artifact_id} recorded ({moved.id})",
            highlight=False,
        )
