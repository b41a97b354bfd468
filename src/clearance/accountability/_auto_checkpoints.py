"""Checkpoints that happen: a signed checkpoint after every command that wrote, and during a
long command at most every N entries or T seconds, each published to the witnesses.

``CLEARANCE_CHECKPOINT_ENTRIES`` (default 10000) and ``CLEARANCE_CHECKPOINT_SECONDS`` (default
60) bound the interval during a command; ``CLEARANCE_AUTO_CHECKPOINT=off`` turns it off (the
benchmark measures the cost both ways).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from clearance.accountability._checkpoints import WrittenCheckpoint, sign_and_publish
from clearance.ledger import LedgerEntry
from clearance.store import Store, on_commit, remove_commit_hook

ENTRIES_VARIABLE = "CLEARANCE_CHECKPOINT_ENTRIES"
SECONDS_VARIABLE = "CLEARANCE_CHECKPOINT_SECONDS"
SWITCH_VARIABLE = "CLEARANCE_AUTO_CHECKPOINT"


@dataclass
class _Pending:
    engine: Engine
    entries: int = 0
    since: float = field(default_factory=time.monotonic)


@dataclass
class AutoCheckpoints:
    """Counts what each store committed and signs a checkpoint when due (see the module)."""

    every_entries: int
    every_seconds: float
    pending: dict[str, _Pending] = field(default_factory=dict)
    failures: list[Exception] = field(default_factory=list)
    written: list[WrittenCheckpoint] = field(default_factory=list)

    def committed(self, engine: Engine, entries: Sequence[LedgerEntry]) -> None:
        key = engine.url.render_as_string(hide_password=False)
        state = self.pending.setdefault(key, _Pending(engine))
        state.entries += len(entries)
        due = time.monotonic() - state.since >= self.every_seconds
        if state.entries >= self.every_entries or due:
            self._sign(key)

    def finish(self) -> None:
        """Sign what is still pending (the command is ending); raise the first failure."""
        for key in list(self.pending):
            self._sign(key)
        if self.failures:
            raise self.failures[0]

    def _sign(self, key: str) -> None:
        state = self.pending.pop(key)
        try:
            self.written.append(sign_and_publish(Store(state.engine)))
        except Exception as error:
            # Raising here would abort a run between two batches; the command reports it when
            # it ends, and the next checkpoint tries again.
            self.failures.append(error)


def auto_checkpoints_enabled() -> bool:
    return os.environ.get(SWITCH_VARIABLE, "").strip().lower() not in {"off", "0", "no", "false"}


def start_auto_checkpoints(*, register: bool = True) -> AutoCheckpoints | None:
    """Start counting commits in this process (None when switched off); call ``finish`` and
    :func:`stop_auto_checkpoints` when the command ends. With ``register`` False the caller
    forwards commits itself (the command line's hook does)."""
    if not auto_checkpoints_enabled():
        return None
    auto = AutoCheckpoints(
        every_entries=max(1, int(os.environ.get(ENTRIES_VARIABLE, "10000"))),
        every_seconds=max(0.0, float(os.environ.get(SECONDS_VARIABLE, "60"))),
    )
    if register:
        on_commit(auto.committed)
    return auto


def stop_auto_checkpoints(auto: AutoCheckpoints) -> None:
    remove_commit_hook(auto.committed)
