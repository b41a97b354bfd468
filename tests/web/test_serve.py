"""`clearance serve` as a user starts it: on the embedded store with no users (as after `make
demo`) it shows the runs at once, to this machine only; it refuses to serve such a store
beyond loopback."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from web_world import serving, write_task

from clearance.access import LOCAL_ADMIN
from clearance.runner import run_task
from clearance.store import Store
from clearance.tasks import load_task


def test_serve_shows_the_runs_of_a_store_without_users(
    clearance_home: Path, tmp_path: Path
) -> None:
    clearance_home.mkdir(parents=True, exist_ok=True)
    store = Store.open(f"sqlite:///{clearance_home / 'clearance.db'}")
    try:
        task, model = write_task(tmp_path / "task", "demo-sums", 3)
        summary = asyncio.run(
            run_task(load_task(str(task)), model, store=store, principal=LOCAL_ADMIN)
        )
    finally:
        store.close()
    with serving(clearance_home) as base, urllib.request.urlopen(base + "/runs") as page:
        html = page.read().decode()
    assert summary.id in html
    assert "demo-sums" in html


def test_serve_refuses_a_store_without_users_beyond_loopback(clearance_home: Path) -> None:
    env = os.environ | {"CLEARANCE_HOME": str(clearance_home)}
    env.pop("CLEARANCE_DATABASE_URL", None)
    refused = subprocess.run(
        [sys.executable, "-m", "clearance.cli", "serve", "--host", "0.0.0.0", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "anyone reaching 0.0.0.0 would act as its administrator" in " ".join(
        refused.stderr.split()
    )
