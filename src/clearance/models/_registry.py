"""Model providers by name: ``get_model("PROVIDER/NAME")`` calls PROVIDER's registered factory.

Factories are cheap functions that import their provider's module only when called, so asking for
``openai/...`` never imports xllamacpp or torch (Inspect's providers.py pattern).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from clearance.errors import ClearanceError
from clearance.models._types import DEFAULT_MAX_RESPONSE_BYTES, ModelAPI
from clearance.registry import Registry


class ModelSpecError(ClearanceError, ValueError):
    """A model spec, its options or its provider's setup is wrong; the message says what to fix."""


@dataclass(frozen=True)
class ProviderArgs:
    """What ``get_model`` hands a provider factory."""

    spec: str
    """The spec as the user gave it, e.g. ``openai/gpt-4o``."""
    provider: str
    name: str
    """Everything after the first slash; may itself contain slashes."""
    base_url: str | None = None
    timeout: float = 120.0
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    """The most of one response body a provider reads (HTTP providers)."""
    options: Mapping[str, Any] = field(default_factory=dict)

    def check_options(self, known: Iterable[str]) -> None:
        """Raise ``ModelSpecError`` naming any option this provider does not understand."""
        allowed = set(known)
        unknown = sorted(set(self.options) - allowed)
        if unknown:
            hint = ", ".join(sorted(allowed)) if allowed else "none"
            raise ModelSpecError(
                f"model {self.spec!r}: unknown option(s) {', '.join(unknown)} for provider "
                f"{self.provider!r}; it accepts: {hint}"
            )

    def option(self, key: str, kind: type[Any] | tuple[type[Any], ...], default: Any) -> Any:
        """The option ``key`` checked to be of ``kind``, or ``default`` when not given."""
        value = self.options.get(key, default)
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int subclass, but a flag passed where a number is expected is a mistake
        wrong = not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)
        if value is not default and wrong:
            names = " or ".join(k.__name__ for k in kinds)
            raise ModelSpecError(f"model {self.spec!r}: option {key}={value!r} must be {names}")
        return value


ProviderFactory: TypeAlias = Callable[[ProviderArgs], ModelAPI]

providers: Registry[ProviderFactory] = Registry("provider", duplicate=ModelSpecError)
_BUILTIN_MODULE = "clearance.models._providers.builtin"


def model_provider(name: str) -> Callable[[ProviderFactory], ProviderFactory]:
    """Register ``factory`` as the provider called ``name`` (the part before the slash in a spec).

    Keep the factory cheap: import the provider's module inside it, not at module level.
    """
    if not name or "/" in name:
        raise ModelSpecError(f"provider name {name!r} must be non-empty and contain no '/'")

    return providers.register(name)


def known_providers() -> list[str]:
    """The names of every registered provider, sorted."""
    _load_builtin()
    return providers.names()


def parse_spec(spec: str) -> tuple[str, str]:
    """Split ``PROVIDER/NAME`` at its first slash; raise ``ModelSpecError`` when malformed."""
    provider, slash, name = spec.partition("/")
    if not slash or not provider or not name:
        raise ModelSpecError(
            f"model spec {spec!r} must look like PROVIDER/NAME (e.g. openai/gpt-4o, "
            f"gguf/smollm2-135m); known providers: {', '.join(known_providers())}"
        )
    return provider, name


def get_model(
    spec: str,
    *,
    base_url: str | None = None,
    timeout: float = 120.0,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    **options: Any,
) -> ModelAPI:
    """The model named by ``spec`` (``PROVIDER/NAME``; NAME may contain slashes).

    ``base_url`` overrides the provider's default endpoint, ``timeout`` bounds each request in
    seconds, and ``options`` are provider-specific (each provider rejects ones it does not know).
    Raises ``ModelSpecError`` for an unknown provider or a malformed spec.
    """
    provider, name = parse_spec(spec)
    if timeout <= 0:
        raise ModelSpecError(f"model {spec!r}: timeout must be positive seconds, got {timeout!r}")
    if max_response_bytes < 1:
        raise ModelSpecError(
            f"model {spec!r}: max_response_bytes must be at least 1, got {max_response_bytes!r}"
        )
    _load_builtin()
    factory = providers.find(provider)
    if factory is None:
        raise ModelSpecError(
            f"model spec {spec!r}: unknown provider {provider!r}; "
            f"known providers: {', '.join(providers.names())}"
        )
    args = ProviderArgs(
        spec=spec,
        provider=provider,
        name=name,
        base_url=base_url,
        timeout=timeout,
        max_response_bytes=max_response_bytes,
        options=dict(options),
    )
    return factory(args)


def _load_builtin() -> None:
    importlib.import_module(_BUILTIN_MODULE)
