"""Decoding and OCR in a bounded pool of worker processes, never on the event loop nor in the bot's memory.

The pool is made on first use (a bot that receives no image starts none) with the "spawn" method (a fork
of a process with an event loop, threads and database connections is unsafe), and is shut down with the
runtime. A semaphore in front of it holds the images waiting for their turn in this process, so that at
most ``workers`` are being decoded at once; ``running`` and ``peak`` count them. A worker that dies (the
system killed it for its memory) takes only its own image: the pool is made anew for the next one.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

import structlog

from liuhen.evidence import worker
from liuhen.evidence.worker import Done

__all__ = ["WORKERS", "BrokenProcessPool", "Decoder"]

log = structlog.get_logger(__name__)

T = TypeVar("T")

#: One worker: the bot on one of the two cores, decoding and OCR on the other (each worker builds its own
#: OCR engine, a few hundred MB once it has read an image).
WORKERS = 1


class Decoder:
    def __init__(self, workers: int = WORKERS) -> None:
        if not 1 <= workers <= 2:
            raise ValueError("one or two decoding workers")
        self.workers = workers
        self.running = 0  # jobs in the pool now
        self.peak = 0  # the most at once
        self._pool: ProcessPoolExecutor | None = None
        self._turns: asyncio.Semaphore | None = None

    async def run(self, job: Callable[..., Done[T]], *args: Any) -> Done[T]:
        """Run one of ``liuhen.evidence.worker``'s jobs in a worker process, when its turn comes."""
        if self._turns is None:
            self._turns = asyncio.Semaphore(self.workers)
        async with self._turns:
            pool = self._executor()
            self.running += 1
            self.peak = max(self.peak, self.running)
            try:
                return await asyncio.get_running_loop().run_in_executor(pool, job, *args)
            except BrokenProcessPool:
                log.warning("decoding_worker_died")
                if self._pool is pool:
                    self._pool = None
                    pool.shutdown(wait=False, cancel_futures=True)
                raise
            finally:
                self.running -= 1

    def pids(self) -> list[int]:
        """The worker processes alive now (for measurements)."""
        pool = self._pool
        processes = getattr(pool, "_processes", None) or {}
        return sorted(processes)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=worker.initialise,
                initargs=(os.getpid(),),
            )
        return self._pool

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
