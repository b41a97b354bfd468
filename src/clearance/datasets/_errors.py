"""The one error every dataset problem raises, saying where it is and how to fix it."""

from __future__ import annotations

from typing import Any

from clearance.errors import ClearanceError


class DatasetError(ClearanceError, ValueError):
    """A dataset file could not be loaded.

    The message names the file, the record (line for JSONL, row for CSV and Arrow, record
    for JSON lists), the field, what was wrong and how to fix it. The same facts are kept as
    attributes so callers can point at them.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        """The 1-based record number (JSONL line, CSV or Arrow row, JSON list item), the text
        line of a syntax error in a .json file, 0 for a CSV header; None when the problem is
        not in one record."""
        self.field = field
        """The source field at fault, when one is."""


class RecordProblem(ClearanceError):
    """What is wrong with one record, raised before the loader knows where the record is.

    The loader turns it into a `DatasetError` that names the file and record.
    """

    def __init__(self, field: str | None, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem
        self.fix = fix


def type_name(value: Any) -> str:
    """The name of a parsed value's type as a person reading the file would say it."""
    if value is None:
        return "null"
    return type(value).__name__
