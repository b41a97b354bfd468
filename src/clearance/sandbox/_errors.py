"""Errors the sandbox raises."""

from __future__ import annotations

from clearance.errors import ClearanceError


class SandboxError(ClearanceError):
    """Base class for every sandbox error."""


class SandboxUnavailableError(SandboxError):
    """No isolating backend works here and running without isolation was not allowed."""


class SandboxPathError(SandboxError, ValueError):
    """A path given for a file in the sandbox would leave its working directory."""


class SandboxStateError(SandboxError, RuntimeError):
    """The sandbox was used outside its ``async with`` block."""
