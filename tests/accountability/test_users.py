"""Who is acting, and managing users: the local administrator of an embedded store, logins by
token or password on a store with users, and the rules on granting and revoking."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from accountability_support import cli, said
from sqlalchemy import text

from clearance.access import LOCAL_ADMIN, AccessDenied, Level, Marking, Role, local_actor
from clearance.accountability import (
    AuthenticationError,
    PrincipalExistsError,
    UserError,
    acting,
    acting_for_bootstrap,
    add_user,
    by_token,
    grant,
    issue_token,
    revoke,
    revoke_token,
)
from clearance.store import Store
from people_support import enrolled_user

PASSWORD = "correct horse battery"


def _bootstrap_admin(store: Store, user: str = "boss") -> None:
    first = acting_for_bootstrap(store)
    assert first is not None
    add_user(
        store,
        first,
        id=user,
        name="Boss",
        roles=[Role.ADMIN],
        clearance=Marking.of("SECRET", "BIO"),
        password=PASSWORD,
    )


def test_an_embedded_store_with_no_users_acts_as_local_admin(sqlite_store: Store) -> None:
    who = acting(sqlite_store, {})
    assert who.principal == LOCAL_ADMIN
    assert who.actor == local_actor()


def test_a_team_store_with_no_users_refuses_with_what_to_do(postgres_url: str) -> None:
    store = Store.open(postgres_url)
    try:
        with pytest.raises(AuthenticationError, match=r"clearance user add .* --role admin"):
            acting(store, {})
        assert acting_for_bootstrap(store) is not None
    finally:
        store.close()


def test_a_store_with_users_needs_credentials(sqlite_store: Store) -> None:
    _bootstrap_admin(sqlite_store)
    with pytest.raises(AuthenticationError, match="CLEARANCE_TOKEN"):
        acting(sqlite_store, {})
    with pytest.raises(AuthenticationError, match="CLEARANCE_PASSWORD is not"):
        acting(sqlite_store, {"CLEARANCE_USER": "boss"})
    with pytest.raises(AuthenticationError, match="wrong user name or password"):
        acting(sqlite_store, {"CLEARANCE_USER": "boss", "CLEARANCE_PASSWORD": "not it at all"})
    with pytest.raises(AuthenticationError, match="wrong user name or password"):
        acting(sqlite_store, {"CLEARANCE_USER": "nobody", "CLEARANCE_PASSWORD": PASSWORD})
    who = acting(sqlite_store, {"CLEARANCE_USER": "boss", "CLEARANCE_PASSWORD": PASSWORD})
    assert who.principal.id == "boss"
    assert who.actor == "boss"
    assert who.principal.clearance == Marking.of("SECRET", "BIO")


def test_tokens_are_shown_once_stored_hashed_and_can_be_revoked(sqlite_store: Store) -> None:
    _bootstrap_admin(sqlite_store)
    boss = acting(sqlite_store, {"CLEARANCE_USER": "boss", "CLEARANCE_PASSWORD": PASSWORD})
    token, record = issue_token(sqlite_store, boss, "boss", name="laptop")
    assert acting(sqlite_store, {"CLEARANCE_TOKEN": token}).principal.id == "boss"
    assert record.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    with sqlite_store.engine.connect() as conn:
        dump = "\n".join(str(row) for row in conn.execute(text("SELECT * FROM api_tokens")))
        dump += "\n".join(str(row) for row in conn.execute(text("SELECT * FROM ledger_entries")))
    assert token not in dump
    revoke_token(sqlite_store, boss, record.id)
    with pytest.raises(AuthenticationError, match="revoked"):
        acting(sqlite_store, {"CLEARANCE_TOKEN": token})
    with pytest.raises(AuthenticationError, match="not known"):
        acting(sqlite_store, {"CLEARANCE_TOKEN": "clr_" + "A" * 40})
    with pytest.raises(AuthenticationError, match="does not look like"):
        acting(sqlite_store, {"CLEARANCE_TOKEN": "hunter2"})


def test_an_expired_token_or_inactive_user_is_refused(sqlite_store: Store) -> None:
    _bootstrap_admin(sqlite_store)
    boss = acting(sqlite_store, {"CLEARANCE_USER": "boss", "CLEARANCE_PASSWORD": PASSWORD})
    ed = enrolled_user(sqlite_store, boss, "ed", roles=[Role.EVALUATOR], clearance=Marking())
    token, _ = issue_token(sqlite_store, ed, "ed", name="ci", expires_in=timedelta(days=1))
    assert by_token(sqlite_store, token).id == "ed"
    with pytest.raises(AuthenticationError, match="expired"):
        by_token(sqlite_store, token, now=datetime.now(UTC) + timedelta(days=2))
    revoke(sqlite_store, boss, "ed", deactivate=True)
    with pytest.raises(AuthenticationError, match="deactivated"):
        acting(sqlite_store, {"CLEARANCE_TOKEN": token})


def test_granting_rules(sqlite_store: Store) -> None:
    first = acting_for_bootstrap(sqlite_store)
    assert first is not None
    with pytest.raises(UserError, match="first user of a store must hold the admin role"):
        add_user(sqlite_store, first, id="ed", name="", roles=[Role.EVALUATOR], clearance=Marking())
    _bootstrap_admin(sqlite_store)
    boss = acting(sqlite_store, {"CLEARANCE_USER": "boss", "CLEARANCE_PASSWORD": PASSWORD})
    ed = enrolled_user(sqlite_store, boss, "ed", roles=[Role.EVALUATOR], clearance=Marking())
    with pytest.raises(AccessDenied, match="only a clearance you hold"):
        grant(sqlite_store, boss, "ed", level=Level.TOP_SECRET)
    with pytest.raises(AccessDenied, match="only a clearance you hold"):
        grant(sqlite_store, boss, "ed", compartments=["CYBER"])
    with pytest.raises(AccessDenied, match="nobody grants themselves"):
        grant(sqlite_store, boss, "boss", roles=[Role.CHIEF_AI_OFFICER])
    granted = grant(sqlite_store, boss, "ed", compartments=["bio"], level=Level.SECRET)
    assert granted is not None
    assert (granted.clearance_level, granted.compartments) == ("SECRET", ["BIO"])
    with pytest.raises(AccessDenied, match=r"ed may not user\.manage"):
        add_user(sqlite_store, ed, id="x", name="", roles=[Role.ADMIN], clearance=Marking())
    with pytest.raises(UserError, match="last active administrator"):
        revoke(sqlite_store, boss, "boss", roles=[Role.ADMIN])
    with pytest.raises(PrincipalExistsError, match="already exists"):
        add_user(sqlite_store, boss, id="ed", name="", roles=[], clearance=Marking())
    with pytest.raises(UserError, match="not valid"):
        add_user(sqlite_store, boss, id="-bad id", name="", roles=[], clearance=Marking())


def test_user_commands(sqlite_store: Store, tmp_path: Path) -> None:
    added = cli(
        "user", "add", "boss", "--name", "The Boss", "--role", "admin", "--level", "secret",
        "--compartment", "bio", "--password-stdin", "--json",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    doc = json.loads(added.stdout)
    assert doc["has_password"] is True
    assert "password_hash" not in doc
    env = {"CLEARANCE_USER": "boss", "CLEARANCE_PASSWORD": PASSWORD}
    ed_added = cli("user", "add", "ed", "--role", "evaluator", env=env)
    assert ed_added.exit_code == 0, ed_added.stderr
    code = ed_added.stdout.strip()
    assert code.startswith("enr_")
    listed = cli("user", "list", "--json", env=env)
    assert [u["id"] for u in json.loads(listed.stdout)] == ["boss", "ed"]
    assert "argon2" not in listed.stdout
    assert code not in listed.stdout
    weak = cli("user", "enrol", "ed", stdin=f"{code}\nshort\n")
    assert weak.exit_code == 1
    assert "at least 12" in said(weak.stderr)
    enrolled = cli("user", "enrol", "ed", stdin=f"{code}\n{PASSWORD}-ed\n")
    assert enrolled.exit_code == 0, enrolled.stderr
    again = cli("user", "enrol", "ed", stdin=f"{code}\n{PASSWORD}-x\n")
    assert again.exit_code == 1
    assert "wrong, used or expired" in said(again.stderr)
    ed_env = {"CLEARANCE_USER": "ed", "CLEARANCE_PASSWORD": f"{PASSWORD}-ed"}
    token = cli("user", "token", "--expires-days", "30", env=ed_env)
    assert token.exit_code == 0, token.stderr
    assert token.stdout.strip().startswith("clr_")
    tokens = cli("user", "list", "--tokens", "--json", env=env)
    assert token.stdout.strip() not in tokens.stdout
    assert "token_sha256" not in tokens.stdout
    # Commands now need credentials.
    anonymous = cli("eval", "list")
    assert anonymous.exit_code == 1
    assert "set CLEARANCE_TOKEN" in said(anonymous.stderr)
    bad_role = cli("user", "grant", "ed", "--role", "wizard", env=env)
    assert bad_role.exit_code == 1
    assert "unknown role 'wizard'" in said(bad_role.stderr)
    given = cli(
        "user", "add", "al", "--role", "auditor", "--password-stdin", stdin=PASSWORD + "\n",
        env=env,
    )  # fmt: skip
    assert given.exit_code == 1
    assert "users set their own passwords" in said(given.stderr)
    refused = cli(
        "user", "add", "al", "--role", "auditor", env={"CLEARANCE_TOKEN": token.stdout.strip()}
    )
    assert refused.exit_code == 1
    assert "ed may not user.manage" in said(refused.stderr)
