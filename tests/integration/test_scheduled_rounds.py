"""The scheduled rounds over every court of the deployment, as each chat door runs them: the draft reminders
(seed 002 §6, seed 004 §7: a draft is to be completed within the recording deadline), one per draft and
moment in every court, and the deliveries of complaints to the discipline office (seed 001 实施办法 §9). What
was claimed and never sent (the process died, or the send failed) is decided again a few minutes later —
and the claims are released once per round, not once per court: each release scans the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from liuhen.app.ports import UnitOfWork
from liuhen.app.usecases import complaint, deadlines, intake, signoff
from liuhen.app.usecases.courts import each_court
from liuhen.domain.model import Staff
from liuhen.storage.database import Database
from tests.integrity_world import World, opened_world, piece
from tests.report_seed import court_with_roster
from tests.statements import statements_of


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[World]:
    async with opened_world(db_url, tmp_path / "data", files=0) as w:
        yield w


async def reachable(w: World, person: Staff, chat_id: int) -> Staff:
    async with w.rt.db.uow() as uow:
        found = await uow.staff.get(person.id or 0)
        assert found is not None
        found.telegram_user_id = found.telegram_chat_id = chat_id  # enrolled on Telegram
        await uow.commit()
    return found


class Deletes:
    """The DELETEs of the notices (the outbox's claims) the database receives while in use."""

    def __init__(self, w: World) -> None:
        self.engine = w.rt.db.engine.sync_engine
        self.seen: list[str] = []

    def _count(self, conn: object, cursor: object, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM NOTICES"):
            self.seen.append(statement)

    def __enter__(self) -> Deletes:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


async def due(w: World) -> list[deadlines.Reminder]:
    return await deadlines.due_everywhere(
        w.rt.db.uow, now=w.clock.now(), tz=w.rt.settings.tz, deadline_profile="court"
    )


async def test_every_courts_drafts_are_reminded_and_an_unsent_one_is_decided_again(world: World) -> None:
    async with world.rt.db.uow(read_only=True) as uow:
        here = await uow.staff.by_staff_id(world.rt.court_id, "j001")
    _, people = await court_with_roster(world.rt.db, "other", "另一县人民法院")
    assert here is not None
    judges = [await reachable(world, here, 7001), await reachable(world, people["j002"], 7002)]
    await intake.receive_many(
        world.rt.db.uow(),
        [await piece(world, judges[0], 1, "庭外有人打招呼"), await piece(world, judges[1], 2, "有人过问")],
        clock=world.clock,
    )
    assert await due(world) == []  # too early
    # Monday 09:30 → deadline Wednesday 23:59:59 (2 days): half-way on Tuesday afternoon
    world.clock.set(world.clock.now() + timedelta(hours=32))
    with Deletes(world) as deletes:
        first = await due(world)
    assert sorted((r.chat_id, r.record_number, r.final) for r in first) == [
        (7001, "LH-2026-0001", False),
        (7002, "LH-2026-0001", False),  # the other court's first record
    ]
    assert len(deletes.seen) == 1  # the unsent claims released once for both courts
    await deadlines.notice_sent(world.rt.db.uow(), first[0].key)
    assert await due(world) == []  # claimed: not twice, sent or not
    world.clock.set(world.clock.now() + deadlines.RESEND_AFTER + timedelta(seconds=1))
    again = await due(world)  # the one never sent is decided again; the sent one never
    assert [(r.chat_id, r.key) for r in again] == [(first[1].chat_id, first[1].key)]


KEY = f"{complaint.NOTICE_PREFIX}LH-TS-2026-0001:k001"


async def test_a_complaint_delivery_never_sent_is_released_once_for_the_round(world: World) -> None:
    await court_with_roster(world.rt.db, "other", "另一县人民法院")
    async with world.rt.db.uow() as uow:  # claimed for an office member, then the process died
        assert await uow.notices.claim(KEY, 7004)
        await uow.commit()
    assert await complaint.pending_everywhere(world.rt.db.uow, clock=world.clock) == []
    async with world.rt.db.uow() as uow:  # (not committed: only looked at)
        assert not await uow.notices.claim(KEY, 7004)  # still claimed: too soon to decide it again
    world.clock.set(world.clock.now() + complaint.RESEND_AFTER + timedelta(seconds=1))
    with Deletes(world) as deletes:
        await complaint.pending_everywhere(world.rt.db.uow, clock=world.clock)
    assert len(deletes.seen) == 1  # two courts, one release
    async with world.rt.db.uow() as uow:
        assert await uow.notices.claim(KEY, 7004)  # released: the next round decides it again


async def test_the_rounds_find_what_is_not_sent_by_its_index_among_everything_sent(world: World) -> None:
    """The outbox and the release of claims read the few notices not sent yet by their partial index, not
    the table of every notice ever sent (which only grows: prompts, reminders, deliveries, cards)."""
    db = world.rt.db
    async with db.uow() as uow:
        for n in range(400):
            assert await uow.notices.claim(f"draft:{n}:half", 7001)
            if n % 100:  # all but four sent
                await uow.notices.mark_sent(f"draft:{n}:half")
        await uow.commit()
    async with db.writing() as conn:
        await conn.exec_driver_sql("ANALYZE")
    now = world.clock.now() + timedelta(minutes=5)

    async def nothing(uow: UnitOfWork, court_id: int) -> list[None]:
        return []

    async def rounds(db: Database) -> None:
        await signoff.due_outbox(db.uow(), now)
        await each_court(db.uow, nothing, prefix="draft:", claimed_before=now)

    captured = [
        (sql, params)
        for sql, params in await statements_of(db, rounds, ("SELECT", "DELETE"))
        if "FROM notices" in sql
    ]
    assert len(captured) == 2  # the outbox's look, the release
    postgresql = db.engine.dialect.name == "postgresql"
    async with db.engine.connect() as conn:
        if postgresql:
            await conn.exec_driver_sql("SET enable_seqscan = off")
        for sql, params in captured:
            explain = "EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN "
            plan = " | ".join(str(row[-1]) for row in await conn.exec_driver_sql(explain + sql, params))
            assert "ix_notices_unsent" in plan, (sql, plan)
    async with db.uow() as uow:  # the four never sent were released, the sent ones kept
        assert await uow.notices.claim("draft:0:half", 7001)
        assert not await uow.notices.claim("draft:1:half", 7001)
