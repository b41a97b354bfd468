"""A use case named to attack whoever reads it: terminal escapes and bidi overrides are shown
escaped on the terminal, and spreadsheet formulas are neutralised in the inventory CSVs."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from governance_people import base_intake
from typer.testing import CliRunner

from clearance.cli import app

HOSTILE_NAME = 'Trans\x1b[2Jlation \u202eevil\u202c =HYPERLINK("http://x.invalid","go")'


@pytest.fixture
def hostile_use_case(tmp_path: Path) -> None:
    intake = base_intake() | {
        "name": HOSTILE_NAME,
        "office": "=cmd|' /C calc'!A0",
        "principal_basis": True,  # high-impact, so the Framework inventory lists it too
        "functions": ["threat_designation"],
    }
    path = tmp_path / "intake.yaml"
    path.write_text(yaml.safe_dump(intake))
    added = CliRunner().invoke(app, ["usecase", "add", "--file", str(path)])
    assert added.exit_code == 0, added.output


@pytest.mark.usefixtures("hostile_use_case")
def test_names_are_escaped_on_the_terminal() -> None:
    listing = CliRunner().invoke(app, ["usecase", "list"])
    assert listing.exit_code == 0, listing.output
    out = listing.stdout
    assert "\x1b[2J" not in out
    assert "\u202e" not in out
    assert "\\x1b" in out
    assert "\\u202e" in out


@pytest.mark.usefixtures("hostile_use_case")
@pytest.mark.parametrize("fmt", ["omb-csv", "framework-csv"])
def test_inventory_csv_cells_are_never_formulas(fmt: str) -> None:
    exported = CliRunner().invoke(app, ["inventory", "export", "--format", fmt])
    assert exported.exit_code == 0, exported.output
    cells = [cell for row in csv.reader(io.StringIO(exported.stdout)) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert "'=cmd|' /C calc'!A0" in cells
