"""Shared fixtures. Storage tests run on SQLite, and on PostgreSQL too when LIUHEN_TEST_DATABASE_URL is set
(each test then gets a fresh database of its own, dropped afterwards)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from liuhen.storage.database import Database

PG_URL = os.environ.get("LIUHEN_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_ROSTER = FIXTURES / "roster.csv"  # a fictional county court of 22 people
DEMO_ROSTER = Path(__file__).resolve().parent.parent / "src" / "liuhen" / "sandbox" / "demo" / "roster.csv"


async def _pg_admin(sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    assert PG_URL is not None
    url = make_url(PG_URL)
    conn = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


_template: dict[str, Path] = {}


@pytest.fixture(scope="session", autouse=True)
def _template_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    _template["dir"] = tmp_path_factory.mktemp("template")


async def premigrated(db_url: str) -> None:
    """Where a test migrates a new SQLite database anyway, it starts as a copy of one migrated once per
    session: the same schema, without running every migration again for every test. (The migrations run
    from an empty database for the copy, and test_storage checks them against the tables.)"""
    target = _new_sqlite_file(db_url)
    if target is None or "dir" not in _template:  # not SQLite, or not under pytest
        return
    if "db" not in _template:
        template = _template["dir"] / "migrated.db"
        database = Database(f"sqlite+aiosqlite:///{template}")
        try:
            await database.migrate()
        finally:
            await database.dispose()
        _template["db"] = template
    _copy_database(_template["db"], target)


def _new_sqlite_file(db_url: str) -> Path | None:
    url = make_url(db_url)
    if not url.drivername.startswith("sqlite") or not url.database or Path(url.database).exists():
        return None
    return Path(url.database)


def _copy_database(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'liuhen.db'}"
        return
    assert PG_URL is not None
    name = f"liuhen_t_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(PG_URL)
            .set(drivername="postgresql+asyncpg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def roster_csv() -> str:
    return DEMO_ROSTER.read_text(encoding="utf-8")


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """The database of ``db_url``, migrated."""
    await premigrated(db_url)
    database = Database(db_url)
    await database.migrate()
    try:
        yield database
    finally:
        await database.dispose()
