"""The people who act on use cases in governance tests, and a base intake."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from clearance.access import Marking, Principal, Role
from people_support import translation_intake

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
"""The time tests start at; services take it as ``now``."""


def _person(pid: str, *roles: Role, delegated: tuple[str, ...] = ()) -> Principal:
    return Principal(
        id=pid,
        name=pid.replace("-", " ").title(),
        roles=frozenset(roles),
        clearance=Marking.parse("SECRET"),
        delegated=frozenset(delegated),
    )


CAIO = _person("caio-carol", Role.CHIEF_AI_OFFICER)
DEVELOPER = _person("dev-dana", Role.RISK_OWNER, Role.REVIEWER)
"""Develops the use case (it is listed among its developers) and owns its risk; as a reviewer
she could sign evaluations, but not this use case's own."""
REVIEWER = _person("rev-ravi", Role.REVIEWER)
EVALUATOR = _person("eval-eve", Role.EVALUATOR)
ADMIN = _person("admin-ada", Role.ADMIN)
DELEGATE = _person("deputy-dan", Role.RISK_OWNER, delegated=("decision.approve",))
"""A risk owner to whom the chief AI officer delegated approvals."""


def base_intake() -> dict[str, Any]:
    """A use case that no rule fires for: machine translation of foreign news."""
    return translation_intake()
