"""Severity from the start (seed 001 §7, seed 002 §7, seed 004 §17(1): 情节严重、可能影响案件公正办理的，立即
报告): the recorder or an officer of the chain marks a record 情节严重; every level of the chain and the
discipline office get it at once; the office owes the 一事一报 the same working day, and when that lapses it
is reminded and the president told, once; someone outside the chain cannot mark it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tests.bot.harness import Harness, Message, start_harness, text_of
from tests.bot.scripted_judge import scenarios, walk
from tests.bot.signoff_flow import labels, submit_record
from tests.pdftext import pdf_text

pytestmark = pytest.mark.asyncio
MARK = "标记情节严重"


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path, settings={"reminder_check_seconds": 0.2}) as harness:
        yield harness


def card_of(number: str) -> Callable[[Message], bool]:
    return lambda m: "【待签批" in text_of(m) and number in text_of(m) and MARK in labels(m)


def severe_copy(number: str, head: str = "【情节严重 · 一事一报】") -> Callable[[Message], bool]:
    return lambda m: head in text_of(m) and number in text_of(m)


async def test_seed004_s17_a_severe_record_reaches_every_level_and_the_office_at_once(
    h: Harness, tmp_path: Path
) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    vice = await h.enrol("v001", "王副院长")
    office = await h.enrol("k001", "赵主任")
    number = await submit_record(h, judge)
    card: Message = await h.sim.wait_for(head, card_of(number), timeout=10)
    await h.sim.press(head, card["message_id"], text=MARK)

    # the vice-president and the office have it now, before the head has signed; the recorder is told
    for person in (vice, office, judge):
        got = await h.sim.wait_for(person, severe_copy(number), timeout=10)
        assert "李庭长 标记" in text_of(got) and "一事一报" in text_of(got)
    assert not [m for m in await h.sim.chat(head) if severe_copy(number)(m)]
    again = await h.answer_to_press(head, card["message_id"], text=MARK)
    assert "已标记为情节严重" in again  # once; nothing sent twice
    assert len([m for m in await h.sim.chat(office) if severe_copy(number)(m)]) == 1

    # the office's 一事一报 lapses at the end of the working day: reminded, the president told, once
    president = await h.enrol("p001", "周院长")
    h.clock.set(h.clock.now() + timedelta(days=2))
    overdue = severe_copy(number, "【一事一报逾期】")
    await h.sim.wait_for(office, overdue, timeout=10)
    await h.sim.wait_for(president, overdue, timeout=10)
    await h.jobs_ran("signoff_outbox", times=3)
    assert len([m for m in await h.sim.chat(office) if overdue(m)]) == 1

    await h.sim.send_text(judge, f"/form {number}")
    form = await h.sim.wait_for(judge, lambda m: bool(m.get("document")), timeout=20)
    text = await asyncio.to_thread(pdf_text, await h.sim.download(form["document"]["file_id"]), tmp_path)
    assert "情节严重" in text and "李庭长于" in text and "一事一报期限" in text
    async with h.runtime.db.uow(read_only=True) as uow:
        actions = [e.action for e in await uow.ledger.entries() if e.object_id == number]
    assert actions.count("record.severe") == 1


async def test_the_recorder_marks_it_from_the_status_message(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    number = await submit_record(h, judge)
    status = await h.sim.wait_for(judge, lambda m: MARK in labels(m) and number in text_of(m), timeout=10)
    await h.sim.press(judge, status["message_id"], text=MARK)
    got = await h.sim.wait_for(head, severe_copy(number), timeout=10)
    assert "张法官 标记" in text_of(got)


async def test_someone_outside_the_chain_cannot_mark_it(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    colleague = await h.enrol("j002", "钱法官")
    number = await submit_record(h, judge)
    card: Message = await h.sim.wait_for(head, card_of(number), timeout=10)
    button = next(b for row in card["reply_markup"]["inline_keyboard"] for b in row if b["text"] == MARK)
    said = await h.answer_to_press(colleague, card["message_id"], data=button["callback_data"], forge=True)
    assert "无效" in said  # another person's button: refused, nothing changes
    async with h.runtime.db.uow(read_only=True) as uow:
        actions = [e.action for e in await uow.ledger.entries() if e.object_id == number]
    assert "record.severe" not in actions


async def test_severity_ticked_before_submission_reaches_the_chain_and_the_office_with_the_record(
    h: Harness,
) -> None:
    """The recorder ticks 情节严重 on the questions' card of toggles (seed 004 §17(1): 立即报告): the record
    is marked as it is submitted, so every level and the office have it at once, without a second step."""
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    vice = await h.enrol("v001", "王副院长")
    office = await h.enrol("k001", "赵主任")
    plan = next(s for s in scenarios(h.clock.now()) if s.key == "wechat_forward")
    done = await walk(h, judge, replace(plan, ticked=plan.ticked | {"情节严重，须立即报告"}))
    assert "情节严重：是" in done.review
    for person in (head, vice, office):
        got = await h.sim.wait_for(person, severe_copy(done.number), timeout=10)
        assert "张法官 标记" in text_of(got)
    async with h.runtime.db.uow(read_only=True) as uow:
        actions = [e.action for e in await uow.ledger.entries() if e.object_id == done.number]
    assert actions.count("record.severe") == 1 and actions.index("record.submit") < actions.index(
        "record.severe"
    )
