"""The SELECTs a piece of code runs, as the driver receives them: what the plan tests ask the database
how it would read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event

from liuhen.app.ports import UnitOfWork
from liuhen.storage.database import Database


async def selects_of(
    db: Database, call: Callable[[UnitOfWork], Awaitable[object]]
) -> list[tuple[str, tuple[Any, ...]]]:
    """Every SELECT ``call`` runs in a read-only unit of work of ``db``: statement and parameters."""

    async def in_read_only(db: Database) -> None:
        async with db.uow(read_only=True) as uow:
            await call(uow)

    return await statements_of(db, in_read_only, ("SELECT",))


async def statements_of(
    db: Database, call: Callable[[Database], Awaitable[object]], verbs: tuple[str, ...]
) -> list[tuple[str, tuple[Any, ...]]]:
    """Every statement beginning with one of ``verbs`` that ``call(db)`` sends: statement and parameters."""
    captured: list[tuple[str, tuple[Any, ...]]] = []

    def capture(conn: object, cursor: object, statement: str, params: Any, *_: object) -> None:
        if statement.lstrip().upper().startswith(verbs):
            captured.append((statement, tuple(params or ())))

    event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
    try:
        await call(db)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", capture)
    return captured
