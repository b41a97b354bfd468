"""`clearance bom`, `clearance model sign|verify`, `clearance cta ...` and
`clearance supply-chain ...`: the AI supply chain (NSM 3.2(b)(ii), 3.2(c), 3.3(f)(iii))."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from pydantic import ValidationError
from rich.table import Table

from clearance.atomicfile import write_bytes_atomically
from clearance.cli import _report
from clearance.cli._errors import user_errors, validation_message
from clearance.cli._options import JsonOption
from clearance.cli._render import emit_json, err_console, out_console
from clearance.cli._session import open_session
from clearance.vocabulary import plural

if TYPE_CHECKING:
    from clearance.supplychain import Avenue


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


cta_app = typer.Typer(
    help="Weights held as critical technical artifacts (NSM 3.2(c)): register them with a "
    "marking and a custodian, and record every export, copy to a facility, evaluation and "
    "transfer as a custody entry on the ledger.",
    no_args_is_help=True,
)


@cta_app.command("register")
def cta_register(
    name: Annotated[str, typer.Argument(help="What the artifact is called.")],
    custodian: Annotated[str, typer.Option("--custodian", help="Who holds it.")],
    location: Annotated[str, typer.Option("--location", help="Where it is held.")],
    weights: Annotated[
        Path | None, typer.Option("--weights", help="The weights (file or directory) to digest.")
    ] = None,
    sha256: Annotated[
        str | None, typer.Option("--sha256", help="Their SHA-256, when they are not at hand.")
    ] = None,
    marking: Annotated[
        str, typer.Option("--marking", help="LEVEL//COMPARTMENT..., e.g. SECRET//BIO.")
    ] = "UNCLASSIFIED",
    description: Annotated[str, typer.Option("--description", "-d")] = "",
) -> None:
    """Register weights as a critical technical artifact (the first custody entry)."""
    from clearance.access import Marking
    from clearance.supplychain import register_artifact

    with user_errors():
        store, who = open_session()
        made = register_artifact(
            store, name=name, custodian=custodian, location=location,
            marking=Marking.parse(marking), principal=who.principal, path=weights,
            weights_sha256=sha256, description=description,
        )  # fmt: skip
    out_console.print(made.id)
    err_console.print(
        f"registered {made.name} (sha256 {made.weights_sha256[:12]}…), held by {made.custodian} "
        f"at {made.location}, marked {marking_banner(made)}",
        highlight=False,
    )


@cta_app.command("record")
def cta_record(
    artifact: Annotated[str, typer.Argument(help="The artifact's id (or prefix, or name).")],
    kind: Annotated[
        str, typer.Option("--kind", help="export, copy, evaluation, transfer, return or destroy.")
    ],
    destination: Annotated[
        str, typer.Option("--destination", help="Where it went (a facility, a system).")
    ],
    to: Annotated[str | None, typer.Option("--to", help="The receiving custodian.")] = None,
    weights: Annotated[
        Path | None,
        typer.Option("--weights", help="The weights as moved: digested and compared."),
    ] = None,
    run_id: Annotated[str | None, typer.Option("--run", help="The run that moved them.")] = None,
    note: Annotated[str, typer.Option("--note")] = "",
) -> None:
    """Record one movement of an artifact; weights whose digest is not the registered one are
    recorded as such and the command ends with exit code 1."""
    from clearance.supplychain import CustodyKind, record_custody

    with user_errors():
        store, who = open_session()
        entry = record_custody(
            store, artifact, kind=cast("CustodyKind", kind), destination=destination,
            principal=who.principal, to_custodian=to, path=weights, run_id=run_id, note=note,
        )  # fmt: skip
    out_console.print(entry.id)


@cta_app.command("list")
def cta_list(as_json: JsonOption = False) -> None:
    """Artifacts you may read, each with its custody entries."""
    from clearance.supplychain import custody_of

    with user_errors():
        store, who = open_session()
        held = custody_of(store, principal=who.principal)
    if as_json:
        emit_json(
            [
                {
                    **h.artifact.model_dump(mode="json"),
                    "custody": [e.model_dump(mode="json") for e in h.entries],
                }
                for h in held
            ]
        )
        return
    table = Table(show_header=True, header_style="bold")
    for col in ("artifact", "custodian", "where", "entries", "marking"):
        table.add_column(col)
    for h in held:
        table.add_row(
            f"{h.artifact.id}\n{h.artifact.name}", h.artifact.custodian, h.artifact.location,
            "\n".join(f"{e.occurred_at:%Y-%m-%d} {e.kind} → {e.destination}" for e in h.entries),
            marking_banner(h.artifact),
        )  # fmt: skip
    out_console.print(table)


supply_chain_app = typer.Typer(
    help="The AI supply chain's critical nodes (NSM 3.2(b)(ii)) and the supply-chain report.",
    no_args_is_help=True,
)
node_app = typer.Typer(
    help="The register of critical nodes: weights, datasets, hosting and inference providers, "
    "libraries and vendors, with their avenues of disruption or compromise.",
    no_args_is_help=True,
)
supply_chain_app.add_typer(node_app, name="node")
supply_chain_app.command("report")(_report.supply_chain)

ReviewOption = Annotated[
    datetime, typer.Option("--review-by", formats=["%Y-%m-%d"], help="Next review (YYYY-MM-DD).")
]


@node_app.command("add")
def node_add(
    name: Annotated[str, typer.Argument(help="The node's name.")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="weights, dataset, hosting, inference-provider, library or vendor.",
        ),
    ],
    owner: Annotated[str, typer.Option("--owner", help="Who answers for the node.")],
    review_by: ReviewOption,
    avenue: Annotated[
        list[str] | None,
        typer.Option(
            "--avenue",
            help="AVENUE[;LIKELIHOOD;IMPACT[;MITIGATION...]]: a plausible avenue of disruption "
            "or compromise, rated low, medium or high (repeatable).",
        ),
    ] = None,
    ref: Annotated[str, typer.Option("--ref", help="A package URL, digest or endpoint.")] = "",
    marking: Annotated[str, typer.Option("--marking")] = "UNCLASSIFIED",
) -> None:
    """Add a node to the register by hand."""
    from clearance.access import Marking
    from clearance.supplychain import add_node

    with user_errors():
        avenues = [_avenue(text) for text in avenue or []]
        store, who = open_session()
        node = add_node(
            store, name=name, kind=kind, owner=owner, review_due=_utc(review_by),
            avenues=avenues, ref=ref, marking=Marking.parse(marking), principal=who.principal,
        )  # fmt: skip
    out_console.print(node.id)


@node_app.command("seed")
def node_seed(
    model: Annotated[str, typer.Argument(help="The model whose BOM seeds the register.")],
    owner: Annotated[str, typer.Option("--owner", help="Who answers for the new nodes.")],
    within: Annotated[
        int, typer.Option("--review-within", min=1, help="Days to first review.")
    ] = 90,
) -> None:
    """Add the nodes of a model's bill of materials the register does not hold yet."""
    from clearance.supplychain import seed_nodes_from_bom

    with user_errors():
        store, who = open_session()
        added = seed_nodes_from_bom(
            store, model, owner=owner, principal=who.principal, review_within_days=within
        )
    err_console.print(f"added {plural(len(added), 'node')} from the BOM of {model}")


@node_app.command("review")
def node_review(
    node: Annotated[str, typer.Argument(help="The node's id (or prefix, or name).")],
    review_by: ReviewOption,
    avenue: Annotated[
        list[str] | None,
        typer.Option("--avenue", help="The avenues as re-rated (replace the old; repeatable)."),
    ] = None,
    note: Annotated[str, typer.Option("--note")] = "",
) -> None:
    """Record a review of a node and its next review date."""
    from clearance.supplychain import review_node

    with user_errors():
        avenues = [_avenue(text) for text in avenue] if avenue else None
        store, who = open_session()
        done = review_node(
            store, node, next_review=_utc(review_by), principal=who.principal,
            avenues=avenues, note=note,
        )  # fmt: skip
    err_console.print(f"reviewed {done.name}; next review {done.review_due:%Y-%m-%d}")


@node_app.command("list")
def node_list(as_json: JsonOption = False) -> None:
    """The register as you may read it, by review date."""
    from clearance.supplychain import visible_nodes

    with user_errors():
        store, who = open_session()
        nodes = visible_nodes(store, principal=who.principal)
    if as_json:
        emit_json([n.model_dump(mode="json") for n in nodes])
        return
    table = Table(show_header=True, header_style="bold")
    for col in ("node", "kind", "owner", "review by", "avenues"):
        table.add_column(col)
    for n in nodes:
        table.add_row(
            f"{n.id}\n{n.name}", n.kind, n.owner, f"{n.review_due:%Y-%m-%d}",
            "\n".join(
                f"{a['avenue']} ({a['likelihood']}/{a['impact']})" for a in n.avenues
            ),
        )  # fmt: skip
    out_console.print(table)


def _avenue(text: str) -> Avenue:
    from clearance.supplychain import Avenue, SupplyChainError

    parts = [p.strip() for p in text.split(";")]
    fields: dict[str, object] = {"avenue": parts[0]}
    if len(parts) >= 3:
        fields.update(likelihood=parts[1].lower(), impact=parts[2].lower())
        fields["mitigations"] = [p for p in parts[3:] if p]
    elif len(parts) == 2:
        raise SupplyChainError(
            f"avenue {text!r}: give AVENUE alone, or AVENUE;LIKELIHOOD;IMPACT[;MITIGATION...]"
        )
    try:
        return Avenue.model_validate(fields)
    except ValidationError as exc:
        raise SupplyChainError(f"avenue {text!r}: {validation_message(exc)}") from None


def _utc(day: datetime) -> datetime:
    return day.replace(tzinfo=UTC)


def marking_banner(record: Any) -> str:
    from clearance.access import marking_of

    return str(marking_of(record).banner())
