"""Group commit of concurrent updates (bot/batching.py): callers waiting together share one run,
a lone caller is not delayed, and a bad item fails only its own caller."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liuhen.app.batching import GroupCommit


class Recorder:
    def __init__(self, *, bad: set[int] | None = None, pause: float = 0.0) -> None:
        self.batches: list[list[int]] = []
        self.bad = bad or set()
        self.pause = pause

    async def run(self, items: list[int]) -> list[int]:
        self.batches.append(list(items))
        await asyncio.sleep(self.pause)
        if self.bad & set(items):
            raise ValueError(f"bad item in {items}")
        return [item * 10 for item in items]


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
    recorder = Recorder(pause=0.05)
    group = GroupCommit(recorder.run)
    first = asyncio.create_task(group.submit(1))
    await asyncio.sleep(0.01)  # the first batch is running now
    later = await asyncio.gather(*(group.submit(i) for i in range(2, 6)))
    assert await first == 10 and later == [20, 30, 40, 50]
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
    recorder = Recorder(pause=0.05)
    group = GroupCommit(recorder.run)
    doomed = asyncio.create_task(group.submit(1))
    others = [asyncio.create_task(group.submit(i)) for i in (2, 3)]
    await asyncio.sleep(0.01)
    doomed.cancel()
    assert await asyncio.gather(*others) == [20, 30]
    with pytest.raises(asyncio.CancelledError):
        await doomed
    assert recorder.batches == [[1, 2, 3]]  # the cancelled caller's item was still done: nothing lost


async def test_callers_of_a_batch_cut_short_at_shutdown_are_told() -> None:
    recorder = Recorder(pause=10.0)
    group = GroupCommit(recorder.run)
    callers = [asyncio.create_task(group.submit(i)) for i in range(3)]
    await asyncio.sleep(0.01)  # the batch is running
    assert group._worker is not None
    group._worker.cancel()  # the loop shuts down
    async with asyncio.timeout(2):  # nobody waits forever
        results = await asyncio.gather(*callers, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)


async def test_under_load_a_batch_waits_a_moment_for_stragglers() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.run, linger=0.05)
    assert await asyncio.gather(group.submit(1), group.submit(2)) == [10, 20]  # company: now "under load"

    async def straggler(i: int) -> int:
        await asyncio.sleep(0.005 * i)  # answers coming back spread over milliseconds
        return await group.submit(i)

    assert await asyncio.gather(*(straggler(i) for i in range(3, 8))) == [30, 40, 50, 60, 70]
    assert recorder.batches == [[1, 2], [3, 4, 5, 6, 7]]


async def test_a_lone_caller_never_lingers() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.run, linger=5.0)
    async with asyncio.timeout(1.0):  # a linger of 5 s would time out here
        assert await group.submit(1) == 10
        assert await group.submit(2) == 20


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
