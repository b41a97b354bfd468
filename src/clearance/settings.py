"""The environment, read in one place: where Clearance keeps its files and which store it opens.

Layer 0: imports nothing of Clearance. Every package asks :func:`settings` (or
:func:`clearance_home`) instead of reading ``os.environ`` itself, so a variable's name, default
and meaning are stated once. The environment is read once per distinct value of the variables
below: a test or a long-lived process that changes them gets the new settings, nobody re-parses.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HOME_VARIABLE = "CLEARANCE_HOME"
"""Where the embedded store, caches, keys, checkpoints and fetched data live."""
DATABASE_URL_VARIABLE = "CLEARANCE_DATABASE_URL"
"""A SQLAlchemy URL for a team's store (``postgresql+psycopg://…``); unset for the embedded one."""

_DEFAULT_HOME = "~/.clearance"
_VARIABLES = (HOME_VARIABLE, DATABASE_URL_VARIABLE)


@dataclass(frozen=True)
class Settings:
    """Clearance's settings: the home folder and the store's URL, with the places under home."""

    home: Path
    database_url: str | None
    """The URL given in the environment; ``None`` means the embedded SQLite store under home."""

    @property
    def keys(self) -> Path:
        """``home/keys``: the ledger's signing key and its public half."""
        return self.home / "keys"

    @property
    def checkpoints(self) -> Path:
        """``home/checkpoints``: signed checkpoints of the ledger."""
        return self.home / "checkpoints"

    @property
    def cache(self) -> Path:
        """``home/cache``: model responses, judges' answers, weight digests."""
        return self.home / "cache"

    @property
    def data(self) -> Path:
        """``home/data``: fetched benchmark files, one folder per benchmark."""
        return self.home / "data"

    @property
    def journals(self) -> Path:
        """``home/journal``: each run's journal, for resume."""
        return self.home / "journal"

    @property
    def embedded_database(self) -> Path:
        """``home/clearance.db``: the SQLite store used when no URL is given."""
        return self.home / "clearance.db"


def settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of ``environ`` (default the process environment)."""
    env = os.environ if environ is None else environ
    return _settings_of(tuple(env.get(name) or None for name in _VARIABLES))


@lru_cache(maxsize=8)
def _settings_of(values: tuple[str | None, ...]) -> Settings:
    home, url = values
    return Settings(home=Path(home or _DEFAULT_HOME).expanduser(), database_url=url)


def clearance_home() -> Path:
    """``$CLEARANCE_HOME``, default ``~/.clearance``: the embedded store, caches and keys."""
    return settings().home
