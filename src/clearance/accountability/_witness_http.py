"""`clearance witness serve`: a witness over HTTP, in a process of its own.

``GET /v1/logs/NAME`` answers the newest checkpoint it holds for a log (404: none);
``POST /v1/logs/NAME`` with ``{"checkpoint", "proof", "log_key_pem"}`` answers the
countersigned checkpoint, or 409 with ``{"kind", "problem"}`` when it refuses (a fork, a
rollback, a bad signature or proof, a key it was not given on first use).
"""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from clearance.ledger import Checkpoint, Witness, WitnessRefusal

_PATH = re.compile(r"^/v1/logs/([A-Za-z0-9._-]{1,128})$")
_MAX_BODY = 1 << 22


def witness_server(directory: Path, host: str, port: int) -> ThreadingHTTPServer:
    """A server for the witness kept in ``directory`` (call ``serve_forever``)."""
    witness = Witness(directory)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            log = self._log()
            if log is None:
                return
            held = witness.latest(log)
            if held is None:
                self._send(404, {"problem": f"no checkpoint of log {log!r} is held here"})
                return
            self._send(200, held.model_dump(mode="json"))

        def do_POST(self) -> None:
            log = self._log()
            if log is None:
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
                if not 0 < length <= _MAX_BODY:
                    raise ValueError(f"a body of {length} bytes")
                body = json.loads(self.rfile.read(length))
                checkpoint = Checkpoint.model_validate(body["checkpoint"])
                proof = [str(node) for node in body["proof"]]
                pem = str(body["log_key_pem"]).encode("ascii")
                endorsement = body.get("endorsement")
            except (ValueError, KeyError, TypeError) as error:
                self._send(400, {"problem": f"not a checkpoint submission: {error}"})
                return
            try:
                witnessed = witness.submit(
                    log, checkpoint, proof, pem, str(endorsement) if endorsement else None
                )
            except WitnessRefusal as refusal:
                self._send(409, {"kind": refusal.kind, "problem": str(refusal)})
                return
            except ValueError as error:
                self._send(400, {"problem": str(error)})
                return
            self._send(200, witnessed.model_dump(mode="json"))

        def _log(self) -> str | None:
            match = _PATH.match(self.path)
            if match is None:
                self._send(404, {"problem": "use /v1/logs/NAME"})
                return None
            return match.group(1)

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the witness's record is its file, not a request log."""

    server = ThreadingHTTPServer((host, port), Handler)
    server.witness = witness  # type: ignore[attr-defined]
    return server
