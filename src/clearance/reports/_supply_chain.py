"""The supply-chain report (NSM 3.2(b)(ii), 3.2(c), 3.3(f)(iii)): the register of critical
nodes with their avenues of disruption or compromise, the critical technical artifacts and their
chain of custody, and the signatures of weights made and checked, marked with the join of what
it shows. Overdue reviews are counted against the store's newest ledger entry, never the wall
clock, so the same store renders the same bytes."""

from __future__ import annotations

from datetime import UTC, datetime

from clearance.access import Action, Principal, marking_of
from clearance.reports._cover import CoverDetails
from clearance.reports._document import Block, Notice, Paragraph, Report, Section, Table
from clearance.reports._governance import _as_of, report_for
from clearance.reports._ledger_state import ledger_state
from clearance.reports._reading import Reading
from clearance.reports._sections import withheld_notice
from clearance.store import Store
from clearance.vocabulary import plural

SUPPLY_CHAIN_RECORD_TYPES = (
    "critical_node",
    "critical_artifact",
    "custody_entry",
    "model_signature",
)


def build_supply_chain_report(
    store: Store, *, principal: Principal, details: CoverDetails | None = None
) -> Report:
    """The supply-chain report, as the store stands at its newest ledger entry."""
    details = (details or CoverDetails()).check()
    reading = Reading(store, principal, record_types=SUPPLY_CHAIN_RECORD_TYPES)
    chain = store.supply_chain
    read = Action.SUPPLYCHAIN_READ
    nodes = reading.keep("critical_node", chain.nodes(), marking_of, read)
    artifacts = reading.keep("critical_artifact", chain.artifacts(), marking_of, read)
    custody = reading.keep("custody_entry", chain.custody(), marking_of, read)
    signatures = reading.keep("model_signature", chain.signatures(), marking_of, read)
    as_of = _as_of(ledger_state(store).last_entry_time) or datetime.min.replace(tzinfo=UTC)
    overdue = [n for n in nodes if n.review_due < as_of]
    names = {a.id: a.name for a in artifacts}
    mismatched = [e for e in custody if e.digest_matches is False]
    failed = [s for s in signatures if s.event == "failed"]

    summary: list[Block] = [
        *withheld_notice(reading.withheld_sentence()),
        Paragraph(
            text=f"{plural(len(nodes), 'critical node')} in the register, "
            f"{plural(len(overdue), 'review')} overdue. "
            f"{plural(len(artifacts), 'critical technical artifact')} with "
            f"{plural(len(custody), 'custody entry', 'custody entries')}"
            f" ({len(mismatched)} with weights that were not the registered ones). "
            f"{plural(len(signatures), 'signature')} made or checked, {len(failed)} failed."
        ),
    ]
    if not (nodes or artifacts or signatures):
        summary.append(
            Notice(
                text="This store holds no supply-chain records yet: `clearance supply-chain "
                "node`, `clearance cta` and `clearance model sign` record them."
            )
        )
    node_rows = [
        [
            n.id,
            n.name,
            n.kind,
            "; ".join(
                f"{a['avenue']} (likelihood {a['likelihood']}, impact {a['impact']})"
                + (f"; mitigations: {', '.join(a['mitigations'])}" if a["mitigations"] else "")
                for a in n.avenues
            )
            or "none recorded",
            n.owner,
            f"{n.review_due:%Y-%m-%d}" + (" (overdue)" if n in overdue else ""),
            marking_of(n).banner(),
        ]
        for n in nodes
    ]
    sections = [
        Section(id="summary", title="Summary", blocks=summary),
        Section(
            id="critical-nodes",
            title="Critical nodes and their avenues of disruption or compromise",
            blocks=[
                Table(
                    caption="The register of critical nodes, by review date",
                    columns=["node", "name", "kind", "avenues", "owner", "review by", "marking"],
                    rows=node_rows,
                    empty="no critical node readable at your clearance",
                    landscape=True,
                )
            ],
        ),
        Section(
            id="custody",
            title="Critical technical artifacts and their custody",
            blocks=[
                Table(
                    caption="Artifacts, with their custodian now",
                    columns=[
                        "artifact",
                        "name",
                        "weights sha256",
                        "custodian",
                        "location",
                        "marking",
                    ],
                    rows=[
                        [
                            a.id,
                            a.name,
                            a.weights_sha256,
                            a.custodian,
                            a.location,
                            marking_of(a).banner(),
                        ]
                        for a in artifacts
                    ],
                    empty="no artifact readable at your clearance",
                ),
                Table(
                    caption="Custody entries, in the order they happened",
                    columns=[
                        "when",
                        "artifact",
                        "movement",
                        "from",
                        "to",
                        "destination",
                        "weights checked",
                    ],
                    rows=[
                        [
                            f"{e.occurred_at:%Y-%m-%d %H:%M}",
                            names.get(e.artifact_id, e.artifact_id),
                            e.kind,
                            e.from_custodian or "—",
                            e.to_custodian,
                            e.destination,
                            _checked(e.digest_matches),
                        ]
                        for e in custody
                    ],
                    empty="no custody entry readable at your clearance",
                    landscape=True,
                ),
            ],
        ),
        Section(
            id="signatures",
            title="Signed weights",
            blocks=[
                Table(
                    caption="Signatures made and checked, newest first",
                    columns=["when", "event", "weights", "weights sha256", "method", "signer"],
                    rows=[
                        [
                            f"{s.created_at:%Y-%m-%d %H:%M}",
                            s.event,
                            s.path,
                            s.weights_sha256,
                            s.method,
                            s.signer,
                        ]
                        for s in signatures
                    ],
                    empty="no signature readable at your clearance",
                    landscape=True,
                ),
            ],
        ),
    ]
    return report_for(
        "supply-chain",
        "AI supply-chain report",
        "Critical nodes of the AI supply chain, critical technical artifacts and their custody, "
        "and signed weights",
        reading,
        sections,
        details,
    )


def _checked(matches: bool | None) -> str:
    if matches is None:
        return "not checked"
    return "matched" if matches else "MISMATCH"
