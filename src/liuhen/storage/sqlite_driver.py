"""SQLAlchemy's aiosqlite dialect with one thread hop per statement instead of four (intake throughput).

aiosqlite runs the sqlite3 connection on its own thread; SQLAlchemy's adapter makes a cursor, executes,
fetches and closes it with one round trip to that thread each. Every round trip is a queue put, a thread
wake-up, a call back into the event loop and a greenlet switch: with a dozen statements per receipt they
cost more CPU than the statements themselves (bench/intake.py, docs/performance.md). Here a statement
makes its cursor, executes, fetches every row, reads what SQLAlchemy asks of the cursor afterwards
(description, rowcount, lastrowid) and closes it in one function on aiosqlite's thread.

Nothing else changes: the same sqlite3 connection, the same transactions (``storage/engine.py`` issues
BEGIN IMMEDIATE itself), the same errors; server-side cursors (``stream``) stay aiosqlite's own.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

#: ``sqlite+<DRIVER>://`` names this dialect (registered in ``storage/engine.py``).
DRIVER = "liuhen_aiosqlite"

Outcome = tuple[Any, list[Any], int, int | None]


def _on_its_thread(driver: Any, operation: Any, parameters: Any, many: bool) -> Outcome:
    """Runs on aiosqlite's thread: the statement from cursor to close."""
    cursor = driver._conn.cursor()  # "no active connection" once closed, as aiosqlite says it
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose every statement is one call on aiosqlite's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:  # no aiosqlite cursor: nothing to open
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass  # every row is fetched at once

    async def _async_soft_close(self) -> None:
        return None  # already closed on the thread; the rows and description stay

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._run(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            return await_(self._run(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            driver = self._connection
            outcome: Outcome = await driver._execute(_on_its_thread, driver, operation, parameters, many)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    def nextset(self) -> None:
        return None  # sqlite3 has one result set per statement

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor


class _DBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        return _Connection(self, adapted._connection)


class OneHopDialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> AsyncAdapt_aiosqlite_dbapi:
        return _DBAPI(__import__("aiosqlite"), __import__("sqlite3"))


dialect = OneHopDialect
