"""Calls made after a unit of work commits ledger entries (automatic checkpoints count them).

Kept apart from the store, importing nothing, so the command line can register its hook before
it knows whether a command will open a store at all (``clearance --help`` stays light)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

CommitHook = Callable[[Any, Sequence[Any]], None]
"""``hook(engine, entries)``: the SQLAlchemy engine written to, and the ledger entries added."""

_HOOKS: list[CommitHook] = []


def on_commit(hook: CommitHook) -> None:
    """Call ``hook`` after every unit of work that committed ledger entries."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)


def remove_commit_hook(hook: CommitHook) -> None:
    """Stop calling ``hook``."""
    if hook in _HOOKS:
        _HOOKS.remove(hook)


def committed(engine: Any, entries: Sequence[Any]) -> None:
    """Tell every hook that ``entries`` were committed to ``engine``."""
    for hook in list(_HOOKS):
        hook(engine, entries)
