"""Named factories filled by a decorator at import time: the one registry implementation.

Layer 0 (it imports only the error root), so the models layer keeps its providers in one,
the tasks layer its solvers, scorers, metrics and tasks, and the suites layer its benchmark
catalogue (entries that are described, not called); ``clearance.tasks`` adds to it the
recording of what each factory made (see ``clearance.tasks.ComponentSpec``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from clearance.errors import ClearanceError

# Unbound: most registries hold functions, the benchmark catalogue holds Benchmark entries.
F = TypeVar("F")


class UnknownNameError(ClearanceError, LookupError):
    """A name that no registered factory answers to."""


class DuplicateNameError(ClearanceError, ValueError):
    """Two different factories registered under one name."""


def qualified_name(factory: object) -> str:
    """``module.qualname`` of a factory: two registrations of one function agree on it."""
    module = getattr(factory, "__module__", "?")
    return f"{module}.{getattr(factory, '__qualname__', repr(factory))}"


class Registry(Generic[F]):
    """Factories of one ``kind`` by name. Registering the same function again (a module
    reloaded) is allowed; another function under a taken name raises ``duplicate``."""

    def __init__(self, kind: str, *, duplicate: type[ClearanceError] = DuplicateNameError) -> None:
        self.kind = kind
        self._duplicate = duplicate
        self._factories: dict[str, F] = {}

    def register(self, name: str) -> Callable[[F], F]:
        """A decorator registering its function as ``name``; it returns what it stores."""

        def decorate(factory: F) -> F:
            existing = self._factories.get(name)
            if existing is not None and qualified_name(existing) != qualified_name(factory):
                raise self._duplicate(
                    f"{self.kind} {name!r} is already registered by {qualified_name(existing)}; "
                    f"{qualified_name(factory)} cannot take the name"
                )
            self._factories[name] = self._prepared(name, factory)
            return self._factories[name]

        return decorate

    def _prepared(self, name: str, factory: F) -> F:
        """What is stored for ``factory``: itself here; a subclass may wrap it."""
        return factory

    def find(self, name: str) -> F | None:
        """The factory registered as ``name``, or None."""
        return self._factories.get(name)

    def get(self, name: str) -> F:
        """The factory registered as ``name``; :class:`UnknownNameError` listing the known."""
        found = self._factories.get(name)
        if found is None:
            known = ", ".join(self.names()) or "(none)"
            raise UnknownNameError(f"unknown {self.kind} {name!r}; known: {known}")
        return found

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        return sorted(self._factories)

    def entries(self) -> list[F]:
        """Every registered factory, in the order of registration."""
        return list(self._factories.values())

    def forget(self, name: str) -> None:
        """Remove ``name`` (for tests that register a factory of their own)."""
        self._factories.pop(name, None)
