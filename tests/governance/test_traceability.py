"""docs/framework-traceability.md is generated, current, and honest: every quote is the text's,
every provision of the Framework's Pillars I-IV is answered for, and every command, rule,
practice and test it names exists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from clearance.cli import app
from clearance.governance import Provision, default_rules, provisions, traceability_markdown

REPO = Path(__file__).resolve().parents[2]
REFERENCES = REPO.parent / "shared" / "references"
DOC = REPO / "docs" / "framework-traceability.md"


def _words(text: str) -> str:
    return " ".join(text.split())


def _reference(source: str) -> str:
    path = REFERENCES / f"{source}.md"
    assert path.is_file(), f"the reference text is expected beside the repo: {path}"
    return _words(path.read_text(encoding="utf-8"))


def test_the_document_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == traceability_markdown(), (
        "regenerate: clearance rules trace --out docs/framework-traceability.md"
    )


def test_trace_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "trace.md"
    stale.write_text("# old\n")
    result = CliRunner().invoke(app, ["rules", "trace", "--out", str(stale), "--check"])
    assert result.exit_code == 1
    assert "is not current" in result.output
    written = CliRunner().invoke(app, ["rules", "trace", "--out", str(stale)])
    assert written.exit_code == 0
    assert (
        CliRunner().invoke(app, ["rules", "trace", "--out", str(stale), "--check"]).exit_code == 0
    )


@pytest.mark.parametrize("provision", provisions(), ids=lambda p: p.place)
def test_each_quote_is_the_texts(provision: Provision) -> None:
    text = _reference(provision.source)
    for quote in (provision.quote, *provision.covers):
        assert len(quote.split()) >= 5, f"{provision.place}: too short to check: {quote!r}"
        assert _words(quote) in text, f"{provision.place}: not the text's words: {quote!r}"


def test_every_item_of_pillars_i_to_iv_is_answered_for() -> None:
    raw = (REFERENCES / "nsm-framework.md").read_text(encoding="utf-8")
    items = [
        _words(line[2:])
        for line in raw[raw.index("## Pillar I:") :].splitlines()
        if line.startswith("- ")
    ]
    quoted = [_words(q) for p in provisions() for q in (p.quote, *p.covers)]
    quoted += [c for p in default_rules().rules.practices for c in p.contents]
    assert len(items) >= 80
    for item in items:
        opening = " ".join(item.split()[:8])
        answered = any(opening in q or item.startswith(q) for q in quoted)
        assert answered, f"no provision answers for: {item[:90]}…"


def _commands() -> set[str]:
    names: set[str] = set()

    def walk(command: Any, prefix: str) -> None:
        names.add(prefix)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{prefix} {name}")

    walk(typer.main.get_command(app), "clearance")
    return names


def test_every_command_rule_and_practice_named_exists() -> None:
    commands = _commands()
    rules = default_rules().rules
    known = {f"rule {r.id}" for r in rules.rules} | {f"practice {p.code}" for p in rules.practices}
    known |= {f"command {c}" for c in commands}
    for provision in provisions():
        for item in provision.by:
            assert item in known, f"{provision.place}: {item!r} does not exist"


def test_every_test_named_exists() -> None:
    for provision in provisions():
        for test in provision.tests:
            path, _, name = test.partition("::")
            source = REPO / path
            assert source.is_file(), f"{provision.place}: no file {path}"
            pattern = rf"^(async )?def {re.escape(name)}\("
            assert re.search(pattern, source.read_text(), re.M), f"{provision.place}: no {test}"


def test_each_provision_is_implemented_or_says_why_not() -> None:
    with pytest.raises(ValueError, match="not_implemented"):
        Provision(place="x", quote="a provision with no answer at all")
    traced = provisions()
    assert all(p.not_implemented or (p.by and p.tests) for p in traced)
    # The rules and practices trace themselves, each to its own rule or practice.
    rules = default_rules().rules
    assert len(traced) >= len(rules.rules) + len(rules.practices) + 40
