"""What the importers, exporters and bundles refuse, said so the user can act on it."""

from __future__ import annotations

from clearance.errors import EXIT_TAMPERED, ClearanceError


class InteropError(ClearanceError, ValueError):
    """A file from another harness could not be read as evidence; the message names the file,
    the part of it at fault and what to do."""


class BundleRejected(ClearanceError, ValueError):
    """An evidence bundle failed verification: altered, signed by another key, or holding a
    record its stated clearance does not allow. Nothing of it was imported."""

    exit_code = EXIT_TAMPERED
