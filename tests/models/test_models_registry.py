"""get_model: specs, the provider registry and lazy imports."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from clearance.models import (
    ChatMessage,
    GenerateConfig,
    ModelAPI,
    ModelInfo,
    ModelOutput,
    ModelSpecError,
    ProviderArgs,
    _registry,
    get_model,
    known_providers,
    model_provider,
)


class EchoModel:
    def __init__(self, args: ProviderArgs) -> None:
        self.args = args
        self.info = ModelInfo(spec=args.spec, provider=args.provider, name=args.name)

    async def generate(self, messages: Any, config: GenerateConfig) -> ModelOutput:
        return ModelOutput(text=messages[-1].content)

    async def aclose(self) -> None:
        pass


@pytest.fixture
def echo_provider() -> Iterator[str]:
    @model_provider("test-echo")
    def echo(args: ProviderArgs) -> ModelAPI:
        return EchoModel(args)

    yield "test-echo"
    _registry.providers.forget("test-echo")


def test_builtin_providers_are_known() -> None:
    assert {"openai", "anthropic", "scripted", "gguf", "hf"} <= set(known_providers())


def test_unknown_provider_names_spec_and_lists_known() -> None:
    with pytest.raises(ModelSpecError) as caught:
        get_model("opneai/gpt-4o")
    message = str(caught.value)
    assert "'opneai/gpt-4o'" in message
    assert "unknown provider 'opneai'" in message
    # Every built-in provider is listed, sorted (other tests may have registered more).
    listed = message.split("known providers: ", 1)[1].split(", ")
    assert listed == sorted(listed)
    assert {"anthropic", "gguf", "hf", "openai", "scripted"} <= set(listed)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("spec", ["gpt-4o", "openai/", "/gpt-4o", ""])
def test_malformed_spec_is_rejected(spec: str) -> None:
    with pytest.raises(ModelSpecError, match="must look like PROVIDER/NAME"):
        get_model(spec)


def test_nonpositive_timeout_is_rejected() -> None:
    with pytest.raises(ModelSpecError, match="timeout must be positive"):
        get_model("openai/gpt-4o", timeout=0)


async def test_registered_provider_gets_name_with_slashes_and_options(echo_provider: str) -> None:
    model = get_model(
        f"{echo_provider}/org/model/v2", base_url="http://x", timeout=3.0, flavour="mint"
    )
    assert isinstance(model, EchoModel)
    assert model.args == ProviderArgs(
        spec="test-echo/org/model/v2",
        provider="test-echo",
        name="org/model/v2",
        base_url="http://x",
        timeout=3.0,
        options={"flavour": "mint"},
    )
    assert isinstance(model, ModelAPI)
    output = await model.generate([ChatMessage(role="user", content="ping")], GenerateConfig())
    assert output.text == "ping"


def test_a_name_cannot_be_taken_twice(echo_provider: str) -> None:
    with pytest.raises(ModelSpecError, match="'test-echo' is already registered"):

        @model_provider(echo_provider)
        def other(args: ProviderArgs) -> ModelAPI:
            return EchoModel(args)


def test_option_type_is_checked() -> None:
    with pytest.raises(ModelSpecError, match="option n_parallel='4' must be int"):
        get_model("gguf/smollm2-135m", n_parallel="4")


def test_providers_are_imported_only_when_asked_for() -> None:
    script = """
import sys
import clearance.models as models
assert "aiohttp" not in sys.modules, "importing clearance.models pulled in aiohttp"
models.get_model("openai/gpt-4o", base_url="http://127.0.0.1:9")
loaded = {name for name in sys.modules if name.startswith("clearance.models._providers.")}
assert loaded == {
    "clearance.models._providers.builtin",
    "clearance.models._providers.openai_chat",
}, loaded
for heavy in ("xllamacpp", "torch", "transformers"):
    assert heavy not in sys.modules, heavy
print("lazy")
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "lazy"
