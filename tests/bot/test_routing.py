"""The chain's own routing (seed 004 §13): a department head's own record goes to the vice-president in
charge and the discipline office at the same time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.bot.harness import Harness, Message, start_harness, text_of
from tests.bot.signoff_flow import labels, submit_record

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        yield harness


async def said(h: Harness, user: int, *parts: str) -> Message:
    return await h.sim.wait_for(user, lambda m: all(p in text_of(m) for p in parts), timeout=10)


async def test_seed004_s13_a_department_heads_own_record_reaches_the_office_at_once(h: Harness) -> None:
    head = await h.enrol("h001", "李庭长")
    vice = await h.enrol("v001", "王副院长")
    office = await h.enrol("k001", "赵主任")
    number = await submit_record(h, head)
    vice_card = await said(h, vice, "【待签批", number, "分管院领导")
    copy = await said(h, office, "同时报送", number)  # before the vice-president has signed
    assert "部门负责人本人" in text_of(copy) and labels(copy) == ["查看证据", "查看全文"]
    assert not any("【待签批" in t for t in await h.bot_texts(office))  # it signs after the vice-president
    await h.sim.press(vice, vice_card["message_id"], text="同意")
    await said(h, office, "【待签批", number, "纪检监察机构")
