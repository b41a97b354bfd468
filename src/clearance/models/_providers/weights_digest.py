"""SHA-256 of local weight files, cached under ``$CLEARANCE_HOME/cache`` so restarts do not re-hash.

A cache entry is keyed by the file's absolute path, size and modification time: touching or
replacing the file invalidates it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from clearance.atomicfile import write_bytes_atomically
from clearance.settings import settings

CACHE_FILE_NAME = "weights-sha256.json"
_CHUNK = 1 << 20

_memory: dict[tuple[str, int, int], str] = {}


def weights_sha256(path: Path) -> str:
    """The SHA-256 hex digest of the file at ``path``, from the cache when it is still valid."""
    resolved = path.resolve()
    stat = resolved.stat()
    key = (str(resolved), stat.st_size, stat.st_mtime_ns)
    digest = _memory.get(key)
    if digest is not None:
        return digest
    cache_path = settings().cache / CACHE_FILE_NAME
    cache = _read_cache(cache_path)
    entry = cache.get(key[0])
    if (
        isinstance(entry, dict)
        and entry.get("size") == key[1]
        and entry.get("mtime_ns") == key[2]
        and isinstance(entry.get("sha256"), str)
    ):
        digest = entry["sha256"]
    else:
        digest = _hash_file(resolved)
        cache[key[0]] = {"size": key[1], "mtime_ns": key[2], "sha256": digest}
        _write_cache(cache_path, cache)
    _memory[key] = digest
    return digest


def _hash_file(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def _read_cache(cache_path: Path) -> dict[str, Any]:
    try:
        data = json.loads(cache_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        # A corrupt cache only costs a re-hash; it is rewritten below.
        return {}
    return data if isinstance(data, dict) else {}


def _write_cache(cache_path: Path, cache: dict[str, Any]) -> None:
    # Whole or not at all, so concurrent starts never read half a file.
    write_bytes_atomically(cache_path, json.dumps(cache, indent=1, sort_keys=True).encode())
