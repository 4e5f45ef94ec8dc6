"""Group commit for concurrent updates (throughput with many judges at once).

Updates of different chats are handled concurrently. Where each would open its own transaction for the
same kind of work (the access gate's lookup, storing a piece of evidence, remembering a sent receipt),
a `GroupCommit` runs the work of all callers waiting at that moment in one transaction: while one batch
runs, the next one gathers. One judge alone sees no delay (a batch of one starts at once); fifty judges
share a transaction, its statements and its fsync.

A batch that fails is run again one item at a time, so that one bad item fails only its own caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 100  # Telegram's getUpdates limit: a poll never holds more


class GroupCommit(Generic[T, R]):
    """``await submit(item)`` returns ``run([..., item, ...])``'s result for the item."""

    def __init__(
        self,
        run: Callable[[list[T]], Awaitable[Sequence[R]]],
        *,
        max_batch: int = MAX_BATCH,
        linger: float = 0.0,
    ):
        self._run = run
        self._max = max_batch
        # Under load (the last batch had company), wait this long for more callers before a batch starts:
        # answers to concurrent sends arrive spread over milliseconds. Never for a lone caller.
        self._linger = linger
        self._busy = False
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._running: list[tuple[T, asyncio.Future[R]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._worker is None:
            self._worker = asyncio.create_task(self._drain(), name="liuhen-group-commit")
        # shielded: a caller that is cancelled does not cancel the batch the others are waiting for
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        try:
            await asyncio.sleep(0)  # callers started in the same turn of the loop join the first batch
            while self._queue:
                if self._busy and self._linger and len(self._queue) < self._max:
                    await asyncio.sleep(self._linger)
                batch, self._queue = self._queue[: self._max], self._queue[self._max :]
                self._busy = len(batch) > 1
                self._running = batch
                await self._run_batch(batch)
                self._running = []
        except BaseException as exc:  # cancelled at shutdown: nobody waits forever
            error = exc if isinstance(exc, Exception) else asyncio.CancelledError()
            for _, future in self._running + self._queue:
                _settle(future, error)
            self._running, self._queue = [], []
            raise
        finally:
            self._worker = None

    async def _run_batch(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._run([item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return
            for one in batch:  # isolate the item that failed
                await self._run_batch([one])
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)


def _settle(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
