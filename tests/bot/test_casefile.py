"""Into the case file (入卷存查): when a record is filed its case officer is asked to put the form and the
evidence into the case file — the 副卷 for a court's record (seed 002 §4), the 正卷 for an opinion exempt from
the register (seed 001 实施办法 §5, seed 002 §5) — and to say where; an overdue task is reminded once; the
form shows where the material went; an exempt opinion is not counted as a record."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from liuhen.domain.periods import Quarter
from liuhen.reports import quarterly
from liuhen.storage import tables as t
from tests.bot.harness import Harness, Message, start_harness, text_of
from tests.bot.signoff_flow import labels, sign_through, submit_record
from tests.pdftext import pdf_text

pytestmark = pytest.mark.asyncio
FILE_REF = "（2026）豫0825民初1187号 副卷第3册"


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path, settings={"reminder_check_seconds": 1.0}) as harness:
        yield harness


async def filed(h: Harness, disposition: str) -> tuple[int, str]:
    """The judge's record, signed by every level and disposed of as ``disposition``: (judge, number)."""
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    vice = await h.enrol("v001", "王副院长")
    office = await h.enrol("k001", "赵主任")
    number = await submit_record(h, judge)
    await sign_through(h, number, [head, vice], office, disposition)
    return judge, number


def task_for(number: str, head: str = "【待入卷】") -> Callable[[Message], bool]:
    return lambda m: head in text_of(m) and number in text_of(m)


async def test_seed002_s4_a_filed_record_goes_into_the_secondary_volume_and_the_form_says_where(
    h: Harness, tmp_path: Path
) -> None:
    judge, number = await filed(h, "纳入季度汇总")

    task = await h.sim.wait_for(judge, task_for(number), timeout=10)  # 本人 is the case officer
    assert "案件副卷" in text_of(task) and "书面材料一律存入案件副卷" in text_of(task)
    assert labels(task) == ["已入卷，登记卷号"]
    await h.sim.press(judge, task["message_id"], text="已入卷，登记卷号")
    await h.sim.wait_for(
        judge, lambda m: "卷宗号或存放位置" in text_of(m) and "请回复" in text_of(m), timeout=10
    )
    await h.sim.send_text(judge, FILE_REF)
    done = await h.sim.wait_for(judge, lambda m: "已登记" in text_of(m), timeout=10)
    assert FILE_REF in text_of(done) and "案件副卷" in text_of(done)

    none_open = await h.say(judge, "/casefile")
    assert "没有待入卷" in text_of(none_open)
    await h.sim.send_text(judge, f"/form {number}")
    form = await h.sim.wait_for(judge, lambda m: bool(m.get("document")), timeout=20)
    text = await asyncio.to_thread(pdf_text, await h.sim.download(form["document"]["file_id"]), tmp_path)
    assert "已存入案件副卷" in text and "".join(FILE_REF.split()) in text
    async with h.runtime.db.uow(read_only=True) as uow:
        actions = [e.action for e in await uow.ledger.entries() if e.object_id == number]
    assert "casefile.open" in actions and "casefile.done" in actions


async def test_an_overdue_case_file_task_is_reminded_once(h: Harness) -> None:
    judge, number = await filed(h, "纳入季度汇总")
    await h.sim.wait_for(judge, task_for(number), timeout=10)
    h.clock.set(h.clock.now() + timedelta(days=10))  # past three working days
    await h.sim.wait_for(judge, task_for(number, "【入卷提醒 · 已逾期】"), timeout=10)
    await h.jobs_ran("casefile", times=3)
    reminders = [m for m in await h.sim.chat(judge) if task_for(number, "已逾期")(m)]
    assert len(reminders) == 1
    listed = await h.say(judge, "/casefile")  # still listed, with its button
    assert "1 项待入卷" in text_of(listed)


async def test_seed002_s5_an_exempt_opinion_goes_into_the_main_volume_and_is_not_counted(h: Harness) -> None:
    judge, number = await filed(h, "不录入专库，存入案件正卷备查")
    task = await h.sim.wait_for(judge, task_for(number), timeout=10)
    assert "案件正卷" in text_of(task) and "不录入专库" in text_of(task)
    async with h.runtime.db.uow(read_only=True) as uow:
        counted = (
            await uow.session.execute(  # type: ignore[attr-defined]
                select(t.record_facts.c.counted)
                .join(t.records, t.records.c.id == t.record_facts.c.record_id)
                .where(t.records.c.number == number)
            )
        ).scalar()
    assert counted is False  # not counted as a record …
    async with h.runtime.db.uow(read_only=True) as uow:
        reader = await uow.staff.by_staff_id(h.runtime.court_id, "k001")
    assert reader is not None
    data = await quarterly.load(
        h.runtime.db,
        reader=reader,
        quarter=Quarter.of(h.clock.now().astimezone(h.runtime.settings.tz).date()),
        now=h.clock.now(),
        tz=h.runtime.settings.tz,
        court_name=h.runtime.court_name,
    )
    assert data.totals[0] == 0  # … in the quarterly summary
    exempt = next(r for r in data.key_figures if r.label.startswith("不录入专库"))
    assert exempt.counts[0] == 1 and [row["number"] for row in data.exempt_list] == [number]  # listed apart


async def test_a_button_of_someone_elses_task_does_nothing(h: Harness) -> None:
    colleague = await h.enrol("j002", "钱法官")
    judge, number = await filed(h, "纳入季度汇总")
    task = await h.sim.wait_for(judge, task_for(number), timeout=10)
    button = task["reply_markup"]["inline_keyboard"][0][0]
    said = await h.answer_to_press(colleague, task["message_id"], data=button["callback_data"], forge=True)
    assert "不属于您" in said or "无效" in said
