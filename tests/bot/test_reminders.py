"""Draft reminders: at most two — half-way and the day before the record deadline (court
profile: within 2 days, seed 002 §6) — never after submission, never repeated across restarts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.bot.harness import START, Harness, start_harness, text_of

FAST = {"reminder_check_seconds": 0.2}


async def reminders_seen(h: Harness, user: int) -> list[str]:
    return [t for t in await h.bot_texts(user) if "LH-2026-0001" in t and ("提醒" in t or "明天就到" in t)]


async def settle(h: Harness) -> None:
    await h.jobs_ran("reminders")  # whatever it would send now has been sent


async def test_two_reminders_then_none_and_none_twice_after_a_restart(db_url: str, tmp_path: Path) -> None:
    async with start_harness(db_url, tmp_path, settings=FAST) as h:
        judge = await h.enrol("j001", "张法官")
        await h.say(judge, "庭外有人打招呼，稍后补充")
        await h.say(
            judge, "另一份说明", forward_origin={"type": "hidden_user", "date": 0, "sender_user_name": "某人"}
        )
        await settle(h)
        assert await reminders_seen(h, judge) == []  # too early
        # Mon 09:30 → deadline Wed 23:59:59 (2 days): half-way Tue 16:45; day before: Tue night → Wed 08:00
        h.clock.set(START + timedelta(hours=26))
        await settle(h)
        assert await reminders_seen(h, judge) == []
        h.clock.set(START + timedelta(hours=32))
        await h.sim.wait_for(
            judge, lambda m: m.get("from_bot") and "提醒：记录尚未完成" in text_of(m), timeout=5
        )
        await settle(h)
        assert len(await reminders_seen(h, judge)) == 1
    async with start_harness(db_url, tmp_path, settings=FAST) as h2:  # a restart: state is in the database
        await h2.sim.create_user(id=judge, first_name="张法官")  # the same phone, a new sandbox
        h2.clock.set(START + timedelta(hours=33))
        await settle(h2)
        assert len(await reminders_seen(h2, judge)) == 0  # the sandbox is new; nothing was sent again
        h2.clock.set(START + timedelta(hours=47))  # Wed 08:30
        last = await h2.sim.wait_for(
            judge, lambda m: m.get("from_bot") and "明天就到" in text_of(m), timeout=5
        )
        assert "还差" in text_of(last) and "/drafts" in text_of(last)
        h2.clock.set(START + timedelta(hours=60))
        await settle(h2)
        assert len(await reminders_seen(h2, judge)) == 1


async def test_no_reminder_for_a_submitted_record(db_url: str, tmp_path: Path) -> None:
    async with start_harness(db_url, tmp_path, settings=FAST) as h:
        judge = await h.enrol("j001", "张法官")
        await h.say(judge, "有人过问")
        async with h.runtime.db.uow() as uow:
            [record] = await uow.records.list(court_id=h.runtime.court_id)
            record.status = "submitted"
            await uow.commit()
        h.clock.set(START + timedelta(hours=47))
        await settle(h)
        assert await reminders_seen(h, judge) == []
