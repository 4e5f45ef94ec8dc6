"""What waits for an officer (/pending in the chats, "my tasks" at the desk; seed 004 §13): only the chains
that name them are read, the oldest deadlines come first, and a list too long for one chat message says
that more wait and where to find them."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from liuhen.app.usecases import signoff
from liuhen.domain.clock import FixedClock
from liuhen.domain.model import Staff
from liuhen.storage.database import Database
from liuhen.texts import signoff as texts
from tests.access_world import NOW, TZ, access_world
from tests.statements import selects_of

CONFIG = signoff.Config(TZ)


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[Database]:
    """The access tests' court: LH-2026-0001 waits for 李庭长 (h001), LH-2026-0003 for 孙庭长 (h002) and
    LH-2026-0004, about 李庭长, for 王副院长 (v001); all three submitted at the same moment."""
    db = await access_world(db_url)
    try:
        yield db
    finally:
        await db.dispose()


async def person(db: Database, staff_id: str) -> Staff:
    async with db.uow(read_only=True) as uow:
        court = await uow.courts.by_code("t")
        assert court is not None and court.id is not None
        found = await uow.staff.by_staff_id(court.id, staff_id)
    assert found is not None
    return found


async def test_a_head_finds_their_own_record_behind_older_chains_of_other_departments(
    world: Database,
) -> None:
    """The list holds one record here; another department's record comes first by deadline. Read from the
    chains that name 孙庭长, the one record is his own, not a place taken by a chain he has nothing to do
    with."""
    head = await person(world, "h002")
    found = await signoff.pending(
        world.uow(), staff=head, clock=FixedClock(NOW), config=CONFIG, buttons=False, limit=1
    )
    assert [(i.number, i.mine, i.overdue) for i in found.items] == [("LH-2026-0003", True, False)]
    assert not found.more
    nothing = await signoff.pending(
        world.uow(), staff=await person(world, "j002"), clock=FixedClock(NOW), config=CONFIG
    )
    assert nothing.items == [] and not nothing.more  # the recorder signs nothing


async def test_the_discipline_office_sees_the_overdue_records_oldest_first_and_is_told_of_the_rest(
    world: Database,
) -> None:
    office = await person(world, "k001")
    later = FixedClock(NOW + timedelta(days=30))  # every level's deadline has passed
    every = await signoff.pending(world.uow(), staff=office, clock=later, config=CONFIG, buttons=False)
    assert [(i.number, i.mine, i.overdue) for i in every.items] == [
        ("LH-2026-0001", False, True),
        ("LH-2026-0003", False, True),
        ("LH-2026-0004", False, True),
    ]  # 逾期督办 (seed 004 §13): not theirs to sign yet
    assert not every.more
    first = await signoff.pending(
        world.uow(), staff=office, clock=later, config=CONFIG, buttons=False, limit=2
    )
    assert [i.number for i in first.items] == ["LH-2026-0001", "LH-2026-0003"] and first.more
    said = texts.pending(first.items, TZ, more=first.more)
    assert "LH-2026-0003" in said and "LH-2026-0004" not in said
    assert said.endswith(texts.PENDING_MORE) and "/pending" in said and "/desk" in said
    assert texts.PENDING_MORE not in texts.pending(every.items, TZ, more=every.more)
    # the oldest ones all left out (the office is involved in them, 回避): more still wait, never "nothing"
    none_listed = texts.pending([], TZ, more=True)
    assert none_listed.endswith(texts.PENDING_MORE) and "目前没有" not in none_listed


async def test_the_list_walks_the_deadline_index_and_looks_up_each_chains_people(tmp_path: Path) -> None:
    """On SQLite, the pending list reads the court's waiting records in deadline order and stops when it is
    full; each record's people are looked up by the record, never by listing every record the officer
    was ever named in (for a discipline office, all of the court's: a million ids at a million records)."""
    path = tmp_path / "liuhen.db"
    db = await access_world(f"sqlite+aiosqlite:///{path}")
    try:
        office = await person(db, "k001")
        assert office.id is not None
        captured = await selects_of(
            db,
            lambda uow: uow.signoff.awaiting_for(
                office.court_id, readers={office.id}, overdue_before=NOW, limit=51
            ),
        )
    finally:
        await db.dispose()
    con = sqlite3.connect(path)
    try:
        ((statement, params),) = captured
        plan = " | ".join(row[-1] for row in con.execute(f"EXPLAIN QUERY PLAN {statement}", params))
    finally:
        con.close()
    assert "USING INDEX ix_records_court_deadline (court_id=?)" in plan, plan
    assert "LIST SUBQUERY" not in plan and "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
