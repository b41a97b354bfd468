"""What a red-team service refuses, in words that say how to go on."""

from __future__ import annotations

from clearance.access import SeparationRule
from clearance.errors import ClearanceError


class RedTeamError(ClearanceError, ValueError):
    """A red-team request that cannot be carried out as asked."""


RED_TEAMER_CANNOT_CONFIRM = SeparationRule(
    name="red-teamer-cannot-confirm",
    sentence="a red-teamer cannot confirm the outcome of their own attempts",
)
ONLY_THE_RED_TEAMER = SeparationRule(
    name="only-the-red-teamer",
    sentence="only the red-teamer who opened a session may converse in it or tag its attempts",
)
