"""Separation of duties: rules that keep one person from playing two parts in one decision."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, field_validator

from clearance.access._policy import AccessDenied
from clearance.access._principal import LOCAL_ADMIN, Principal


class SeparationOfDutiesError(AccessDenied):
    """An actor was refused because a separation-of-duties rule forbids it."""

    def __init__(self, rule: SeparationRule, actor_id: str, detail: str) -> None:
        self.rule = rule
        self.actor_id = actor_id
        super().__init__(f"separation of duties: {rule.sentence}; {detail}")


class SeparationRule(BaseModel):
    """A named separation-of-duties rule, stated as the sentence a refused user reads.

    The governance layer keeps one per rule it enforces and checks it with
    :meth:`require_distinct` (two parts that must be different people) or
    :meth:`require_not_in` (an actor who must not belong to a group, such as the developers).
    """

    model_config = ConfigDict(frozen=True)

    name: str
    sentence: str

    @field_validator("name", "sentence")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a separation rule needs a non-blank name and sentence")
        return value.strip()

    def require_distinct(self, actor_id: str, other_id: str | None) -> None:
        """Raise unless ``actor_id`` differs from ``other_id`` (None: no other party, passes)."""
        _check_actor(actor_id)
        if other_id is not None and actor_id == other_id:
            raise SeparationOfDutiesError(self, actor_id, f"{actor_id} is both")

    def require_not_in(self, actor_id: str, group_ids: Iterable[str]) -> None:
        """Raise when ``actor_id`` is one of ``group_ids``."""
        _check_actor(actor_id)
        if isinstance(group_ids, str):
            raise TypeError(
                f"group_ids must be a collection of principal ids, got the string {group_ids!r}"
            )
        if actor_id in frozenset(group_ids):
            raise SeparationOfDutiesError(self, actor_id, f"{actor_id} is one of them")


def _check_actor(actor_id: str) -> None:
    if not isinstance(actor_id, str) or not actor_id.strip():
        raise ValueError(f"actor_id must be a non-blank principal id, got {actor_id!r}")


REQUESTER_CANNOT_APPROVE = SeparationRule(
    name="requester-cannot-approve",
    sentence="the requester of an approval cannot approve it",
)
DEVELOPER_CANNOT_SIGN_INDEPENDENT_EVALUATION = SeparationRule(
    name="developer-cannot-sign-independent-evaluation",
    sentence="an independent evaluation must not be signed by a developer of the use case",
)
CREATED_BY_DEVELOPER_CANNOT_SIGN = SeparationRule(
    name="created-by-developer-cannot-sign",
    sentence=(
        "an independent evaluation must not be signed by a user whom a developer of the use "
        "case created"
    ),
)
DEVELOPER_CANNOT_LEAVE = SeparationRule(
    name="developer-cannot-leave",
    sentence="a developer of a use case cannot remove themselves from its developers",
)
NAMED_PERSON_REQUIRED = SeparationRule(
    name="named-person-required",
    sentence=(
        "an independent evaluation, an approval or a waiver needs a named person, and the "
        "local administrator of a store without users is nobody in particular"
    ),
)


def require_named_person(principal: Principal) -> None:
    """Raise :class:`SeparationOfDutiesError` for the local administrator: separation of
    duties means nothing when every part is played by one anonymous identity. Add users
    (`clearance user add`) and act as them."""
    if principal.id == LOCAL_ADMIN.id:
        raise SeparationOfDutiesError(
            NAMED_PERSON_REQUIRED,
            principal.id,
            "add users with `clearance user add` and act as one of them",
        )


def _as_rule(rule: SeparationRule | str) -> SeparationRule:
    if isinstance(rule, SeparationRule):
        return rule
    return SeparationRule(name=rule, sentence=rule)


def require_distinct(actor_id: str, other_id: str | None, rule: SeparationRule | str) -> None:
    """Raise :class:`SeparationOfDutiesError` when ``actor_id`` is ``other_id``.

    ``rule`` is a :class:`SeparationRule` or its sentence, e.g. ``"the requester of an approval
    cannot approve it"``. ``other_id`` None means there is no other party, which passes.
    """
    _as_rule(rule).require_distinct(actor_id, other_id)


def require_not_in(actor_id: str, group_ids: Iterable[str], rule: SeparationRule | str) -> None:
    """Raise :class:`SeparationOfDutiesError` when ``actor_id`` is one of ``group_ids``."""
    _as_rule(rule).require_not_in(actor_id, group_ids)
