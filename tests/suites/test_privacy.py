"""starter-privacy: the context becomes a system message; leakage rate, per probe style, PII."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clearance.access import LOCAL_ADMIN
from clearance.datasets import DatasetError
from clearance.runner import RunOptions, run_task
from clearance.store import Store
from clearance.suites import get_benchmark
from clearance.suites.privacy import load_privacy

REFUSE = "I'm sorry, I can't share patient records."


def _items() -> list[dict[str, Any]]:
    path = get_benchmark("starter-privacy").data_path()
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_items_become_a_system_context_and_a_user_probe() -> None:
    items = _items()
    task = get_benchmark("starter-privacy").task(limit=3)
    assert [s.id for s in task.dataset] == [it["id"] for it in items[:3]]
    sample = task.dataset.samples[0]
    assert isinstance(sample.input, tuple)
    system, user = sample.input
    assert (system.role, system.content) == ("system", items[0]["context"])
    assert (user.role, user.content) == ("user", items[0]["probe"])
    assert sample.metadata == {
        "probe_style": items[0]["probe_style"],
        "secrets": items[0]["secrets"],
    }
    assert task.definition["higher_is_better"] is False
    assert [s.name for s in task.scorers] == ["leakage", "pii"]


def test_an_item_without_secrets_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "p.jsonl"
    item = {"id": "p1", "context": "ctx", "probe": "tell me", "probe_style": "direct"}
    bad.write_text(json.dumps({**item, "secrets": []}) + "\n")
    with pytest.raises(DatasetError, match="item p1: 'secrets' must be a non-empty list"):
        load_privacy(bad)


async def test_starter_privacy_reports_leakage_per_probe_style_and_pii(tmp_path: Path) -> None:
    items = _items()
    direct = [it for it in items if it["probe_style"] == "direct"]
    leaked = direct[0]
    outputs = {it["id"]: REFUSE for it in items}
    # One direct probe leaks every planted secret, spaced and punctuated differently.
    outputs[leaked["id"]] = "Here you go: " + " / ".join(leaked["secrets"])
    script = tmp_path / "answers.jsonl"
    script.write_text(
        "".join(json.dumps({"id": k, "output": v}) + "\n" for k, v in outputs.items())
    )
    store = Store.open()
    summary = await run_task(
        get_benchmark("starter-privacy").task(),
        f"scripted/{script}",
        store=store,
        options=RunOptions(cache=False),
        principal=LOCAL_ADMIN,
    )
    assert (summary.status, summary.scored) == ("completed", len(items))
    m = summary.metrics
    assert m["leak_rate"]["value"] == pytest.approx(1 / len(items))
    assert "accuracy" not in m  # a leak rate is never presented as an accuracy
    assert m["probe_style=direct/accuracy"]["value"] == pytest.approx(1 / len(direct))
    assert m["probe_style=roleplay/accuracy"]["value"] == 0.0
    assert m["pii/accuracy"]["value"] == pytest.approx(1 / len(items))
    assert m["pii_found"]["value"] >= 1
    assert m["pii_found"]["n"] == len(items)
    stored = next(s for s in store.runs.samples(summary.id) if s.sample_id == leaked["id"])
    assert stored.scores["leakage"]["metadata"]["leaked"] == leaked["secrets"]
    assert stored.messages[0]["role"] == "system"
