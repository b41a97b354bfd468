"""`clearance witness serve`: hold another store's checkpoints, in a process of its own."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Witnesses: parties outside a store that countersign its checkpoints only when they "
    "extend the ones they hold, so a rewritten or truncated log is caught.",
    no_args_is_help=True,
)


@app.command("serve")
def serve(
    directory: Annotated[
        Path,
        typer.Option("--dir", help="The witness's own folder: its key and its append-only record."),
    ],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one).")] = 8700,
) -> None:
    """Serve a witness over HTTP (point a store at it with CLEARANCE_WITNESSES=http://HOST:PORT).
    Prints its key id and address; stop with Ctrl-C."""
    from clearance.accountability import witness_server

    server = witness_server(directory, host, port)
    bound = server.server_address[1]
    sys.stdout.write(f"witness {server.witness.key_id} listening on http://{host}:{bound}\n")  # type: ignore[attr-defined]
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
