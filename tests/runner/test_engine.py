"""The engine against a real OpenAI-compatible server in its own process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from stub_runs import run_on_stub, stored_ids

from clearance.access import LOCAL_ADMIN
from clearance.runner import RunOptions, resume_run, run_task
from clearance.store import Store
from clearance.tasks import load_task

TaskFactory = Callable[..., Path]


async def test_every_sample_is_scored_stored_once_and_counted(
    mc_task: TaskFactory, stub_server
) -> None:
    summary, store = await run_on_stub(mc_task(40), stub_server.base_url, max_connections=8)
    assert (summary.status, summary.total, summary.scored, summary.errors) == (
        "completed",
        40,
        40,
        0,
    )
    ids = stored_ids(store, summary.id)
    assert sorted(ids) == sorted((f"q{i}", 1) for i in range(40))
    acc = summary.metrics["accuracy"]
    assert acc["n"] == 40
    assert acc["ci_low"] <= acc["value"] <= acc["ci_high"]
    assert stub_server.stats()["max_in_flight"] <= 8


@pytest.mark.parametrize(
    ("faults", "extra_per_sample"),
    [
        ("429:2", 2),
        ("500:2", 2),
        ("503:1,529:1", 2),
        ("garbage:2", 2),
        ("missing:1", 1),
        ("reset:2", 2),
        ("hang:1", 1),
    ],
)
async def test_retries_recover_from_each_fault_with_no_sample_lost_or_doubled(
    mc_task: TaskFactory, make_stub, faults: str, extra_per_sample: int
) -> None:
    stub = make_stub(faults=faults, retry_after=0.01)
    timeout = 0.5 if "hang" in faults else 5.0
    summary, store = await run_on_stub(
        mc_task(12), stub.base_url, max_connections=4, timeout=timeout
    )
    assert (summary.scored, summary.errors) == (12, 0)
    assert len(set(stored_ids(store, summary.id))) == len(stored_ids(store, summary.id)) == 12
    assert stub.stats()["requests"] == 12 * (1 + extra_per_sample)


async def test_a_sample_that_still_fails_is_stored_with_its_error(
    mc_task: TaskFactory, make_stub
) -> None:
    stub = make_stub(faults="500:100")
    summary, store = await run_on_stub(mc_task(6), stub.base_url, max_retries=2)
    # every sample failed: nothing was measured, so the run is failed, not completed
    assert (summary.status, summary.scored, summary.errors) == ("failed", 0, 6)
    assert summary.stop_reason == "no sample was scored: all 6 ended in error"
    rows = list(store.runs.samples(summary.id))
    assert len(rows) == 6
    assert all(r.error_type == "TransientModelError" and "500" in (r.error or "") for r in rows)
    assert stub.stats()["requests"] == 6 * 3
    assert summary.metrics["accuracy"]["n"] == 0


async def test_permanent_errors_are_not_retried(mc_task: TaskFactory, make_stub) -> None:
    stub = make_stub(faults="401:100")
    summary, _ = await run_on_stub(mc_task(5), stub.base_url, max_retries=5)
    assert summary.errors == 5
    assert stub.stats()["requests"] == 5


async def test_fail_on_error_stops_the_run_as_failed(mc_task: TaskFactory, make_stub) -> None:
    stub = make_stub(faults="500:100")
    summary, _ = await run_on_stub(
        mc_task(200), stub.base_url, max_retries=0, fail_on_error=3, max_connections=2
    )
    assert summary.status == "failed"
    assert summary.errors > 3
    assert summary.scored + summary.errors < 200


async def test_resume_retries_errored_samples_and_keeps_the_rest(
    mc_task: TaskFactory, make_stub
) -> None:
    stub = make_stub(faults="500:1")
    summary, store = await run_on_stub(mc_task(10), stub.base_url, max_retries=0)
    assert summary.errors == 10
    resumed = await resume_run(summary.id, store=store, principal=LOCAL_ADMIN)
    assert (resumed.status, resumed.scored, resumed.errors) == ("completed", 10, 0)
    assert len(stored_ids(store, summary.id)) == 10


async def test_cache_answers_a_repeated_run_and_no_cache_bypasses_it(
    mc_task: TaskFactory, stub_server
) -> None:
    task = mc_task(10)
    first, _ = await run_on_stub(task, stub_server.base_url)
    assert stub_server.stats()["requests"] == 10
    second, _ = await run_on_stub(task, stub_server.base_url)
    assert stub_server.stats()["requests"] == 10
    assert second.metrics["accuracy"]["value"] == first.metrics["accuracy"]["value"]
    await run_on_stub(task, stub_server.base_url, cache=False)
    assert stub_server.stats()["requests"] == 20


async def test_cache_is_not_used_above_temperature_zero(mc_task: TaskFactory, stub_server) -> None:
    task = mc_task(5, config={"temperature": 0.7})
    await run_on_stub(task, stub_server.base_url)
    await run_on_stub(task, stub_server.base_url)
    assert stub_server.stats()["requests"] == 10


async def test_epochs_store_each_sample_epoch_and_reduce_per_sample(
    mc_task: TaskFactory, write_script: Callable[[dict[str, str]], Path]
) -> None:
    task = mc_task(8, epochs=3, epoch_reducer="mean")
    script = write_script({f"q{i}": "ANSWER: A" for i in range(8)})
    store = Store.open()
    summary = await run_task(
        load_task(str(task)), f"scripted/{script}", store=store, principal=LOCAL_ADMIN
    )
    assert (summary.total, summary.scored) == (24, 24)
    assert len(stored_ids(store, summary.id)) == 24
    assert summary.metrics["accuracy"]["n"] == 8
    assert summary.metrics["accuracy"]["value"] == pytest.approx(2 / 8)


async def test_shuffled_choices_follow_the_seed_and_keep_the_target(
    mc_task: TaskFactory, write_script: Callable[[dict[str, str]], Path]
) -> None:
    task = mc_task(16, solver={"multiple_choice": {"shuffle": True}})
    script = write_script({f"q{i}": "ANSWER: B" for i in range(16)})
    store = Store.open()

    async def orders(seed: int) -> dict[str, list[int]]:
        summary = await run_task(
            load_task(str(task)),
            f"scripted/{script}",
            store=store,
            options=RunOptions(seed=seed, cache=False),
            principal=LOCAL_ADMIN,
        )
        return {s.sample_id: s.metadata["choice_order"] for s in store.runs.samples(summary.id)}

    first, again, other = await orders(1), await orders(1), await orders(2)
    assert first == again
    assert first != other
    for s in store.runs.samples((store.runs.newest(1)[0]).id):
        order = s.metadata["choice_order"]
        original = "ABCD".index(s.target)
        shown_target = "ABCD"[order.index(original)]
        assert s.scores["choice"]["value"] == (1.0 if shown_target == "B" else 0.0)
        assert "alpha" in s.messages[-2]["content"]
