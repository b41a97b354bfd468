"""The shared nouns: test domains and their areas, and which way a metric or threshold points.

Layer 0: imports nothing of Clearance, so tasks, suites, assess, store and models all read the
same words without importing each other. The catalogue (``clearance.suites``) tags benchmarks
with these domains; assessment holds runs against thresholds in them.
"""

from __future__ import annotations

from typing import Literal, get_args

Domain = Literal[
    "science", "mathematics", "code", "reasoning",
    "cyber", "bio", "chem", "autonomy",
    "privacy", "bias", "expression", "safety",
]  # fmt: skip
"""A test domain of the memorandum."""

Area = Literal["capabilities", "hazards", "rights"]
"""A group of domains (``rights``: risks to people)."""

DOMAINS: dict[Domain, Area] = {
    "science": "capabilities",
    "mathematics": "capabilities",
    "code": "capabilities",
    "reasoning": "capabilities",
    "cyber": "hazards",
    "bio": "hazards",
    "chem": "hazards",
    "autonomy": "hazards",
    "privacy": "rights",
    "bias": "rights",
    "expression": "rights",
    "safety": "rights",
}
"""Every test domain of the memorandum, by area, in the order reports list them."""

AREAS: tuple[Area, ...] = get_args(Area)


def domains_in(area: Area) -> tuple[Domain, ...]:
    """The domains of ``area``, in :data:`DOMAINS` order."""
    return tuple(d for d, a in DOMAINS.items() if a == area)


Direction = Literal["above", "below"]
"""Where a threshold's concern lies: a metric ``above`` it (a hazard) or ``below`` it."""

Better = Literal["lower", "higher"]
"""Which way a metric should move to be better: away from its threshold's concern."""

MetricDirection = Literal["higher_is_better", "lower_is_better"]
"""How a benchmark's definition states a metric's good direction."""
