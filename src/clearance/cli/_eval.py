"""`clearance eval ...`: run, resume, list, show and export evaluations."""

from __future__ import annotations

import asyncio
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from clearance.cli._errors import (
    EXIT_ERRORS,
    EXIT_INTERRUPTED,
    fail,
    user_errors,
)
from clearance.cli._options import (
    ExecutorOption,
    MaxTokensOption,
    PrintIdOption,
    RayAddressOption,
    executor_options,
)
from clearance.cli._render import (
    RichProgress,
    empty_answers_note,
    err_console,
    fmt_estimate,
    out_console,
    print_summary,
    runs_table,
    terminal_safe,
)
from clearance.cli._session import open_session, store_location
from clearance.cli._supplychain import check_before_evaluation
from clearance.cli._task_loading import load_task_lazily, parse_task_args
from clearance.vocabulary import plural

app = typer.Typer(help="Run and inspect evaluations.", no_args_is_help=True)


def _finish(summary: Any, as_json: bool, print_id: bool = False) -> None:
    if as_json:
        sys.stdout.write(summary.model_dump_json() + "\n")
    elif print_id:
        print_summary(summary, store_location(), err_console)
        sys.stdout.write(f"{summary.id}\n")
    else:
        print_summary(summary, store_location())
    if summary.status == "failed":
        # Tolerating some errors is a choice; a run that measured nothing, or stopped on errors,
        # is a failure, or a script would read an unreachable server as a passing evaluation.
        reason = summary.stop_reason or "sample errors exceeded --fail-on-error"
        err_console.print(
            f"[red]stopped: {terminal_safe(reason)}[/] (stored with their errors; "
            f"`clearance eval show {summary.id}` lists them; after fixing the cause, "
            f"`clearance eval resume {summary.id}` retries the errored samples)",
            highlight=False,
        )
        raise typer.Exit(EXIT_ERRORS)
    if summary.errors:
        err_console.print(
            f"[yellow]{plural(summary.errors, 'sample')} ended in error[/] (stored with their "
            "errors; "
            f"`clearance eval show {summary.id}` lists them)"
        )


def _drive(coro: Any, as_json: bool, print_id: bool = False) -> None:
    from clearance.runner import Interrupted

    try:
        summary = asyncio.run(coro)
    except Interrupted as stop:
        if as_json:
            sys.stdout.write(stop.summary.model_dump_json() + "\n")
        err_console.print(
            f"[yellow]interrupted[/]: {stop.summary.scored + stop.summary.errors} of "
            f"{plural(stop.summary.total, 'sample')} stored. Continue with "
            f"`clearance eval resume {stop.summary.id}`"
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    _finish(summary, as_json, print_id)


@app.command("run")
def run(
    task: Annotated[str, typer.Argument(help="A task file (.yaml) or a registered task name.")],
    model: Annotated[
        str,
        typer.Option(
            "--model",
            "-m",
            help="PROVIDER/NAME, e.g. openai/gpt-4o, gguf/smollm2-135m, scripted/answers.jsonl.",
        ),
    ],
    base_url: Annotated[str | None, typer.Option(help="Model API base URL.")] = None,
    data: Annotated[Path | None, typer.Option(help="Dataset path overriding the task's.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N samples.")] = None,
    epochs: Annotated[int | None, typer.Option(min=1, help="Repeat each sample K times.")] = None,
    max_connections: Annotated[
        int, typer.Option(help="Most model calls in flight (1 to 4096).")
    ] = 32,
    timeout: Annotated[float, typer.Option(min=0.001, help="Seconds per model request.")] = 120.0,
    max_retries: Annotated[int, typer.Option(min=0, help="Retries per model call.")] = 6,
    seed: Annotated[
        int, typer.Option(help="Seed for shuffling and sampling (below 2^53 in size).")
    ] = 0,
    max_response_bytes: Annotated[
        int | None,
        typer.Option(
            help="Most bytes read of one model response (default 8 MiB); a longer one is an "
            "error for its sample."
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Bypass the response cache.")
    ] = False,
    fail_on_error: Annotated[
        float | None,
        typer.Option(min=0, help="Stop when errors exceed this: a count if >= 1, else a fraction."),
    ] = None,
    max_tokens: MaxTokensOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON summary on stdout.")
    ] = False,
    print_id: PrintIdOption = False,
    task_args: Annotated[
        list[str] | None,
        typer.Option(
            "--task-arg",
            "-T",
            help="KEY=VALUE passed to a registered task (repeatable), e.g. -T judge=openai/gpt-4o. "
            "Every registered task also takes the elicitation overrides system_prompt=TEXT, "
            "likelihood=true (multiple choice), cot=true, fewshot=K (fewshot_seed=S) and "
            "majority=N, recorded in the task digest.",
        ),
    ] = None,
    calibration: Annotated[
        Path | None,
        typer.Option(
            "--calibration",
            help="JSONL of human-labelled responses ({prompt, response, label 0|1}) that the "
            "task's judge scorers judge first; their agreement with people (accuracy, Cohen's "
            "kappa) is reported in the assessment's adequacy of methods.",
        ),
    ] = None,
    unsafe_local_exec: Annotated[
        bool,
        typer.Option(
            "--unsafe-local-exec",
            help="Where no sandbox backend (bubblewrap, unshare) works, run model-written code "
            "as plain subprocesses with resource limits only: NO isolation from this machine.",
        ),
    ] = False,
    marking: Annotated[
        str,
        typer.Option(
            "--marking",
            help="The run's marking, LEVEL//COMPARTMENT..., e.g. SECRET//BIO; your clearance "
            "must cover it.",
        ),
    ] = "UNCLASSIFIED",
    executor: ExecutorOption = "asyncio",
    ray_address: RayAddressOption = None,
) -> None:
    """Evaluate a model on a task; every sample is stored as it finishes."""
    from clearance.access import Marking
    from clearance.runner import RunOptions, run_task
    from clearance.tasks import allow_unsafe_local_exec, with_calibration

    with user_errors():
        marking_of = Marking.parse(marking)
        store, who = open_session()
        loaded = load_task_lazily(
            task, data=data, limit=limit, args=parse_task_args(task_args or [])
        )
        if calibration is not None:
            try:
                loaded = with_calibration(loaded, calibration)
            except ValueError as exc:
                fail(str(exc))
        if unsafe_local_exec:
            try:
                loaded = allow_unsafe_local_exec(loaded)
            except ValueError as exc:
                fail(str(exc))
        check_before_evaluation(store, model, who.principal)
        options = RunOptions(
            limit=limit,
            epochs=epochs,
            max_connections=max_connections,
            timeout=timeout,
            max_retries=max_retries,
            seed=seed,
            **({} if max_response_bytes is None else {"max_response_bytes": max_response_bytes}),
            cache=not no_cache,
            fail_on_error=fail_on_error,
            base_url=base_url,
            data=str(data) if data else None,
            max_tokens=max_tokens,
            **executor_options(executor, ray_address),
        )
        progress = None if quiet or as_json else RichProgress(loaded.name)
        coro = run_task(
            loaded,
            model,
            store=store,
            options=options,
            progress=progress,
            actor=who.actor,
            principal=who.principal,
            marking=marking_of,
        )
        _drive(coro, as_json, print_id)


@app.command("resume")
def resume(
    run_id: Annotated[str, typer.Argument(help="The run id (or a unique prefix of it).")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON summary on stdout.")
    ] = False,
) -> None:
    """Finish an interrupted, failed or killed run without calling the model again for any
    sample already answered."""
    from clearance.access import Action
    from clearance.accountability import readable_run
    from clearance.runner import resume_run

    with user_errors():
        store, who = open_session()
        record = readable_run(store, who.principal, run_id, Action.RUN_RESUME)
        progress = None if quiet or as_json else RichProgress(record.task_name)
        coro = resume_run(
            record.id, store=store, progress=progress, actor=who.actor, principal=who.principal
        )
        _drive(coro, as_json)


@app.command("list")
def list_runs(
    limit: Annotated[int | None, typer.Option(min=1, help="Only the newest N.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Runs you may read, newest first; says how many were withheld."""
    from clearance.accountability import visible_runs

    with user_errors():
        store, who = open_session()
        visible = visible_runs(store, who.principal, limit)
    runs = list(visible)
    if visible.withheld_notice:
        err_console.print(f"[yellow]{visible.withheld_notice}[/]", highlight=False)
    if as_json:
        from clearance.runner import observed_status

        docs = [
            r.model_dump(mode="json") | {"status": observed_status(r.id, r.status)} for r in runs
        ]
        sys.stdout.write(json.dumps(docs) + "\n")
    elif not runs:
        out_console.print("no runs yet: `clearance eval run TASK --model SPEC` starts one")
    else:
        out_console.print(runs_table(runs))


@app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(help="The run id (or a unique prefix of it).")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """A run's metrics with intervals, its errors and its provenance."""
    from clearance.accountability import readable_run
    from clearance.runner import observed_status

    with user_errors():
        store, who = open_session()
        r = readable_run(store, who.principal, run_id)
        errors = store.runs.error_summary(r.id)
        messages = store.runs.error_messages(r.id)
        empty = store.runs.count_empty_answers(r.id)
    status = observed_status(r.id, r.status)
    if as_json:
        doc = r.model_dump(mode="json") | {
            "status": status,
            "error_types": dict(errors),
            "error_messages": [{"error": m, "samples": ids} for m, ids in messages],
            "empty_answers": empty,
        }
        sys.stdout.write(json.dumps(doc) + "\n")
        return
    c = out_console
    c.print(f"[bold]{_banner(r)}[/]", highlight=False)
    c.print(
        f"[bold]Run {r.id}[/]  {status}  created {r.created_at:%Y-%m-%d %H:%M:%S} "
        f"by {terminal_safe(r.created_by)}",
        highlight=False,
    )
    if status == "interrupted" and r.status == "running":
        c.print(f"[yellow]its process is gone[/]: `clearance eval resume {r.id}` finishes it")
    c.print(
        f"{r.scored:,} scored, {plural(r.errors, 'error')}, of {r.total:,} planned; "
        f"tokens in {r.input_tokens:,}, out {r.output_tokens:,}"
    )
    for name, m in (r.metrics or {}).items():
        c.print(f"  {name}: {fmt_estimate(m)}")
    if empty:
        c.print(f"  [yellow]{empty_answers_note(empty)}[/]")
    for message, ids in messages:
        shown = ", ".join(ids[:_IDS_SHOWN]) + (
            f" and {len(ids) - _IDS_SHOWN} more" if len(ids) > _IDS_SHOWN else ""
        )
        c.print(f"  [red]{len(ids)} ×[/] {terminal_safe(message)}", highlight=False, soft_wrap=True)
        c.print(f"      samples: {terminal_safe(shown)}", highlight=False, soft_wrap=True)
    c.print("[bold]provenance[/]")
    c.print_json(json.dumps(r.provenance))


_IDS_SHOWN = 10


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    inspect = "inspect"
    lm_eval = "lm-eval"


@app.command("export")
def export(
    run_id: Annotated[str, typer.Argument(help="The run id (or a unique prefix of it).")],
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="jsonl, csv, inspect (--out FILE.eval|.json) or lm-eval (--out FOLDER).",
        ),
    ] = ExportFormat.jsonl,
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """One row per sample-epoch: id, input, output, target, every score by name, error. Marked
    with the run's marking: a `marking` field on every JSON line; the banner as the first and
    last row of a CSV. Or the run in Inspect's or lm-eval's format, for their tools to read."""
    from clearance.access import Action
    from clearance.accountability import readable_run
    from clearance.cli._sample_rows import write_rows

    if fmt in (ExportFormat.inspect, ExportFormat.lm_eval):
        from clearance.cli._import import export_peer

        export_peer(run_id, fmt.value, out)
        return
    with user_errors():
        store, who = open_session()
        r = readable_run(store, who.principal, run_id, Action.RUN_EXPORT)
        names = list(r.provenance.get("scorers", []))
        stream = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
        try:
            write_rows(store.runs.samples(r.id), names, fmt is ExportFormat.csv, stream, _banner(r))
        finally:
            if out:
                stream.close()
    err_console.print(f"marking: {_banner(r)}", highlight=False)
    if out:
        err_console.print(f"wrote {out}")


def _banner(run: Any) -> str:
    from clearance.access import marking_of

    return str(marking_of(run).banner())
