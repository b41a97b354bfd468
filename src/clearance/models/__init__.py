"""Models under test: one ``ModelAPI`` protocol, providers chosen by spec (``PROVIDER/NAME``)."""

from clearance.models._cache import ResponseCache, cache_key
from clearance.models._registry import (
    ModelSpecError,
    ProviderArgs,
    ProviderFactory,
    get_model,
    known_providers,
    model_provider,
)
from clearance.models._retry import RetryPolicy
from clearance.models._types import (
    DEFAULT_MAX_RESPONSE_BYTES,
    ChatMessage,
    GenerateConfig,
    LikelihoodAPI,
    ModelAPI,
    ModelError,
    ModelInfo,
    ModelOutput,
    PermanentModelError,
    RateLimitError,
    Role,
    TransientModelError,
    Usage,
    current_epoch,
    current_sample_id,
    likelihood_context,
)

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "ChatMessage",
    "GenerateConfig",
    "LikelihoodAPI",
    "ModelAPI",
    "ModelError",
    "ModelInfo",
    "ModelOutput",
    "ModelSpecError",
    "PermanentModelError",
    "ProviderArgs",
    "ProviderFactory",
    "RateLimitError",
    "ResponseCache",
    "RetryPolicy",
    "Role",
    "TransientModelError",
    "Usage",
    "cache_key",
    "current_epoch",
    "current_sample_id",
    "get_model",
    "known_providers",
    "likelihood_context",
    "model_provider",
]
