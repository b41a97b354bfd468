"""The micro-batcher that feeds local models: batch sizes, grouping, waiting, errors."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from clearance.models._providers.micro_batcher import MicroBatcher


class Recorder:
    """A batch function that records each batch and the thread it ran on."""

    def __init__(self, delay: float = 0.0) -> None:
        self.batches: list[list[tuple[str, int]]] = []
        self.threads: set[int] = set()
        self.delay = delay

    def __call__(self, requests: list[tuple[str, int]]) -> list[str]:
        self.batches.append(list(requests))
        self.threads.add(threading.get_ident())
        time.sleep(self.delay)
        return [f"{group}:{n * 10}" for group, n in requests]


class GatedRecorder(Recorder):
    """A batch function that holds each batch until released, so a test acts while one runs
    instead of guessing how long a sleep keeps it running."""

    def __init__(self) -> None:
        super().__init__()
        self.running = threading.Event()
        self.release = threading.Event()

    def __call__(self, requests: list[tuple[str, int]]) -> list[str]:
        self.running.set()
        if not self.release.wait(timeout=30):
            raise TimeoutError("the test never released the batch")
        return super().__call__(requests)

    async def wait_until_running(self, seconds: float = 10.0) -> None:
        if not await asyncio.to_thread(self.running.wait, seconds):
            raise AssertionError(f"no batch started within {seconds} s")


def batcher(
    recorder: Recorder, max_size: int = 4, max_wait: float = 0.01
) -> MicroBatcher[tuple[str, int], str]:
    return MicroBatcher(recorder, max_size=max_size, max_wait=max_wait, group_key=lambda r: r[0])


async def test_full_batches_then_the_rest() -> None:
    recorder = Recorder()
    gather = batcher(recorder)
    results = await asyncio.gather(*(gather.submit(("a", n)) for n in range(10)))
    assert results == [f"a:{n * 10}" for n in range(10)]
    assert [len(b) for b in recorder.batches] == [4, 4, 2]
    assert threading.get_ident() not in recorder.threads


async def test_requests_with_different_settings_never_share_a_batch() -> None:
    recorder = Recorder()
    gather = batcher(recorder)
    requests = [("a", 1), ("b", 2), ("a", 3), ("b", 4), ("a", 5)]
    results = await asyncio.gather(*(gather.submit(r) for r in requests))
    assert results == ["a:10", "b:20", "a:30", "b:40", "a:50"]
    assert recorder.batches == [[("a", 1), ("a", 3), ("a", 5)], [("b", 2), ("b", 4)]]


async def test_a_lone_request_runs_after_the_wait() -> None:
    recorder = Recorder()
    gather = batcher(recorder, max_wait=0.05)
    started = time.perf_counter()
    assert await gather.submit(("a", 1)) == "a:10"
    elapsed = time.perf_counter() - started
    assert 0.04 <= elapsed < 10.0  # at least the wait; the upper bound only catches a hang
    assert recorder.batches == [[("a", 1)]]


async def test_requests_arriving_during_a_batch_form_the_next_one() -> None:
    recorder = GatedRecorder()
    gather = batcher(recorder, max_size=8)
    first = asyncio.ensure_future(gather.submit(("a", 0)))
    await recorder.wait_until_running()  # the first batch is now held in its thread
    later = [asyncio.ensure_future(gather.submit(("a", n))) for n in range(1, 4)]
    recorder.release.set()
    await asyncio.gather(first, *later)
    assert [len(b) for b in recorder.batches] == [1, 3]


async def test_a_failing_batch_fails_each_of_its_callers() -> None:
    def explode(requests: list[tuple[str, int]]) -> list[str]:
        raise RuntimeError("CUDA out of memory")

    gather: MicroBatcher[tuple[str, int], str] = MicroBatcher(
        explode, max_size=4, max_wait=0.01, group_key=lambda r: r[0]
    )
    results = await asyncio.gather(
        *(gather.submit(("a", n)) for n in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) and "out of memory" in str(r) for r in results)
    # the batcher survives a failed batch
    gather._run_batch = Recorder()
    assert await gather.submit(("a", 2)) == "a:20"


async def test_aclose_cancels_waiting_requests() -> None:
    recorder = GatedRecorder()
    gather = batcher(recorder, max_size=1)
    pending = [asyncio.ensure_future(gather.submit(("a", n))) for n in range(3)]
    await recorder.wait_until_running()  # one request in a batch, two still waiting
    await gather.aclose()
    recorder.release.set()  # the batch's thread may now finish: its caller was cancelled
    results = await asyncio.gather(*pending, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)


def test_bad_sizes_are_rejected() -> None:
    with pytest.raises(ValueError, match="max_size"):
        MicroBatcher(Recorder(), max_size=0, max_wait=0.01, group_key=lambda r: r)
