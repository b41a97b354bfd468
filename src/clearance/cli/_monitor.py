"""`clearance monitor`: deployed models re-tested on a schedule, and production transcripts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from clearance.cli._errors import user_errors
from clearance.cli._options import JsonOption, PrintIdOption
from clearance.cli._render import emit_json, err_console, out_console
from clearance.cli._session import open_session

monitor_app = typer.Typer(
    help="Watch deployed models: re-test them against the approved baseline, ingest production "
    "transcripts, and raise alarms.",
    no_args_is_help=True,
)


@monitor_app.command("add")
def monitor_add(
    use_case: Annotated[str, typer.Argument(help="The use case whose deployment is watched.")],
    model: Annotated[str, typer.Option("--model", "-m", help="PROVIDER/NAME as deployed.")],
    suite: Annotated[str | None, typer.Option("--suite", help="Re-run this suite.")] = None,
    task: Annotated[str | None, typer.Option("--task", help="Re-run this task.")] = None,
    every: Annotated[str, typer.Option("--every", help="How often: 30m, 12h, 7d, 2w.")] = "7d",
    samples: Annotated[
        int | None, typer.Option("--samples", min=1, help="Only the first N items of each task.")
    ] = None,
    alpha: Annotated[
        float, typer.Option("--alpha", help="False-alarm rate over all looks together.")
    ] = 0.05,
    outbox: Annotated[
        Path | None,
        typer.Option("--outbox", help="Directory alerts are written to (default HOME/outbox)."),
    ] = None,
    webhook: Annotated[
        str | None, typer.Option("--webhook", help="URL each alert is POSTed to as JSON.")
    ] = None,
    as_json: JsonOption = False,
    print_id: PrintIdOption = False,
) -> None:
    """Watch a deployed model for a use case; its first look is due at once."""
    from clearance.monitoring import add_monitor

    with user_errors():
        store, who = open_session()
        record = add_monitor(
            store,
            use_case,
            model_spec=model,
            suite=suite,
            task=task,
            every=every,
            samples=samples,
            alpha=alpha,
            outbox=outbox,
            webhook_url=webhook,
            principal=who.principal,
        )
    if as_json:
        emit_json(record.model_dump(mode="json"))
    elif print_id:
        out_console.print(record.id, highlight=False)
    else:
        out_console.print(f"monitor {record.id} watches {record.model_spec}", highlight=False)


@monitor_app.command("run")
def monitor_run(
    monitor: Annotated[
        str | None, typer.Argument(help="One monitor (default: every one that is due).")
    ] = None,
    due: Annotated[
        bool, typer.Option("--due", help="Only monitors that are due (safe to call from cron).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Take a look: re-run the tests, compare each domain with the approved baseline, and raise
    an alarm on a significant regression or a new exceeds."""
    from clearance.monitoring import run_due, run_monitor

    with user_errors():
        store, who = open_session()
        problems: list[str] = []
        if monitor is None:
            due_run = run_due(store, principal=who.principal)
            outcomes, problems = due_run.outcomes, due_run.problems
        else:
            one = run_monitor(store, monitor, principal=who.principal, due_only=due)
            outcomes = [one] if one is not None else []
    for problem in problems:
        err_console.print(f"[yellow]skipped:[/] {problem}", highlight=False)
    if as_json:
        emit_json([o.model_dump(mode="json") for o in outcomes])
        return
    if not outcomes and not problems:
        out_console.print("nothing was due")
    for outcome in outcomes:
        run = outcome.monitoring_run
        out_console.print(
            f"[bold]{run.id}[/] monitor {run.monitor_id}, look {run.look}", highlight=False
        )
        for comparison in outcome.comparisons:
            mark = "[red]ALARM[/] " if comparison.alarm else ""
            out_console.print(f"  {mark}{comparison.sentence}", highlight=False)
        if outcome.alert is not None:
            alert = outcome.alert
            out_console.print(
                f"  incident {alert.incident_id} opened; the approval is back in review; alert "
                f"written to {alert.outbox_path} (webhook: {alert.webhook_status})",
                highlight=False,
            )


@monitor_app.command("list")
def monitor_list(
    use_case: Annotated[str | None, typer.Option("--use-case", help="Only this use case.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Monitors, oldest first."""
    from clearance.monitoring import list_monitors

    with user_errors():
        store, who = open_session()
        found = list_monitors(store, use_case_ref=use_case, principal=who.principal)
    if as_json:
        emit_json([m.model_dump(mode="json") for m in found])
        return
    table = Table(show_header=True, header_style="bold")
    for col in ("id", "use case", "model", "tests", "every", "looks", "next due"):
        table.add_column(col)
    for m in found:
        table.add_row(
            m.id,
            m.use_case_id,
            m.model_spec,
            f"suite {m.suite}" if m.suite else f"task {m.task}",
            _span(m.every_seconds),
            str(m.looks),
            f"{m.next_due:%Y-%m-%d %H:%M}",
        )
    out_console.print(table)
    if found.withheld_notice:
        err_console.print(found.withheld_notice)


@monitor_app.command("show")
def monitor_show(
    monitor: Annotated[str, typer.Argument(help="The monitor id.")], as_json: JsonOption = False
) -> None:
    """One monitor: its looks, each domain's comparison, and the alerts it raised."""
    from clearance.monitoring import show_monitor

    with user_errors():
        store, who = open_session()
        view = show_monitor(store, monitor, principal=who.principal)
    if as_json:
        emit_json(view.model_dump(mode="json"))
        return
    m = view.monitor
    out_console.print(
        f"[bold]{m.id}[/] watches {m.model_spec} for use case {m.use_case_id}; every "
        f"{_span(m.every_seconds)}, false-alarm rate {m.alpha:g} over all looks",
        highlight=False,
    )
    for run in view.runs:
        flag = " [red]ALARM[/]" if run.alarm else ""
        out_console.print(f"look {run.look} {run.created_at:%Y-%m-%d %H:%M}{flag}")
        for comparison in run.comparisons:
            out_console.print(f"  {comparison['sentence']}", highlight=False)
    for alert in view.alerts:
        out_console.print(
            f"alert {alert.id}: incident {alert.incident_id}, {alert.webhook_status}",
            highlight=False,
        )


@monitor_app.command("ingest")
def monitor_ingest(
    path: Annotated[Path, typer.Argument(help="OpenAI chat JSONL or OpenTelemetry spans JSON.")],
    use_case: Annotated[str, typer.Option("--use-case", help="The use case they came from.")],
    source_format: Annotated[
        str, typer.Option("--format", help="auto, openai-chat or otel-genai.")
    ] = "auto",
    rate: Annotated[float, typer.Option("--rate", help="Share of transcripts kept (0-1].")] = 1.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sampling.")] = 0,
    window: Annotated[str, typer.Option("--window", help="Summary window: 1h, 1d, 1w.")] = "1d",
    canary: Annotated[
        list[str] | None, typer.Option("--canary", help="A planted secret to look for (repeat).")
    ] = None,
    monitor: Annotated[
        str | None, typer.Option("--monitor", help="Send alarms to this monitor's outbox/webhook.")
    ] = None,
    judge: Annotated[
        str | None, typer.Option("--judge", help="A judge model also scores each exchange.")
    ] = None,
    rubric: Annotated[
        str, typer.Option("--rubric", help="The judge's rubric: strongreject or refusal_judge.")
    ] = "strongreject",
    as_json: JsonOption = False,
) -> None:
    """Sample, redact, score and store production transcripts; rates per window with 95%
    intervals; an alarm where personal data leaks past the policy's line."""
    from clearance.monitoring import ingest_transcripts

    with user_errors():
        store, who = open_session()
        summary = ingest_transcripts(
            store,
            use_case,
            path,
            source_format=source_format,
            rate=rate,
            seed=seed,
            window=window,
            canaries=canary or [],
            monitor_ref=monitor,
            judge=judge,
            rubric=rubric,
            principal=who.principal,
        )
    if as_json:
        emit_json(summary.model_dump(mode="json"))
        return
    out_console.print(
        f"batch {summary.batch_id}: {summary.sampled} of {summary.read} transcripts kept "
        f"({summary.source_format}), {summary.redactions} pieces of personal data redacted",
        highlight=False,
    )
    table = Table(show_header=True, header_style="bold")
    for col in ("window from (UTC)", "n", "refusal rate (95% CI)", "PII leak rate (95% CI)"):
        table.add_column(col)
    for w in summary.windows:
        table.add_row(
            f"{w.start:%Y-%m-%d %H:%M}",
            str(w.n),
            f"{w.refusal.value:.1%} ({w.refusal.ci_low:.1%}-{w.refusal.ci_high:.1%})",
            f"{w.pii_leak.value:.1%} ({w.pii_leak.ci_low:.1%}-{w.pii_leak.ci_high:.1%})",
        )
    out_console.print(table)
    if summary.alert is not None:
        out_console.print(
            f"[red]ALARM[/] incident {summary.alert.incident_id} opened; alert written to "
            f"{summary.alert.outbox_path}",
            highlight=False,
        )


def _span(seconds: int) -> str:
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
