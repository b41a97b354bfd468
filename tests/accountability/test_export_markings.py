"""Markings on everything that leaves the store: the OMB and Framework inventory CSVs, run
exports (JSON lines and CSV), every report in every format, and `ledger export` each carry the
marking of their content, the highest marking of what they include.

One store holds an open and a SECRET//BIO record of each kind (run, use case, waiver). An
auditor cleared TOP SECRET//BIO reads both, so every export says SECRET//BIO; an auditor cleared
UNCLASSIFIED reads the open ones only, so every export says UNCLASSIFIED and nothing of the
hidden records is in it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from accountability_support import OWNER, cli, eval_run, marked_use_case, write_task

from clearance.accountability import acting
from clearance.governance import grant_waiver
from clearance.reports import REPORT_KINDS, build_report, render
from clearance.spreadsheet import without_banners
from clearance.store import Store
from people_support import PASSWORD, cli_enrolled

HIDDEN = "SECRET//BIO"
HIDDEN_NAME = "zebra"
"""In the hidden records' task name and use-case name, so a leak is easy to find."""

READERS = {"high": HIDDEN, "low": "UNCLASSIFIED"}
"""Each reader, and the marking of everything they may read."""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Built once; the tests only read it. Yields the store, the model spec and each reader's
    environment (a token)."""
    root = tmp_path_factory.mktemp("marked")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("CLEARANCE_HOME", str(root / "home"))
    monkeypatch.delenv("CLEARANCE_DATABASE_URL", raising=False)
    store = Store.open()
    open_task, model = write_task(root / "open", 3, name="open-sums")
    hidden_task, _ = write_task(root / "hidden", 3, name=f"{HIDDEN_NAME}-sums")
    eval_run(open_task, model)
    eval_run(hidden_task, model, "--marking", HIDDEN)  # the same model: one model report
    for name, marking in (("open", "UNCLASSIFIED"), (HIDDEN_NAME, HIDDEN)):
        use_case = marked_use_case(store, name, marking)
        grant_waiver(
            store, use_case.id, "training", category="impedes-critical-operations",
            finding="A finding long enough to be a finding.", principal=OWNER,
        )  # fmt: skip
    admin = {"CLEARANCE_USER": "boss", "CLEARANCE_PASSWORD": PASSWORD}
    assert cli(
        "user", "add", "boss", "--role", "admin", "--level", "TS", "--compartment", "BIO",
        "--password-stdin", stdin=PASSWORD + "\n",
    ).exit_code == 0  # fmt: skip
    tokens = {
        "high": cli_enrolled(cli, "high", "--role", "auditor", "--level", "TS",
                             "--compartment", "BIO", admin=admin),
        "low": cli_enrolled(cli, "low", "--role", "auditor", "--level", "UNCLASSIFIED",
                            admin=admin),
    }  # fmt: skip
    yield {
        "store": store,
        "model": model,
        "root": root,
        # The home too: each test's own (empty) CLEARANCE_HOME is set after this fixture's.
        "env": {
            who: {"CLEARANCE_TOKEN": token, "CLEARANCE_HOME": str(root / "home")}
            for who, token in tokens.items()
        },
    }
    store.close()
    monkeypatch.undo()


def _run(world: dict[str, Any], who: str, *args: str) -> Any:
    result = cli(*args, env=world["env"][who])
    assert result.exit_code == 0, (args, result.stderr)
    return result


def _assert_hidden_absent(who: str, text: str) -> None:
    if who == "low":
        assert HIDDEN_NAME not in text
        assert HIDDEN not in text


@pytest.mark.parametrize("who", READERS)
@pytest.mark.parametrize("fmt", ["omb-csv", "framework-csv"])
def test_inventory_csvs_open_and_close_with_their_banner(
    world: dict[str, Any], who: str, fmt: str
) -> None:
    text = _run(world, who, "inventory", "export", "--format", fmt).stdout
    banner, table = without_banners(text)
    assert banner == READERS[who]
    assert text.splitlines()[0] == text.splitlines()[-1] == READERS[who]
    cells = {cell for row in csv.reader(io.StringIO(table)) for cell in row}
    assert "open triage" in cells
    assert (f"{HIDDEN_NAME} triage" in cells) == (who == "high")
    _assert_hidden_absent(who, text)


@pytest.mark.parametrize("who", READERS)
def test_framework_json_inventory_states_its_marking(world: dict[str, Any], who: str) -> None:
    text = _run(world, who, "inventory", "export", "--format", "framework-json").stdout
    assert json.loads(text)["marking"] == READERS[who]
    _assert_hidden_absent(who, text)


def _runs(world: dict[str, Any], who: str) -> dict[str, str]:
    listed = json.loads(_run(world, who, "eval", "list", "--json").stdout)
    return {r["id"]: "//".join([r["marking_level"], *r["marking_compartments"]]) for r in listed}


@pytest.mark.parametrize("who", READERS)
def test_run_exports_carry_their_runs_marking(world: dict[str, Any], who: str) -> None:
    runs = _runs(world, who)
    assert sorted(runs.values()) == sorted({"UNCLASSIFIED", READERS[who]})
    for run_id, marking in runs.items():
        lines = _run(world, who, "eval", "export", run_id).stdout.splitlines()
        assert {json.loads(line)["marking"] for line in lines} == {marking}
        text = _run(world, who, "eval", "export", run_id, "--format", "csv").stdout
        banner, table = without_banners(text)
        assert banner == marking
        assert len(list(csv.DictReader(io.StringIO(table)))) == 3


def _report_text(data: bytes, fmt: str) -> tuple[str, str]:
    """(the banner the report shows first, all its text)."""
    if fmt == "json":
        text = data.decode()
        return str(json.loads(text)["report"]["banner"]), text
    if fmt == "md":
        text = data.decode()
        return text.splitlines()[0].strip("*"), text
    if fmt == "html":
        text = data.decode()
        return text.split('id="banner-top">', 1)[1].split("<", 1)[0], text
    if fmt == "docx":
        import docx

        document = docx.Document(io.BytesIO(data))
        body = "\n".join(p.text for p in document.paragraphs)
        cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
        return document.sections[0].header.paragraphs[0].text, body + cells
    from pdfminer.high_level import extract_text

    text = extract_text(io.BytesIO(data))
    return text.strip().splitlines()[0], text


@pytest.mark.parametrize("who", READERS)
@pytest.mark.parametrize("kind", REPORT_KINDS)
@pytest.mark.parametrize("fmt", ["html", "md", "json", "docx"])
def test_every_report_in_every_format_carries_its_contents_marking(
    world: dict[str, Any], who: str, kind: str, fmt: str
) -> None:
    store = world["store"]
    reader = acting(store, world["env"][who]).principal
    model = world["model"] if kind == "model" else None
    report = build_report(store, kind, model=model, principal=reader)  # type: ignore[arg-type]
    banner, text = _report_text(render(report, fmt), fmt)  # type: ignore[arg-type]
    assert banner == report.banner == _expected(kind, who)
    # The banner follows the content: the hidden records' names are there exactly when it
    # says SECRET//BIO.
    assert (HIDDEN_NAME in text) == (banner == HIDDEN)
    _assert_hidden_absent(who, text)


def _expected(kind: str, who: str) -> str:
    # The model, inventory and waiver reports show the hidden run, use case and waiver. The
    # annual report states assessments and findings (the hidden run has none), and the store has
    # no supply-chain records: those show nothing hidden to anyone, so they are UNCLASSIFIED.
    return READERS[who] if kind in ("model", "inventory", "waivers") else "UNCLASSIFIED"


@pytest.mark.parametrize("who", READERS)
def test_a_pdf_report_carries_its_contents_marking(world: dict[str, Any], who: str) -> None:
    # One kind: PDFs share the renderer (and the HTML) of every kind, and are slow to make.
    out = world["root"] / f"model-{who}.pdf"
    _run(world, who, "report", "model", world["model"], "--format", "pdf", "--out", str(out))
    banner, text = _report_text(out.read_bytes(), "pdf")
    assert banner == READERS[who]
    _assert_hidden_absent(who, text)


@pytest.mark.parametrize("who", READERS)
def test_a_ledger_export_states_its_contents_marking(
    world: dict[str, Any], who: str, tmp_path: Path
) -> None:
    summary = json.loads(_run(world, who, "ledger", "export", str(tmp_path / "x"), "--json").stdout)
    assert summary["banner"] == READERS[who]
    exported = [json.loads(line) for line in (tmp_path / "x" / "records.jsonl").open()]
    statement = next(r for r in exported if r["record_type"] == "export")
    assert statement["content"]["banner"] == READERS[who]  # signed with the export
    markings = {
        "//".join([r["content"]["marking_level"], *r["content"]["marking_compartments"]])
        for r in exported
        if "marking_level" in r["content"]
    }
    assert markings == {"UNCLASSIFIED", READERS[who]}
