"""The store's witnesses: where its checkpoints are published, and what ``ledger verify`` holds
the log against.

``CLEARANCE_WITNESSES`` lists them, comma-separated: a directory (a witness kept on another
disk or mount, with its own key) or the URL of a ``clearance witness serve`` process.
``CLEARANCE_LOG_NAME`` names this store's log to them (default ``clearance``).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from clearance.errors import EXIT_FAULT, ClearanceError
from clearance.ledger import (
    Checkpoint,
    MerkleAccumulator,
    Witness,
    Witnessed,
    WitnessRefusal,
    consistency_proof,
)
from clearance.store import LedgerReader
from clearance.urls import without_credentials

WITNESSES_VARIABLE = "CLEARANCE_WITNESSES"
LOG_NAME_VARIABLE = "CLEARANCE_LOG_NAME"
_TIMEOUT = 10.0


class WitnessUnavailableError(ClearanceError, RuntimeError):
    """A witness could not be reached or answered nonsense; the message names it."""

    exit_code: ClassVar[int] = EXIT_FAULT


class WitnessClient(Protocol):
    """One witness, as the store talks to it."""

    @property
    def name(self) -> str: ...

    def latest(self, log: str) -> Witnessed | None: ...

    def submit(
        self,
        log: str,
        checkpoint: Checkpoint,
        proof: list[str],
        log_key_pem: bytes,
        endorsement: str | None = None,
    ) -> Witnessed: ...


class DirectoryWitness(Witness):
    """A witness kept in a directory this process can write (its key and record are there)."""

    @property
    def name(self) -> str:
        return str(self.directory)


@dataclass
class HttpWitness:
    """A ``clearance witness serve`` process, reached over HTTP."""

    url: str

    @property
    def name(self) -> str:
        # Printed and stored (verification results, refusals): never with a password in it.
        return without_credentials(self.url)

    def latest(self, log: str) -> Witnessed | None:
        status, body = self._call("GET", f"/v1/logs/{log}", None)
        if status == 404:
            return None
        return self._witnessed(status, body)

    def submit(
        self,
        log: str,
        checkpoint: Checkpoint,
        proof: list[str],
        log_key_pem: bytes,
        endorsement: str | None = None,
    ) -> Witnessed:
        request = {
            "checkpoint": checkpoint.model_dump(mode="json"),
            "proof": proof,
            "log_key_pem": log_key_pem.decode("ascii"),
            "endorsement": endorsement,
        }
        status, body = self._call("POST", f"/v1/logs/{log}", request)
        if status == 409:
            raise WitnessRefusal(body.get("kind", "fork"), str(body.get("problem")))
        return self._witnessed(status, body)

    def _witnessed(self, status: int, body: dict[str, Any]) -> Witnessed:
        if status != 200:
            raise WitnessUnavailableError(f"witness {self.name} answered {status}: {body}")
        try:
            return Witnessed.model_validate(body)
        except ValueError as error:
            raise WitnessUnavailableError(
                f"witness {self.name} answered something that is not a witnessed checkpoint"
            ) from error

    def _call(self, method: str, path: str, payload: Any) -> tuple[int, dict[str, Any]]:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            self.url.rstrip("/") + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
                return int(response.status), _json(response.read())
        except urllib.error.HTTPError as error:
            return int(error.code), _json(error.read())
        except (urllib.error.URLError, OSError) as error:
            raise WitnessUnavailableError(
                f"witness {self.name} cannot be reached ({error}); is `clearance witness serve` "
                f"running there? ({WITNESSES_VARIABLE} lists the witnesses)"
            ) from error


def _json(data: bytes) -> dict[str, Any]:
    try:
        found = json.loads(data or b"{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def configured_witnesses(environ: dict[str, str] | None = None) -> list[WitnessClient]:
    """The witnesses ``CLEARANCE_WITNESSES`` lists (none when it is unset)."""
    env = os.environ if environ is None else environ
    found: list[WitnessClient] = []
    for item in (part.strip() for part in env.get(WITNESSES_VARIABLE, "").split(",")):
        if item.startswith(("http://", "https://")):
            found.append(HttpWitness(item))
        elif item:
            found.append(DirectoryWitness(Path(item.removeprefix("dir:")).expanduser()))
    return found


def log_name() -> str:
    """The name this store's log goes by at its witnesses."""
    return os.environ.get(LOG_NAME_VARIABLE, "").strip() or "clearance"


def publish(
    reader: LedgerReader,
    checkpoint: Checkpoint,
    log_key_pem: bytes,
    endorsement: str | None = None,
) -> list[str]:
    """Offer ``checkpoint`` to every configured witness with a consistency proof from what each
    holds (and, after a key rotation, the old key's ``endorsement`` of the new one); returns
    the names of those that countersigned. A refusal raises :class:`WitnessRefusal` naming the
    witness (a fork or rollback must stop the command)."""
    signed: list[str] = []
    for witness in configured_witnesses():
        held = witness.latest(log_name())
        old_size = held.checkpoint.tree_size if held is not None else 0
        proof = _proof(reader, old_size, checkpoint.tree_size)
        try:
            witness.submit(log_name(), checkpoint, proof, log_key_pem, endorsement)
        except WitnessRefusal as refusal:
            raise WitnessRefusal(refusal.kind, f"witness {witness.name}: {refusal}") from refusal
        signed.append(witness.name)
    return signed


def _proof(reader: LedgerReader, old_size: int, new_size: int) -> list[str]:
    if old_size == 0 or old_size >= new_size:
        return []
    leaves = [entry.hash for entry in reader.entries(up_to=new_size)]
    return consistency_proof(old_size, leaves)


def witness_problems(reader: LedgerReader, size: int) -> Iterator[tuple[int | None, str]]:
    """(first bad seq, problem) for each witness whose checkpoint the log no longer matches:
    entries cut from the end (truncation), or a prefix whose root differs (a rewrite or fork)."""
    for witness in configured_witnesses():
        held = witness.latest(log_name())
        if held is None:
            continue
        theirs = held.checkpoint
        if theirs.tree_size > size:
            yield (
                size + 1,
                (
                    f"truncated: witness {witness.name} countersigned {theirs.tree_size} entries, "
                    f"but the log has only {size}: entries {size + 1}-{theirs.tree_size} were cut"
                ),
            )
            continue
        ours = _root_at(reader, theirs.tree_size)
        if ours != theirs.root:
            yield (
                None,
                (
                    f"rewritten or forked: the first {theirs.tree_size} entries no longer have the "
                    f"root witness {witness.name} countersigned ({theirs.root[:16]}…, now "
                    f"{ours[:16]}…): history was rewritten after it was witnessed"
                ),
            )


def _root_at(reader: LedgerReader, size: int) -> str:
    accumulator = MerkleAccumulator()
    accumulator.extend(entry.hash for entry in reader.entries(up_to=size))
    return accumulator.root()
