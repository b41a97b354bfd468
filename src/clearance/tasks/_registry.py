"""Named building blocks (solvers, scorers, metrics, tasks) that YAML files and the CLI refer to.

A registered factory records what it made: every product carries a :class:`ComponentSpec`
naming the factory, the arguments it was called with (defaults filled in) and the versions of
any rules it depends on, as Inspect's registry does. Task and scorer digests are computed from
these specs, so what a run records is what actually ran, never a description written by hand.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import json
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from clearance.errors import ClearanceError
from clearance.registry import Registry as BaseRegistry

F = TypeVar("F", bound=Callable[..., object])

_SPEC_ATTRIBUTE = "_clearance_spec"


class TaskArgumentError(ClearanceError, ValueError):
    """A task argument (``-T KEY=VALUE``) the task does not take, or given where none apply."""


class ComponentSpec(BaseModel):
    """What made a component: its registry and name, its bound arguments, its rules' versions."""

    model_config = ConfigDict(frozen=True)

    kind: str
    """The registry: ``solver``, ``scorer``, ``metric`` or ``task``."""
    name: str
    args: dict[str, Any]
    """Every argument, defaults included, as JSON (components by their own spec)."""
    versions: dict[str, str] = {}
    """Versions of the rules the component applies (e.g. the refusal rules)."""

    @property
    def digest(self) -> str:
        """SHA-256 of the spec as canonical JSON: changes when any argument or version does."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def spec_of(component: object) -> ComponentSpec:
    """The spec a registered factory recorded on ``component``.

    A component made outside any registry (a hand-built step) is described by its name alone,
    marked ``unregistered`` so that a digest covering it says so.
    """
    spec = getattr(component, _SPEC_ATTRIBUTE, None)
    if isinstance(spec, ComponentSpec):
        return spec
    name = getattr(component, "name", None) or getattr(component, "__qualname__", None)
    return ComponentSpec(
        kind="unregistered", name=str(name or type(component).__qualname__), args={}
    )


def as_json(value: Any) -> Any:
    """An argument as JSON: models and dataclasses by their fields, registered components by
    their spec, functions by their qualified name."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return as_json(value.value)
    if isinstance(value, Mapping):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [as_json(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return {f.name: as_json(getattr(value, f.name)) for f in fields}
    if hasattr(value, _SPEC_ATTRIBUTE):
        return spec_of(value).model_dump(mode="json")
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '?')}.{value.__qualname__}"
    # Any other object (a model client, a cache) by its type alone: its repr may hold an
    # address, and a digest must not change from one process to the next.
    return f"<{type(value).__module__}.{type(value).__qualname__}>"


class Registry(BaseRegistry[F]):
    """Factories by name whose products record their :class:`ComponentSpec`."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self._versions: dict[str, dict[str, str]] = {}

    def register(self, name: str, *, versions: Mapping[str, str] | None = None) -> Callable[[F], F]:
        """Register a factory as ``name``; what it makes records its spec. ``versions`` names the
        rules the factory's products apply, so a change of rules changes their digests."""
        self._versions[name] = dict(versions or {})
        return super().register(name)

    def _prepared(self, name: str, factory: F) -> F:
        signature = inspect.signature(factory)
        kind, versions = self.kind, self._versions.get(name, {})

        @functools.wraps(factory)
        def make(*args: Any, **kwargs: Any) -> Any:
            made = factory(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            spec = ComponentSpec(
                kind=kind, name=name, args=as_json(dict(bound.arguments)), versions=versions
            )
            # object.__setattr__: products may be frozen dataclasses.
            object.__setattr__(made, _SPEC_ATTRIBUTE, spec)
            return made

        return make  # type: ignore[return-value]
