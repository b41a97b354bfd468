"""Run leases: the process executing a run holds an OS lock on a file beside its journal.

The kernel drops the lock when the process ends however it ends (a kill, a crash, a power cut
of the process), so a ``running`` run whose lock is free is known to be interrupted, and a second
``eval resume`` of a run whose lock is held refuses before it calls any model.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from clearance.errors import ClearanceError
from clearance.settings import settings


class RunBusyError(ClearanceError, RuntimeError):
    """Another process is executing this run now."""


def run_files_dir() -> Path:
    """Where runs keep their journals and leases."""
    return settings().journals


def _lease_path(run_id: str) -> Path:
    return run_files_dir() / f"{run_id}.lease"


class RunLease:
    """An exclusive, non-blocking lock on ``journal/RUN.lease`` held while the run executes."""

    def __init__(self, run_id: str, fd: int) -> None:
        self.run_id = run_id
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, run_id: str) -> RunLease:
        """The run's lease; ``RunBusyError`` at once if another process holds it, ``OSError``
        if the journal folder cannot be written."""
        path = _lease_path(run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise RunBusyError(
                f"run {run_id} is being executed now by another process{holder}; wait for it "
                "to finish, or stop it (Ctrl-C) and resume again"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return cls(run_id, fd)

    @property
    def released(self) -> bool:
        return self._fd is None

    def release(self, *, finished: bool) -> None:
        """Drop the lock; a finished run's lease file goes too."""
        if self._fd is None:
            return
        if finished:
            _lease_path(self.run_id).unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


def lease_is_abandoned(run_id: str) -> bool:
    """True when this machine ran ``run_id`` and no process holds its lease any more.

    False when a process holds it, or when there is no lease file here (the run may be executing
    on another machine that shares the database: only its own machine can tell)."""
    path = _lease_path(run_id)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def _read_holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except OSError:
        return ""
    return f" (process {pid})" if pid.isdigit() else ""


def observed_status(run_id: str, status: str) -> str:
    """The status to show: a ``running`` run whose process is gone is ``interrupted``."""
    if status == "running" and lease_is_abandoned(run_id):
        return "interrupted"
    return status
