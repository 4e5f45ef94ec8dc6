"""A submitted record never leaves the register: a correction is a new version with a reason, the record
keeps its status, its place in the chain and its quarter, and everyone who has signed it and the discipline
office are told what changed (seed 003 §12, seed 004 §15: 全程留痕、永久存储、有据可查)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from liuhen.app.usecases.records import list_records
from liuhen.storage import tables as t
from tests.bot.harness import Harness, Message, start_harness, text_of
from tests.bot.signoff_flow import labels, submit_record

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        yield harness


async def said(h: Harness, user: int, *parts: str) -> Message:
    return await h.sim.wait_for(user, lambda m: all(p in text_of(m) for p in parts), timeout=10)


def step(m: Message) -> bool:
    """A question of the correction (it offers the earlier answer) or its review card."""
    return (
        "核对" in text_of(m)
        or "是否有以下情形" in text_of(m)  # the card of toggles: ticked as answered before
        or any(b.startswith("保持原答案") for b in labels(m))
    )


async def counted(h: Harness, record_id: int) -> bool | None:
    async with h.runtime.db.uow(read_only=True) as uow:
        rows = await uow.session.execute(  # type: ignore[attr-defined]
            select(t.record_facts.c.counted).where(t.record_facts.c.record_id == record_id)
        )
        return rows.scalar()


async def test_seed004_s15_a_correction_is_a_new_version_and_the_record_stays_in_the_chain(
    h: Harness,
) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    vice = await h.enrol("v001", "王副院长")
    office = await h.enrol("k001", "赵主任")
    number = await submit_record(h, judge)
    card = await said(h, head, "【待签批", number)
    await h.sim.press(head, card["message_id"], text="同意")
    await said(h, judge, number, "李庭长 已同意")
    vice_card = await said(h, vice, "【待签批", number)

    await h.sim.send_text(judge, f"/amend {number}")
    await said(h, judge, f"修改记录 {number} 的原因")
    await h.sim.send_text(judge, "案由写错了")
    review = await said(h, judge, "更正为第 2 版")
    # Every time a person sees is local time in Chinese form (the answers keep UTC ISO 8601).
    assert re.search(r"过问时间：\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", text_of(review))
    assert "+00:00" not in text_of(review)
    assert "更正为第 2 版" in text_of(review) and "提交更正" in labels(review)
    [row] = await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)
    assert row["status"] == "awaiting_vice_president" and row["version"] == 2  # still in the chain

    # While the correction is written, the waiting officer is told to wait, and nothing moves.
    told = await h.answer_to_press(vice, vice_card["message_id"], text="同意")
    assert "正在由记录人修改" in told

    await h.sim.press(judge, review["message_id"], text="修改被过问案件")
    m = await h.sim.wait_for(judge, step)
    while "核对" not in text_of(m):
        if "案由" in text_of(m).split("\n")[0]:
            await h.sim.send_text(judge, "借款合同纠纷")
        else:
            keep = next(b for b in labels(m) if b.startswith("保持原答案"))
            await h.sim.press(judge, m["message_id"], text=keep)
        m = await h.sim.wait_for(judge, step)
    assert "借款合同纠纷" in text_of(m)
    await h.sim.press(judge, m["message_id"], text="提交更正")
    await said(h, judge, "已更正为第 2 版")

    # The one who signed and the discipline office are told each changed field, old → new.
    for person in (head, office):
        notice = await said(h, person, "【更正】", number)
        assert "案由写错了" in text_of(notice)
        assert "案由或案件名称：民间借贷纠纷 → 借款合同纠纷" in text_of(notice)
    [row] = await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)
    assert row["status"] == "awaiting_vice_president" and row["version"] == 2
    assert await counted(h, row["id"]) is True  # never out of the quarter's count
    async with h.runtime.db.uow(read_only=True) as uow:
        [version] = await uow.records.versions(row["id"])
        entries = list(await uow.ledger.entries())
    assert version["version"] == 1 and version["answers"]["case_cause"] == "民间借贷纠纷"
    assert version["status"] == "awaiting_vice_president"
    corrections = [e for e in entries if e.action == "record.correct"]
    [correction] = corrections
    assert ["case_cause", "民间借贷纠纷", "借款合同纠纷"] in correction.payload["changes"]
    assert correction.payload["reason"] == "案由写错了" and correction.payload["version"] == 2

    # The chain goes on where it was: the vice-president signs the corrected record.
    await h.sim.press(vice, vice_card["message_id"], text="同意")
    await said(h, judge, number, "王副院长 已同意")


async def test_seed004_s13_a_correction_naming_the_next_signer_routes_around_them(h: Harness) -> None:
    """The correction says the vice-president in charge is the one who intervened: the level not yet signed is
    skipped (回避) and the discipline office gets the record now; the department head's signature stays, and
    the recorder is told why."""
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    vice = await h.enrol("v001", "王副院长")
    office = await h.enrol("k001", "赵主任")
    number = await submit_record(h, judge)
    card = await said(h, head, "【待签批", number)
    await h.sim.press(head, card["message_id"], text="同意")
    vice_card = await said(h, vice, "【待签批", number)

    await h.sim.send_text(judge, f"/amend {number}")
    await said(h, judge, f"修改记录 {number} 的原因")
    await h.sim.send_text(judge, "过问人写错了，实为王副院长")
    review = await said(h, judge, "更正为第 2 版")
    await h.sim.press(judge, review["message_id"], text="修改过问人")
    m = await h.sim.wait_for(judge, step)
    while "核对" not in text_of(m):
        if "过问人是谁" in text_of(m):
            await h.sim.send_text(judge, "王副院长")
        elif "是否有以下情形" in text_of(m):
            await h.sim.press(judge, m["message_id"], text="完成")
        else:
            keep = next(b for b in labels(m) if b.startswith("保持原答案"))
            await h.sim.press(judge, m["message_id"], text=keep)
        m = await h.sim.wait_for(judge, step)
    await h.sim.press(judge, m["message_id"], text="提交更正")

    told = await said(h, judge, number, "重新确定签批人")
    assert "纪检监察" in text_of(told)
    await said(h, office, "【待签批", number)  # the office has it at once
    refused = await h.answer_to_press(vice, vice_card["message_id"], text="同意")
    assert "不经" in refused  # the vice-president's card no longer signs
    [row] = await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)
    assert row["status"] == "awaiting_discipline" and row["version"] == 2
    async with h.runtime.db.uow(read_only=True) as uow:
        record = await uow.records.get(row["id"])
        actions = [e.action for e in await uow.ledger.entries() if e.object_id == number]
    assert record is not None and record.chain is not None and record.chain.route is not None
    assert [s.reason.value for s in record.chain.route.skips] == ["conflict"]
    assert "signoff.reroute" in actions
    assert [d.kind.value for d in record.chain.decisions] == ["submit", "approve"]  # the head's stays
