"""Users as the tests need them, made the only way Clearance allows: the first administrator
with a password, everyone else with a one-time enrolment code they spend on their own password,
and API tokens each user issues to themselves."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from clearance.access import Marking, Role
from clearance.accountability import (
    PASSWORD_VARIABLE,
    TOKEN_VARIABLE,
    USER_VARIABLE,
    Acting,
    acting,
    acting_for_bootstrap,
    add_user,
    enrol,
    issue_token,
)
from clearance.store import Store

PASSWORD = "correct horse battery staple"


def first_admin(
    store: Store,
    id: str = "root",
    *,
    roles: Iterable[Role] = (Role.ADMIN,),
    clearance: Marking | None = None,
    password: str = PASSWORD,
) -> Acting:
    """Add the store's first user (an administrator, with a password) and act as them."""
    first = acting_for_bootstrap(store)
    assert first is not None, "the store already has users"
    add_user(
        store,
        first,
        id=id,
        name=id.title(),
        roles=roles,
        clearance=clearance or Marking.of("TS"),
        password=password,
    )
    return acting(store, {USER_VARIABLE: id, PASSWORD_VARIABLE: password})


def enrolled_user(
    store: Store,
    admin: Acting,
    id: str,
    *,
    roles: Iterable[Role],
    clearance: Marking,
    password: str = PASSWORD,
) -> Acting:
    """An administrator adds ``id``; the user spends the enrolment code on ``password``."""
    added = add_user(store, admin, id=id, name=id.title(), roles=roles, clearance=clearance)
    assert added.enrolment_code is not None
    return enrol(store, id, added.enrolment_code, password)


def own_token(store: Store, who: Acting, name: str = "tests") -> str:
    """An API token ``who`` issues to themselves."""
    return issue_token(store, who, who.principal.id, name=name)[0]


def as_user(id: str, password: str = PASSWORD) -> dict[str, str]:
    """The environment of a command run as ``id`` signing in with a password (and no token)."""
    return {USER_VARIABLE: id, PASSWORD_VARIABLE: password, TOKEN_VARIABLE: ""}


def cli_enrolled(cli: Callable[..., Any], id: str, *add_args: str, admin: dict[str, str]) -> str:
    """Through the commands: the administrator (``admin`` env) adds ``id``, the user enrols
    with the printed code and issues their own token, which is returned."""
    added = cli("user", "add", id, *add_args, "--json", env=admin)
    assert added.exit_code == 0, added.stderr
    code = json.loads(added.stdout)["enrolment_code"]
    enrolled = cli("user", "enrol", id, stdin=f"{code}\n{PASSWORD}\n")
    assert enrolled.exit_code == 0, enrolled.stderr
    issued = cli("user", "token", env=as_user(id))
    assert issued.exit_code == 0, issued.stderr
    return str(issued.stdout.strip())


def translation_intake() -> dict[str, Any]:
    """A use case that no rule fires for: machine translation of foreign news."""
    return {
        "name": "Foreign news translation",
        "agency": "Department of Defense",
        "office": "Defense Intelligence Agency",
        "purpose_and_benefits": "Translates open-source foreign news for analysts to skim.",
        "outputs": "English translations of foreign-language articles.",
        "stage": "operation_and_maintenance",
        "principal_basis": False,
        "decision_domain": "intelligence_analysis",
        "functions": ["translation"],
        "affected": ["no_individuals"],
        "human_oversight": {"level": "human_decides", "description": "Analysts read them."},
        "developers": ["dev-dana"],
    }
