"""The supply chain's errors: what was refused, where, and how to fix it."""

from __future__ import annotations

from clearance.errors import ClearanceError


class SupplyChainError(ClearanceError, ValueError):
    """A bill of materials, signature, custody entry or critical node that cannot be made as
    asked (an unknown model, an unreadable key, a signature that does not verify)."""
