"""One handle on the database: engine, session factory, units of work, migrations."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from liuhen.domain.model import Court, DeadlineProfile
from liuhen.storage.engine import READ_ONLY, make_engine, make_session_factory
from liuhen.storage.migrate import STATISTICS_KEPT, upgrade
from liuhen.storage.uow import SqlUnitOfWork

#: SQLite's planner picks its indexes from the statistics ANALYZE keeps (``sqlite_stat1``). Without them the
#: quarter's lapses and the desk's list filtered by a period walk every record of the court: at a million
#: records the dashboard took 0.28 s instead of 0.02 s. They are taken again whenever the register has
#: doubled since the last time and holds at least ``STATISTICS_FLOOR`` records: a score of times in a
#: register's life, under a second each at a million records. PostgreSQL's autovacuum keeps its own.
STATISTICS_FLOOR = 1000


class Database:
    def __init__(self, url: str, *, now: Callable[[], datetime] | None = None) -> None:
        self.engine: AsyncEngine = make_engine(url)
        self.sessions = make_session_factory(self.engine)
        self._now = now or (lambda: datetime.now(UTC))
        # SQLite has one writer at a time: this process's writers take turns here (one lock per event
        # loop), so that many at once queue instead of running into the busy timeout.
        self._writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] | None = (
            weakref.WeakKeyDictionary() if self.engine.dialect.name == "sqlite" else None
        )

    def _writer_lock(self) -> asyncio.Lock | None:
        if self._writers is None:
            return None
        loop = asyncio.get_running_loop()
        lock = self._writers.get(loop)
        if lock is None:
            lock = self._writers[loop] = asyncio.Lock()
        return lock

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """A bare connection in a transaction, committed at the end of the block, for the few writes that
        need no repository (the webhook's queue); on SQLite it takes its turn with the other writers."""
        lock = self._writer_lock()
        if lock is not None:
            await lock.acquire()
        try:
            async with self.engine.begin() as connection:
                yield connection
        finally:
            if lock is not None:
                lock.release()

    def uow(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions, self._now, read_only=read_only, writer_lock=self._writer_lock)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    async def migrate(self) -> None:
        await upgrade(self.engine)

    async def refresh_statistics(self) -> int | None:
        """The planner's statistics taken again if the register has doubled since they were last taken (or
        never was); how many records they were taken at, or None when nothing needed doing."""
        if self.backend != "sqlite":
            return None
        async with self.engine.connect() as conn:  # read only: the writers are not held up to look
            conn = await conn.execution_options(**{READ_ONLY: True})
            kept = await conn.scalar(STATISTICS_KEPT)
            stat = None
            if kept:
                stat = await conn.scalar(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'records' LIMIT 1"))
            taken_at = int(str(stat).split()[0]) if stat else 0  # the table's rows when last analysed
            now_at = int(await conn.scalar(text("SELECT coalesce(max(id), 0) FROM records")) or 0)
        if now_at < max(STATISTICS_FLOOR, 2 * taken_at):
            return None
        async with self.writing() as conn:
            await conn.execute(text("ANALYZE"))
        return now_at

    async def initialised(self) -> bool:
        """Whether `liuhen init` (or any start) has created the schema here; reads only, creates nothing."""
        from sqlalchemy import inspect

        async with self.engine.connect() as conn:
            return await conn.run_sync(lambda sync: inspect(sync).has_table("alembic_version"))

    async def ensure_court(self, code: str, name: str, deadline_profile: str) -> Court:
        """The deployment's court (a province deployment holds several, each with its own row)."""
        async with self.uow() as uow:
            court = await uow.courts.by_code(code)
            if court is None:
                profile = DeadlineProfile(deadline_profile)
                court = Court(code=code, name=name, deadline_profile=profile, created_at=self._now())
                await uow.courts.add(court)
                await uow.ledger.append(
                    actor="system",
                    action="court.create",
                    object_type="court",
                    object_id=code,
                    payload={"name": name},
                )
                await uow.commit()
            return court

    async def dispose(self) -> None:
        await self.engine.dispose()
