"""The environment, read in one place: where Clearance keeps its files and which store it opens.

Layer 0: imports nothing of Clearance but its errors. Every package asks :func:`settings` (or
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
from typing import TypeVar

from clearance.errors import ClearanceError

HOME_VARIABLE = "CLEARANCE_HOME"
"""Where the embedded store, caches, keys, checkpoints and fetched data live."""
DATABASE_URL_VARIABLE = "CLEARANCE_DATABASE_URL"
"""A SQLAlchemy URL for a team's store (``postgresql+psycopg://…``); unset for the embedded one."""

POOL_SIZE_VARIABLE = "CLEARANCE_DB_POOL_SIZE"
"""Connections a process keeps open to a team's database (default 5; SQLAlchemy's QueuePool)."""
MAX_OVERFLOW_VARIABLE = "CLEARANCE_DB_MAX_OVERFLOW"
"""Connections a process may open beyond the pool at busy moments, closed after (default 10)."""
POOL_TIMEOUT_VARIABLE = "CLEARANCE_DB_POOL_TIMEOUT"
"""Seconds a request waits for a free connection before failing (default 30)."""
AUTO_MIGRATE_VARIABLE = "CLEARANCE_AUTO_MIGRATE"
"""``off``: a store behind the newest migration is not upgraded on open; `clearance db upgrade`
does it (for a team's database, upgraded by its administrator). Default on."""

_DEFAULT_HOME = "~/.clearance"
_VARIABLES = (
    HOME_VARIABLE,
    DATABASE_URL_VARIABLE,
    POOL_SIZE_VARIABLE,
    MAX_OVERFLOW_VARIABLE,
    POOL_TIMEOUT_VARIABLE,
    AUTO_MIGRATE_VARIABLE,
)


@dataclass(frozen=True)
class Settings:
    """Clearance's settings: the home folder and the store's URL, with the places under home."""

    home: Path
    database_url: str | None
    """The URL given in the environment; ``None`` means the embedded SQLite store under home."""
    pool_size: int = 5
    max_overflow: int = 10
    pool_timeout: float = 30.0
    auto_migrate: bool = True

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
    home, url, pool_size, max_overflow, pool_timeout, auto_migrate = values
    return Settings(
        home=Path(home or _DEFAULT_HOME).expanduser(),
        database_url=url,
        pool_size=_number(POOL_SIZE_VARIABLE, pool_size, 5, int, minimum=1),
        max_overflow=_number(MAX_OVERFLOW_VARIABLE, max_overflow, 10, int, minimum=0),
        pool_timeout=_number(POOL_TIMEOUT_VARIABLE, pool_timeout, 30.0, float, minimum=0.001),
        auto_migrate=(auto_migrate or "on").strip().lower() not in ("off", "0", "false", "no"),
    )


class SettingsError(ClearanceError, ValueError):
    """A variable of the environment holds a value Clearance cannot use."""


_N = TypeVar("_N", int, float)


def _number(name: str, text: str | None, default: _N, kind: type[_N], *, minimum: _N) -> _N:
    if text is None:
        return default
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise SettingsError(
            f"{name}={text!r} is not a number >= {minimum}: set it to e.g. {default}"
        )
    return value


def clearance_home() -> Path:
    """``$CLEARANCE_HOME``, default ``~/.clearance``: the embedded store, caches and keys."""
    return settings().home
