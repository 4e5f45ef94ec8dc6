"""Database snapshots for `liuhen backup` / `liuhen restore`.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot while the bot
keeps writing (WAL); PostgreSQL: ``pg_dump --format=custom`` (one snapshot transaction) and ``pg_restore``
into an empty database (the client tools come from the ``postgresql-client`` Debian package). Restores go
only into an empty database: nothing is ever overwritten.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from liuhen.evidence import durable
from liuhen.storage.engine import make_engine, normalise_url

SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"


class BackupError(Exception):
    """The database could not be dumped or restored; the message is Chinese."""


def backend_of(url: str) -> str:
    return make_url(normalise_url(url)).get_backend_name()


def dump_file_name(url: str) -> str:
    return SQLITE_FILE if backend_of(url) == "sqlite" else PG_FILE


def _sqlite_path(url: str) -> Path:
    database = make_url(normalise_url(url)).database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份或恢复")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL for pg_dump/pg_restore; the password goes in the environment, not on the command line."""
    parsed: URL = make_url(normalise_url(url))
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"找不到 {name}：请安装 postgresql-client（scripts/ensure-system-deps.sh）")
    return found


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} 失败：{(done.stderr or done.stdout).strip()[:2000]}")


def _dump_sqlite(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"数据库文件 {source} 不存在")
    src = sqlite3.connect(source, timeout=30)  # only read: the backup API copies its pages
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # all pages in one step: a consistent snapshot even while the bot writes
        finally:
            dst.close()
    finally:
        src.close()
    durable.fsync_file(target)


async def dump_database(url: str, target: Path) -> None:
    """Write a consistent snapshot of the database to ``target``."""
    if backend_of(url) == "sqlite":
        await asyncio.to_thread(_dump_sqlite, _sqlite_path(url), target)
        return
    libpq, env = _libpq(url)
    args = [
        _tool("pg_dump"),
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        "--file",
        str(target),
        libpq,
    ]
    await asyncio.to_thread(_run, args, env)
    await asyncio.to_thread(durable.fsync_file, target)


async def database_is_empty(url: str) -> bool:
    """No tables at all: the only kind of database a restore writes into."""
    if backend_of(url) == "sqlite":
        path = _sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return True
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                query = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            else:
                query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
            return int((await conn.execute(text(query))).scalar_one()) == 0
    finally:
        await engine.dispose()


def _restore_sqlite(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)  # of the empty database checked before
    durable.write_file(target, durable.read_chunks(source))  # temp file, fsync, rename, fsync dir


async def restore_database(url: str, source: Path) -> None:
    """Load a snapshot into the configured database, which must be empty (BackupError otherwise)."""
    if not await database_is_empty(url):
        raise BackupError("目标数据库不是空的：恢复只写入空数据库（请新建数据库或指定新的数据目录）")
    if backend_of(url) == "sqlite":
        await asyncio.to_thread(_restore_sqlite, source, _sqlite_path(url))
        return
    libpq, env = _libpq(url)
    args = [
        _tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        "--dbname",
        libpq,
        str(source),
    ]
    await asyncio.to_thread(_run, args, env)
