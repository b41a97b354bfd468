"""Traceability from the Framework's text to what implements it: every prohibition,
presumption and practice of the rules file, and every other provision of Pillars I-IV and the
NSM duties Clearance serves (``rules/framework-provisions.yaml``), each with the rule, practice or
command that implements it and the tests that check it, or the reason it is not implemented.

``clearance rules trace`` writes it as ``docs/framework-traceability.md``; a test regenerates
it and compares, so the document cannot drift from the files it is made from.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from clearance.governance._errors import RulesError
from clearance.governance._rules import LoadedRules, default_rules, one_line
from clearance.yamldoc import YamlDocument

PROVISIONS_NAME = "framework-provisions.yaml"
Source = Literal["nsm-framework", "nsm-ai"]

_RULE_TESTS = (
    "tests/governance/test_classification.py::test_exactly_the_expected_rules_fire",
    "tests/governance/test_framework_text.py::test_each_quote_occurs_in_the_framework",
)
_PRACTICE_TESTS = (
    "tests/governance/test_classification.py::"
    "test_intake_classifies_and_creates_the_practices_its_class_requires",
    "tests/governance/test_framework_text.py::test_each_quote_occurs_in_the_framework",
)
_SECTIONS = (
    ("Framework, Pillar I,", "Pillar I: AI use restrictions"),
    ("Framework, Pillar II,", "Pillar II: minimum risk management practices, waivers"),
    ("Framework, Pillar III,", "Pillar III: cataloguing and monitoring AI use"),
    ("Framework, Pillar IV,", "Pillar IV: training and accountability"),
    ("NSM ", "National Security Memorandum: duties this system serves"),
)


class Provision(BaseModel):
    """One provision of the text, what implements it and what checks it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    place: str = Field(min_length=1)
    quote: str = Field(min_length=1)
    source: Source = "nsm-framework"
    by: tuple[str, ...] = ()
    """``rule ID``, ``practice CODE`` or ``command clearance GROUP NAME``."""
    tests: tuple[str, ...] = ()
    """``path::test_name`` of each test that checks it."""
    not_implemented: str | None = None
    note: str = ""
    covers: tuple[str, ...] = ()
    """Opening words of further items of the text this entry answers for together."""

    @field_validator("place", "quote", "not_implemented", "note", mode="before")
    @classmethod
    def _single_line(cls, value: Any) -> Any:
        return one_line(value)

    @field_validator("covers", mode="before")
    @classmethod
    def _single_lines(cls, value: Any) -> Any:
        return [one_line(v) for v in value] if isinstance(value, list) else value

    @model_validator(mode="after")
    def _implemented_or_why_not(self) -> Provision:
        if self.not_implemented is None and not (self.by and self.tests):
            raise ValueError("name what implements it (by) and the tests, or not_implemented")
        if self.not_implemented is not None and (self.by or self.tests):
            raise ValueError("a provision not implemented has no by or tests")
        return self


class _ProvisionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provisions: tuple[Provision, ...] = Field(min_length=1)


def listed_provisions() -> list[Provision]:
    """The provisions file as packaged: the provisions that are not rules or practices."""
    resource = resources.files("clearance.governance").joinpath("rules", PROVISIONS_NAME)
    document = YamlDocument.parse(resource.read_text(encoding="utf-8"))
    try:
        return list(_ProvisionsFile.model_validate(document.data).provisions)
    except ValidationError as exc:
        first = exc.errors()[0]
        line = document.line_of(tuple(first["loc"]))
        raise RulesError(f"{PROVISIONS_NAME} line {line}: {first['msg']}") from None


def provisions(rules: LoadedRules | None = None) -> list[Provision]:
    """Every provision traced: the rules file's rules and practices, then the listed ones."""
    loaded = (rules or default_rules()).rules
    traced = [
        Provision(place=r.citation, quote=r.quote, by=(f"rule {r.id}",), tests=_RULE_TESTS)
        for r in loaded.rules
    ]
    traced += [
        Provision(
            place=p.citation, quote=p.quote, by=(f"practice {p.code}",), tests=_PRACTICE_TESTS
        )
        for p in loaded.practices
    ]
    return traced + listed_provisions()


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _implemented(provision: Provision) -> str:
    if provision.not_implemented is not None:
        return f"**not implemented**: {provision.not_implemented}"
    named = ", ".join(
        f"`{item.split(' ', 1)[1]}` ({item.split(' ', 1)[0]})" for item in provision.by
    )
    return named + (f". {provision.note}" if provision.note else "")


def _checked(provision: Provision) -> str:
    return "<br>".join(f"`{t}`" for t in provision.tests) or "–"


def traceability_markdown(rules: LoadedRules | None = None) -> str:
    """The traceability document, as ``docs/framework-traceability.md`` holds it."""
    loaded = rules or default_rules()
    traced = provisions(loaded)
    done = sum(1 for p in traced if p.not_implemented is None)
    lines = [
        "# The Framework, traced clause by clause",
        "",
        "Generated by `clearance rules trace --out docs/framework-traceability.md` from "
        f"`{loaded.rules.name}` (version {loaded.rules.version}) and `{PROVISIONS_NAME}`; do not "
        "edit by hand. Quotes are the exact words of `../shared/references/nsm-framework.md` "
        "and `nsm-ai.md`; `tests/governance/test_traceability.py` checks every quote, command "
        "and test named here, and that this file is current.",
        "",
        f"{len(traced)} provisions: {done} implemented, {len(traced) - done} not implemented "
        "(with the reason).",
    ]
    for prefix, heading in _SECTIONS:
        rows = [p for p in traced if p.place.startswith(prefix)]
        lines += ["", f"## {heading}", "", "| provision | text | implemented by | checked by |"]
        lines.append("|---|---|---|---|")
        for p in rows:
            place = p.place.removeprefix("Framework, ")
            quote = f"“{_cell(p.quote)}”" + "".join(f"; “{_cell(c)} …”" for c in p.covers)
            lines.append(f"| {place} | {quote} | {_cell(_implemented(p))} | {_checked(p)} |")
    return "\n".join(lines) + "\n"
