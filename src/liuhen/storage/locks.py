"""Coordination of several bot processes on one PostgreSQL database.

Two kinds of PostgreSQL advisory lock, both held by the session of one dedicated connection (AUTOCOMMIT,
outside the pool, so that nothing else ever runs on it and no lock goes back to the pool with it):

- the **scheduler lease** (key pair ``NAMESPACE, SCHEDULER``): the process holding it runs the periodic
  jobs (reminders, outbox, download retries, checkpoints); the others skip them;
- a **chat lock** (single bigint key: the Telegram chat id) while an update of that chat is handled, so
  that two updates of one chat arriving at two processes at once are handled one after the other. The
  webhook takes the locks of a round's chats in one statement and lets them go in one (:meth:`chats`).

PostgreSQL releases a session's locks when its connection ends, so a process killed with SIGKILL releases
everything at once (the kernel closes its socket) and another process takes the lease at its next try.
On SQLite (one process by design) both are granted at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from liuhen.storage.engine import normalise_url

log = logging.getLogger(__name__)

NAMESPACE = 0x4C48  # "LH": the two-key space of advisory locks is ours; one-key locks are chat ids
SCHEDULER = 1
STARTUP = 2
# a round's chats: the locks nobody else holds are taken (the others are left out), then let go together
TAKE_MANY = "SELECT k FROM unnest(CAST(:keys AS bigint[])) AS k WHERE pg_try_advisory_lock(k)"
LET_GO_MANY = "SELECT pg_advisory_unlock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"
QUERY_TIMEOUT = 10.0  # a lock query that hangs (network partition) counts as a lost connection


@contextlib.asynccontextmanager
async def one_at_a_time(url: str) -> AsyncIterator[None]:
    """Start-up (migrations, the court row) one process at a time: instances restarted together after an
    upgrade would otherwise run the same migration at once and all but one fail. Waits for the others."""
    engine = create_async_engine(normalise_url(url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        if engine.dialect.name != "postgresql":
            yield
            return
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:ns, :key)"), {"ns": NAMESPACE, "key": STARTUP})
            try:
                yield
            finally:
                await conn.execute(
                    text("SELECT pg_advisory_unlock(:ns, :key)"), {"ns": NAMESPACE, "key": STARTUP}
                )
    finally:
        await engine.dispose()


class ProcessLocks:
    """The locks of one process. ``enabled`` only on PostgreSQL."""

    def __init__(self, engine: AsyncEngine, *, retry_seconds: float = 0.05) -> None:
        self.enabled = engine.dialect.name == "postgresql"
        self._url = engine.url
        self._retry = retry_seconds
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None
        self._mutex = asyncio.Lock()
        self._leader = False

    async def close(self) -> None:
        """Ends the session: the lease and every chat lock are released."""
        async with self._mutex:
            await self._drop()
            if self._engine is not None:
                await self._engine.dispose()
                self._engine = None

    # the scheduler lease -------------------------------------------------------------------------------

    @property
    def is_leader(self) -> bool:
        """Whether the lease was held at the last :meth:`leader` call."""
        return self._leader or not self.enabled

    async def leader(self) -> bool:
        """True while this process holds the scheduler lease; takes it when it is free."""
        if not self.enabled:
            return True
        try:
            if self._leader:
                await self._scalar("SELECT 1")  # the session lives, and with it the lease
            else:
                got = await self._scalar(
                    "SELECT pg_try_advisory_lock(:ns, :key)", ns=NAMESPACE, key=SCHEDULER
                )
                self._leader = bool(got)
                if self._leader:
                    log.info("scheduler lease taken")
        except Exception as exc:  # the connection is gone, and the lease with it
            log.warning("scheduler lease lost: %r", exc)
        return self._leader

    # chat locks ------------------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def chat(self, chat_id: int | None) -> AsyncIterator[None]:
        """Holds the lock of a chat for the block (waits while another process holds it). Without a
        working lock connection the block runs anyway: the inbox still makes a replay harmless."""
        if not self.enabled or chat_id is None:
            yield
            return
        held = False
        try:
            while True:  # another process holds it: poll (rare, and short: one update's handling)
                held = bool(await self._scalar("SELECT pg_try_advisory_lock(:k)", k=chat_id))
                if held:
                    break
                await asyncio.sleep(self._retry)
        except Exception as exc:
            log.warning("chat lock unavailable: %r", exc)
        try:
            yield
        finally:
            if held:
                with contextlib.suppress(Exception):  # a lost connection has released it already
                    await self._scalar("SELECT pg_advisory_unlock(:k)", k=chat_id)

    @contextlib.asynccontextmanager
    async def chats(self, chat_ids: Collection[int]) -> AsyncIterator[set[int]]:
        """The locks of many chats, taken in one statement and let go in one: yields the chats that may be
        handled now (all of them on SQLite, or without a working lock connection, as :meth:`chat`). A chat
        another process holds is left out: its caller waits for it with :meth:`chat`."""
        keys = sorted(set(chat_ids))
        if not self.enabled or not keys:
            yield set(keys)
            return
        held: set[int] = set()
        try:
            rows = await self._query(TAKE_MANY, keys=keys)
            held = {int(k) for k in rows}
            free = held
        except Exception as exc:
            log.warning("chat locks unavailable: %r", exc)
            free = set(keys)
        try:
            yield free
        finally:
            if held:
                with contextlib.suppress(Exception):  # a lost connection has released them already
                    await self._query(LET_GO_MANY, keys=sorted(held))

    # the connection --------------------------------------------------------------------------------------

    async def _query(self, sql: str, **params: Any) -> list[Any]:
        """The first column of every row (one round trip on the lock connection)."""
        return list(await self._on_connection(lambda conn: conn.scalars(text(sql), params)))

    async def _scalar(self, sql: str, **params: Any) -> Any:
        return await self._on_connection(lambda conn: conn.scalar(text(sql), params))

    async def _on_connection(self, run: Callable[[AsyncConnection], Awaitable[Any]]) -> Any:
        async with self._mutex:
            if self._conn is None:
                if self._engine is None:
                    self._engine = create_async_engine(
                        self._url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
                    )
                self._conn = await asyncio.wait_for(self._engine.connect(), QUERY_TIMEOUT)
            try:
                return await asyncio.wait_for(run(self._conn), QUERY_TIMEOUT)
            except BaseException:  # failed, timed out or cancelled mid-query: start a new session
                await self._drop()
                raise

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if self._leader:
            log.info("scheduler lease released")
        self._leader = False
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()  # closes the DBAPI connection: the server releases our locks
