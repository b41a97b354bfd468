"""hf/PATH: a tiny randomly initialised transformers model built in tmp_path (no download)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from clearance.models import (
    ChatMessage,
    GenerateConfig,
    ModelSpecError,
    generation_progress,
    get_model,
)

HAS_LOCAL_EXTRA = all(importlib.util.find_spec(m) for m in ("torch", "transformers", "tokenizers"))
WORDS = ["hello", "world", "the", "answer", "is", "forty", "two", "user", "assistant", ":"]
CHAT_TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }} : {{ m['content'] }} {% endfor %}"
    "{% if add_generation_prompt %}assistant : {% endif %}"
)


@pytest.mark.skipif(HAS_LOCAL_EXTRA, reason="the local extra is installed")
def test_missing_extra_names_the_install_command(tmp_path: Path) -> None:
    with pytest.raises(ModelSpecError, match=r"pip install 'clearance\[local\]'"):
        get_model(f"hf/{tmp_path}")


def build_tiny_model(directory: Path, *, chat_template: bool, ends: bool = True) -> Path:
    """Save a 2-layer random Llama and a word-level tokenizer with save_pretrained; with
    ``ends`` False the model has no end token, so it always generates max_tokens."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    tokenizers = pytest.importorskip("tokenizers")
    torch.manual_seed(0)
    vocab = {w: i for i, w in enumerate(["<pad>", "<s>", "</s>", "<unk>", *WORDS])}
    word_level = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="<unk>"))
    word_level.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    word_level.decoder = tokenizers.decoders.WordPiece(prefix="##")
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=word_level,
        pad_token="<pad>",
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
    )
    if chat_template:
        tokenizer.chat_template = CHAT_TEMPLATE
    config = transformers.LlamaConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=64,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2 if ends else None,
    )
    transformers.LlamaForCausalLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.mark.parametrize("chat_template", [True, False])
async def test_concurrent_calls_are_batched_and_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chat_template: bool
) -> None:
    monkeypatch.setenv("CLEARANCE_HOME", str(tmp_path / "home"))
    directory = build_tiny_model(tmp_path / "tiny", chat_template=chat_template)
    model = get_model(f"hf/{directory}", device="cpu", max_batch_size=4, batch_wait=0.05)
    prompts = [
        [ChatMessage(role="user", content="hello world")],
        [ChatMessage(role="user", content="the answer is forty two hello world")],
        [ChatMessage(role="system", content="the"), ChatMessage(role="user", content="world")],
    ]
    config = GenerateConfig(max_tokens=5)
    try:
        outputs = await asyncio.gather(*(model.generate(p, config) for p in prompts))
        alone = await model.generate(prompts[0], config)
    finally:
        await model.aclose()
    raws: list[dict[str, Any]] = [o.raw or {} for o in outputs]
    assert [r["batch_size"] for r in raws] == [3, 3, 3]
    assert alone.raw is not None
    assert alone.raw["batch_size"] == 1
    for output in outputs:
        # a random model may emit its end token at any step; the finish reason must say which
        assert output.finish_reason == ("length" if output.usage.output_tokens == 5 else "stop")
        assert output.usage.input_tokens > 0
    # left padding: the short prompt's greedy answer does not change when it is padded
    assert alone.raw["output_token_ids"] == raws[0]["output_token_ids"]
    assert outputs[1].usage.input_tokens > outputs[0].usage.input_tokens
    assert model.info.weights_sha256 is not None
    assert len(model.info.weights_sha256) == 64


def test_directory_without_weights_is_rejected(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    (tmp_path / "config.json").write_text(json.dumps({}))
    with pytest.raises(ModelSpecError, match="holds no weight files"):
        get_model(f"hf/{tmp_path}")


class _Watcher:
    """Records progress inside a batch; at step ``close_at`` it closes the model, as Ctrl-C
    does, from the generating thread into the event loop."""

    def __init__(self, model: Any, loop: asyncio.AbstractEventLoop, close_at: int) -> None:
        self.model, self.loop, self.close_at = model, loop, close_at
        self.reports: list[tuple[int, int]] = []
        self.closed = threading.Event()

    def generating(self, tokens: int, planned: int, seconds: float) -> None:
        assert seconds >= 0
        self.reports.append((tokens, planned))
        if len(self.reports) == self.close_at:
            # Ctrl-C arrives while this step runs; the close finishes without waiting for the
            # batch (it only cancels), so waiting for it here cannot deadlock.
            asyncio.run_coroutine_threadsafe(self.model.aclose(), self.loop).result(timeout=60)
            self.closed.set()


@pytest.fixture
def endless_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny model with no end token: it always generates max_tokens."""
    monkeypatch.setenv("CLEARANCE_HOME", str(tmp_path / "home"))
    return build_tiny_model(tmp_path / "tiny", chat_template=False, ends=False)


PROMPT = [ChatMessage(role="user", content="hello world")]


@pytest.mark.skipif(not HAS_LOCAL_EXTRA, reason="needs the local extra")
async def test_a_batch_reports_its_progress_at_every_step(endless_model: Path) -> None:
    model = get_model(f"hf/{endless_model}", device="cpu", max_batch_size=2, batch_wait=0.05)
    watcher = _Watcher(model, asyncio.get_running_loop(), close_at=10_000)
    generation_progress.set(watcher)
    config = GenerateConfig(max_tokens=40)
    try:
        outputs = await asyncio.gather(
            model.generate(PROMPT, config), model.generate(PROMPT, config)
        )
    finally:
        await model.aclose()
    assert [o.raw["batch_size"] for o in outputs if o.raw] == [2, 2]
    assert len(watcher.reports) == 40  # one report a step
    assert watcher.reports[0] == (2, 80)  # one step of a batch of two
    assert watcher.reports[-1] == (80, 80)


@pytest.mark.skipif(not HAS_LOCAL_EXTRA, reason="needs the local extra")
async def test_closing_the_model_stops_its_batch_within_a_step(endless_model: Path) -> None:
    model = get_model(f"hf/{endless_model}", device="cpu", max_batch_size=2, batch_wait=0.05)
    watcher = _Watcher(model, asyncio.get_running_loop(), close_at=3)
    generation_progress.set(watcher)
    answer = asyncio.create_task(model.generate(PROMPT, GenerateConfig(max_tokens=40)))
    await asyncio.wait([answer], timeout=300)
    assert answer.cancelled()
    assert await asyncio.to_thread(watcher.closed.wait, 60)
    # The close arrived during step 3 and the batch stopped at the end of that step, instead
    # of generating all 40 tokens: Ctrl-C stops a local model's batch within one step.
    assert len(watcher.reports) == 3, watcher.reports
