"""[直接报告纪检] on a receipt after the record was submitted (seed 004 §13: any recorder may report directly
to the discipline office): it really moves the record there — or it is refused with a clear answer — and the
registration form tells the truth either way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from liuhen.app.usecases.records import list_records
from liuhen.texts import common as texts
from tests.bot.harness import Harness, Message, start_harness, text_of
from tests.bot.signoff_flow import labels, submit_record

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        yield harness


async def said(h: Harness, user: int, *parts: str) -> Message:
    return await h.sim.wait_for(user, lambda m: all(p in text_of(m) for p in parts), timeout=10)


async def receipt_of(h: Harness, judge: int) -> Message:
    return next(m for m in await h.sim.chat(judge) if "已留存证据" in text_of(m))


async def status(h: Harness) -> str:
    [row] = await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)
    return str(row["status"])


async def test_seed004_s13_the_receipts_direct_button_really_reroutes_a_submitted_record(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    office = await h.enrol("k001", "赵主任")
    number = await submit_record(h, judge)
    head_card = await said(h, head, "【待签批", number)
    assert await status(h) == "awaiting_department_head"

    receipt = await receipt_of(h, judge)
    answer = await h.answer_to_press(judge, receipt["message_id"], text=texts.BUTTON_DIRECT)
    assert "已直接报告纪检监察机构" in answer
    await said(h, judge, number, "已直接报告纪检监察机构", "不再签批")
    await said(h, office, "【待签批", number, "纪检监察机构")  # the office has it at once
    await said(h, head, "记录人已直接报告纪检监察机构")  # the head's card is closed, with the reason
    closed = next(m for m in await h.sim.chat(head) if m["message_id"] == head_card["message_id"])
    assert not labels(closed)
    assert await status(h) == "awaiting_discipline"


async def test_seed004_s13_a_direct_report_where_it_cannot_go_is_refused_and_changes_nothing(
    h: Harness,
) -> None:
    judge = await h.enrol("j001", "张法官")
    await h.enrol("h001", "李庭长")
    await h.enrol("v001", "王副院长")
    await submit_record(h, judge)
    receipt = await receipt_of(h, judge)
    first = await h.answer_to_press(judge, receipt["message_id"], text=texts.BUTTON_DIRECT)
    assert "已直接报告纪检监察机构" in first
    # Pressed again: the record is with the discipline office already — said so, nothing moves.
    again = await h.answer_to_press(judge, receipt["message_id"], text=texts.BUTTON_DIRECT)
    assert "已在纪检监察机构" in again
    assert await status(h) == "awaiting_discipline"
