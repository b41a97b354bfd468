"""Turning results into what a person reads: metric lines, run tables, a progress bar."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from clearance.vocabulary import plural

if TYPE_CHECKING:  # the engine and store load only when a command needs them
    from clearance.runner import RunSummary
    from clearance.store import RunRecord


# C0 and C1 controls other than tab and newline (ESC starts a terminal escape sequence that can
# rewrite the screen or set a link), and the Unicode bidirectional controls that reorder what a
# reader sees ("Trojan Source"). Names, answers and messages come from users, files and models.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with control and bidi characters shown as escapes (``\\x1b``, ``\\u202e``)."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class SafeConsole(Console):
    """A Rich console that escapes control and bidi characters in what it prints, whatever the
    renderable (text, tables, markup), so printed data cannot drive the terminal. Rich's own
    control segments (cursor moves for the progress bar) pass as they are."""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        safe = (
            seg
            if seg.control or not _UNSAFE.search(seg.text)
            else seg._replace(text=terminal_safe(seg.text))
            for seg in buffer
        )
        return super()._render_buffer(safe)


err_console = SafeConsole(stderr=True)
out_console = SafeConsole()


def fmt_estimate(m: dict[str, Any]) -> str:
    value = m.get("value")
    if value is None:
        return "no scored samples"
    stderr, low, high = m.get("stderr"), m.get("ci_low"), m.get("ci_high")
    spread = "" if stderr is None else f" ± {stderr:.3f}"
    interval = (
        "interval undefined" if low is None or high is None else f"95% CI {low:.3f}–{high:.3f}"
    )
    return f"{value:.3f}{spread}  ({interval}, n={m.get('n', '?')})"


def empty_answers_note(count: int) -> str:
    return (
        f"{count} answer(s) were empty or null: scored as given (usually wrong); check the "
        "model's settings (max_tokens, stop) or its server"
    )


def metrics_table(metrics: dict[str, dict[str, Any]]) -> Table:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("metric")
    table.add_column("value ± stderr (95% interval)")
    for name, m in metrics.items():
        table.add_row(name, fmt_estimate(m))
    return table


def print_summary(summary: RunSummary, location: str, c: Console = out_console) -> None:
    status_style = {"completed": "green", "failed": "red", "interrupted": "yellow"}
    style = status_style.get(summary.status, "white")
    c.print(f"[bold]Run {summary.id}[/]  [{style}]{summary.status}[/]")
    prov = summary.provenance
    c.print(f"task {prov['task']['name']} · model {prov['model']['spec']}", soft_wrap=True)
    c.print(
        f"{summary.scored:,} scored, {plural(summary.errors, 'error')}, "
        f"of {summary.total:,} planned"
    )
    if summary.empty_answers:
        c.print(f"[yellow]{empty_answers_note(summary.empty_answers)}[/]")
    c.print(metrics_table(summary.metrics))
    c.print(f"stored in {location} (run id {summary.id})", soft_wrap=True, highlight=False)


def runs_table(runs: list[RunRecord]) -> Table:
    # A run id is never cut: it is what the reader copies into `eval show`. It begins with the
    # run's creation time (YYYYMMDD-HHMMSS, UTC), so no separate column repeats it. The other
    # columns fold onto more lines instead of losing characters to an ellipsis.
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    widest = max((len(r.id) for r in runs), default=2)
    table.add_column("id (created UTC)", no_wrap=True, min_width=widest)
    for col in ("task", "model", "status", "scored", "errors", "primary"):
        table.add_column(col, overflow="fold")
    from clearance.runner import observed_status

    for r in runs:
        table.add_row(
            r.id,
            r.task_name,
            str(r.provenance["model"]["spec"]),
            observed_status(r.id, r.status),
            f"{r.scored}/{r.total}",
            str(r.errors),
            _primary(r.metrics),
        )
    return table


def _primary(metrics: dict[str, Any] | None) -> str:
    """The first metric's value, or what stands for it when no sample was scored."""
    name, m = next(iter((metrics or {}).items()), (None, None))
    if name is None or not isinstance(m, dict):
        return ""
    value = m.get("value")
    return f"{name} {value:.3f}" if isinstance(value, int | float) else f"{name} –"


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.1f}/s" if speed else "–/s", style="cyan")


class _ErrorsColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        errors = int(task.fields.get("errors", 0))
        return Text(plural(errors, "error"), style="red" if errors else "dim")


class WaitColumn(ProgressColumn):
    """How long the run waits on a server that asked it to retry later; blank otherwise."""

    def render(self, task: Task) -> Text:
        wait = float(task.fields.get("wait", 0.0))
        if wait < 0.5:
            return Text("")
        return Text(f"waiting {wait:.0f} s: the server asked to retry later", style="yellow")


class BatchColumn(ProgressColumn):
    """Progress inside a local model's batch (tokens/s and the time left at most), which can
    take minutes on a CPU; blank for models that answer one request at a time."""

    def render(self, task: Task) -> Text:
        rate = float(task.fields.get("token_rate", 0.0))
        if rate <= 0:
            return Text("")
        left = float(task.fields.get("batch_left", 0.0))
        return Text(f"batch: {rate:,.1f} tokens/s, at most {left:,.0f} s left", style="cyan")


def show_batch(bar: Progress, task_id: Any, tokens: int, planned: int, seconds: float) -> None:
    """Set the fields :class:`BatchColumn` shows, from a model's report inside one batch."""
    rate = tokens / seconds if seconds > 0 else 0.0
    left = (planned - tokens) / rate if rate > 0 else 0.0
    bar.update(task_id, token_rate=rate, batch_left=max(0.0, left))


class RichProgress:
    """The engine's progress as a Rich bar on stderr: done/total, rate, errors, ETA."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            _ErrorsColumn(),
            TimeRemainingColumn(),
            WaitColumn(),
            BatchColumn(),
            console=err_console,
            transient=False,
        )
        self._task_id: Any = None
        self._started = time.monotonic()

    def start(self, total: int, done: int) -> None:
        self._bar.start()
        self._task_id = self._bar.add_task(self._label, total=total, completed=done, errors=0)
        self._offset = done

    def update(self, done: int, errors: int) -> None:
        if self._task_id is not None:
            self._bar.update(self._task_id, completed=self._offset + done, errors=errors)

    def waiting(self, seconds: float) -> None:
        if self._task_id is not None:
            self._bar.update(self._task_id, wait=seconds)

    def generating(self, tokens: int, planned: int, seconds: float) -> None:
        if self._task_id is not None:
            show_batch(self._bar, self._task_id, tokens, planned, seconds)

    def stop(self) -> None:
        self._bar.stop()


_STATE_STYLE = {
    "approved": "green",
    "implemented": "green",
    "active": "yellow",
    "waived": "yellow",
    "needs re-review": "bold red",
    "overdue": "bold red",
    "denied": "red",
    "suspended": "red",
    "prohibited": "bold red",
}


def emit_json(doc: Any) -> None:
    """One JSON document on stdout, on one line."""
    sys.stdout.write(json.dumps(doc, default=str) + "\n")


def styled(state: str) -> str:
    """A governance state (approved, overdue, waived…) in the colour that says how it stands."""
    style = _STATE_STYLE.get(state)
    return f"[{style}]{state}[/]" if style else state
