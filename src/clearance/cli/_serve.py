"""`clearance serve`: the web application and REST API on this machine's store."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from clearance.cli._errors import fail, user_errors
from clearance.cli._session import open_store


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one).")] = 8000,
) -> None:
    """Serve the pages and the REST API (/api/v1, documented at /api/docs) on the store named by
    CLEARANCE_DATABASE_URL (default: the embedded one). Stop with Ctrl-C."""
    import uvicorn

    from clearance.accountability import acting_for_bootstrap
    from clearance.web import create_app

    with user_errors():
        store = open_store()
    try:
        if acting_for_bootstrap(store) is not None and not _loopback(host):
            # With no users, every visitor would act as the local administrator (the CLI's
            # rule for an embedded store): only this machine may reach such a server.
            fail(
                f"this store has no users, so anyone reaching {host} would act as its "
                "administrator; serve it on 127.0.0.1, or add users first with "
                "`clearance user add ID --name NAME --role admin --password-stdin`"
            )
        typer.echo(f"Clearance on http://{host}:{port}/ (API docs at /api/docs); Ctrl-C stops it")
        uvicorn.run(create_app(store), host=host, port=port, log_level="warning")
    finally:
        store.close()
