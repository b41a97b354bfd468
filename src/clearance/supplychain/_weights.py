"""Where a local model's weights are, and the SHA-256 of each weight file."""

from __future__ import annotations

import hashlib
from pathlib import Path

from clearance.supplychain._errors import SupplyChainError

SIGNATURE_SUFFIX = ".sig"
"""A signature beside the weights: ``model.gguf.sig`` for a file, ``DIR.sig`` for a directory
(never inside the directory, where it would be one of the files it signs)."""

LOCAL_PROVIDERS = frozenset({"gguf", "hf"})


def existing_weights(path: Path) -> Path:
    """``path`` (with ``~`` expanded), which must exist."""
    path = path.expanduser()
    if not path.exists():
        raise SupplyChainError(f"no weights at {path}: give the model file or directory")
    return path


def local_weights_path(provider: str, name: str) -> Path | None:
    """The weights a local model was loaded from, when they are still on this machine."""
    if provider not in LOCAL_PROVIDERS:
        return None
    path = Path(name).expanduser()
    return path if path.exists() else None


def weight_files(path: Path) -> list[tuple[str, str]]:
    """Each file under ``path`` (or ``path`` itself) as (relative name, SHA-256), sorted."""
    if path.is_file():
        return [(path.name, file_sha256(path))]
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    return [(p.relative_to(path).as_posix(), file_sha256(p)) for p in files]


def content_sha256(path: Path) -> str:
    """One digest of the weights at ``path``: a file's SHA-256, or for a directory the SHA-256
    of its listing (one ``name digest`` line per file), so any changed byte changes it."""
    if path.is_file():
        return file_sha256(path)
    listing = "".join(f"{name} {digest}\n" for name, digest in weight_files(path))
    return hashlib.sha256(listing.encode()).hexdigest()


def signature_path_for(path: Path) -> Path:
    """Where the signature of the weights at ``path`` is kept by default."""
    return path.with_name(path.name + SIGNATURE_SUFFIX)


def file_sha256(path: Path) -> str:
    """The SHA-256 of one file, read in chunks."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()
