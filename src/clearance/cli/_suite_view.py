"""What `clearance suite run` prints when it is done: the results by domain, and each run's id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table

from clearance.vocabulary import plural

if TYPE_CHECKING:
    from clearance.cli._suite import Outcome


def _status(summary: Any) -> str:
    if summary.status != "completed":
        return f"[red]{summary.status}[/]"
    return f"[yellow]{plural(summary.errors, 'error')}[/]" if summary.errors else "ok"


def _figures(estimate: dict[str, Any]) -> tuple[str, str, str]:
    """Value, 95% interval and n, as shown."""
    value, low, high, n = (estimate.get(k) for k in ("value", "ci_low", "ci_high", "n"))
    if value is None:
        return "-", "-", str(n or 0)
    interval = f"{low:.3f}–{high:.3f}" if low is not None and high is not None else "-"
    return f"{value:.3f}", interval, str(n)


def run_ids(outcomes: list[Outcome]) -> str:
    """Each stored run's full id by benchmark, for `eval show`, `export` and evidence links."""
    runs = [(o.benchmark, o.summary.id) for o in outcomes if o.summary is not None]
    if not runs:
        return "no run was stored"
    width = max(len(name) for name, _ in runs)
    return "runs stored:\n" + "\n".join(f"  {name:<{width}}  {rid}" for name, rid in runs)


def results_table(outcomes: list[Outcome]) -> Table:
    """Domain x benchmark x primary metric, with its 95% interval."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    # Run ids follow the table (`run_ids`), whole, so the table still fits 80 columns.
    for column in ("domain", "benchmark", "metric", "value", "95% CI", "n", "status"):
        table.add_column(column, no_wrap=True)
    for o in outcomes:
        if o.summary is None:
            table.add_row(o.domain, o.benchmark, "-", "-", "-", "-", "[red]not run[/]")
            continue
        no_metrics: tuple[str, dict[str, Any]] = ("-", {})
        name, estimate = next(iter(o.summary.metrics.items()), no_metrics)
        table.add_row(o.domain, o.benchmark, name, *_figures(estimate), _status(o.summary))
    return table
