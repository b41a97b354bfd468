"""How figures read in sentences meant for people who are not statisticians."""

from __future__ import annotations

import math


def rate(value: float | None) -> str:
    """A proportion or score to two decimals, or "undefined"."""
    if value is None or not math.isfinite(value):
        return "undefined"
    return f"{value:.2f}"


def percent(value: float) -> str:
    """0.034 -> "3.4%"."""
    return f"{100 * value:.1f}%"


def p_value(value: float) -> str:
    """p = 0.012, or p < 0.001."""
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def about(count: int) -> str:
    """A sample size rounded up to two significant figures, with thousands separators."""
    if count < 100:
        return str(count)
    scale = 10 ** (len(str(count)) - 2)
    return f"{math.ceil(count / scale) * scale:,}"


def finite(value: float | None) -> float | None:
    """None for NaN and infinities: what JSON and the ledger can hold."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)
