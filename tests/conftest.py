"""Shared fixtures. Storage tests run on SQLite, and on PostgreSQL too when LIUHEN_TEST_DATABASE_URL is set
(each test then gets a fresh database of its own, dropped afterwards)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

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
