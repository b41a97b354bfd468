"""The shared nouns: test domains and their areas, which way a metric or threshold points, and
how a count of them is said in English.

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


# -- counts in English: "1 error", "2 errors", "1 entry", "3 entries" -------------------------
# Every message that states a count of things says it through `plural`, so none reads "1 errors".

_VOWELS = frozenset("aeiou")


def plural_form(noun: str) -> str:
    """The plural of a regular English noun, or of a phrase's last word ("labelled samples")."""
    if noun.endswith("y") and len(noun) > 1 and noun[-2] not in _VOWELS:
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and ``noun``, the noun plural unless the count is exactly 1 ("0 samples",
    "1 sample", "1,200 samples"); ``many`` names an irregular plural."""
    word = noun if count == 1 else (many or plural_form(noun))
    return f"{count:,} {word}"
