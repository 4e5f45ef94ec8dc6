"""Under overload the database degrades, never errors: on SQLite one writer at a time (the others queue in
the process instead of meeting the busy timeout, "database is locked") and readers in WAL; past the pool,
work waits for a connection instead of failing ("QueuePool limit … reached"). Nothing a person sent may
be lost to load (seed 000: recording must not feel risky)."""

from __future__ import annotations

import asyncio

from liuhen.storage.database import Database
from tests.waiting import until

OPERATIONS = 1000


async def test_a_thousand_concurrent_operations_all_succeed(db: Database) -> None:
    async def write(n: int) -> None:
        async with db.uow() as uow:
            await uow.ledger.append(
                actor="load", action="load.write", object_type="test", object_id=str(n), payload={"n": n}
            )
            await uow.commit()

    async def read(n: int) -> int:
        async with db.uow(read_only=True) as uow:
            return len(await uow.ledger.entries(after=0, limit=5))

    jobs = [write(n) if n % 2 else read(n) for n in range(OPERATIONS)]
    results = await asyncio.gather(*jobs, return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []
    async with db.uow(read_only=True) as uow:
        written = [e for e in await uow.ledger.entries(after=0, limit=10_000) if e.action == "load.write"]
    assert len(written) == OPERATIONS // 2


async def test_writers_waiting_for_their_turn_hold_no_connection_so_readers_are_served(db: Database) -> None:
    """While one writer's transaction is open, a hundred more writers wait — and a reader is still served
    at once: waiting writers do not sit on the pool's connections."""
    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL runs writers side by side; the ledger head lock orders them
    opened, release = asyncio.Event(), asyncio.Event()
    started: list[int] = []

    async def first() -> None:
        async with db.uow() as uow:
            await uow.staff.list(0)  # the transaction begins: BEGIN IMMEDIATE, SQLite's write lock
            opened.set()
            await release.wait()
            await uow.commit()

    async def write(n: int) -> None:
        started.append(n)
        async with db.uow() as uow:
            await uow.staff.list(0)
            await uow.ledger.append(actor="load", action="w", object_type="t", object_id=str(n), payload={})
            await uow.commit()

    holder = asyncio.create_task(first())
    await opened.wait()
    waiting = [asyncio.create_task(write(n)) for n in range(100)]
    await until(lambda: len(started) == 100, what="every writer to have asked for its turn")
    async with asyncio.timeout(20):  # an event with a bound, not a timing: the reader is served
        async with db.uow(read_only=True) as uow:
            assert await uow.staff.list(0) == []
    release.set()
    results = await asyncio.gather(holder, *waiting, return_exceptions=True)
    assert [r for r in results if isinstance(r, BaseException)] == []
