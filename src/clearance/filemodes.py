"""Private files: what Clearance keeps under ``$CLEARANCE_HOME`` is readable by its owner only.

The store, caches, journals, checkpoints and keys hold evidence above some readers' clearance,
so the home folder is made 0700 and files 0600 whatever the umask, and ``ledger verify`` names
anything it finds wider.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
"""The umask a Clearance process runs under: nothing it creates is readable by others."""


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700 folders; an existing ``path`` is narrowed
    to 0700 too, where it can be (a read-only mount, or a folder someone else owns, is left as
    it is: `ledger verify` names it if others can read it)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists and is 0600 (created empty, in a 0700 folder, if missing)."""
    if not path.parent.exists():
        private_dir(path.parent)
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(descriptor)
    os.chmod(path, 0o600)
    return path


def wider_than_private(root: Path) -> list[str]:
    """Every folder or file under ``root`` (itself included) that others may read, as
    "PATH (mode 0644)", so ``ledger verify`` can name them."""
    if not root.exists():
        return []
    found: list[str] = []
    for path in [root, *sorted(root.rglob("*"))]:
        try:
            mode = stat.S_IMODE(path.lstat().st_mode)
        except OSError:
            continue
        if mode & 0o077 and not path.is_symlink():
            found.append(f"{path} (mode {mode:04o})")
    return found
