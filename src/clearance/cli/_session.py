"""The store a command works on and who it acts as there, resolved the same way by every
command: an embedded store with no users acts as the local administrator; a store with users
needs CLEARANCE_TOKEN, or CLEARANCE_USER and CLEARANCE_PASSWORD."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearance.cli._errors import fail

if TYPE_CHECKING:
    from clearance.accountability import Acting
    from clearance.store import Store


def open_store() -> Store:
    """The store named by CLEARANCE_DATABASE_URL (default: the embedded one)."""
    # Imported here so `clearance --help` stays fast and free of heavy imports.
    from clearance.store import Store

    return Store.open()


def acting_in(store: Store) -> Acting:
    """Who this command acts as in ``store``; a failed or missing login ends the command with
    its message (which says what to set) and exit code 1, never a traceback."""
    from clearance.accountability import AuthenticationError, acting

    try:
        return acting(store)
    except AuthenticationError as exc:
        fail(str(exc))


def open_session() -> tuple[Store, Acting]:
    """The store and who acts in it, for a command that calls a service."""
    store = open_store()
    try:
        return store, acting_in(store)
    except BaseException:
        # Nobody may act, so nothing will use the store: release its connections now.
        store.close()
        raise


def store_location() -> str:
    """Where the store is, as a reader recognises it: the SQLite file, or the database URL
    without its password."""
    from sqlalchemy.engine import make_url

    from clearance.store import database_url

    url = make_url(database_url())
    if url.get_backend_name() == "sqlite" and url.database:
        return f"{url.database} (SQLite)"
    return url.render_as_string(hide_password=True)
