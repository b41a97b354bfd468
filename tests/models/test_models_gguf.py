"""gguf/NAME: the embedded SmolLM2-135M, run for real."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from clearance.models import (
    ChatMessage,
    GenerateConfig,
    ModelSpecError,
    PermanentModelError,
    get_model,
)
from clearance.models._providers.gguf import smollm2_path


@pytest.mark.slow
async def test_smollm2_answers_and_pins_its_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLEARANCE_HOME", str(tmp_path))
    model = get_model("gguf/smollm2-135m")
    prompt = [ChatMessage(role="user", content="Say hello.")]
    try:
        outputs = await asyncio.gather(
            *(model.generate(prompt, GenerateConfig(max_tokens=8, seed=1)) for _ in range(2))
        )
        with pytest.raises(PermanentModelError, match="max_tokens") as caught:
            # built unchecked: GenerateConfig itself refuses -5 now; this holds the provider's
            # own mapping of the server's refusal
            await model.generate(prompt, GenerateConfig.model_construct(max_tokens=-5))
    finally:
        await model.aclose()
    first = outputs[0]
    assert all(o.text.strip() for o in outputs)
    assert first.text.strip()
    assert 0 < first.usage.output_tokens <= 8
    assert first.usage.input_tokens > 0
    assert first.finish_reason in {"stop", "length"}
    assert caught.value.status == 400
    expected = hashlib.sha256(smollm2_path().read_bytes()).hexdigest()
    assert model.info.weights_sha256 == expected
    assert (model.info.provider, model.info.name) == ("gguf", "smollm2-135m")


def test_missing_gguf_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "absent.gguf"
    with pytest.raises(ModelSpecError, match=rf"GGUF file {path} does not exist"):
        get_model(f"gguf/{path}")
