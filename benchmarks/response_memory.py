"""Peak memory of `clearance eval run` when the model server sends a huge or an endless body.

A loopback server (its own process) answers every chat completion with either a 20 MB body or
a chunked body that never ends. For each, a fresh `clearance eval run` process evaluates a
four-sample task against it with `--timeout 3 --max-retries 0`, and its peak resident memory is
read from the kernel when it exits (``wait4``'s ru_maxrss). Target: under 300 MB either way.

    .venv/bin/python benchmarks/response_memory.py [--src DIR]

``--src`` runs the CLI from another source tree (e.g. an old checkout, for comparison).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import web

TWENTY_MB = 20 * 1000 * 1000
CHUNK = b"x" * 65536


async def _huge(request: web.Request) -> web.StreamResponse:
    await request.read()
    padding = "y" * (TWENTY_MB - 200)
    body = {"choices": [{"message": {"role": "assistant", "content": "ANSWER: A"}}], "p": padding}
    return web.json_response(body)


async def _endless(request: web.Request) -> web.StreamResponse:
    await request.read()
    response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    await response.prepare(request)
    try:
        await response.write(b'{"choices": [{"message": {"content": "')
        while True:
            await response.write(CHUNK)
    except (ConnectionError, asyncio.CancelledError):
        return response


def serve(port_file: str) -> None:
    """The server process: /huge/... and /endless/... chat completions."""
    app = web.Application()
    app.router.add_post("/huge/chat/completions", _huge)
    app.router.add_post("/endless/chat/completions", _endless)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    Path(port_file).write_text(str(sock.getsockname()[1]))
    web.run_app(app, sock=sock, print=None, access_log=None)


def _task(folder: Path) -> Path:
    rows = [
        {"id": f"q{i}", "question": "Pick one", "choices": ["x", "y"], "answer": "A"}
        for i in range(4)
    ]
    (folder / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = folder / "task.yaml"
    task.write_text(
        "name: memory\ndataset:\n  path: data.jsonl\n"
        "  fields: {id: id, input: question, choices: choices, target: answer}\n"
        "solver: multiple_choice\nscorer: choice\n"
    )
    return task


def measure(case: str, port: int, task: Path, home: Path, src: str | None) -> tuple[float, float]:
    """Peak RSS (MB) and wall seconds of one `clearance eval run` against ``case``."""
    env = {**os.environ, "CLEARANCE_HOME": str(home / case)}
    if src:
        env["PYTHONPATH"] = src
    command = [
        sys.executable, "-m", "clearance.cli", "eval", "run", str(task),
        "--model", "openai/bench", "--base-url", f"http://127.0.0.1:{port}/{case}",
        "--timeout", "3", "--max-retries", "0", "--max-connections", "4", "--quiet",
    ]  # fmt: skip
    started = time.monotonic()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0  # reaped by wait4
    wall = time.monotonic() - started
    assert proc.stderr is not None
    said = " ".join(proc.stderr.read().decode(errors="replace").split())
    print(f"  {case}: {said[:240]}")
    return usage.ru_maxrss / 1024, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--src", help="PYTHONPATH for the CLI (another source tree)")
    parser.add_argument("--cases", default="huge,endless")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port_file = folder / "port"
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(port_file)], stdout=subprocess.DEVNULL
        )
        try:
            while not port_file.exists() or not port_file.read_text():
                time.sleep(0.05)
            port = int(port_file.read_text())
            time.sleep(0.3)
            task = _task(folder)
            print("case      peak RSS MB   wall s")
            for case in args.cases.split(","):
                rss, wall = measure(case, port, task, folder, args.src)
                print(f"{case:<9} {rss:>11.0f} {wall:>8.1f}")
        finally:
            server.kill()
            server.wait()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
    else:
        main()
