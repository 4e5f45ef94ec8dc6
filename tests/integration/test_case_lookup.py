"""The records that name a case are found by their index, never by reading every record's answers.

What is on file about a case (seed 003 §18: before the 专业法官会议 or the 审判委员会) is looked up across the
whole deployment, and a per-case zero report (seed 004 §16) is checked against its court's records on the
case: at a province's million records, reading every record's answers took more than a second a lookup. The
index is on an expression (the case number inside the answers' JSON), which a database uses only when the
lookup's expression is the same, character for character; these tests fail when the two drift apart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from liuhen.domain.records import Record
from liuhen.storage import tables as t
from liuhen.storage.database import Database
from liuhen.storage.types import CaseNumberOf, InterventionTimeOf
from tests.access_world import NOW, access_world
from tests.statements import selects_of

CASE = "（2026）豫0825民初123号"


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[tuple[Database, int, int]]:
    """The test court of the access tests, its judge j001, and no record yet on ``CASE``."""
    db = await access_world(db_url)
    try:
        async with db.uow(read_only=True) as uow:
            court = await uow.courts.by_code("t")
            assert court is not None and court.id is not None
            judge = await uow.staff.by_staff_id(court.id, "j001")
        assert judge is not None and judge.id is not None
        yield db, court.id, judge.id
    finally:
        await db.dispose()


async def add_records(db: Database, court_id: int, recorder: int, cases: list[str | None]) -> None:
    async with db.uow() as uow:
        for i, case in enumerate(cases, start=1):
            answers: dict[str, Any] = {"content": "请求关照"} if case is None else {"case_number": case}
            await uow.records.add(
                Record(
                    court_id=court_id,
                    number=f"LH-2026-9{i:03d}",
                    recorder_id=recorder,
                    status="draft" if i % 2 else "submitted",
                    created_at=NOW,
                    updated_at=NOW,
                    last_evidence_at=NOW,
                    answers=answers,
                )
            )
        await uow.commit()


async def plans(db: Database, lookup: Any) -> list[str]:
    """How the database reads each SELECT ``lookup`` runs (sequential scans discouraged on PostgreSQL, so
    that a small table shows whether the index can serve the lookup at all)."""
    captured = await selects_of(db, lookup)
    assert captured
    postgresql = db.engine.dialect.name == "postgresql"
    out = []
    async with db.engine.connect() as conn:
        if postgresql:
            await conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, params in captured:
            explain = "EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN "
            rows = await conn.exec_driver_sql(explain + statement, params)
            out.append(" | ".join(str(row[-1]) for row in rows))
    return out


async def test_what_is_on_file_about_a_case_is_found_by_the_case_number_index(
    world: tuple[Database, int, int],
) -> None:
    db, court_id, judge = world
    await add_records(db, court_id, judge, [CASE, "（2026）豫0825民初9号", None, CASE])
    async with db.uow(read_only=True) as uow:
        found = await uow.cases.records(CASE)
    assert [r.number for r in found] == ["LH-2026-9001", "LH-2026-9004"]  # a draft and a submitted record
    (plan,) = await plans(db, lambda uow: uow.cases.records(CASE))
    assert "ix_records_case_number" in plan, plan


async def test_a_per_case_zero_report_reads_its_courts_records_on_the_case_by_the_same_index(
    world: tuple[Database, int, int],
) -> None:
    db, court_id, judge = world
    # a court's register: two records on the case among two hundred, as the planner's statistics see it
    others = [f"（2026）豫0825民初{n}号" for n in range(200, 398)]
    await add_records(db, court_id, judge, [None, CASE, CASE, *others])
    async with db.writing() as conn:
        await conn.exec_driver_sql("ANALYZE")
    async with db.uow(read_only=True) as uow:
        assert await uow.records.on_case(court_id, CASE) == [("LH-2026-9002", judge), ("LH-2026-9003", judge)]
        assert await uow.records.on_case(court_id + 1, CASE) == []
    (plan,) = await plans(db, lambda uow: uow.records.on_case(court_id, CASE))
    assert "ix_records_case_number" in plan, plan


async def test_each_answer_read_by_the_database_is_its_own(world: tuple[Database, int, int]) -> None:
    """The answers the database reads for the monthly report (seed 003 §13: the month of the intervention,
    the cases handled) come from their own fields, however the statements are cached one after another."""
    db, court_id, judge = world
    async with db.uow() as uow:
        await uow.records.add(
            Record(
                court_id=court_id,
                number="LH-2026-9001",
                recorder_id=judge,
                status="submitted",
                created_at=NOW,
                updated_at=NOW,
                last_evidence_at=NOW,
                answers={"case_number": CASE, "intervention_time": "2026-11-20T02:00:00+00:00"},
            )
        )
        await uow.commit()
    answers, this = t.records.c.answers, t.records.c.number == "LH-2026-9001"
    async with db.engine.connect() as conn:
        for _ in range(2):  # the second time from the compiled cache
            assert (await conn.execute(select(CaseNumberOf(answers)).where(this))).scalar_one() == CASE
            happened = (await conn.execute(select(InterventionTimeOf(answers)).where(this))).scalar_one()
            assert happened == "2026-11-20T02:00:00+00:00"
