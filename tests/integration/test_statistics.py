"""The planner's statistics and the desk's filtered list: a register as it grows stays on its indexes.

SQLite chooses its indexes from the statistics ANALYZE keeps; a register that was never analysed walks
every record of the court for a filtered page of the desk's list or the quarter's lapses. Liuhen takes
them at start and by the bot's hourly upkeep whenever the register has doubled since
(``Database.refresh_statistics``); PostgreSQL's autovacuum keeps its own. The list by type in a period
(seed 003 §11, §12: 统计) goes in by the facts' index by court and type, with statistics or without."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from liuhen.app.runtime import open_runtime
from liuhen.app.settings import Settings
from liuhen.domain.clock import FixedClock
from liuhen.domain.desk import RecordQuery
from liuhen.domain.periods import Quarter
from liuhen.domain.records import Record
from liuhen.storage import database
from liuhen.storage.database import Database
from liuhen.storage.migrate import downgrade
from tests.access_world import NOW, TZ, access_world
from tests.statements import selects_of


async def add_drafts(db: Database, n: int) -> None:
    async with db.uow() as uow:
        court = await uow.courts.by_code("t")
        assert court is not None and court.id is not None
        judge = await uow.staff.by_staff_id(court.id, "j001")
        assert judge is not None and judge.id is not None
        for _ in range(n):
            number = await uow.records.take_numbers(court.id, 2027, 1)
            await uow.records.add(
                Record(
                    court_id=court.id,
                    number=f"LH-2027-{number:04d}",
                    recorder_id=judge.id,
                    status="draft",
                    created_at=NOW,
                    updated_at=NOW,
                    last_evidence_at=NOW,
                    answers={},
                )
            )
        await uow.commit()


async def analysed(db: Database) -> set[str]:
    """The tables SQLite holds statistics of (none on PostgreSQL, whose autovacuum keeps its own)."""
    async with db.engine.connect() as conn:
        kept = await conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not kept.scalar():
            return set()
        return {row[0] for row in await conn.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1")}


async def test_the_statistics_are_taken_again_only_when_the_register_has_doubled(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "STATISTICS_FLOOR", 3)
    db = await access_world(db_url)  # four records
    try:
        if db.backend != "sqlite":
            assert await db.refresh_statistics() is None  # autovacuum analyses PostgreSQL's tables
            return
        assert await analysed(db) == set()  # migrated, never analysed
        assert await db.refresh_statistics() == 4
        assert {"records", "record_facts"} <= await analysed(db)
        assert await db.refresh_statistics() is None  # nothing grew
        await add_drafts(db, 3)  # seven: not yet twice four
        assert await db.refresh_statistics() is None
        await add_drafts(db, 1)
        assert await db.refresh_statistics() == 8
        assert await db.refresh_statistics() is None
    finally:
        await db.dispose()


async def test_a_small_register_is_not_analysed_until_it_reaches_the_floor(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "STATISTICS_FLOOR", 6)
    db = await access_world(db_url)
    try:
        assert await db.refresh_statistics() is None
        await add_drafts(db, 2)
        assert await db.refresh_statistics() == (6 if db.backend == "sqlite" else None)
    finally:
        await db.dispose()


async def test_every_start_takes_the_statistics_of_a_register_never_analysed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "STATISTICS_FLOOR", 3)
    world = await access_world(f"sqlite+aiosqlite:///{tmp_path / 'liuhen.db'}")
    assert await analysed(world) == set()
    await world.dispose()
    rt = await open_runtime(Settings(_env_file=None, data_dir=tmp_path), clock=FixedClock(NOW))
    try:
        assert {"records", "record_facts"} <= await analysed(rt.db)
    finally:
        await rt.close()


async def test_an_upgrade_takes_again_the_statistics_of_a_register_analysed_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Statistics taken before an upgrade say nothing of the indexes it adds, and SQLite's planner takes an
    index it knows nothing of for a very selective one: the upgrade takes them again. A register never
    analysed is left so (the floor decides, as at every start)."""
    monkeypatch.setattr(database, "STATISTICS_FLOOR", 3)
    analysed_before = await access_world(f"sqlite+aiosqlite:///{tmp_path / 'analysed.db'}")
    never = await access_world(f"sqlite+aiosqlite:///{tmp_path / 'never.db'}")
    try:
        for db in (analysed_before, never):
            await downgrade(db.engine, "0025")
        assert await analysed_before.refresh_statistics() == 4
        for db in (analysed_before, never):
            await db.migrate()
        async with analysed_before.engine.connect() as conn:
            indexes = set((await conn.exec_driver_sql("SELECT idx FROM sqlite_stat1")).scalars())
        assert {"ix_records_case_number", "ix_records_court_deadline"} <= indexes
        assert await analysed(never) == set()
    finally:
        await analysed_before.dispose()
        await never.dispose()


#: What ANALYZE wrote of a court's register of a million records (bench/web.py's, four readers a record;
#: the partial indexes of the upward and the severe reports hold none of them, and ANALYZE writes no row)
MILLION = (
    ("record_facts", "ix_record_facts_court_type_submitted", "1000001 1000001 200001 1"),
    ("record_facts", "ix_record_facts_court_submitted", "1000001 1000001 1"),
    ("records", "ix_records_court_id", "1000001 1000001 1"),
    ("records", "ix_records_court_deadline", "1000001 1000001 500001"),
    ("records", "ix_records_case_number", "1000001 18"),
    ("records", "ix_records_recorder_status", "1000001 1000001 250001"),
    ("records", "ix_records_court_status", "1000001 1000001 250001"),
    ("records", "sqlite_autoindex_records_1", "1000001 1000001 1"),
    ("record_readers", "ix_record_readers_record", "4000004 4"),
    ("record_readers", "sqlite_autoindex_record_readers_1", "4000004 1000001 1"),
)


async def discipline_office(db: Database) -> tuple[int, int]:
    """The test court's id and its discipline officer's (k001)."""
    async with db.uow(read_only=True) as uow:
        court = await uow.courts.by_code("t")
        assert court is not None and court.id is not None
        office = await uow.staff.by_staff_id(court.id, "k001")
    assert office is not None and office.id is not None
    return court.id, office.id


async def plans_of_the_list(db: Database, query: RecordQuery, path: Path) -> list[str]:
    """How SQLite reads the statements of one page of the desk's list (its count and its rows)."""
    captured = await selects_of(db, lambda uow: uow.records.page(query))
    assert len(captured) == 2  # the capped count and the page's rows
    con = sqlite3.connect(path)
    try:
        return [
            " | ".join(row[-1] for row in con.execute(f"EXPLAIN QUERY PLAN {statement}", params))
            for statement, params in captured
        ]
    finally:
        con.close()


async def test_the_list_by_type_in_a_quarter_goes_in_by_the_facts_index_by_court_and_type(
    tmp_path: Path,
) -> None:
    path = tmp_path / "liuhen.db"
    db = await access_world(f"sqlite+aiosqlite:///{path}")
    try:
        court_id, office_pk = await discipline_office(db)
        since, until = Quarter.of(NOW.astimezone(TZ).date()).bounds(TZ)
        query = RecordQuery(
            court_id=court_id,
            reader_pk=office_pk,
            readers=None,
            record_type="external",
            since=since,
            until=until,
        )
        way_in = "ix_record_facts_court_type_submitted (court_id=? AND record_type=?"
        plans = await plans_of_the_list(db, query, path)
        assert all(way_in in plan for plan in plans), plans  # never analysed
        await a_million(db)
        plans = await plans_of_the_list(db, query, path)
        assert all(way_in in plan for plan in plans), plans
    finally:
        await db.dispose()


async def a_million(db: Database) -> None:
    """The statistics of a court's million records, as ANALYZE describes them, in place of the world's."""
    async with db.writing() as conn:
        await conn.exec_driver_sql("ANALYZE")
        await conn.exec_driver_sql("DELETE FROM sqlite_stat1")
        for tbl, idx, stat in MILLION:
            await conn.exec_driver_sql(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", (tbl, idx, stat)
            )
    await db.engine.dispose()  # the next connections read the statistics afresh


async def test_the_list_of_severe_records_goes_in_by_their_partial_index(tmp_path: Path) -> None:
    """情节严重 (seed 001 §7; seed 004 §17(1)), alone or in a quarter: a few in a thousand, found by their
    own index on a register of a million, never by walking the court's records. (A register is analysed
    from its thousandth record on, at every start: one never analysed is small enough to walk.)"""
    path = tmp_path / "liuhen.db"
    db = await access_world(f"sqlite+aiosqlite:///{path}")
    try:
        court_id, office_pk = await discipline_office(db)
        since, until = Quarter.of(NOW.astimezone(TZ).date()).bounds(TZ)
        alone = RecordQuery(court_id=court_id, reader_pk=office_pk, readers=None, severe=True)
        in_quarter = RecordQuery(
            court_id=court_id, reader_pk=office_pk, readers=None, severe=True, since=since, until=until
        )
        await a_million(db)
        for query in (alone, in_quarter):
            for plan in await plans_of_the_list(db, query, path):
                assert "USING INDEX ix_record_facts_severe (court_id=?" in plan, plan
    finally:
        await db.dispose()


async def test_the_list_of_an_office_with_courts_below_finds_their_upward_reports_by_their_own_index(
    tmp_path: Path,
) -> None:
    """The office above (seed 001 实施办法 §6; seed 004 §17(2)): its court's records, what the courts below
    reported upward and what was forwarded on, each found by its own index and never by reading the whole
    register."""
    path = tmp_path / "liuhen.db"
    db = await access_world(f"sqlite+aiosqlite:///{path}")
    try:
        court_id, office_pk = await discipline_office(db)
        query = RecordQuery(
            court_id=court_id, reader_pk=office_pk, readers=None, lower_courts=frozenset({court_id + 1})
        )
        for plan in await plans_of_the_list(db, query, path):
            assert "SEARCH fx USING INDEX ix_record_facts_upward (court_id=?)" in plan, plan
            assert "SCAN records" not in plan and "SCAN x" not in plan, plan
    finally:
        await db.dispose()
