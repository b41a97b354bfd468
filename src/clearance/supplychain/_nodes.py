"""The register of critical nodes of the AI supply chain (NSM 3.2(b)(ii)): weights, datasets,
hosting and inference providers, libraries and vendors, each with "the most plausible avenues
through which these nodes could be disrupted or compromised", their likelihood and impact, the
mitigations, an owner and a review date. Seeded from a model's bill of materials, extended by
hand; a review that falls due shows in ``usecase due``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from clearance.access import (
    UNCLASSIFIED_MARKING,
    Action,
    Marking,
    Principal,
    actor_of,
    marking_fields,
    marking_of,
    readable,
    require,
)
from clearance.store import CriticalNodeRecord, GovernanceNotFoundError, Store
from clearance.supplychain._access import permitted, readable_by
from clearance.supplychain._bom import build_bom
from clearance.supplychain._errors import SupplyChainError
from clearance.supplychain._time import moment

NodeKind = Literal["weights", "dataset", "hosting", "inference-provider", "library", "vendor"]
NODE_KINDS: tuple[NodeKind, ...] = get_args(NodeKind)
Rating = Literal["unrated", "low", "medium", "high"]

if TYPE_CHECKING:
    from clearance.governance import DueItem


class Avenue(BaseModel):
    """One plausible avenue of disruption or compromise of a node."""

    model_config = ConfigDict(extra="forbid")

    avenue: str = Field(min_length=1)
    likelihood: Rating = "unrated"
    impact: Rating = "unrated"
    mitigations: list[str] = Field(default_factory=list)


_SEEDED_AVENUES: dict[NodeKind, tuple[str, ...]] = {
    "weights": (
        "theft or exfiltration of the weights (a critical technical artifact)",
        "substitution or tampering of the weights between signing and use",
    ),
    "dataset": (
        "contamination: evaluation items leaked into training data",
        "tampering with items or answers, so scores mislead",
    ),
    "inference-provider": (
        "outage or withdrawal of the service",
        "a silent change of the model behind the endpoint",
    ),
    "hosting": ("outage or compromise of the hosting",),
    "library": ("a compromised release of the package (malicious update)",),
    "vendor": ("the vendor's failure, acquisition or loss of access",),
}


def add_node(
    store: Store,
    *,
    name: str,
    kind: str,
    owner: str,
    review_due: datetime,
    principal: Principal,
    avenues: Sequence[Avenue] = (),
    ref: str = "",
    notes: str = "",
    marking: Marking = UNCLASSIFIED_MARKING,
    source: Literal["bom", "manual"] = "manual",
    now: datetime | None = None,
) -> CriticalNodeRecord:
    """Add a node to the register, by hand (``source="manual"``) or from a BOM."""
    require(principal, Action.SUPPLYCHAIN_RECORD, marking)
    if kind not in NODE_KINDS:
        raise SupplyChainError(f"unknown node kind {kind!r}; allowed: {', '.join(NODE_KINDS)}")
    if not name.strip() or not owner.strip():
        raise SupplyChainError("a critical node needs a name and an owner")
    at = moment(now)
    with store.unit_of_work(actor_of(principal)) as uow:
        return store.critical_nodes.add(
            uow,
            action=f"critical_node.{source}",
            now=at,
            fields={
                "name": name.strip(),
                "kind": kind,
                "ref": ref,
                "source": source,
                "avenues": [a.model_dump() for a in avenues],
                "owner": owner.strip(),
                "review_due": moment(review_due),
                "reviewed_at": None,
                "reviewed_by": None,
                "notes": notes,
                "updated_at": at,
                "updated_by": actor_of(principal),
                **marking_fields(marking),
            },
        )


def seed_nodes_from_bom(
    store: Store,
    model_ref: str,
    *,
    owner: str,
    principal: Principal,
    review_within_days: int = 90,
    now: datetime | None = None,
) -> list[CriticalNodeRecord]:
    """Add the nodes of ``model_ref``'s bill of materials (its weights or provider, the
    evaluation datasets, the toolchain's libraries) that the register does not hold yet, each
    with the plausible avenues of its kind, unrated, for the owner to rate."""
    made = build_bom(store, model_ref, principal=principal)
    held = {(n.kind, n.ref) for n in store.supply_chain.nodes()}
    at = moment(now)
    added = []
    for name, kind, ref in _bom_nodes(made.document):
        if (kind, ref) in held:
            continue
        held.add((kind, ref))
        added.append(
            add_node(
                store,
                name=name,
                kind=kind,
                ref=ref,
                owner=owner,
                principal=principal,
                review_due=at + timedelta(days=review_within_days),
                source="bom",
                avenues=[Avenue(avenue=a) for a in _SEEDED_AVENUES[kind]],
                marking=made.marking,
                now=at,
            )
        )
    return added


def review_node(
    store: Store,
    node_ref: str,
    *,
    next_review: datetime,
    principal: Principal,
    avenues: Sequence[Avenue] | None = None,
    note: str = "",
    now: datetime | None = None,
) -> CriticalNodeRecord:
    """Record a review of a node (its avenues re-rated when given) and its next review date."""
    node = _node(store, node_ref, principal)
    require(principal, Action.SUPPLYCHAIN_RECORD, marking_of(node))
    at = moment(now)
    if moment(next_review) <= at:
        raise SupplyChainError("the next review must be after this one")
    changes: dict[str, Any] = {
        "reviewed_at": at,
        "reviewed_by": actor_of(principal),
        "review_due": moment(next_review),
        "updated_at": at,
        "updated_by": actor_of(principal),
    }
    if avenues is not None:
        changes["avenues"] = [a.model_dump() for a in avenues]
    if note:
        changes["notes"] = (node.notes + "\n" if node.notes else "") + note
    with store.unit_of_work(actor_of(principal)) as uow:
        return store.critical_nodes.change(
            uow, node.id, action="critical_node.review", changes=changes
        )


def visible_nodes(store: Store, *, principal: Principal) -> list[CriticalNodeRecord]:
    """The register as ``principal`` may read it, by review date."""
    return list(
        readable(
            principal, store.supply_chain.nodes(), marking_of, action=Action.SUPPLYCHAIN_READ
        ).items
    )


def node_reviews_due(
    store: Store, *, within_days: int = 30, principal: Principal, now: datetime | None = None
) -> list[DueItem]:
    """Node reviews due within ``within_days`` or overdue, as ``usecase due`` lists them
    (empty for a principal who may not read the register)."""
    # Imported here: governance brings assessment and the benchmark catalogue, which `eval run`
    # (verifying weights through this package) does not otherwise need.
    from clearance.governance import DueItem

    if not permitted(principal, Action.SUPPLYCHAIN_READ):
        return []
    at = moment(now)
    horizon = at + timedelta(days=within_days)
    return [
        DueItem(
            use_case_id=n.id,
            name=n.name,
            kind="critical-node review",
            due=n.review_due,
            overdue=n.review_due < at,
            detail=f"review the {n.kind} node {n.name!r} (owner {n.owner}): "
            f"`clearance supply-chain node review {n.id} --review-by YYYY-MM-DD`",
        )
        for n in visible_nodes(store, principal=principal)
        if n.review_due <= horizon
    ]


def _node(store: Store, ref: str, principal: Principal) -> CriticalNodeRecord:
    try:
        return store.supply_chain.node(ref, visible=readable_by(principal))
    except GovernanceNotFoundError as exc:
        raise SupplyChainError(str(exc)) from None


def _bom_nodes(document: dict[str, Any]) -> list[tuple[str, NodeKind, str]]:
    found: list[tuple[str, NodeKind, str]] = []
    for component in document.get("components", []):
        properties = {p["name"]: p["value"] for p in component.get("properties", [])}
        digest = next((h["content"] for h in component.get("hashes", [])), "")
        kind = component.get("type")
        if kind == "machine-learning-model":
            weights = properties.get("clearance:weights_sha256")
            if weights:
                found.append((component["name"], "weights", weights))
            else:
                provider = properties.get("clearance:provider", "")
                found.append((f"{provider} ({component['name']})", "inference-provider",
                              properties.get("clearance:spec", "")))  # fmt: skip
        elif kind == "data":
            found.append((component["name"], "dataset", digest))
        elif kind == "library":
            found.append((component["name"], "library", component.get("purl", "")))
    return found
