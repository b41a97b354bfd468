"""Containment tests for clearance.sandbox, run under every isolating backend this machine has."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from clearance.sandbox import (
    ExecResult,
    Sandbox,
    SandboxLimits,
    SandboxPathError,
    SandboxUnavailableError,
    run_python,
    sandbox_backend,
)
from clearance.sandbox._backends import probe_failure
from clearance.sandbox._cgroup import PidsCgroup, pids_cgroup_parent, sweep_stale_cgroups

REPO = Path(__file__).resolve().parents[2]
FAST = SandboxLimits(wall_seconds=10)


@pytest.fixture(params=["bwrap", "unshare"])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    failure = probe_failure(name)  # type: ignore[arg-type]
    if failure is not None and name == "bwrap":
        pytest.fail(f"bubblewrap must work for these tests ({failure}); apt-get install bubblewrap")
    if failure is not None:
        pytest.skip(f"unshare backend unavailable here: {failure}")
    return name


def processes_with(marker: str) -> list[int]:
    """Host pids whose command line contains ``marker``, or starts with it where ``marker``
    starts with ``sleep`` (NUL separates arguments), so launchers naming it do not count."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # the process ended while we looked
        wanted = marker.encode()
        if cmdline.startswith(wanted) if marker.startswith("sleep") else wanted in cmdline:
            found.append(int(entry.name))
    return found


def host_has(path: Path) -> bool:
    return path.exists()


def host_can_start_processes() -> bool:
    return subprocess.run(["true"], check=False).returncode == 0


async def wait_for_process(marker: str, seconds: float = 8.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pids := processes_with(marker):
            return pids
        await asyncio.sleep(0.02)
    return []


async def wait_until_gone(marker: str, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        if not processes_with(marker):
            return True
        await asyncio.sleep(0.05)
    return not processes_with(marker)


@pytest.fixture
def listening_port() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


async def run_in(backend: str, code: str, limits: SandboxLimits = FAST) -> ExecResult:
    async with Sandbox(limits=limits, backends=[backend]) as sandbox:
        return await sandbox.exec([sys.executable, "-c", code])


async def test_hello_world_runs_and_returns_stdout(backend: str) -> None:
    result = await run_in(backend, "print('hello from the sandbox')")
    assert result.exit_code == 0
    assert result.stdout == "hello from the sandbox\n"
    assert result.backend == backend
    assert result.isolated
    assert result.killed is None
    assert not result.timed_out


async def test_bwrap_is_the_backend_chosen_here() -> None:
    assert sandbox_backend() == "bwrap"
    assert (await run_python("print(6 * 7)")).stdout == "42\n"


CONNECT = """
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2).close()
    print("connected")
except OSError as error:
    print("unreachable", error)
"""


async def test_network_is_unreachable(backend: str, listening_port: int) -> None:
    async with Sandbox(limits=FAST, backends=[backend]) as sandbox:
        result = await sandbox.exec([sys.executable, "-c", CONNECT, str(listening_port)])
    assert result.stdout.startswith("unreachable"), result
    # Control: the same program outside the sandbox reaches the port, so the test can fail.
    async with Sandbox(limits=FAST, backends=[], allow_unsafe=True) as sandbox:
        control = await sandbox.exec([sys.executable, "-c", CONNECT, str(listening_port)])
    assert control.stdout == "connected\n", control


FORK_BOMB = """
import os, sys, time
made = 0
for _ in range(200):  # the guard: at most 200 forks even if nothing contains them
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    made += 1
print(made, flush=True)
time.sleep(0.5)
"""


async def test_fork_bomb_is_contained_and_leaves_no_process(backend: str) -> None:
    marker = f"forkbomb-{uuid.uuid4().hex}"
    limits = SandboxLimits(wall_seconds=10, max_processes=16)
    async with Sandbox(limits=limits, backends=[backend]) as sandbox:
        result = await sandbox.exec([sys.executable, "-c", FORK_BOMB, marker])
    made = int(result.stdout)
    assert made >= 1
    if pids_cgroup_parent() is not None:
        assert made < limits.max_processes, result
    assert processes_with(marker) == []
    assert host_can_start_processes()


async def test_huge_allocation_fails(backend: str) -> None:
    limits = SandboxLimits(wall_seconds=10, memory_mb=256)
    result = await run_in(backend, "block = bytearray(4 * 1024**3)\nprint('allocated')", limits)
    assert "allocated" not in result.stdout
    assert result.exit_code != 0
    assert "MemoryError" in result.stderr
    assert result.killed == "memory"


WRITE_OUTSIDE = """
import sys
for path in sys.argv[1:]:
    try:
        with open(path, "w") as handle:
            handle.write("escaped")
        print("wrote", path)
    except OSError as error:
        print("refused", path, error.strerror)
with open("inside.txt", "w") as handle:
    handle.write("kept")
"""


async def test_writes_outside_the_working_directory_do_not_reach_the_host(backend: str) -> None:
    name = f"clearance_test_{uuid.uuid4().hex}"
    venv = Path(sys.prefix)  # writable on the host, read-only in every backend
    targets = [Path("/etc") / name, Path("/root") / name, venv / name, REPO / name]
    targets.append(Path("/tmp") / name)
    async with Sandbox(limits=FAST, backends=[backend]) as sandbox:
        result = await sandbox.exec(
            [sys.executable, "-c", WRITE_OUTSIDE, *(str(target) for target in targets)]
        )
        inside = await sandbox.read_file("inside.txt")
    assert result.exit_code == 0, result
    for target in targets[:3]:
        assert f"refused {target}" in result.stdout
    # The repo and /tmp may be refused, or written into the sandbox's private /tmp (a checkout
    # under /tmp): either way, never on the host.
    for target in targets:
        assert not host_has(target), f"{target} appeared on the host"
    assert inside == "kept"


TIMEOUT_WITH_CHILD = """
import subprocess, sys
subprocess.Popen(["sleep", sys.argv[1]], start_new_session=True)
while True:
    pass
"""


async def test_wall_timeout_kills_the_program_and_its_children(backend: str) -> None:
    marker = f"{uuid.uuid4().int % 10**6 + 1000}.{uuid.uuid4().int % 10**6}"
    async with Sandbox(limits=FAST, backends=[backend]) as sandbox:
        run = asyncio.create_task(
            sandbox.exec([sys.executable, "-c", TIMEOUT_WITH_CHILD, marker], timeout=1.5)
        )
        child = await wait_for_process(f"sleep\0{marker}\0")
        result = await run
    assert child, "the sandboxed program's child never started"
    assert result.timed_out
    assert result.killed == "timeout"
    assert result.exit_code is None
    assert 1.5 <= result.duration < 6
    assert processes_with(f"sleep\0{marker}\0") == []


async def test_cpu_limit_kills_a_busy_loop(backend: str) -> None:
    limits = SandboxLimits(cpu_seconds=1, wall_seconds=15)
    result = await run_in(backend, "while True:\n    pass", limits)
    assert result.killed == "cpu"
    assert not result.timed_out
    assert result.exit_code is None


async def test_file_size_limit_stops_a_large_write(backend: str) -> None:
    limits = SandboxLimits(wall_seconds=10, file_size_mb=1)
    code = "open('big.bin', 'wb').write(b'x' * (4 * 1024 * 1024))"
    async with Sandbox(limits=limits, backends=[backend]) as sandbox:
        result = await sandbox.exec([sys.executable, "-c", code])
        size = (sandbox.workdir / "big.bin").stat().st_size
    assert result.exit_code != 0
    assert "File too large" in result.stderr
    assert size <= 1024 * 1024


async def test_output_over_the_cap_is_truncated_and_stopped(backend: str) -> None:
    limits = SandboxLimits(wall_seconds=10, max_output_bytes=1000)
    code = "import sys\nwhile True:\n    sys.stdout.write('x' * 4096)"
    result = await run_in(backend, code, limits)
    assert result.truncated
    assert result.killed == "output"
    assert result.stdout.startswith("x" * 1000)
    assert "x" * 1001 not in result.stdout
    assert "truncated at 1000 bytes" in result.stdout
    assert result.duration < 5


async def test_cancelled_exec_kills_the_tree_and_removes_the_directory(backend: str) -> None:
    marker = f"{uuid.uuid4().int % 10**6 + 1000}.{uuid.uuid4().int % 10**6}"
    async with Sandbox(limits=FAST, backends=[backend]) as sandbox:
        workdir = sandbox.workdir
        run = asyncio.create_task(sandbox.exec(["sleep", marker]))
        assert await wait_for_process(f"sleep\0{marker}\0")
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
    assert processes_with(f"sleep\0{marker}\0") == []
    assert not workdir.exists()


ORPHANED_HOST = """
import asyncio, sys
from clearance.sandbox import Sandbox

async def main() -> None:
    async with Sandbox(backends=[sys.argv[1]]) as sandbox:
        print(sandbox.workdir, flush=True)
        await sandbox.exec(["sleep", sys.argv[2]])

asyncio.run(main())
"""


@contextlib.asynccontextmanager
async def orphaned_host(backend: str) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """A Clearance host process running ``sleep MARKER`` in a sandbox, for the test to kill;
    afterwards, what a killed host cannot clean up itself: its directory and its cgroup."""
    marker = f"{uuid.uuid4().int % 10**6 + 1000}.{uuid.uuid4().int % 10**6}"
    host = await asyncio.create_subprocess_exec(
        sys.executable, "-c", ORPHANED_HOST, backend, marker, stdout=asyncio.subprocess.PIPE
    )
    assert host.stdout is not None
    workdir = Path((await host.stdout.readline()).decode().strip())
    try:
        assert await wait_for_process(f"sleep\0{marker}\0")
        yield host, f"sleep\0{marker}\0"
    finally:
        if host.returncode is None:
            host.kill()
            await host.wait()
        await asyncio.to_thread(shutil.rmtree, workdir, ignore_errors=True)
        await asyncio.to_thread(remove_cgroups_of, host.pid)


async def test_sandbox_dies_when_clearance_is_killed(backend: str) -> None:
    async with orphaned_host(backend) as (host, sleeper):
        host.kill()
        await host.wait()
        assert await wait_until_gone(sleeper)


async def test_next_sandbox_start_sweeps_a_killed_hosts_cgroup(backend: str) -> None:
    parent = pids_cgroup_parent()
    if parent is None:
        pytest.skip("no writable pids cgroup here")
    async with orphaned_host(backend) as (host, sleeper):
        left = list(parent.glob(f"clearance-sandbox-{host.pid}-*"))
        assert len(left) == 1, left  # the host's run cgroup, made before it was killed
        host.kill()
        await host.wait()
        # Straight away, while the killed host's processes may still be leaving the group.
        result = await run_in(backend, "print('next run')")
        assert result.stdout == "next run\n"
        assert not left[0].exists()
        assert processes_with(sleeper) == []


def test_sweep_waits_for_a_busy_orphan_and_spares_live_owners() -> None:
    parent = pids_cgroup_parent()
    if parent is None:
        pytest.skip("no writable pids cgroup here")
    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = parent / f"clearance-sandbox-{dead.pid}-{uuid.uuid4().hex}"
    ours = parent / f"clearance-sandbox-{os.getpid()}-{uuid.uuid4().hex}"
    orphan.mkdir()
    ours.mkdir()
    member = subprocess.Popen(["sleep", "300"])
    try:
        (orphan / "cgroup.procs").write_text(str(member.pid), encoding="ascii")
        removed = sweep_stale_cgroups(parent)
        # The member had to be killed and leave before the group could go.
        assert removed == [orphan]
        assert not orphan.exists()
        assert member.wait(timeout=5) == -signal.SIGKILL
        assert ours.exists()  # its owner (this process) is alive
    finally:
        member.kill()
        member.wait()
        for path in (orphan, ours):
            if path.exists():
                PidsCgroup(path).remove_now()


def remove_cgroups_of(pid: int) -> None:
    """Remove what a test's killed host left, waiting for its members to leave first."""
    parent = pids_cgroup_parent()
    for path in [] if parent is None else parent.glob(f"clearance-sandbox-{pid}-*"):
        PidsCgroup(path).remove_now()


@pytest.mark.parametrize("path", ["../escape.txt", "/etc/escape.txt", "a/../../escape.txt", ""])
async def test_file_paths_outside_the_working_directory_are_rejected(path: str) -> None:
    async with Sandbox(limits=FAST) as sandbox:
        with pytest.raises(SandboxPathError, match="relative to the working directory"):
            await sandbox.write_file(path, "x")
        with pytest.raises(SandboxPathError):
            await sandbox.read_file(path)
    assert not host_has(Path("/etc/escape.txt"))


async def test_symlink_made_by_sandboxed_code_cannot_lead_file_access_out() -> None:
    async with Sandbox(limits=FAST) as sandbox:
        made = await sandbox.exec(["ln", "-s", "/etc", "link"])
        assert made.exit_code == 0, made
        with pytest.raises(SandboxPathError, match="outside the working directory"):
            await sandbox.read_file("link/passwd")
        with pytest.raises(SandboxPathError, match="outside the working directory"):
            await sandbox.write_file("link/clearance_escape", "x")
        await sandbox.write_file("sub/dir/ok.txt", "fine")
        assert await sandbox.read_file("sub/dir/ok.txt") == "fine"
    assert not host_has(Path("/etc/clearance_escape"))


async def test_no_backend_refuses_with_how_to_fix() -> None:
    with pytest.raises(SandboxUnavailableError) as refused:
        async with Sandbox(backends=[]):
            pytest.fail("a sandbox opened with no isolating backend")
    message = str(refused.value)
    assert "apt-get install -y bubblewrap" in message
    assert "--unsafe-local-exec" in message
    assert sandbox_backend([]) == "none"


async def test_unsafe_local_exec_runs_only_when_allowed_and_says_so() -> None:
    async with Sandbox(limits=FAST, backends=[], allow_unsafe=True) as sandbox:
        result = await sandbox.exec([sys.executable, "-c", "print('plain')"])
    assert result.stdout == "plain\n"
    assert result.backend == "unsafe-local"
    assert not result.isolated


async def test_host_environment_does_not_leak_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARANCE_TEST_SECRET", "s3cret")
    async with Sandbox(limits=FAST) as sandbox:
        result = await sandbox.exec(
            [sys.executable, "-c", "import os; print(sorted(os.environ))"], env={"EXTRA": "1"}
        )
    assert "CLEARANCE_TEST_SECRET" not in result.stdout
    assert "'EXTRA'" in result.stdout


async def test_stdin_is_passed_to_the_program() -> None:
    async with Sandbox(limits=FAST) as sandbox:
        result = await sandbox.exec(
            [sys.executable, "-c", "import sys; print(sys.stdin.read().upper())"], input="abc"
        )
    assert result.stdout == "ABC\n"


def test_unknown_backend_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown sandbox backend 'docker'"):
        sandbox_backend(["docker"])


@pytest.fixture
def venv_under_tmp(tmp_path: Path) -> Path:
    import subprocess as sp

    venv = tmp_path / "venv"
    sp.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    assert str(venv).startswith("/tmp/")
    return venv


async def test_an_interpreter_under_tmp_is_visible_inside_bwrap(
    venv_under_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkout under /tmp (as CI's may be) keeps its venv visible past the sandbox's own
    fresh /tmp: bubblewrap mounts in order, so the interpreter is bound after the tmpfs."""
    from clearance.sandbox import _backends

    python = str(venv_under_tmp / "bin" / "python")
    monkeypatch.setattr(_backends, "interpreter", lambda: python)
    monkeypatch.setattr(_backends, "_probe_failures", {})
    async with Sandbox(limits=FAST, backends=["bwrap"]) as sandbox:
        result = await sandbox.exec([python, "-c", "import sys; print(sys.prefix)"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(venv_under_tmp)
