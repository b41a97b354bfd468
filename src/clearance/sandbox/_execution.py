"""Running one command under a backend: output caps, the wall clock, and killing the whole tree."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from clearance.sandbox._backends import launch_argv, sandbox_env
from clearance.sandbox._cgroup import PidsCgroup
from clearance.sandbox._errors import SandboxError
from clearance.sandbox._limits import BackendName, ExecResult, SandboxLimits

_CHUNK_BYTES = 64 * 1024
_DRAIN_AFTER_KILL_SECONDS = 2.0
# Processes a backend itself keeps in the run's cgroup: bubblewrap's monitor and its init, or
# unshare and our namespace init. The host launcher execs into the first of them.
_BACKEND_PROCESSES: dict[BackendName, int] = {"bwrap": 2, "unshare": 2, "unsafe-local": 0}


class _CappedStream:
    """Collects one output stream up to a byte cap; sets ``overflow`` when the cap is passed."""

    def __init__(self, name: str, cap: int) -> None:
        self.name = name
        self.cap = cap
        self.data = bytearray()
        self.truncated = False

    async def drain(self, reader: asyncio.StreamReader, overflow: asyncio.Event) -> None:
        # Reads to the end even past the cap (discarding), so the pipe is seen to close once
        # the overflowing run is killed.
        while chunk := await reader.read(_CHUNK_BYTES):
            room = self.cap - len(self.data)
            if len(chunk) > room:
                self.data += chunk[:room]
                self.truncated = True
                overflow.set()
            else:
                self.data += chunk

    def text(self) -> str:
        text = self.data.decode("utf-8", errors="replace")
        if self.truncated:
            text += f"\n[clearance sandbox: {self.name} truncated at {self.cap} bytes]\n"
        return text


class RunningTree:
    """A started command: its process group leader and, where there is one, its cgroup."""

    def __init__(self, process: asyncio.subprocess.Process, cgroup: PidsCgroup | None) -> None:
        self.process = process
        self.cgroup = cgroup

    def kill(self) -> None:
        """SIGKILL the whole tree: the process group, and every member of the cgroup.

        Killing the group's leader (the backend) also ends the PID namespace, which takes every
        process in it, including ones that left the group with ``setsid``.
        """
        with contextlib.suppress(ProcessLookupError):  # the group has already ended
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.cgroup is not None:
            self.cgroup.kill_all()


async def _feed(writer: asyncio.StreamWriter, data: bytes) -> None:
    try:
        writer.write(data)
        await writer.drain()
        writer.close()
    except (BrokenPipeError, ConnectionResetError):
        # The program ended or closed stdin without reading it all; that is its choice.
        return


def _signal_of(backend: BackendName, returncode: int) -> int | None:
    if returncode < 0:
        return -returncode
    # Bubblewrap and our namespace init report a signal death as 128 + N.
    if backend != "unsafe-local" and 128 < returncode < 128 + signal.NSIG:
        return returncode - 128
    return None


def _killed_by_signal(signal_number: int) -> str:
    if signal_number == signal.SIGXCPU:
        return "cpu"
    return f"signal {signal_number}"


def _reports_memory_error(stderr: str) -> bool:
    lines = stderr.strip().splitlines()
    return bool(lines) and lines[-1].startswith("MemoryError")


async def run_command(
    backend: BackendName,
    workdir: Path,
    argv: Sequence[str],
    limits: SandboxLimits,
    *,
    input: str | None = None,
    wall_seconds: float | None = None,
    env: Mapping[str, str] | None = None,
    running: set[RunningTree] | None = None,
) -> ExecResult:
    """Run ``argv`` in ``workdir`` under ``backend`` and ``limits``; the tree is gone on return.

    ``wall_seconds`` overrides ``limits.wall_seconds``.
    ``running`` (the sandbox's set of live trees) holds this run while it is alive, so the
    sandbox can kill it on exit.
    """
    wall = limits.wall_seconds if wall_seconds is None else wall_seconds
    # In a thread: creating also sweeps groups left by killed hosts, which waits for their
    # members to die.
    cgroup = await asyncio.to_thread(
        PidsCgroup.create, limits.max_processes + _BACKEND_PROCESSES[backend]
    )
    started = time.monotonic()
    try:
        process = await asyncio.create_subprocess_exec(
            *launch_argv(backend, workdir, limits, argv, cgroup_procs=_procs(cgroup)),
            stdin=asyncio.subprocess.DEVNULL if input is None else asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=sandbox_env(backend, workdir, env),
            cwd=workdir,
            start_new_session=True,
        )
        tree = RunningTree(process, cgroup)
        if running is not None:
            running.add(tree)
        try:
            return await _supervise(tree, backend, limits, input, wall, started)
        finally:
            tree.kill()
            if running is not None:
                running.discard(tree)
            # Reap it here too (after cancellation, say), so its transport closes with the loop.
            await _await_exit(process)
    finally:
        if cgroup is not None:
            await cgroup.remove()


async def _await_exit(process: asyncio.subprocess.Process) -> int:
    """The exit status of a process just sent SIGKILL."""
    # Bounded: some Python versions' wait() also waits for the pipes, which an escaped
    # grandchild of an unsafe-local run could hold open.
    waiter = asyncio.ensure_future(process.wait())
    await asyncio.wait({waiter}, timeout=_DRAIN_AFTER_KILL_SECONDS)
    waiter.cancel()
    if process.returncode is None:
        raise SandboxError(
            f"sandboxed process {process.pid} did not end after SIGKILL; kill it by hand"
        )
    return process.returncode


def _procs(cgroup: PidsCgroup | None) -> Path | None:
    return None if cgroup is None else cgroup.procs_file


async def _supervise(
    tree: RunningTree,
    backend: BackendName,
    limits: SandboxLimits,
    input: str | None,
    wall: float,
    started: float,
) -> ExecResult:
    process = tree.process
    # Both are pipes: run_command asked for them.
    assert process.stdout is not None
    assert process.stderr is not None
    stdout = _CappedStream("stdout", limits.max_output_bytes)
    stderr = _CappedStream("stderr", limits.max_output_bytes)
    overflow = asyncio.Event()
    helpers = [
        asyncio.create_task(stdout.drain(process.stdout, overflow)),
        asyncio.create_task(stderr.drain(process.stderr, overflow)),
    ]
    if input is not None and process.stdin is not None:
        helpers.append(asyncio.create_task(_feed(process.stdin, input.encode())))
    exited = asyncio.create_task(process.wait())
    overflowed = asyncio.create_task(overflow.wait())
    try:
        await asyncio.wait({exited, overflowed}, timeout=wall, return_when="FIRST_COMPLETED")
        stopped_by = None if exited.done() else ("output" if overflow.is_set() else "timeout")
    finally:
        # After a normal exit too (background children must not outlive the run), and on
        # cancellation, where reading to the pipes' end lets their transport close cleanly.
        tree.kill()
        returncode = await _await_exit(process)
        await asyncio.wait(helpers, timeout=_DRAIN_AFTER_KILL_SECONDS)
        for task in [*helpers, exited, overflowed]:
            task.cancel()
    return _result(backend, returncode, stopped_by, stdout, stderr, time.monotonic() - started)


def _result(
    backend: BackendName,
    returncode: int,
    stopped_by: str | None,
    stdout: _CappedStream,
    stderr: _CappedStream,
    duration: float,
) -> ExecResult:
    stderr_text = stderr.text()
    exit_code: int | None = returncode
    killed = stopped_by
    signal_number = _signal_of(backend, returncode)
    if stopped_by is not None:
        exit_code = None
    elif signal_number is not None:
        exit_code = None
        killed = _killed_by_signal(signal_number)
    elif _reports_memory_error(stderr_text):
        killed = "memory"
    return ExecResult(
        exit_code=exit_code,
        stdout=stdout.text(),
        stderr=stderr_text,
        timed_out=stopped_by == "timeout",
        killed=killed,
        duration=duration,
        backend=backend,
        truncated=stdout.truncated or stderr.truncated,
    )
