"""A month of monthly reports through the real bot (seed 003 §13 月报告/零报告, §20): the prompt on
the first working day of December, one tap answers, reminders to exactly those who have not answered, a
person who blocked the bot and one who never enrolled listed as unreachable, the compliance notice to the
discipline office after the deadline, `/monthly` by need-to-know."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from liuhen.app.usecases import monthly
from liuhen.bot.broadcast import Broadcaster
from liuhen.domain.monthly import Kind, Month, Policy, Status
from liuhen.domain.records import Record
from liuhen.storage import tables as t
from liuhen.texts import labels
from tests.bot.harness import Harness, start_harness, text_of
from tests.waiting import until

ROSTER = """staff_id,name,department,position,role,phone,oversees
k001,赵主任,纪检监察室,主任,discipline,13900000004,
h001,李庭长,民事审判第一庭,庭长,dept_head,13900000002,
j001,张法官,民事审判第一庭,审判员,staff,13900000001,
j002,钱法官,民事审判第一庭,审判员,staff,13900000007,
n001,新同事,民事审判第一庭,法官助理,staff,13900000010,
x001,孙书记员,民事审判第一庭,书记员,staff,13900000011,
"""
FAST = {"monthly_check_seconds": 0.2, "reminder_check_seconds": 3600}
QUESTION = "11月是否遇到需要记录的过问、干预或接触交往？"


def beijing(day: int, hour: int = 9, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour - 8, minute, 30, tzinfo=UTC)


def buttons(m: dict[str, Any]) -> list[str]:
    return [b["text"] for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def prompts_to(h: Harness, user: int, marker: str) -> list[dict[str, Any]]:
    return [m for m in await h.sim.bot_messages(user) if marker in text_of(m)]


async def settle(h: Harness) -> None:
    """A whole run of the monthly job, and the broadcast it started, if any, has ended: whatever is due
    now has been sent."""
    await h.jobs_ran("monthly")
    broadcaster = Broadcaster.of(h.app, h.runtime)
    await until(lambda: not broadcaster.busy, what="the monthly broadcast to end")


async def add_record(h: Harness, staff_id: str, number: str, happened: str) -> None:
    rt = h.runtime
    async with rt.db.uow() as uow:
        staff = await uow.staff.by_staff_id(rt.court_id, staff_id)
        assert staff is not None and staff.id is not None
        when = datetime.fromisoformat(happened)
        await uow.records.add(
            Record(
                court_id=rt.court_id,
                number=number,
                recorder_id=staff.id,
                status="submitted",
                created_at=when,
                updated_at=when,
                last_evidence_at=when,
                evidence_count=1,
                answers={"intervention_time": happened, "record_type": "external"},
                submitted_at=when,
            )
        )
        await uow.commit()


async def rows(h: Harness, staff_id: str) -> dict[str, str]:
    """kind → state of the person's broadcast rows for November."""
    async with h.runtime.db.uow(read_only=True) as uow:
        staff = await uow.staff.by_staff_id(h.runtime.court_id, staff_id)
        assert staff is not None
        c = t.monthly_prompts.c
        result = await uow.session.execute(
            select(c.kind, c.state).where(c.staff_pk == staff.id, c.month == "2026-11")
        )
        return {r.kind: r.state for r in result}


async def test_a_month_of_reports_reminders_and_the_notice(db_url: str, tmp_path: Path) -> None:
    async with start_harness(db_url, tmp_path, roster=ROSTER, settings=FAST) as h:
        office = await h.enrol("k001", "赵主任")
        head = await h.enrol("h001", "李庭长")
        zhang = await h.enrol("j001", "张法官")
        qian = await h.enrol("j002", "钱法官")
        blocked = await h.enrol("n001", "新同事")
        await h.sim.block(blocked)
        await add_record(h, "j002", "LH-2026-0001", "2026-11-20T02:00:00+00:00")

        h.clock.set(beijing(30, 23, 50, month=11))  # Monday night: November is not over yet
        await settle(h)
        assert await prompts_to(h, zhang, QUESTION) == []

        h.clock.set(beijing(1))  # Tuesday 1 December 09:00: the first working day
        asked = {}
        for user in (office, head, zhang, qian):
            asked[user] = await h.sim.wait_for(user, QUESTION, timeout=10)
        assert buttons(asked[zhang]) == ["没有，零报告", "有，去记录"]
        assert "12月7日（周一）前答复" in text_of(asked[zhang])
        # the person with a record of November sees it and confirms it with one tap
        assert "LH-2026-0001" in text_of(asked[qian]) and buttons(asked[qian]) == [
            "确认，共1件",
            "还有，去记录",
        ]

        await h.sim.press(zhang, asked[zhang]["message_id"], text="没有，零报告")
        reply = await h.sim.wait_for(zhang, "零报告。感谢", timeout=10)
        assert "11月" in text_of(reply)
        [stamped] = [m for m in await h.sim.chat(zhang) if m["message_id"] == asked[zhang]["message_id"]]
        assert "✅ 已答复：零报告" in text_of(stamped) and buttons(stamped) == []
        await h.sim.press(office, asked[office]["message_id"], text="没有，零报告")
        await h.sim.wait_for(office, "零报告。感谢", timeout=10)
        await h.sim.press(qian, asked[qian]["message_id"], text="确认，共1件")
        await h.sim.wait_for(qian, "共1件记录", timeout=10)
        # a second tap changes nothing: the first answer stands
        other_button = asked[zhang]["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
        await h.sim.press(zhang, asked[zhang]["message_id"], forge=True, data=other_button)
        await h.sim.wait_for(zhang, "以首次答复为准", timeout=10)

        await settle(h)  # the broadcast has gone through every row
        assert (await rows(h, "n001")) == {"prompt": "blocked"}  # 403: unreachable, not retried
        assert (await rows(h, "x001")) == {"prompt": "unreachable"}  # never enrolled

        # /monthly: the department head sees his department, a judge nothing, the office everything
        status = await h.say(head, "/monthly")
        assert "民事审判第一庭" in text_of(status) and "纪检监察室" not in text_of(status)
        assert "未报告：李庭长" in text_of(status) and "零报告：张法官" in text_of(status)
        denied = await h.say(zhang, "/monthly")
        assert "仅部门负责人" in text_of(denied)

        h.clock.set(beijing(4))  # Friday: three working days later
        first = await h.sim.wait_for(head, "【月报告提醒】您11月的月报告尚未答复", timeout=10)
        assert buttons(first) == ["没有，零报告", "有，去记录"]
        h.clock.set(beijing(6))  # Sunday: the day before the deadline
        await h.sim.wait_for(head, "明天（12月7日（周一））截止", timeout=10)
        await settle(h)
        for user in (office, zhang, qian):
            assert await prompts_to(h, user, "【月报告提醒】") == []  # answered: never reminded
        assert len(await prompts_to(h, head, "【月报告提醒】")) == 2
        assert (await rows(h, "n001")) == {"prompt": "blocked"}

        h.clock.set(beijing(8))  # after the deadline: the notice to the discipline office
        notice = await h.sim.wait_for(office, "【月报告执行情况通报】", timeout=10)
        text = text_of(notice)
        assert "应报 6 人：有记录 1，零报告 2，未报告 1，无法送达 2" in text
        assert "■ 民事审判第一庭：应报 5 人；有记录 1，零报告 1，未报告 1，无法送达 2" in text
        assert "■ 纪检监察室：应报 1 人；有记录 0，零报告 1" in text
        assert "有记录：钱法官（1件）" in text and "零报告：张法官" in text and "未报告：李庭长" in text
        assert "新同事（已屏蔽机器人）" in text and "孙书记员（未登记机器人）" in text
        await settle(h)
        for user in (head, zhang, qian):
            assert await prompts_to(h, user, "执行情况通报") == []  # only the discipline office
        everything = await h.say(office, "/monthly 2026-11")
        assert "（已截止）" in text_of(everything) and "纪检监察室" in text_of(everything)

    # a restart rebuilds the schedule from the database: nothing is sent twice
    async with start_harness(db_url, tmp_path, roster=ROSTER, settings=FAST) as h2:
        for user in (office, head, zhang, qian):
            await h2.sim.create_user(id=user, first_name="同一部手机")
        h2.clock.set(beijing(8, 10))
        await settle(h2)
        for user in (office, head, zhang, qian):
            assert await h2.sim.bot_messages(user) == []


async def test_throttled_and_failed_sends(db_url: str, tmp_path: Path) -> None:
    """429 RetryAfter: sent again after the pause, to everyone once. A 502 after the request left the bot:
    the outcome is unknown, so it is not repeated (at most once) — the person is listed as 未确认送达 and
    is reached by the reminder, which goes to everyone who has not answered."""
    people = 12
    roster = "staff_id,name,department,position,role,phone,oversees\n" + "".join(
        f"s{i:02d},干警{i:02d},民事审判第一庭,审判员,staff,,\n" for i in range(people)
    )
    async with start_harness(
        db_url, tmp_path, roster=roster, settings={**FAST, "monthly_send_rate": 30}
    ) as h:
        rt = h.runtime
        async with rt.db.uow() as uow:
            users = []
            for person in await uow.staff.list(rt.court_id):
                person.telegram_user_id = person.telegram_chat_id = 80000 + (person.id or 0)
                users.append(80000 + (person.id or 0))
            await uow.commit()
        for user in users:
            await h.sim.create_user(id=user, first_name="干警")
        await h.sim.set_limits(global_per_second=5)
        await h.sim.set_faults(sendMessage=1)
        await monthly.plan(
            rt.db.uow(),
            court_id=rt.court_id,
            month=Month(2026, 11),
            kind=Kind.PROMPT,
            now=beijing(1),
            tz=rt.settings.tz,
            policy=Policy(),
        )

        async def settled_states() -> Counter[str] | None:
            async with rt.db.uow(read_only=True) as uow:
                states = Counter(p.state for p in await uow.monthly.prompts(rt.court_id, ["2026-11"]))
            return None if states["pending"] or states["sending"] else states

        states = await until(settled_states, timeout=20, what="every prompt to be sent or given up")
        assert states == Counter({"sent": people - 1, "unknown": 1})
        received = Counter([len(await prompts_to(h, user, QUESTION)) for user in users])
        assert received == Counter({1: people - 1, 0: 1})
        assert (await h.sim.stats())["rejected_429"] > 0
        [unconfirmed] = [user for user in users if not await prompts_to(h, user, QUESTION)]

        h.clock.set(beijing(4))  # the reminder reaches everyone who has not answered, this one too
        await h.sim.set_limits(global_per_second=None)
        await h.sim.wait_for(unconfirmed, "【月报告提醒】", timeout=15)
        async with rt.db.uow() as uow:
            admin = await uow.staff.get(1)
            assert admin is not None
            admin.role = "admin"
            await uow.commit()
        status = await monthly.view(
            rt.db.uow(),
            staff=admin,
            month=Month(2026, 11),
            now=h.clock.now(),
            tz=rt.settings.tz,
            policy=Policy(),
        )
        [line] = [p for d in status.departments for p in d.people if p.delivery]
        assert labels.delivery(line.delivery or "") == "未确认送达" and line.status is Status.MISSED


async def test_a_late_answer_after_a_reminder_stops_the_next_one(db_url: str, tmp_path: Path) -> None:
    async with start_harness(db_url, tmp_path, roster=ROSTER, settings=FAST) as h:
        head = await h.enrol("h001", "李庭长")
        h.clock.set(beijing(1))
        await h.sim.wait_for(head, QUESTION, timeout=10)
        h.clock.set(beijing(4))
        reminder = await h.sim.wait_for(head, "【月报告提醒】", timeout=10)
        await h.sim.press(head, reminder["message_id"], text="有，去记录")
        await h.sim.wait_for(head, "开启一条新记录", timeout=10)
        h.clock.set(beijing(6))
        await settle(h)
        assert len(await prompts_to(h, head, "【月报告提醒】")) == 1
        assert (await rows(h, "h001"))["final"] == "skipped"
        # [有，去记录] opened the way to a fresh draft: the next message starts a new record
        receipt = await h.say(head, "刚才有律师约吃饭")
        assert "已留存证据" in text_of(receipt)
