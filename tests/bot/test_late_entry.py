"""A late entry (事后补记) needs the department head's agreement, given by a button, and the form shows who
agreed and when (seed 004 §7: 情况特殊的，经部门主要负责人同意，可以事后补记，但要注明理由)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.bot.harness import START, Harness, start_harness, text_of
from tests.bot.signoff_flow import labels, submit_record
from tests.pdftext import pdf_text

pytestmark = pytest.mark.asyncio
REASON = "出差在外，返院后补记"


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        yield harness


async def form_text(h: Harness, user: int, number: str, folder: Path) -> str:
    await h.sim.send_text(user, f"/form {number}")
    message = await h.sim.wait_for(user, lambda m: bool(m.get("document")), timeout=20)
    data = await h.sim.download(message["document"]["file_id"])
    return await asyncio.to_thread(pdf_text, data, folder)


async def test_seed004_s7_the_department_head_agrees_to_a_late_entry_by_button(
    h: Harness, tmp_path: Path
) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    vice = await h.enrol("v001", "王副院长")
    ten_days_ago = (START - timedelta(days=10)).isoformat()
    number = await submit_record(h, judge, intervention_time=ten_days_ago, late_reason=REASON)

    card = await h.sim.wait_for(head, lambda m: "【待签批" in text_of(m) and number in text_of(m), timeout=10)
    assert "事后补记" in text_of(card) and REASON in text_of(card)
    assert "同意补记" in labels(card) and "同意" not in labels(card)
    assert "检察机关规定" not in text_of(card)  # a court's users never see a procuratorate article
    # before the head agrees, the form says whose agreement it waits for
    assert f"{REASON}（待部门负责人同意补记）" in await form_text(h, judge, number, tmp_path)

    await h.sim.press(head, card["message_id"], text="同意补记")
    vice_card = await h.sim.wait_for(
        vice, lambda m: "【待签批" in text_of(m) and number in text_of(m), timeout=10
    )
    # only the department head agrees to the late entry; the next level signs as usual
    assert "事后补记" not in text_of(vice_card) and "同意" in labels(vice_card)
    text = await form_text(h, head, number, tmp_path)
    assert f"{REASON}（经部门负责人" in text and "同意补记）" in text
    assert "李庭长" in text.split(REASON)[1].split("同意补记")[0]


async def test_a_timely_record_has_no_late_entry_to_agree_to(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    number = await submit_record(h, judge)
    card = await h.sim.wait_for(head, lambda m: "【待签批" in text_of(m) and number in text_of(m), timeout=10)
    assert "补记" not in text_of(card) and labels(card)[0] == "同意"
