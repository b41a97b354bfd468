"""`clearance suite ...`: the named suites of benchmarks, and running one against a model."""

from __future__ import annotations

import asyncio
import json
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn
from rich.progress import Task as ProgressTask
from rich.table import Table
from rich.text import Text

from clearance.cli._errors import (
    EXIT_ERRORS,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    fail,
    user_errors,
)
from clearance.cli._options import (
    ExecutorOption,
    MaxTokensOption,
    RayAddressOption,
    executor_options,
)
from clearance.cli._render import (
    BatchColumn,
    WaitColumn,
    err_console,
    out_console,
    show_batch,
)
from clearance.cli._session import open_session
from clearance.cli._suite_view import results_table, run_ids
from clearance.vocabulary import plural

if TYPE_CHECKING:
    from clearance.accountability import Acting

app = typer.Typer(help="Named suites of benchmarks by test domain.", no_args_is_help=True)

BUILD_ERRORS: tuple[type[BaseException], ...] = (ValueError, LookupError, OSError)
"""What a benchmark with bad or missing data raises while its task is built (DatasetError,
NoDataError, TaskFileError, UnknownNameError are among them)."""


def _catalogue() -> Any:
    import clearance.suites

    return clearance.suites


# --- list ------------------------------------------------------------------------------------


def _sample_count(benchmark: Any) -> tuple[int | None, str | None]:
    """The benchmark's sample count where its data is here, or the reason it cannot be read."""
    if not benchmark.has_data():
        return None, None
    try:
        return len(benchmark.task().dataset), None
    except BUILD_ERRORS as exc:
        return None, str(exc)


def suite_listing() -> dict[str, Any]:
    """Every suite with its domains and plan, and every benchmark with its domain, sample count
    and whether its data is here."""
    catalogue = _catalogue()
    rows = []
    for b in catalogue.benchmarks():
        count, problem = _sample_count(b)
        rows.append(
            {
                "name": b.name,
                "domain": b.domain,
                "title": b.title,
                "starter": b.is_starter,
                "samples": count,
                "data": b.has_data(),
                "error": problem,
            }
        )
    suites = [
        {
            "name": name,
            "domains": list(domains),
            "plan": [b.name for b in catalogue.suite_plan(name)],
        }
        for name, domains in catalogue.SUITES.items()
    ]
    return {"suites": suites, "benchmarks": rows}


@app.command("list")
def list_suites(
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Every suite and its domains; every benchmark with its sample count and data."""
    with user_errors():
        listing = suite_listing()
    if as_json:
        sys.stdout.write(json.dumps(listing) + "\n")
        return
    suites = Table(show_header=True, header_style="bold", title="suites")
    for column in ("suite", "domains", "runs (data here, else starter items)"):
        suites.add_column(column, overflow="fold")
    for s in listing["suites"]:
        suites.add_row(s["name"], ", ".join(s["domains"]), ", ".join(s["plan"]))
    out_console.print(suites)
    benchmarks = Table(show_header=True, header_style="bold", title="benchmarks")
    for column in ("domain", "benchmark", "samples", "data"):
        benchmarks.add_column(column)
    for b in listing["benchmarks"]:
        data = "[green]here[/]" if b["data"] else "[yellow]absent[/]"
        if b["error"]:
            data = "[red]unreadable[/]"
            err_console.print(f"[yellow]warning:[/] {b['name']}: {b['error']}", highlight=False)
        samples = "-" if b["samples"] is None else f"{b['samples']:,}"
        benchmarks.add_row(b["domain"], b["name"], samples, data)
    out_console.print(benchmarks)


# --- run -------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One benchmark of a suite run: its run summary, or why it could not run."""

    benchmark: str
    domain: str
    summary: Any = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None or self.summary.status == "failed"

    def as_json(self) -> dict[str, Any]:
        summary = None if self.summary is None else self.summary.model_dump(mode="json")
        return {
            "benchmark": self.benchmark,
            "domain": self.domain,
            "error": self.error,
            "summary": summary,
        }


class _ErrorsColumn(ProgressColumn):
    def render(self, task: ProgressTask) -> Text:
        if "errors" not in task.fields:
            return Text("")
        errors = int(task.fields["errors"])
        return Text(plural(errors, "error"), style="red" if errors else "dim")


class SuiteProgress:
    """One Rich display on stderr: the suite's line (benchmark i of n) above each run's bar.
    Rich allows one live display at a time, so each run reports into this one."""

    def __init__(self, suite: str, total: int) -> None:
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _ErrorsColumn(),
            WaitColumn(),
            BatchColumn(),
            console=err_console,
        )
        self._suite = suite
        self._overall = self._bar.add_task(f"suite {suite}", total=total)
        self._run: Any = None
        self._offset = 0
        self._label = ""

    def __enter__(self) -> SuiteProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def benchmark(self, index: int, name: str) -> None:
        """Benchmark ``index`` (1-based) is about to run."""
        total = self._bar.tasks[self._overall].total
        self._bar.update(
            self._overall,
            completed=index - 1,
            description=f"suite {self._suite}: benchmark {index} of {total:.0f} ({name})",
        )
        self._label = name

    def finished(self, count: int) -> None:
        self._bar.update(
            self._overall,
            completed=count,
            description=f"suite {self._suite}: {count} of {plural(count, 'benchmark')} done",
        )

    # The runner's Progress protocol, for the current benchmark's run.
    def start(self, total: int, done: int) -> None:
        self._run = self._bar.add_task(f"  {self._label}", total=total, completed=done, errors=0)
        self._offset = done

    def update(self, done: int, errors: int) -> None:
        if self._run is not None:
            self._bar.update(self._run, completed=self._offset + done, errors=errors)

    def waiting(self, seconds: float) -> None:
        if self._run is not None:
            self._bar.update(self._run, wait=seconds)

    def generating(self, tokens: int, planned: int, seconds: float) -> None:
        if self._run is not None:
            show_batch(self._bar, self._run, tokens, planned, seconds)

    def stop(self) -> None:
        self._run = None


@dataclass(frozen=True)
class LikelihoodChoice:
    """Whether multiple-choice benchmarks are scored by likelihood, and their sample limit."""

    enabled: bool = False
    limit: int | None = None


def _run_one(
    benchmark: Any,
    model: str,
    store: Any,
    who: Acting,
    options: Any,
    progress: Any,
    likelihood: LikelihoodChoice,
) -> Outcome:
    from clearance.runner import RunError, run_task
    from clearance.tasks import is_multiple_choice, load_task

    outcome = Outcome(benchmark.name, benchmark.domain)
    try:
        task = load_task(benchmark.name, limit=options.limit)
        if likelihood.enabled and is_multiple_choice(task):
            limit = likelihood.limit or options.limit
            options = options.model_copy(update={"limit": limit})
            task = load_task(benchmark.name, limit=limit, args={"likelihood": True})
    except BUILD_ERRORS as exc:
        outcome.error = f"could not build the task: {exc}"
        return outcome
    try:
        outcome.summary = asyncio.run(
            run_task(
                task,
                model,
                store=store,
                options=options,
                progress=progress,
                actor=who.actor,
                principal=who.principal,
            )
        )
    except RunError as exc:
        outcome.error = f"the run could not start: {exc}"
    return outcome


def run_suite(
    suite: str,
    model: str,
    *,
    limit: int | None,
    max_connections: int,
    show_progress: bool,
    likelihood: LikelihoodChoice | None = None,
    max_tokens: int | None = None,
    execution: dict[str, Any] | None = None,
) -> list[Outcome]:
    """Each benchmark of ``suite_plan(suite)`` in turn, as the acting principal; a benchmark's
    failure is recorded, not fatal. A principal who may not create runs is refused
    (AccessDenied) before any model is loaded."""
    from clearance.runner import RunOptions

    plan = _catalogue().suite_plan(suite)
    store, who = open_session()
    options = RunOptions(
        limit=limit,
        max_connections=max_connections,
        max_tokens=max_tokens,
        **(execution or {}),
    )
    outcomes: list[Outcome] = []
    progress = SuiteProgress(suite, len(plan)) if show_progress else None
    with ExitStack() as stack:
        if progress is not None:
            stack.enter_context(progress)
        for index, benchmark in enumerate(plan, start=1):
            if progress is not None:
                progress.benchmark(index, benchmark.name)
            outcome = _run_one(
                benchmark, model, store, who, options, progress, likelihood or LikelihoodChoice()
            )
            if outcome.error:
                err_console.print(f"[red]{benchmark.name}:[/] {outcome.error}", highlight=False)
            outcomes.append(outcome)
        if progress is not None:
            progress.finished(len(plan))
    return outcomes


@app.command("run")
def run(
    suite: Annotated[str, typer.Argument(help="capabilities, hazards, rights or nsm.")],
    model: Annotated[str, typer.Option("--model", "-m", help="PROVIDER/NAME of the model.")],
    limit: Annotated[
        int | None, typer.Option(min=1, help="Only the first N samples of each benchmark.")
    ] = None,
    max_connections: Annotated[int, typer.Option(min=1, help="Most model calls in flight.")] = 32,
    likelihood: Annotated[
        bool,
        typer.Option(
            "--likelihood",
            help="Score multiple-choice benchmarks by likelihood (-T likelihood=true) rather "
            "than by a generated letter.",
        ),
    ] = False,
    mc_limit: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="With --likelihood: the sample limit for multiple-choice benchmarks (scoring "
            "is quick, so they can take more items than --limit).",
        ),
    ] = None,
    max_tokens: MaxTokensOption = None,
    executor: ExecutorOption = "asyncio",
    ray_address: RayAddressOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the list of run summaries as JSON.")
    ] = False,
) -> None:
    """Run every benchmark of a suite whose data is here (starter items where none is), one
    after another; a benchmark that cannot run is reported and the others still run."""
    from clearance.access import AccessDenied
    from clearance.runner import Interrupted

    with user_errors():
        try:
            outcomes = run_suite(
                suite,
                model,
                limit=limit,
                max_connections=max_connections,
                max_tokens=max_tokens,
                execution=executor_options(executor, ray_address),
                show_progress=not (quiet or as_json),
                likelihood=LikelihoodChoice(likelihood, mc_limit),
            )
        except (LookupError, AccessDenied) as exc:
            fail(str(exc))
        except Interrupted as stop:
            err_console.print(
                f"[yellow]interrupted[/] during run {stop.summary.id}; continue it with "
                f"`clearance eval resume {stop.summary.id}` and run the suite again for the rest"
            )
            raise typer.Exit(EXIT_INTERRUPTED) from None
    if as_json:
        sys.stdout.write(json.dumps([o.as_json() for o in outcomes]) + "\n")
    else:
        out_console.print(results_table(outcomes))
        out_console.print(run_ids(outcomes), highlight=False)
    _exit_for(outcomes)


def _exit_for(outcomes: list[Outcome]) -> None:
    failed = [o for o in outcomes if o.failed]
    if not failed:
        return
    names = ", ".join(o.benchmark for o in failed)
    err_console.print(
        f"[red]{len(failed)} of {plural(len(outcomes), 'benchmark')} failed:[/] {names}"
    )
    not_built = any(o.error is not None for o in failed)
    raise typer.Exit(EXIT_INPUT if not_built else EXIT_ERRORS)
