"""`clearance assess`, `policy` and `findings`: assessing a model against a threshold policy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from clearance.vocabulary import plural

if TYPE_CHECKING:
    from clearance.assess import Assessment, LoadedPolicy
    from clearance.store import FindingRecord

assess_app = typer.Typer(
    help="Assess a model against a threshold policy: findings, mitigations, adequacy of methods.",
    invoke_without_command=True,
    subcommand_metavar="",
    # A command group with one positional argument: let options follow MODEL.
    context_settings={"allow_interspersed_args": True},
)
policy_app = typer.Typer(help="Show and check threshold policies.", no_args_is_help=True)
findings_app = typer.Typer(help="Stored findings of past assessments.", no_args_is_help=True)

_VERDICT_STYLE = {
    "exceeds": "bold red",
    "inconclusive": "yellow",
    "not tested": "magenta",
    "below": "green",
    "no threshold": "dim",
}


def _verdict(text: str) -> str:
    return f"[{_VERDICT_STYLE.get(text, 'white')}]{text}[/]"


def _interval(value: float | None, low: float | None, high: float | None, n: int | None) -> str:
    if value is None:
        return "–"
    if low is None or high is None:
        return f"{value:.3f} (no interval, n={n})"
    return f"{value:.3f} ({low:.3f}–{high:.3f}, n={n})"


# -- assess ----------------------------------------------------------------------------------


@assess_app.callback()
def assess(
    model: Annotated[str, typer.Argument(help="The model spec (as run) or its model id.")],
    policy: PolicyOption = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            help='Human labels, JSONL of {"sample_id", "label": 0|1}, to check scorer agreement.',
        ),
    ] = None,
    task_domain: TaskDomainOption = None,
    no_save: Annotated[
        bool, typer.Option("--no-save", help="Show the assessment without storing it.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """What the safety assessments of MODEL found, whether mitigations worked, and whether the
    methods were adequate. Stored (with the policy's digest) unless --no-save."""
    from clearance.assess import assess_model, load_labels

    with user_errors():
        loaded = load_policy_option(policy)
        human = load_labels(labels) if labels else []
        store, who = open_session()
        result = assess_model(
            store,
            model,
            policy=loaded,
            labels=human,
            task_domains=parse_task_domains(task_domain),
            principal=who.principal,
            actor=who.actor,
            save=not no_save,
        )
    if as_json:
        emit_json(result.model_dump(mode="json"))
    else:
        _print_assessment(result)


def _print_assessment(a: Assessment) -> None:
    c = out_console
    stored = f"assessment {a.id}" if a.id else "assessment (not saved)"
    c.print(f"[bold]{a.marking}[/]")
    c.print(f"[bold]{stored}[/] of {a.model_spec}", highlight=False)
    c.print(
        f"policy {a.policy_name} {a.policy_version} (sha256 {a.policy_digest[:12]}…, "
        f"{a.policy_source})",
        highlight=False,
    )
    c.print(_domains_table(a))
    c.print("[bold]Findings[/]")
    c.print(_findings_table(a))
    _print_elicitation(a)
    if a.mitigations:
        c.print("[bold]Mitigations[/]")
        for m in a.mitigations:
            c.print(f"  {m.mitigation_id}: {m.sentence}", highlight=False)
    c.print("[bold]Adequacy of methods[/]")
    for d in a.adequacy:
        mark = "[green]adequate[/]" if d.adequate else "[yellow]flagged[/]"
        c.print(f"  {mark} {d.sentence}", highlight=False)
    for u in a.unassigned_runs:
        c.print(f"[yellow]unassigned[/]: {u.sentence}", highlight=False)
    if a.withheld_runs:
        c.print(
            f"[yellow]{plural(a.withheld_runs, 'run')} withheld by your clearance and not "
            "counted[/]"
        )


def _print_elicitation(a: Assessment) -> None:
    from clearance.assess import elicitation_sentences

    sentences = elicitation_sentences(a.domains)
    if sentences:
        out_console.print("[bold]Elicitation[/]")
    for sentence in sentences:
        out_console.print(f"  {sentence}", highlight=False)


def _domains_table(a: Assessment) -> Table:
    table = Table(show_header=True, header_style="bold", title="Domains")
    for col in ("domain", "area", "verdict", "severity", "benchmarks"):
        table.add_column(col)
    for d in a.domains:
        table.add_row(
            d.domain,
            d.area,
            _verdict(d.verdict),
            d.severity or "",
            ", ".join(d.benchmarks) or "–",
        )
    return table


def _findings_table(a: Assessment) -> Table:
    table = Table(show_header=True, header_style="bold")
    for col in ("domain", "benchmark", "threshold", "value (95% interval)", "verdict"):
        table.add_column(col)
    for f in a.findings:
        line = f"{f.metric} {f.direction} {f.threshold:g} ({f.severity})"
        table.add_row(
            f.domain,
            f.benchmark or "–",
            line,
            _interval(f.value, f.ci_low, f.ci_high, f.n),
            _verdict(f.verdict),
        )
    return table


# -- policy ----------------------------------------------------------------------------------


@policy_app.command("show")
def policy_show(
    file: Annotated[
        Path | None, typer.Argument(help="A policy YAML file (default: the packaged one).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """A policy's thresholds, severities and rationale, with its digest."""
    with user_errors():
        loaded = load_policy_option(file)
    if as_json:
        emit_json(_policy_doc(loaded))
        return
    p = loaded.policy
    c = out_console
    c.print(f"[bold]{p.name}[/] version {p.version}  ({loaded.source})", highlight=False)
    c.print(f"sha256 {loaded.digest}")
    if p.description:
        c.print(p.description, highlight=False)
    table = Table(show_header=True, header_style="bold")
    for col in ("id", "applies to", "metric", "exceeds when", "severity"):
        table.add_column(col)
    for t in p.thresholds:
        table.add_row(t.id, t.scope, t.metric, f"{t.direction} {t.threshold:g}", t.severity)
    c.print(table)
    for t in p.thresholds:
        c.print(f"[bold]{t.id}[/]: {t.rationale}", highlight=False)


def _policy_doc(loaded: LoadedPolicy) -> dict[str, Any]:
    return {
        "source": loaded.source,
        "digest": loaded.digest,
        "policy": loaded.policy.model_dump(mode="json"),
    }


@policy_app.command("validate")
def policy_validate(
    file: Annotated[Path, typer.Argument(help="The policy YAML file to check.")],
    as_json: JsonOption = False,
) -> None:
    """Check a policy file; errors name the line and the field. Exit 1 when it is invalid."""
    with user_errors():
        loaded = load_policy_option(file)
    if as_json:
        emit_json({"valid": True, **_policy_doc(loaded)})
        return
    p = loaded.policy
    out_console.print(
        f"[green]valid[/]: {p.name} {p.version}, {len(p.thresholds)} thresholds, "
        f"sha256 {loaded.digest}",
        highlight=False,
    )


# -- findings --------------------------------------------------------------------------------


@findings_app.command("list")
def findings_list(
    model: Annotated[str | None, typer.Option("--model", "-m", help="Only this model.")] = None,
    assessment: Annotated[
        str | None, typer.Option("--assessment", help="Only this assessment (id or prefix).")
    ] = None,
    latest: Annotated[
        bool, typer.Option("--latest", help="Only each model's most recent assessment.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Stored findings, newest assessment first."""
    from clearance.assess import list_findings

    with user_errors():
        store, who = open_session()
        found = list_findings(
            store, model=model, assessment=assessment, latest=latest, principal=who.principal
        )
    if as_json:
        emit_json([f.model_dump(mode="json") for f in found])
    elif not found:
        out_console.print("no findings yet: `clearance assess MODEL` makes some")
    else:
        out_console.print(f"[bold]{found.banner.banner()}[/]")
        _print_stored_findings(list(found))
    if found.withheld_notice:
        err_console.print(found.withheld_notice)


def _print_stored_findings(found: list[FindingRecord]) -> None:
    by_assessment: dict[str, list[FindingRecord]] = {}
    for f in found:
        by_assessment.setdefault(f.assessment_id, []).append(f)
    for assessment_id, rows in by_assessment.items():
        first = rows[0]
        out_console.print(
            f"[bold]{assessment_id}[/] {first.model_spec} · {first.created_at:%Y-%m-%d %H:%M} · "
            f"policy sha256 {first.policy_digest[:12]}…",
            highlight=False,
        )
        table = Table(show_header=True, header_style="bold")
        for col in ("finding", "domain", "threshold", "value (95% interval)", "verdict"):
            table.add_column(col)
        for f in rows:
            table.add_row(
                f.id.removeprefix(assessment_id + "-"),
                f.domain,
                f"{f.metric} {f.direction} {f.threshold:g} ({f.severity})",
                _interval(f.value, f.ci_low, f.ci_high, f.n),
                _verdict(f.verdict),
            )
        out_console.print(table)
