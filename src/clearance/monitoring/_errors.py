"""What a monitoring user can get wrong, named so the CLI can say how to fix it."""

from __future__ import annotations

from clearance.errors import ClearanceError


class MonitoringError(ClearanceError, ValueError):
    """A monitor, a monitoring run or an ingest was asked for something it cannot do."""
