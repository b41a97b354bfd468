"""The reports' own errors."""

from __future__ import annotations

from clearance.errors import ClearanceError


class ReportError(ClearanceError, ValueError):
    """A report cannot be built or rendered; the message says why and what to do."""
