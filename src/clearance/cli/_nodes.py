"""`clearance supply-chain ...`: the register of critical nodes and the supply-chain report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from clearance.cli import _report
from clearance.cli._errors import user_errors, validation_message
from clearance.cli._options import JsonOption
from clearance.cli._render import emit_json, err_console, out_console
from clearance.cli._session import open_session
from clearance.vocabulary import plural

if TYPE_CHECKING:
    from clearance.supplychain import Avenue


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
