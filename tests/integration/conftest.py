from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from liuhen.storage.database import Database


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    await database.migrate()
    try:
        yield database
    finally:
        await database.dispose()
