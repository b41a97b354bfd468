"""Impersonation, tried as an administrator who wants to act as someone else: no token or
password for another user, no clearance or role beyond one's own, no way back to the local
administrator once a store had users, and no actor taken from ``$USER``."""

from __future__ import annotations

import pytest
from accountability_support import cli, execute, ledger_rows, said

from clearance.access import (
    LOCAL_ADMIN,
    AccessDenied,
    Level,
    Marking,
    Role,
    SeparationOfDutiesError,
)
from clearance.accountability import (
    AuthenticationError,
    UserError,
    acting,
    acting_for_bootstrap,
    enrol,
    grant,
    issue_token,
    reset_password,
    set_password,
)
from clearance.governance import add_use_case, approve_use_case, grant_waiver
from clearance.store import Store
from people_support import (
    PASSWORD,
    as_user,
    enrolled_user,
    first_admin,
    own_token,
    translation_intake,
)


@pytest.fixture
def team(sqlite_store: Store) -> Store:
    """An UNCLASSIFIED administrator "admin" (who also holds the chief AI officer's role, to be
    able to create one) and a TOP SECRET chief AI officer "caio" with a password and a token."""
    admin = first_admin(
        sqlite_store,
        "admin",
        roles=[Role.ADMIN, Role.CHIEF_AI_OFFICER],
        clearance=Marking.of("TS"),
    )
    enrolled_user(
        sqlite_store,
        admin,
        "caio",
        roles=[Role.CHIEF_AI_OFFICER],
        clearance=Marking.of("TS"),
    )
    enrolled_user(
        sqlite_store, admin, "low", roles=[Role.ADMIN], clearance=Marking.of("UNCLASSIFIED")
    )
    return sqlite_store


def test_no_administrator_obtains_a_token_for_another_user(team: Store) -> None:
    for admin in ("admin", "low"):
        who = acting(team, as_user(admin))
        with pytest.raises(AccessDenied, match="issued only to their owner"):
            issue_token(team, who, "caio", name="borrowed")
        result = cli("user", "token", "caio", env=as_user(admin))
        assert result.exit_code == 1
        assert "issued only to their owner" in said(result.stderr)
    assert not [row for row in ledger_rows(team) if row.action == "token.issue"]


def test_no_administrator_sets_another_users_password(team: Store) -> None:
    admin = acting(team, as_user("admin"))
    with pytest.raises(UserError, match="nobody sets another user's password"):
        set_password(team, admin, "caio", "a password the admin knows")
    result = cli("user", "add", "mallory", "--role", "reviewer", "--password-stdin",
                 stdin=PASSWORD + "\n", env=as_user("admin"))  # fmt: skip
    assert result.exit_code == 1
    assert "users set their own passwords" in said(result.stderr)


def test_a_reset_revokes_the_users_tokens_and_is_ledgered(team: Store) -> None:
    caio = acting(team, as_user("caio"))
    token = own_token(team, caio)
    admin = acting(team, as_user("admin"))
    code = reset_password(team, admin, "caio")
    with pytest.raises(AuthenticationError, match="revoked"):
        acting(team, {"CLEARANCE_TOKEN": token})
    with pytest.raises(AuthenticationError, match="wrong user name or password"):
        acting(team, as_user("caio"))
    actions = [(row.action, row.actor, row.record_id) for row in ledger_rows(team)[-2:]]
    assert actions[0][0] == "token.revoke"
    assert actions[1] == ("principal.reset", "admin", "caio")
    # The user sets the new password themselves, once, and it is their own act on the ledger.
    enrol(team, "caio", code, "the caio's own new password")
    assert ledger_rows(team)[-1].actor == "caio"
    with pytest.raises(AuthenticationError, match="wrong, used or expired"):
        enrol(team, "caio", code, "a second use of the same code")


def test_nobody_grants_above_their_own_clearance_or_roles(team: Store) -> None:
    low = acting(team, as_user("low"))
    with pytest.raises(AccessDenied, match="only a clearance you hold"):
        grant(team, low, "caio", level=Level.SECRET)
    added = cli("user", "add", "spy", "--level", "SECRET", env=as_user("low"))
    assert added.exit_code == 1
    assert "only a clearance you hold" in said(added.stderr)
    caio_role = cli("user", "add", "spy", "--role", "chief_ai_officer", env=as_user("low"))
    assert caio_role.exit_code == 1
    assert "granted only by someone who holds them" in said(caio_role.stderr)
    with pytest.raises(AccessDenied, match="only a clearance you hold"):
        reset_password(team, low, "caio")


def test_an_emptied_principals_table_does_not_restore_the_local_administrator(
    team: Store,
) -> None:
    execute(team, "DELETE FROM api_tokens")
    execute(team, "DELETE FROM principals")
    with pytest.raises(AuthenticationError, match="does not fall back to the local admin"):
        acting(team, {})
    assert acting_for_bootstrap(team) is None
    result = cli("eval", "list")
    assert result.exit_code == 1
    assert "does not fall back" in said(result.stderr)
    added = cli("user", "add", "mallory", "--role", "admin", "--password-stdin",
                stdin=PASSWORD + "\n")  # fmt: skip
    assert added.exit_code == 1


def test_user_does_not_change_the_actor(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    actors = set()
    for login in ("caio", "admin"):
        monkeypatch.setenv("USER", login)
        monkeypatch.setenv("LOGNAME", login)
        who = acting(sqlite_store, {})
        assert who.principal == LOCAL_ADMIN
        actors.add(who.actor)
    assert actors == {"local:local-admin"}


def test_separation_of_duties_needs_named_people(sqlite_store: Store) -> None:
    use_case = add_use_case(sqlite_store, translation_intake(), principal=LOCAL_ADMIN)
    with pytest.raises(SeparationOfDutiesError, match="needs a named person"):
        approve_use_case(sqlite_store, use_case.id, rationale="fine", principal=LOCAL_ADMIN)
    with pytest.raises(SeparationOfDutiesError, match="needs a named person"):
        grant_waiver(
            sqlite_store,
            use_case.id,
            "training",
            category="impedes-critical-operations",
            finding="none",
            principal=LOCAL_ADMIN,
        )
