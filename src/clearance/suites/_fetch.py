"""Downloading a benchmark's canonical data into the cache, verified against its SHA-256.

The file is written to a temporary name beside its destination, hashed as it streams, and
renamed into place only when the digest matches, so the cache never holds a partial or
unverified file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import clearance
from clearance.errors import ClearanceError
from clearance.suites._catalogue import Benchmark

FetchProgress = Callable[[int, int | None], None]
"""Called as bytes arrive: (bytes so far, total bytes when the server says)."""

CHUNK_BYTES = 1 << 16


class FetchError(ClearanceError, RuntimeError):
    """A download that failed or did not verify; nothing was left in the cache."""


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_fetched(benchmark: Benchmark) -> bool:
    """Whether the benchmark's cached file is there and matches its SHA-256."""
    cached = benchmark.cached_path()
    if cached is None or benchmark.source is None or not cached.is_file():
        return False
    return file_sha256(cached) == benchmark.source.sha256


def fetch(
    benchmark: Benchmark,
    *,
    url: str | None = None,
    progress: FetchProgress | None = None,
    timeout: float = 60.0,
) -> Path:
    """Download ``benchmark``'s data (from ``url`` if given, e.g. a mirror) into
    ``data_cache()/NAME/FILENAME`` and verify its SHA-256; returns the cached path.

    A file already cached with the right digest is kept and not downloaded again.
    Raises ``FetchError`` when the benchmark has no source, the download fails, or the digest
    does not match (the message gives both digests).
    """
    source, cached = benchmark.source, benchmark.cached_path()
    if source is None or cached is None:
        raise FetchError(no_source_message(benchmark))
    if is_fetched(benchmark):
        return cached
    cached.parent.mkdir(parents=True, exist_ok=True)
    where = url or source.url
    handle, temp_name = tempfile.mkstemp(prefix=f".{source.filename}.", dir=cached.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            got = _download(where, out, progress, timeout)
        if got != source.sha256:
            raise FetchError(
                f"{benchmark.name}: the file from {where} has SHA-256 {got}, but "
                f"{source.filename} must have SHA-256 {source.sha256}; nothing was saved. "
                "The download may be corrupt or the mirror may serve another version: retry, "
                "or use --url with a mirror of the exact upstream file."
            )
        os.replace(temp, cached)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        _remove_if_empty(cached.parent)
    return cached


def _remove_if_empty(folder: Path) -> None:
    """A failed first download leaves no empty benchmark folder behind."""
    with contextlib.suppress(OSError):
        folder.rmdir()


def _download(url: str, out: BinaryIO, progress: FetchProgress | None, timeout: float) -> str:
    """Stream ``url`` into ``out``; returns the SHA-256 of what was written."""
    digest = hashlib.sha256()
    try:
        request = urllib.request.Request(
            url, headers={"User-Agent": f"clearance/{clearance.__version__}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            for chunk in iter(lambda: response.read(CHUNK_BYTES), b""):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    except urllib.error.HTTPError as exc:
        raise FetchError(
            f"cannot download {url}: the server answered {exc.code} {exc.reason}. Check the "
            "URL, or pass --url with a mirror."
        ) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(
            f"cannot download {url}: {reason}. Check the URL and the network, or pass --url "
            "with a mirror."
        ) from exc
    return digest.hexdigest()


def no_source_message(benchmark: Benchmark) -> str:
    """Why a benchmark without a ``Source`` cannot be fetched, and what to do instead."""
    if benchmark.is_starter:
        return f"{benchmark.name} ships with Clearance; there is nothing to fetch."
    return (
        f"{benchmark.name} has no download source Clearance can verify; get the data from "
        f"upstream (see `clearance data list` or the benchmark's documentation) and pass "
        f"--data PATH to `clearance eval run {benchmark.name}`."
    )
