"""The response cache: a model's answer to the same request, kept in SQLite across runs.

One home for the runner (models under test) and model-graded scorers (judges), each with a
file of its own so neither waits on the other's batched commits."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from clearance.models._types import ChatMessage, GenerateConfig, ModelInfo, ModelOutput


def cache_key(
    info: ModelInfo,
    messages: Sequence[ChatMessage],
    config: GenerateConfig,
    epoch: int,
    continuations: Sequence[str] | None = None,
) -> str:
    """Provider, endpoint, model (version and weights), messages, settings and epoch; and, for
    a likelihood request, the continuations scored (generations' keys are unchanged)."""
    ident: list[object] = [
        info.provider,
        info.base_url,
        info.name,
        info.version,
        info.weights_sha256,
        [[m.role, m.content] for m in messages],
        config.model_dump(mode="json"),
        epoch,
    ]
    if continuations is not None:
        ident.append(["loglikelihood", list(continuations)])
    return hashlib.sha256(json.dumps(ident, separators=(",", ":")).encode()).hexdigest()


class ResponseCache:
    """SQLite-backed; every access runs on one private thread so the event loop never blocks."""

    _COMMIT_EVERY = 256

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clearance-cache")
        self._uncommitted = 0
        self._conn: sqlite3.Connection = self._pool.submit(self._connect, path).result()
        self.hits = 0

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, output TEXT)")
        conn.commit()
        return conn

    async def get(self, key: str) -> ModelOutput | None:
        loop = asyncio.get_running_loop()
        text = await loop.run_in_executor(self._pool, self._get, key)
        if text is None:
            return None
        self.hits += 1
        return ModelOutput.model_validate_json(text)

    def _get(self, key: str) -> str | None:
        row = self._conn.execute("SELECT output FROM responses WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, output: ModelOutput) -> None:
        """Queue a write; it lands on the cache thread in order, committed in batches."""
        self._pool.submit(self._put, key, output.model_dump_json())

    def _put(self, key: str, text: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO responses VALUES (?, ?)", (key, text))
        self._uncommitted += 1
        if self._uncommitted >= self._COMMIT_EVERY:
            self._conn.commit()
            self._uncommitted = 0

    def close(self) -> None:
        def finish() -> None:
            self._conn.commit()
            self._conn.close()

        self._pool.submit(finish).result()
        self._pool.shutdown()
