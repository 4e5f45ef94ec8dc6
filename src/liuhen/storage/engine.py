"""Engine and sessions. SQLite: WAL, synchronous=FULL, foreign keys, BEGIN IMMEDIATE, busy timeout
(docs/architecture.md "SQLite"). The same code runs on PostgreSQL with asyncpg."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import registry
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from liuhen.storage import sqlite_driver
from liuhen.storage.seals import SealingSession
from liuhen.storage.tables import start_mappers

registry.register(f"sqlite.{sqlite_driver.DRIVER}", sqlite_driver.__name__, "OneHopDialect")

BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "liuhen_read_only"
#: Connections: SQLite serves one writer at a time (the others queue in-process for the writer lock, see
#: ``storage/uow.py``) and many readers in WAL; PostgreSQL more of both. Past the pool, work queues for a
#: connection (up to ``POOL_WAIT_S``) instead of failing.
SQLITE_POOL = 8
PG_POOL = 10
POOL_WAIT_S = 600


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite:///` URLs and pick the async drivers."""
    parsed = make_url(url)
    driver = {
        "postgresql": "postgresql+asyncpg",
        "postgres": "postgresql+asyncpg",
        "sqlite": "sqlite+aiosqlite",
    }
    if parsed.drivername in driver:
        parsed = parsed.set(drivername=driver[parsed.drivername])
    return parsed.render_as_string(hide_password=False)


def _sqlite_setup(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so that BEGIN IMMEDIATE below is what runs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock up front: no deadlock between two upgrading readers. Read-only units of
        # work (execution option READ_ONLY) begin deferred and never wait for a writer (WAL).
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    start_mappers()
    url = normalise_url(url)
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        # aiosqlite's connection with one thread hop per statement (storage/sqlite_driver.py)
        parsed = parsed.set(drivername=f"sqlite+{sqlite_driver.DRIVER}")
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
        if database and database != ":memory:":
            kwargs.update(pool_size=SQLITE_POOL, max_overflow=0, pool_timeout=POOL_WAIT_S)
    else:
        kwargs.update(pool_pre_ping=True, pool_size=PG_POOL, max_overflow=PG_POOL, pool_timeout=POOL_WAIT_S)
    engine = create_async_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _sqlite_setup(engine)
    return engine


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        engine, expire_on_commit=False, autoflush=True, sync_session_class=SealingSession
    )
