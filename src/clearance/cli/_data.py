"""`clearance data ...`: where each benchmark's data comes from, and fetching it into the cache."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from clearance.cli._errors import fail, user_errors
from clearance.cli._render import err_console, out_console

app = typer.Typer(
    help="Benchmark data: sources, licences, the download cache.",
    no_args_is_help=True,
)


def _catalogue() -> Any:
    import clearance.suites

    return clearance.suites


def _source_text(benchmark: Any) -> str:
    if benchmark.is_starter:
        return "packaged with Clearance"
    if benchmark.source is None:
        return "--data PATH (no pinned download)"
    return str(benchmark.source.url)


def _data_state(benchmark: Any) -> str:
    if benchmark.is_starter:
        return "packaged"
    return "fetched" if benchmark.has_data() else "absent"


def data_rows() -> list[dict[str, Any]]:
    """One row per benchmark: name, domain, source, licence, data state, cached path."""
    rows = []
    for b in _catalogue().benchmarks():
        cached = b.cached_path()
        rows.append(
            {
                "benchmark": b.name,
                "domain": b.domain,
                "source": _source_text(b),
                "sha256": b.source.sha256 if b.source else None,
                "license": b.source.license if b.source else None,
                "data": _data_state(b),
                "path": str(cached) if cached is not None else None,
            }
        )
    return rows


@app.command("list")
def list_data(
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Each benchmark, where its data comes from, and whether the data is here."""
    rows = data_rows()
    if as_json:
        sys.stdout.write(json.dumps(rows) + "\n")
        return
    table = Table(show_header=True, header_style="bold")
    for column in ("benchmark", "domain", "source", "license", "data"):
        table.add_column(column, overflow="fold")
    style = {"absent": "yellow", "fetched": "green", "packaged": "cyan"}
    for row in rows:
        state = row["data"]
        table.add_row(
            row["benchmark"],
            row["domain"],
            row["source"],
            row["license"] or "",
            f"[{style[state]}]{state}[/]",
        )
    out_console.print(table)
    out_console.print(f"cache: {_catalogue().data_cache()}")


@app.command("fetch")
def fetch(
    name: Annotated[str, typer.Argument(help="The benchmark (see `clearance data list`).")],
    url: Annotated[
        str | None, typer.Option("--url", help="Download from here instead (a mirror).")
    ] = None,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for the server.")] = 60.0,
) -> None:
    """Download a benchmark's data into the cache and verify its SHA-256."""
    from clearance.suites import FetchError, fetch, is_fetched, no_source_message

    with user_errors():
        try:
            benchmark = _catalogue().get_benchmark(name)
        except LookupError as exc:
            fail(str(exc))
        if benchmark.source is None:
            fail(no_source_message(benchmark))
        if is_fetched(benchmark):
            err_console.print(f"{name}: already in the cache at {benchmark.cached_path()}")
            return
        bar = Progress(
            TextColumn(f"[bold]{name}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=err_console,
        )
        task_id = bar.add_task(name, total=None)

        def progress(done: int, total: int | None) -> None:
            bar.update(task_id, completed=done, total=total)

        try:
            with bar:
                path = fetch(benchmark, url=url, progress=progress, timeout=timeout)
        except FetchError as exc:
            fail(str(exc))
    err_console.print(f"{name}: verified SHA-256 {benchmark.source.sha256}")
    sys.stdout.write(f"{path}\n")
