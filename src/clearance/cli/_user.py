"""`clearance user ...`: the users of a multi-user store, their roles, clearances and tokens."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from clearance.cli._errors import fail, user_errors
from clearance.cli._render import err_console, out_console

if TYPE_CHECKING:
    from clearance.accountability import Acting, PrincipalRecord

app = typer.Typer(
    help="Users of a multi-user store. An embedded store with no users acts as its local "
    "administrator with no login; once it has users, commands need CLEARANCE_TOKEN (or "
    "CLEARANCE_USER and CLEARANCE_PASSWORD).",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="JSON on stdout.")]
RoleOption = Annotated[
    list[str] | None,
    typer.Option(
        "--role",
        help="admin, evaluator, reviewer, risk_owner, chief_ai_officer or auditor (repeatable).",
    ),
]
CompartmentOption = Annotated[
    list[str] | None, typer.Option("--compartment", help="A compartment, e.g. BIO (repeatable).")
]
LevelOption = Annotated[
    str | None,
    typer.Option("--level", help="Clearance level: UNCLASSIFIED, CUI, CONFIDENTIAL, SECRET, TS."),
]
PasswordOption = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
]


def _store_and_acting(*, bootstrap: bool = False) -> tuple[Any, Acting]:
    from clearance.accountability import acting, acting_for_bootstrap
    from clearance.store import Store

    store = Store.open()
    first = acting_for_bootstrap(store) if bootstrap else None
    return store, first if first is not None else acting(store)


def _roles(names: list[str] | None) -> list[Any]:
    from clearance.access import Role

    try:
        return [Role.parse(name) for name in names or []]
    except ValueError as exc:
        fail(str(exc))


def _password(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    line = sys.stdin.readline()
    if not line:
        fail("--password-stdin was given but stdin is empty; pipe the password in")
    return line.rstrip("\r\n")


def _doc(record: PrincipalRecord) -> dict[str, Any]:
    doc = record.model_dump(mode="json", exclude={"password_hash", "enrolment_sha256"})
    doc["has_password"] = record.password_hash is not None
    return doc


@app.command("add")
def add(
    user_id: Annotated[str, typer.Argument(help="The user's id, e.g. ada or ada@agency.gov.")],
    name: Annotated[str, typer.Option("--name", help="The user's full name.")] = "",
    role: RoleOption = None,
    level: LevelOption = "UNCLASSIFIED",
    compartment: CompartmentOption = None,
    password_stdin: PasswordOption = False,
    as_json: JsonOption = False,
) -> None:
    """Add a user and print their one-time enrolment code on stdout: hand it to them, and they
    set their own password with `clearance user enrol`. The first user of a store must be an
    admin and gives a password (--password-stdin); after that, this needs an administrator
    (user.manage), who grants no role or clearance they do not hold. One ledger entry."""
    from clearance.access import Marking
    from clearance.accountability import add_user

    with user_errors():
        clearance = Marking.of(level or "UNCLASSIFIED", *(compartment or []))
        roles = _roles(role)
        password = _password(password_stdin)
        store, who = _store_and_acting(bootstrap=True)
        added = add_user(
            store, who, id=user_id, name=name, roles=roles, clearance=clearance, password=password
        )
    code = added.enrolment_code
    if as_json:
        sys.stdout.write(json.dumps(_doc(added.record) | {"enrolment_code": code}) + "\n")
        return
    # With a code, stdout carries only the code (for scripts), as `user token` does a token.
    _report(added.record, "added", as_json, console=err_console if code else out_console)
    if code is not None:
        _print_code(added.record.id, code)


def _print_code(user_id: str, code: str) -> None:
    err_console.print(
        f"one-time enrolment code for {user_id} (valid 7 days; shown once): hand it to them, "
        f"and they run `clearance user enrol {user_id}` to set their own password",
        highlight=False,
    )
    sys.stdout.write(code + "\n")


@app.command("enrol")
def enrol(
    user_id: Annotated[str, typer.Argument(help="Your user id.")],
    as_json: JsonOption = False,
) -> None:
    """Set your own password with the one-time enrolment code an administrator gave you. Reads
    the code, then the new password, from stdin (prompted on a terminal). One ledger entry."""
    from clearance.accountability import enrol as enrol_user
    from clearance.store import Store

    code = typer.prompt("Enrolment code", hide_input=True, err=True)
    password = typer.prompt("New password", hide_input=True, err=True)
    with user_errors():
        who = enrol_user(Store.open(), user_id, code, password)
    if as_json:
        sys.stdout.write(json.dumps({"id": who.principal.id, "enrolled": True}) + "\n")
        return
    out_console.print(
        f"enrolled: {who.principal.id} can now sign in (CLEARANCE_USER and CLEARANCE_PASSWORD) "
        "and issue their own API token with `clearance user token`",
        highlight=False,
    )


@app.command("reset")
def reset(
    user_id: Annotated[str, typer.Argument(help="The user who lost their password.")],
) -> None:
    """Reset another user's password: clears it, revokes all their API tokens, and prints a new
    one-time enrolment code for them to set a new one (administrators). Ledgered."""
    from clearance.accountability import reset_password

    with user_errors():
        store, who = _store_and_acting()
        code = reset_password(store, who, user_id)
    _print_code(user_id, code)


@app.command("password")
def password(
    password_stdin: PasswordOption = False,
) -> None:
    """Change your own password (the new one from stdin with --password-stdin, else
    prompted). One ledger entry."""
    from clearance.accountability import set_password

    new = _password(password_stdin) or typer.prompt(
        "New password", hide_input=True, confirmation_prompt=True, err=True
    )
    with user_errors():
        store, who = _store_and_acting()
        set_password(store, who, who.principal.id, new)
    out_console.print(f"password changed for {who.principal.id}", highlight=False)


@app.command("list")
def list_(
    tokens: Annotated[bool, typer.Option("--tokens", help="List API tokens instead.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The users (or their API tokens: ids, names and dates; never the tokens)."""
    from clearance.accountability import list_tokens, list_users

    with user_errors():
        store, who = _store_and_acting()
        if tokens:
            found = list_tokens(store, who.principal)
            docs = [t.model_dump(mode="json", exclude={"token_sha256"}) for t in found]
        else:
            docs = [_doc(record) for record in list_users(store, who.principal)]
    if as_json:
        sys.stdout.write(json.dumps(docs) + "\n")
    elif not docs:
        out_console.print("no users: this store acts as its local administrator with no login")
    else:
        out_console.print(_table(docs))


def _table(docs: list[dict[str, Any]]) -> Table:
    table = Table()
    columns = [key for key in docs[0] if key not in {"created_by"}]
    for key in columns:
        table.add_column(key)
    for doc in docs:
        table.add_row(*(_cell(doc[key]) for key in columns))
    return table


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


@app.command("grant")
def grant(
    user_id: Annotated[str, typer.Argument(help="The user.")],
    role: RoleOption = None,
    compartment: CompartmentOption = None,
    level: LevelOption = None,
    activate: Annotated[bool, typer.Option("--activate", help="Reactivate the user.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Give a user roles, compartments or a clearance level (never yourself, and never a
    clearance you do not hold). One ledger entry."""
    from clearance.access import Level
    from clearance.accountability import grant as grant_user

    with user_errors():
        roles = _roles(role)
        new_level = Level.parse(level) if level else None
        store, who = _store_and_acting()
        record = grant_user(
            store,
            who,
            user_id,
            roles=roles,
            compartments=compartment or [],
            level=new_level,
            activate=activate,
        )
    _report(record, "granted", as_json)


@app.command("revoke")
def revoke(
    user_id: Annotated[str, typer.Argument(help="The user (for --token, the token's owner).")],
    role: RoleOption = None,
    compartment: CompartmentOption = None,
    level: LevelOption = None,
    deactivate: Annotated[
        bool, typer.Option("--deactivate", help="Deactivate the user: it can do nothing.")
    ] = False,
    token: Annotated[
        str | None, typer.Option("--token", help="Revoke this API token id instead.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Take roles or compartments from a user, lower its level, deactivate it, or revoke one of
    its API tokens. One ledger entry."""
    from clearance.access import Level
    from clearance.accountability import revoke as revoke_user
    from clearance.accountability import revoke_token

    with user_errors():
        roles = _roles(role)
        new_level = Level.parse(level) if level else None
        store, who = _store_and_acting()
        if token is not None:
            revoked = revoke_token(store, who, token, owner=user_id)
            if as_json:
                sys.stdout.write(revoked.model_dump_json(exclude={"token_sha256"}) + "\n")
            else:
                out_console.print(f"revoked token {revoked.id} of {revoked.principal_id}")
            return
        record = revoke_user(
            store,
            who,
            user_id,
            roles=roles,
            compartments=compartment or [],
            level=new_level,
            deactivate=deactivate,
        )
    _report(record, "revoked", as_json)


@app.command("token")
def token(
    user_id: Annotated[
        str | None,
        typer.Argument(help="Yourself (the default): tokens are issued only to their owner."),
    ] = None,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "token",
    expires_days: Annotated[
        int | None, typer.Option("--expires-days", min=1, help="Expire after N days.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Issue yourself an API token and print it once on stdout (only its hash is stored): set
    it as CLEARANCE_TOKEN. Nobody issues a token for someone else. One ledger entry."""
    from clearance.accountability import issue_token

    with user_errors():
        store, who = _store_and_acting()
        lifetime = timedelta(days=expires_days) if expires_days else None
        owner = user_id or who.principal.id
        issued, record = issue_token(store, who, owner, name=name, expires_in=lifetime)
    if as_json:
        doc = record.model_dump(mode="json", exclude={"token_sha256"}) | {"token": issued}
        sys.stdout.write(json.dumps(doc) + "\n")
        return
    err_console.print(
        f"token {record.id} for {record.principal_id}; shown once, store it now:", highlight=False
    )
    sys.stdout.write(issued + "\n")


def _report(
    record: PrincipalRecord | None, verb: str, as_json: bool, console: Any = out_console
) -> None:
    if record is None:
        err_console.print("nothing to change: the user already stands so (no ledger entry)")
        if as_json:
            sys.stdout.write("null\n")
        return
    if as_json:
        sys.stdout.write(json.dumps(_doc(record)) + "\n")
        return
    clearance = "//".join([record.clearance_level, *record.compartments])
    status = "" if record.active else " (inactive)"
    console.print(
        f"{verb}: {record.id}{status}: roles {', '.join(record.roles) or 'none'}; "
        f"clearance {clearance}",
        highlight=False,
    )
