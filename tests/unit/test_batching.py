"""Group commit of concurrent updates (bot/batching.py): callers waiting together share one run,
a lone caller is not delayed, and a bad item fails only its own caller."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liuhen.app.batching import GroupCommit
from tests.waiting import until

LINGER = 0.05


class Recorder:
    """The work of a batch; with ``held``, a batch runs until ``finish`` is set."""

    def __init__(self, *, bad: set[int] | None = None, held: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.bad = bad or set()
        self.running = asyncio.Event()  # a batch has begun
        self.finish = asyncio.Event()
        if not held:
            self.finish.set()

    async def run(self, items: list[int]) -> list[int]:
        self.batches.append(list(items))
        self.running.set()
        await self.finish.wait()
        if self.bad & set(items):
            raise ValueError(f"bad item in {items}")
        return [item * 10 for item in items]


@dataclass
class Lingering:
    """The waits of ``LINGER`` seconds a group takes before a batch, held until ``over`` is set."""

    waits: list[float] = field(default_factory=list)
    over: asyncio.Event = field(default_factory=asyncio.Event)


@pytest.fixture
def lingering(monkeypatch: pytest.MonkeyPatch) -> Iterator[Lingering]:
    seen = Lingering()
    real_sleep = asyncio.sleep

    async def sleep(delay: float, result: object = None) -> object:
        if delay != LINGER:
            return await real_sleep(delay, result)
        seen.waits.append(delay)
        await seen.over.wait()
        return result

    monkeypatch.setattr(asyncio, "sleep", sleep)
    yield seen


async def test_callers_of_one_moment_share_one_run() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.run)
    results = await asyncio.gather(*(group.submit(i) for i in range(20)))
    assert results == [i * 10 for i in range(20)]
    assert recorder.batches == [list(range(20))]


async def test_a_lone_caller_runs_at_once() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.run)
    assert await group.submit(7) == 70
    assert await group.submit(8) == 80
    assert recorder.batches == [[7], [8]]


async def test_callers_arriving_during_a_run_form_the_next_batch() -> None:
    recorder = Recorder(held=True)
    group = GroupCommit(recorder.run)
    first = asyncio.create_task(group.submit(1))
    await recorder.running.wait()  # the first batch is running now
    later = asyncio.gather(*(group.submit(i) for i in range(2, 6)))
    await until(lambda: len(group._queue) == 4, what="the later callers to queue")
    recorder.finish.set()
    assert await first == 10 and await later == [20, 30, 40, 50]
    assert recorder.batches == [[1], [2, 3, 4, 5]]


async def test_a_bad_item_fails_only_its_own_caller() -> None:
    recorder = Recorder(bad={3})
    group = GroupCommit(recorder.run)
    results = await asyncio.gather(*(group.submit(i) for i in range(1, 6)), return_exceptions=True)
    assert results[:2] == [10, 20] and results[3:] == [40, 50]
    assert isinstance(results[2], ValueError)
    assert recorder.batches[0] == [1, 2, 3, 4, 5]  # tried together first, then one by one
    assert [b for b in recorder.batches[1:]] == [[1], [2], [3], [4], [5]]


async def test_batches_are_capped() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.run, max_batch=4)
    assert await asyncio.gather(*(group.submit(i) for i in range(10))) == [i * 10 for i in range(10)]
    assert [len(b) for b in recorder.batches] == [4, 4, 2]


async def test_a_cancelled_caller_does_not_cancel_the_others() -> None:
    recorder = Recorder(held=True)
    group = GroupCommit(recorder.run)
    doomed = asyncio.create_task(group.submit(1))
    others = [asyncio.create_task(group.submit(i)) for i in (2, 3)]
    await recorder.running.wait()
    doomed.cancel()
    recorder.finish.set()
    assert await asyncio.gather(*others) == [20, 30]
    with pytest.raises(asyncio.CancelledError):
        await doomed
    assert recorder.batches == [[1, 2, 3]]  # the cancelled caller's item was still done: nothing lost


async def test_callers_of_a_batch_cut_short_at_shutdown_are_told() -> None:
    recorder = Recorder(held=True)  # never finishes
    group = GroupCommit(recorder.run)
    callers = [asyncio.create_task(group.submit(i)) for i in range(3)]
    await recorder.running.wait()
    assert group._worker is not None
    group._worker.cancel()  # the loop shuts down
    async with asyncio.timeout(10):  # nobody waits forever
        results = await asyncio.gather(*callers, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)


async def test_under_load_a_batch_waits_a_moment_for_stragglers(lingering: Lingering) -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.run, linger=LINGER)
    assert await asyncio.gather(group.submit(1), group.submit(2)) == [10, 20]  # company: now "under load"
    assert lingering.waits == []  # the first batch started at once
    first = asyncio.create_task(group.submit(3))
    await until(lambda: lingering.waits, what="the next batch to wait for more callers")
    stragglers = asyncio.gather(*(group.submit(i) for i in range(4, 8)))  # answers coming back meanwhile
    await until(lambda: len(group._queue) == 5, what="the stragglers to queue")
    lingering.over.set()
    assert await first == 30 and await stragglers == [40, 50, 60, 70]
    assert recorder.batches == [[1, 2], [3, 4, 5, 6, 7]]
    assert lingering.waits == [LINGER]


async def test_a_lone_caller_never_lingers(lingering: Lingering) -> None:
    lingering.over.set()  # a wait would not hold the test up; it would be seen below
    recorder = Recorder()
    group = GroupCommit(recorder.run, linger=LINGER)
    assert await group.submit(1) == 10
    assert await group.submit(2) == 20
    assert lingering.waits == []


@given(st.lists(st.integers(min_value=0, max_value=50), max_size=40), st.sets(st.integers(0, 50)))
def test_every_caller_gets_its_own_answer(items: list[int], bad: set[int]) -> None:
    async def scenario() -> list[object]:
        group = GroupCommit(Recorder(bad=bad).run, max_batch=7)
        return await asyncio.gather(*(group.submit(i) for i in items), return_exceptions=True)

    results = asyncio.run(scenario())
    for item, result in zip(items, results, strict=True):
        if item in bad:
            assert isinstance(result, ValueError)
        else:
            assert result == item * 10
