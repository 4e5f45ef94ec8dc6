"""Long polling that loses nothing when the process dies.

PTB's own updater confirms a batch of updates (by asking for the next offset) while their handlers may
still be running, so a crash can lose an update that Telegram will never send again. Here the offset
moves past a batch only after every update of it has been handled; a crash therefore redelivers, and the
inbox (update_id) makes the redelivery harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

import structlog
from telegram import Update
from telegram.error import NetworkError, RetryAfter, TimedOut

log = structlog.get_logger(__name__)


class DurablePoller:
    def __init__(self, app: Any, *, timeout: int = 10, limit: int = 100) -> None:
        self.app = app
        self.timeout = timeout
        self.limit = limit
        self.offset: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._batch: asyncio.Future[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        await self.app.bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.create_task(self._run(), name="liuhen-poller")

    async def stop(self) -> None:
        """Finish the batch in hand, then stop (SIGTERM path)."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._batch is not None:  # updates in flight are finished, not dropped
            await self._batch

    async def _run(self) -> None:
        backoff = 1.0
        while not self._stopping.is_set():
            try:
                updates = await self.app.bot.get_updates(
                    offset=self.offset,
                    timeout=self.timeout,
                    limit=self.limit,
                    read_timeout=self.timeout + 10,
                    allowed_updates=Update.ALL_TYPES,
                )
                backoff = 1.0
            except RetryAfter as exc:
                wait = exc.retry_after
                await asyncio.sleep(wait.total_seconds() if isinstance(wait, timedelta) else float(wait))
                continue
            except (NetworkError, TimedOut) as exc:
                log.warning("poll_failed", error=repr(exc), retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if not updates:
                continue
            self._batch = asyncio.ensure_future(self._handle(updates))
            await asyncio.shield(self._batch)
            self._batch = None
            self.offset = updates[-1].update_id + 1

    async def _handle(self, updates: list[Update]) -> None:
        processor = self.app.update_processor
        await asyncio.gather(
            *(processor.process_update(u, self.app.process_update(u)) for u in updates),
            return_exceptions=True,
        )
