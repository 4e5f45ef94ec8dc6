"""The database under overload: N operations at once (half writers, half readers), on the embedded SQLite
or any database URL, beside the same operations one after another in the same run.

    python bench/overload.py [--operations 1000] [--hold-ms 5] [--database-url URL]

Each writer holds its transaction for ``--hold-ms`` (the fsyncs of a real receipt). Printed: errors (the
target is 0: writers queue for SQLite's one write lock in the process, and past the pool work waits for a
connection), throughput and p50/p99 latency, and the configured limits. Never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))  # runnable without an install

from liuhen.storage import engine as engine_config
from liuhen.storage.database import Database


async def operation(db: Database, n: int, hold: float) -> float:
    start = time.perf_counter()
    if n % 2:
        async with db.uow() as uow:
            await uow.staff.list(0)  # the write transaction begins
            await uow.ledger.append(actor="bench", action="w", object_type="t", object_id=str(n), payload={})
            await asyncio.sleep(hold)  # the work of a real transaction (files fsync'ed before the commit)
            await uow.commit()
    else:
        async with db.uow(read_only=True) as uow:
            await uow.ledger.entries(after=0, limit=5)
    return time.perf_counter() - start


async def run(url: str, operations: int, hold: float) -> None:
    db = Database(url)
    await db.migrate()
    console = Console()
    table = Table(title=f"{operations} operations, writers hold {hold * 1000:.0f} ms ({db.backend})")
    for column in ("way", "errors", "ops/s", "p50 ms", "p99 ms"):
        table.add_column(column, justify="right")
    try:
        for way in ("one after another", "all at once"):
            start = time.perf_counter()
            if way == "all at once":
                results = await asyncio.gather(
                    *(operation(db, n, hold) for n in range(operations)), return_exceptions=True
                )
            else:
                results = [await operation(db, n, hold) for n in range(operations)]
            elapsed = time.perf_counter() - start
            times = sorted(r for r in results if isinstance(r, float))
            errors = [r for r in results if isinstance(r, BaseException)]
            p99 = times[int(len(times) * 0.99) - 1] if times else 0.0
            table.add_row(
                way,
                str(len(errors)),
                f"{operations / elapsed:.0f}",
                f"{statistics.median(times) * 1000:.1f}" if times else "—",
                f"{p99 * 1000:.1f}",
            )
            for error in errors[:3]:
                console.print(f"[red]{way}: {error!r}[/red]")
    finally:
        await db.dispose()
    console.print(table)
    pool = engine_config.SQLITE_POOL if db.backend == "sqlite" else engine_config.PG_POOL
    console.print(
        f"limits: pool {pool} connections, waiting for one up to {engine_config.POOL_WAIT_S} s; "
        f"SQLite busy timeout {engine_config.BUSY_TIMEOUT_MS} ms (this process's writers take turns first)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=1000)
    parser.add_argument("--hold-ms", type=float, default=5.0)
    parser.add_argument("--database-url", default=None, help="default: a throw-away SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'overload.db'}"
        asyncio.run(run(url, args.operations, args.hold_ms / 1000))


if __name__ == "__main__":
    main()
