"""The rules quote the Framework: every rule, practice, practice content and waiver term's
quoted words occur in the reference text, and each names its place in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clearance.governance import default_rules

FRAMEWORK = Path(__file__).resolve().parents[2].parent / "shared/references/nsm-framework.md"


def _words(text: str) -> str:
    # The PDF conversion broke lines mid-sentence; the words and their order are the text.
    return " ".join(text.split())


@pytest.fixture(scope="module")
def framework_text() -> str:
    assert FRAMEWORK.is_file(), f"the Framework's text is expected beside the repo: {FRAMEWORK}"
    return _words(FRAMEWORK.read_text(encoding="utf-8"))


def _quotes() -> list[tuple[str, str]]:
    rules = default_rules().rules
    quoted = [(f"rule {r.id}", r.quote) for r in rules.rules]
    for p in rules.practices:
        quoted.append((f"practice {p.code}", p.quote))
        quoted += [(f"practice {p.code} contents", c) for c in p.contents]
    quoted.append(("waiver terms", rules.waivers.quote))
    quoted += [(f"waiver category {c.code}", c.text) for c in rules.waivers.categories]
    return quoted


@pytest.mark.parametrize(("what", "quote"), _quotes(), ids=[w for w, _ in _quotes()])
def test_each_quote_occurs_in_the_framework(framework_text: str, what: str, quote: str) -> None:
    assert len(quote.split()) >= 5, f"{what} quotes too little to be checked: {quote!r}"
    assert _words(quote) in framework_text, f"{what}: not the Framework's words: {quote!r}"


def test_a_paraphrase_is_caught(framework_text: str) -> None:
    # The check the test above makes must be able to fail: the old rules paraphrased.
    paraphrase = "Making a final determination of a person's immigration classification"
    assert _words(paraphrase) not in framework_text


_PLACE = re.compile(
    r"^Framework, Pillar (I|II), "
    r"(Prohibited AI Use Cases|High-Impact AI Use Cases|AI Use Cases Impacting Federal Personnel"
    r"|Risk and Impact Assessments|Additional Procedural Safeguards for AI Impacting Federal "
    r"Personnel|Waivers)(, (item|practice|safeguard) \d+|, definition)?$"
)


def test_each_rule_and_practice_names_its_place_in_pillar_i_or_ii() -> None:
    rules = default_rules().rules
    places = [r.citation for r in rules.rules] + [p.citation for p in rules.practices]
    places.append(rules.waivers.citation)
    for place in places:
        assert _PLACE.match(place), f"not a place in the Framework: {place!r}"
    assert all("Pillar II" in p.citation for p in rules.practices)


def test_item_numbers_follow_the_order_of_the_text(framework_text: str) -> None:
    # Item n of a list is the n-th quote of that list in reading order.
    rules = default_rules().rules.rules
    for prefix in ("P-", "H-", "FP-"):
        listed = [r for r in rules if r.id.startswith(prefix) and "item" in r.citation]
        positions = [framework_text.index(_words(r.quote)) for r in listed]
        numbers = [int(r.citation.rsplit(" ", 1)[1]) for r in listed]
        assert positions == sorted(positions), prefix
        assert numbers == list(range(1, len(listed) + 1)), prefix
        assert [int(r.id.split("-")[1]) for r in listed] == numbers, prefix
