"""Counts in English: "1 error", "2 errors", "1 entry", "3 entries". Every message that states a
count of things says it through :func:`plural`, so no message reads "1 errors"."""

from __future__ import annotations

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
