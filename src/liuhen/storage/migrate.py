"""Run the alembic migrations programmatically on an async engine (alembic cookbook recipe).

Every start and every command upgrades the database. A database already at ``HEAD`` is recognised by one
SELECT of its version row, without importing alembic or reading the migration scripts (docs/architecture.md
decision 75); anything else goes through alembic.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
#: The newest migration's revision; a test compares it with alembic's head, so a new migration moves it.
HEAD = "0029"


#: Whether SQLite's planner statistics were ever taken here (``ANALYZE`` writes them to ``sqlite_stat1``).
STATISTICS_KEPT = text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")


def analyse_again(connection: Connection, table: str | None = None) -> None:
    """For a migration that adds an index: on SQLite, a register whose statistics were taken before has them
    taken again (of ``table``, or of every table), since the planner takes an index the statistics say
    nothing of for a very selective one; a register never analysed is left to the statistics floor."""
    if connection.dialect.name == "sqlite" and connection.execute(STATISTICS_KEPT).scalar():
        connection.execute(text(f"ANALYZE {table}" if table else "ANALYZE"))


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


async def at_head(engine: AsyncEngine) -> bool:
    """Whether the database's one version row is ``HEAD`` (False for an empty database)."""
    async with engine.connect() as conn:
        try:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
        except DBAPIError:  # no version table yet: a new database
            return False
    return versions == [HEAD]


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    if revision == "head" and await at_head(engine):
        return

    def _run(connection: Connection) -> None:
        from alembic import command

        command.upgrade(alembic_config(connection), revision)

    async with engine.begin() as conn:
        await conn.run_sync(_run)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Back to ``revision`` (tests of a migration's data step; an operator restores a backup instead)."""

    def _run(connection: Connection) -> None:
        from alembic import command

        command.downgrade(alembic_config(connection), revision)

    async with engine.begin() as conn:
        await conn.run_sync(_run)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _get(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(_get)
