"""`clearance import ...`: runs from other harnesses' files (Inspect logs, lm-eval results)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clearance.cli._errors import fail, user_errors
from clearance.cli._options import JsonOption, parse_marking
from clearance.cli._render import err_console, out_console
from clearance.cli._session import open_session

if TYPE_CHECKING:
    from clearance.interop import ImportedRun, ImportResult, TaskMapping

import_app = typer.Typer(
    help="Import runs from other harnesses' files; every metric is recomputed from the samples.",
    no_args_is_help=True,
)

MarkingOption = Annotated[
    str | None,
    typer.Option("--marking", help="Mark the imported runs, e.g. SECRET//BIO (default U)."),
]
BenchmarkOption = Annotated[
    str | None,
    typer.Option("--benchmark", help="The catalogue benchmark the imported task is (so policies "
                 "assess it as that benchmark)."),
]  # fmt: skip
DomainOption = Annotated[
    str | None, typer.Option("--domain", help="The test domain to file the imported runs under.")
]
MappingOption = Annotated[
    Path | None,
    typer.Option("--mapping", help="A YAML file mapping task names to {benchmark, domain}."),
]
ModelOption = Annotated[
    str | None,
    typer.Option("--model", help="Record the model as this spec (as `eval run --model` names "
                 "it), so assessments of that model include the imported runs."),
]  # fmt: skip


@import_app.command("inspect")
def import_inspect(
    paths: Annotated[list[Path], typer.Argument(help="Inspect .eval or .json logs, or folders.")],
    marking: MarkingOption = None,
    benchmark: BenchmarkOption = None,
    domain: DomainOption = None,
    mapping: MappingOption = None,
    model: ModelOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import Inspect logs (.eval, finished or journal-only, and .json), one run per log."""
    from clearance.interop import inspect_logs

    with user_errors():
        runs, skipped = inspect_logs(paths)
        for path in skipped:
            err_console.print(f"skipped {path}: not an Inspect log", highlight=False)
        _import(runs, marking, _mapping(benchmark, domain, mapping, model), as_json)


@import_app.command("lm-eval")
def import_lmeval(
    results: Annotated[Path, typer.Argument(help="An lm-eval results_*.json file.")],
    samples: Annotated[
        list[Path] | None,
        typer.Option(
            "--samples", help="Its samples_TASK_*.jsonl files (default: those beside it)."
        ),
    ] = None,
    marking: MarkingOption = None,
    benchmark: BenchmarkOption = None,
    domain: DomainOption = None,
    mapping: MappingOption = None,
    model: ModelOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import lm-eval results with their logged samples, one run per task."""
    from clearance.interop import InteropError, lmeval_runs

    with user_errors():
        if not results.is_file():
            raise InteropError(f"{results}: no such file; pass lm-eval's results_*.json")
        runs = lmeval_runs(results, samples or [])
        _import(runs, marking, _mapping(benchmark, domain, mapping, model), as_json)


def _mapping(
    benchmark: str | None, domain: str | None, path: Path | None, model: str | None
) -> TaskMapping:
    from clearance.interop import InteropError, TaskMapping

    by_task: dict[str, dict[str, str]] = {}
    if path is not None:
        import yaml

        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise InteropError(f"--mapping {path}: cannot be read as YAML ({exc})") from exc
        if not isinstance(loaded, dict) or not all(isinstance(v, dict) for v in loaded.values()):
            raise InteropError(
                f"--mapping {path}: expected TASK: {{benchmark: NAME, domain: DOMAIN}} entries"
            )
        by_task = {str(k): {str(a): str(b) for a, b in v.items()} for k, v in loaded.items()}
    return TaskMapping(benchmark=benchmark, domain=domain, by_task=by_task, model_spec=model)


def _import(
    runs: list[ImportedRun], marking: str | None, mapping: TaskMapping, as_json: bool
) -> None:
    from clearance.access import UNCLASSIFIED_MARKING
    from clearance.interop import import_runs

    store, who = open_session()
    results = import_runs(
        store, who, runs, marking=parse_marking(marking) or UNCLASSIFIED_MARKING, mapping=mapping
    )
    if as_json:
        out_console.print_json(json.dumps([_result_json(r) for r in results]))
    else:
        for result in results:
            _print(result)
    for result in results:
        for check in result.mismatches:
            err_console.print(
                f"warning: run {result.run.id}: {check.source_metric} is {check.source_value} "
                f"in the source, {check.recomputed} recomputed from its samples",
                highlight=False,
            )


def _result_json(result: ImportResult) -> dict[str, Any]:
    return {
        "id": result.run.id,
        "task": result.run.task_name,
        "status": result.run.status,
        "created": result.created,
        "samples": result.run.scored + result.run.errors,
        "errors": result.run.errors,
        "metric_checks": [c.as_json() for c in result.checks],
    }


def _print(result: ImportResult) -> None:
    run = result.run
    verb = "imported" if result.created else "already imported as"
    out_console.print(
        f"{verb} {run.id}  task {run.task_name}  {run.status}  "
        f"{run.scored} scored, {run.errors} errors",
        highlight=False,
    )
    for c in result.checks:
        verdict = "agrees" if c.agrees else "MISMATCH"
        out_console.print(
            f"  {c.metric}: recomputed {c.recomputed}  source {c.source_metric} = "
            f"{c.source_value}  {verdict}",
            highlight=False,
        )


def export_peer(run_id: str, fmt: str, out: Path | None) -> None:
    """`eval export RUN --format inspect|lm-eval --out PATH`: the run in a peer's format."""
    from clearance.access import marking_of
    from clearance.interop import export_run

    if out is None:
        fail(
            f"--format {fmt} writes files: give --out (FILE.eval for inspect, a folder for lm-eval)"
        )
    with user_errors():
        store, who = open_session()
        run, written = export_run(store, who.principal, run_id, out, fmt)
    err_console.print(f"marking: {marking_of(run).banner()}", highlight=False)
    for path in written:
        err_console.print(f"wrote {path}", highlight=False)
