"""A pids cgroup per run: caps how many processes a run may hold and kills them all at the end.

RLIMIT_NPROC is not enforced for root, so without this a fork bomb is bounded only by the PID
namespace dying at the end. Works with cgroup v1 (a ``pids`` hierarchy) and v2 (where ``pids`` is
delegated to our cgroup's children); needs no systemd. Where neither is writable, runs go on
without it.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import logging
import os
import signal
import time
import uuid
from pathlib import Path

_CGROUP_ROOT = Path("/sys/fs/cgroup")
_KILL_ROUNDS = 50
# How long removal waits for killed members to leave the group, and how often it looks.
_REMOVE_TIMEOUT = 10.0
_REMOVE_POLL = 0.01

logger = logging.getLogger(__name__)


_PREFIX = "clearance-sandbox-"


@functools.cache
def pids_cgroup_parent() -> Path | None:
    """The directory under which run cgroups are made, or None where we cannot make them."""
    for candidate in _candidate_parents():
        probe = candidate / f"clearance-probe-{uuid.uuid4().hex}"
        try:
            probe.mkdir()
            probe.rmdir()
        except OSError as error:
            logger.debug("no pids cgroup under %s: %s", candidate, error)
            continue
        return candidate
    return None


def cgroup_owner(path: Path) -> int | None:
    """The pid of the Clearance process that made a run cgroup, read from its name."""
    owner = path.name.removeprefix(_PREFIX).split("-", 1)[0]
    return int(owner) if path.name.startswith(_PREFIX) and owner.isdigit() else None


def _owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, but another user's
    return True


def sweep_stale_cgroups(parent: Path | None = None) -> list[Path]:
    """Remove run cgroups whose owner process is gone (killed mid-run); return those removed.

    Called at every sandbox start, so a killed host leaves nothing behind for longer than the
    next run takes to begin. A cgroup whose members will not die within the bound stays, with a
    warning, and the next start tries again.
    """
    parent = parent if parent is not None else pids_cgroup_parent()
    removed: list[Path] = []
    for path in [] if parent is None else parent.glob(f"{_PREFIX}*-*"):
        owner = cgroup_owner(path)
        if owner is None or _owner_alive(owner):
            continue
        try:
            PidsCgroup(path).remove_now()
        except OSError as error:
            logger.warning("could not remove orphaned sandbox cgroup %s: %s", path, error)
            continue
        removed.append(path)
    return removed


def _own_cgroup_paths() -> dict[str, str]:
    paths: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text(encoding="utf-8").splitlines()
    except OSError:
        return paths
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _candidate_parents() -> list[Path]:
    own = _own_cgroup_paths()
    candidates: list[Path] = []
    v1 = _CGROUP_ROOT / "pids"
    if "pids" in own and (v1 / "cgroup.procs").is_file():
        candidates.append(v1 / own["pids"].lstrip("/"))
    # Pure cgroup v2 (on a hybrid host /sys/fs/cgroup is a tmpfs and v2 holds no controllers).
    if "" in own and (_CGROUP_ROOT / "cgroup.controllers").is_file():
        v2 = _CGROUP_ROOT / own[""].lstrip("/")
        subtree = v2 / "cgroup.subtree_control"
        if subtree.is_file() and "pids" in subtree.read_text(encoding="ascii").split():
            candidates.append(v2)
    return candidates


class PidsCgroup:
    """One run's cgroup: made before the run, every process killed and the group removed after."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, max_processes: int) -> PidsCgroup | None:
        """Make a cgroup allowing ``max_processes`` at once; None where cgroups are not usable."""
        parent = pids_cgroup_parent()
        if parent is None:
            return None
        sweep_stale_cgroups(parent)
        # The owner's pid in the name lets a later process remove it if we are killed.
        path = parent / f"{_PREFIX}{os.getpid()}-{uuid.uuid4().hex}"
        path.mkdir()
        (path / "pids.max").write_text(str(max_processes), encoding="ascii")
        return cls(path)

    @property
    def procs_file(self) -> Path:
        """The file a process writes its pid to, to join the group."""
        return self.path / "cgroup.procs"

    def members(self) -> list[int]:
        """Pids now in the group."""
        text = self.procs_file.read_text(encoding="ascii")
        return [int(pid) for pid in text.split()]

    def kill_all(self) -> None:
        """SIGKILL every member, repeatedly, since a member may fork while we read the list."""
        kill_file = self.path / "cgroup.kill"
        if kill_file.exists():
            kill_file.write_text("1", encoding="ascii")
            return
        for _ in range(_KILL_ROUNDS):
            members = self.members()
            if not members:
                return
            for pid in members:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue  # it ended between reading the list and the kill
            os.sched_yield()

    def _try_rmdir(self) -> OSError | None:
        """One attempt: kill what is left; remove the group once ``cgroup.procs`` is empty.

        Returns the reason it is still there (None once gone). The kernel refuses rmdir with
        EBUSY while a killed member has not left the group yet, so we wait for the member list
        to empty rather than racing it.
        """
        try:
            self.kill_all()
            if self.members():
                return OSError(errno.EBUSY, "members have not left the group yet", str(self.path))
            self.path.rmdir()
        except FileNotFoundError:
            return None  # already gone: someone else removed it
        except OSError as error:
            return error
        return None

    def remove_now(self, timeout: float = _REMOVE_TIMEOUT) -> None:
        """Kill every member, wait (bounded) until the group is empty, then remove it.

        Raises the last OSError when the group is still there after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while (error := self._try_rmdir()) is not None:
            if time.monotonic() >= deadline:
                raise error
            time.sleep(_REMOVE_POLL)

    async def remove(self) -> None:
        """As ``remove_now`` without blocking the event loop; warns instead of raising."""
        deadline = time.monotonic() + _REMOVE_TIMEOUT
        while (error := self._try_rmdir()) is not None:
            if time.monotonic() >= deadline:
                logger.warning("could not remove sandbox cgroup %s: %s", self.path, error)
                return
            await asyncio.sleep(_REMOVE_POLL)
