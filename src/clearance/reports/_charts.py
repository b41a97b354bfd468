"""Charts as deterministic inline SVG: the same figures give the same bytes, every time.

matplotlib writes the date, random ids and the system's fonts into SVG unless told not to: the
date is dropped (``metadata={"Date": None}``), ids are salted with a fixed string
(``svg.hashsalt``), text is drawn as glyph paths of DejaVu Sans (shipped inside matplotlib, so no
system font changes a byte), and each figure's ids are prefixed so several figures can share a
page.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from clearance.reports._document import UNDERPOWERED

VERDICT_COLOURS: dict[str, str] = {
    "exceeds": "#b03a2e",
    "inconclusive": "#b9770e",
    "not tested": "#6c3483",
    "below": "#1e8449",
    UNDERPOWERED: "#5d6d7e",
    "no threshold": "#7f8c8d",
    "not assessed": "#7f8c8d",
}
"""One colour per verdict, shared by the charts and the HTML tables; only verdicts carry them.
The word always goes with the colour, so a page printed in grey still reads."""
_NEUTRAL = "#34495e"

_RC: dict[Any, Any] = {
    "svg.hashsalt": "clearance-report",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "path.simplify": True,
}
_ID = re.compile(r'\bid="([^"]+)"')


@dataclass(frozen=True)
class ScorePoint:
    """One row of the scores chart: a benchmark's value and interval against its threshold."""

    label: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    threshold: float | None
    verdict: str


@dataclass(frozen=True)
class BeforeAfter:
    """One mitigation: the metric before and after, and the threshold it is held against."""

    label: str
    before: float
    after: float
    threshold: float | None
    effective: bool


def _figure(width: float, height: float) -> tuple[Any, Any]:
    # The object API, not pyplot: no global figure registry, no GUI backend, safe in a server.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=72)
    return figure, figure.add_subplot()


def _svg(figure: Any, prefix: str) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    for ident in sorted(set(_ID.findall(text)), key=len, reverse=True):
        text = text.replace(f'id="{ident}"', f'id="{prefix}-{ident}"')
        text = text.replace(f"#{ident})", f"#{prefix}-{ident})")
        text = text.replace(f'href="#{ident}"', f'href="#{prefix}-{ident}"')
    return text.strip() + "\n"


def _height(rows: int) -> float:
    return max(1.6, 0.32 * rows + 1.0)


def scores_chart(points: Sequence[ScorePoint], prefix: str) -> str:
    """Each benchmark's score with its 95% interval, and its threshold as a vertical tick. The
    verdict is written in each row's label; an underpowered "below" is drawn hollow and dashed."""
    import matplotlib

    with matplotlib.rc_context(_RC):
        figure, axes = _figure(7.0, _height(len(points)))
        for y, point in enumerate(reversed(points)):
            colour = VERDICT_COLOURS.get(point.verdict, _NEUTRAL)
            weak = point.verdict == UNDERPOWERED
            if point.threshold is not None:
                axes.plot([point.threshold] * 2, [y - 0.35, y + 0.35], color="#2c3e50", lw=2)
            if point.value is None:
                continue
            if point.ci_low is not None and point.ci_high is not None:
                style = "--" if weak else "-"
                axes.plot([point.ci_low, point.ci_high], [y, y], style, color=colour, lw=2.5)
            face = "white" if weak else colour
            axes.plot([point.value], [y], "o", mfc=face, mec=colour, mew=1.5, ms=6)
        labels = [f"{p.label} ({_short(p.verdict)})" for p in reversed(points)]
        axes.set_yticks(range(len(points)), labels)
        axes.set_ylim(-0.7, len(points) - 0.3)
        axes.set_xlim(-0.02, 1.02)
        axes.set_xlabel("score (dot), 95% interval (bar), threshold (dark tick)")
        axes.grid(axis="x", color="#e5e8e8", lw=0.6)
        return _svg(figure, prefix)


def before_after_chart(items: Sequence[BeforeAfter], prefix: str) -> str:
    """Each mitigation's metric before (hollow) and after (filled), with the threshold tick.
    Neutral colours: whether it worked is a statistic, not a verdict, and is written in the
    label."""
    import matplotlib

    with matplotlib.rc_context(_RC):
        figure, axes = _figure(7.0, _height(len(items)))
        for y, item in enumerate(reversed(items)):
            if item.threshold is not None:
                axes.plot([item.threshold] * 2, [y - 0.35, y + 0.35], color="#2c3e50", lw=2)
            axes.annotate(
                "",
                xy=(item.after, y),
                xytext=(item.before, y),
                arrowprops={"arrowstyle": "->", "color": _NEUTRAL, "lw": 1.5},
            )
            axes.plot([item.before], [y], "o", mfc="white", mec=_NEUTRAL, ms=7)
            axes.plot([item.after], [y], "o", color=_NEUTRAL, ms=7)
        labels = [
            f"{i.label} ({'effective' if i.effective else 'not shown effective'})"
            for i in reversed(items)
        ]
        axes.set_yticks(range(len(items)), labels)
        axes.set_ylim(-0.7, len(items) - 0.3)
        axes.set_xlim(-0.02, 1.02)
        axes.set_xlabel("before (hollow) → after (filled); threshold (dark tick)")
        axes.grid(axis="x", color="#e5e8e8", lw=0.6)
        return _svg(figure, prefix)


def _short(verdict: str) -> str:
    return {UNDERPOWERED: "below, too few samples"}.get(verdict, verdict)


def finite_or_none(value: float | None) -> float | None:
    """None for a missing or non-finite figure, so charts never plot NaN."""
    return value if value is not None and math.isfinite(value) else None


@dataclass(frozen=True)
class TrendSeries:
    """One domain watched by one monitor: its rate at each look, and the approved baseline."""

    label: str
    times: tuple[Any, ...]
    """Each look's time (datetime)."""
    rates: tuple[float, ...]
    alarms: tuple[bool, ...]
    baseline: float | None


_SERIES_COLOURS = ("#1f618d", "#117a65", "#7d3c98", "#a04000", "#2e4053", "#b7950b", "#922b21")


def trend_chart(series: Sequence[TrendSeries], prefix: str) -> str:
    """Each series' rate over monitoring looks (solid, with dots), its approved baseline
    (dotted, same colour), and the looks that raised an alarm (a red cross, labelled)."""
    import matplotlib
    from matplotlib.dates import AutoDateLocator, DateFormatter

    with matplotlib.rc_context(_RC):
        figure, axes = _figure(7.0, 3.2)
        alarm_labelled = False
        for index, one in enumerate(series):
            colour = _SERIES_COLOURS[index % len(_SERIES_COLOURS)]
            axes.plot(one.times, one.rates, "-o", color=colour, lw=1.8, ms=4, label=one.label)
            if one.baseline is not None:
                axes.plot(
                    [one.times[0], one.times[-1]], [one.baseline] * 2, ":", color=colour, lw=1.4
                )
            for when, rate, alarm in zip(one.times, one.rates, one.alarms, strict=True):
                if alarm:
                    axes.plot([when], [rate], "x", color="#b03a2e", ms=10, mew=2.5,
                              label=None if alarm_labelled else "alarm raised")  # fmt: skip
                    alarm_labelled = True
        axes.set_ylim(-0.03, 1.03)
        axes.set_ylabel("rate (primary score)")
        axes.set_xlabel("monitoring look (UTC date); dotted: approved baseline")
        # matplotlib's date helpers carry no annotations.
        axes.xaxis.set_major_locator(AutoDateLocator(maxticks=6))  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))  # type: ignore[no-untyped-call]
        axes.grid(axis="y", color="#e5e8e8", lw=0.6)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
        return _svg(figure, prefix)
