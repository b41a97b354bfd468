"""`clearance mitigation`: record mitigations and measure whether they worked."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from clearance.cli._errors import user_errors
from clearance.cli._options import (
    JsonOption,
    PolicyOption,
    TaskDomainOption,
    load_policy_option,
    parse_task_domains,
)
from clearance.cli._render import emit_json, err_console, out_console
from clearance.cli._session import open_session

if TYPE_CHECKING:
    from clearance.assess import MitigationEfficacy
    from clearance.store import MitigationRecord

mitigation_app = typer.Typer(
    help="Record mitigations and measure whether they worked.", no_args_is_help=True
)


class Kind(StrEnum):
    SYSTEM_PROMPT = "system_prompt"
    OUTPUT_FILTER = "output_filter"
    FINE_TUNE = "fine_tune"
    REFUSAL_TRAINING = "refusal_training"
    OTHER = "other"


class Better(StrEnum):
    LOWER = "lower"
    HIGHER = "higher"


@mitigation_app.command("add")
def mitigation_add(
    baseline: Annotated[str, typer.Option("--baseline", help="The run before the change.")],
    mitigated: Annotated[str, typer.Option("--mitigated", help="The run after the change.")],
    kind: Annotated[Kind, typer.Option("--kind", help="What kind of change it was.")],
    description: Annotated[str, typer.Option("--description", "-d", help="What changed.")],
    policy: PolicyOption = None,
    metric: Annotated[
        str | None, typer.Option("--metric", help="Override the policy: the metric compared.")
    ] = None,
    better: Annotated[
        Better | None, typer.Option("--better", help="Override the policy: lower or higher.")
    ] = None,
    task_domain: TaskDomainOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a mitigation: a baseline and a mitigated run of the same task and samples, with
    the paired difference, its interval and p-value."""
    from clearance.assess import record_mitigation, show_mitigations

    with user_errors():
        loaded = load_policy_option(policy)
        store, who = open_session()
        record = record_mitigation(
            store,
            baseline_run=baseline,
            mitigated_run=mitigated,
            kind=kind.value,
            description=description,
            policy=loaded,
            metric=metric,
            better=better.value if better else None,
            task_domains=parse_task_domains(task_domain),
            principal=who.principal,
            actor=who.actor,
        )
        (efficacy,) = show_mitigations(store, [record.id], policy=loaded, principal=who.principal)
    if as_json:
        emit_json(efficacy.model_dump(mode="json"))
    else:
        _print_efficacy([efficacy])


def _print_efficacy(items: list[MitigationEfficacy]) -> None:
    for m in items:
        style = "green" if m.effective else "yellow"
        verdict = "effective" if m.effective else "not shown effective"
        out_console.print(
            f"[bold]{m.mitigation_id}[/] [{style}]{verdict}[/] ({m.method}, n={m.n})",
            highlight=False,
        )
        out_console.print(f"  {m.sentence}", highlight=False)
        out_console.print(f"  {m.description}", highlight=False)


@mitigation_app.command("show")
def mitigation_show(
    ids: Annotated[
        list[str], typer.Argument(help="Mitigation ids (or prefixes), judged together.")
    ],
    policy: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mitigations' efficacy, Holm-corrected across the ones named together."""
    from clearance.assess import show_mitigations

    with user_errors():
        loaded = load_policy_option(policy)
        store, who = open_session()
        shown = show_mitigations(store, ids, policy=loaded, principal=who.principal)
    if as_json:
        emit_json([m.model_dump(mode="json") for m in shown])
    else:
        _print_efficacy(shown)


@mitigation_app.command("list")
def mitigation_list(
    model: Annotated[str | None, typer.Option("--model", "-m", help="Only this model.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Recorded mitigations, newest first, with their p-values before correction."""
    from clearance.assess import list_mitigations

    with user_errors():
        store, who = open_session()
        found = list_mitigations(store, model=model, principal=who.principal)
    if as_json:
        emit_json([m.model_dump(mode="json") for m in found])
    elif not found:
        out_console.print("no mitigations yet: `clearance mitigation add` records one")
    else:
        out_console.print(_mitigations_table(list(found)))
    if found.withheld_notice:
        err_console.print(found.withheld_notice)


def _mitigations_table(found: list[MitigationRecord]) -> Table:
    table = Table(show_header=True, header_style="bold")
    for col in ("id", "kind", "model", "task", "metric", "change", "p (uncorrected)"):
        table.add_column(col)
    for m in found:
        e = m.efficacy
        table.add_row(
            m.id,
            m.kind,
            m.model_spec,
            m.task_name,
            f"{m.metric} ({m.better} is better)",
            f"{e['baseline_value']:.3f} → {e['mitigated_value']:.3f} ({e['effect']:+.3f})",
            f"{e['p_value']:.3g}",
        )
    return table
