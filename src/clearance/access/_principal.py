"""Principals: who acts, with which roles, clearance and delegated actions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from clearance.access._marking import Level, Marking
from clearance.access._roles import WAIVER_ACTIONS, Action, Role, permissions_of


class Principal(BaseModel):
    """A person or program acting in Clearance.

    ``clearance`` is the marking they are cleared for: the highest level they may read and the
    compartments they hold. ``delegated`` holds actions granted to them individually on top of
    their roles (e.g. ``decision.approve`` while the chief AI officer is away); waiver actions can
    never be delegated. An inactive principal can do nothing.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    roles: frozenset[Role] = frozenset()
    clearance: Marking = Marking()
    delegated: frozenset[Action] = frozenset()
    active: bool = True
    all_compartments: bool = False
    """Holds every compartment, including ones created later. Only :data:`LOCAL_ADMIN` has it: a
    single-user store has nobody to compartment data from. Never set it for team principals."""

    @field_validator("id")
    @classmethod
    def _id_is_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a principal's id must not be blank; give a stable identifier")
        return value

    @field_validator("roles", mode="before")
    @classmethod
    def _parse_roles(cls, value: Any) -> Any:
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise ValueError(f"roles must be a list of role names, got {value!r}")
        return frozenset(Role.parse(role) for role in value)

    @field_validator("delegated", mode="before")
    @classmethod
    def _parse_delegated(cls, value: Any) -> frozenset[Action]:
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise ValueError(f"delegated must be a list of action names, got {value!r}")
        actions = frozenset(Action.parse(action) for action in value)
        reserved = actions & WAIVER_ACTIONS
        if reserved:
            raise ValueError(
                f"{', '.join(sorted(reserved))} cannot be delegated: waivers are reserved to the "
                "chief AI officer; give the delegate the chief_ai_officer role instead"
            )
        return actions

    @property
    def permissions(self) -> frozenset[Action]:
        """Everything this principal's roles permit, plus what was delegated to it."""
        return permissions_of(self.roles) | self.delegated

    def missing_compartments(self, compartments: frozenset[str]) -> frozenset[str]:
        """Those of ``compartments`` this principal does not hold (empty when it holds them all)."""
        if self.all_compartments:
            return frozenset()
        return compartments - self.clearance.compartments

    def clearance_banner(self) -> str:
        """The clearance as printed: ``"SECRET//BIO"``, or ``"TOP SECRET//ALL COMPARTMENTS"``."""
        if self.all_compartments:
            return f"{self.clearance.level.value}//ALL COMPARTMENTS"
        return self.clearance.banner()


LOCAL_ADMIN = Principal(
    id="local-admin",
    name="Local administrator",
    # admin permits everything but waivers; chief_ai_officer adds waivers. On a single-user
    # install the one person is both, so together they leave no feature out of reach. Other roles
    # add nothing to these two, so they are not listed.
    roles=frozenset({Role.ADMIN, Role.CHIEF_AI_OFFICER}),
    # The local store holds only what its one user put there: TOP SECRET and every compartment,
    # so no record on it (whatever compartment it was marked with) is withheld from its owner.
    clearance=Marking(level=Level.TOP_SECRET),
    all_compartments=True,
)
"""The embedded default principal: the local user, acting with no login."""


def local_actor() -> str:
    """The actor recorded for the embedded single-user store: the fixed local identity.

    Never the login name (``$USER``): anyone can set that, so it would let anyone write any
    name into the ledger. Actions that need a named person need a store with users."""
    return f"local:{LOCAL_ADMIN.id}"


def actor_of(principal: Principal) -> str:
    """The actor a ledger entry names for ``principal``: its id, or ``local:USER`` for the
    embedded store's local administrator (so the entry still says which account acted).
    Separation-of-duties checks compare these names."""
    return local_actor() if principal.id == LOCAL_ADMIN.id else principal.id
