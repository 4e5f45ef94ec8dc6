"""Per-case zero reports on WeCom (逐案零报告, seed 004 §16): the presiding judge states that nobody
interfered in the case, the department head confirms it, and the confirmed report goes back as a PDF for the
case file with its case-file task — all on WeCom, through the outbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wecom.walk import labels, press_label
from tests.wecom.world import World, wecom_world


@pytest.fixture
async def world(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    async with wecom_world(db_url, tmp_path) as w:
        yield w


async def test_seed004_s16_a_case_zero_report_confirmed_on_wecom(world: World) -> None:
    judge = await world.confirmed("j001")
    head = await world.confirmed("h001")
    head._begin()
    await judge.send_text("/casezero")
    await judge.wait_for("请发送您承办案件的案号")
    await judge.send_text("不是案号")
    await judge.wait_for("没有认出案号")  # asked again, nothing lost
    await judge.send_text("(2026) 豫0825 民初 123")  # forgiving input, normalised
    draft = await judge.wait_for(lambda m: m.card is not None and "（2026）豫0825民初123号" in m.text)
    await press_label(judge, draft, labels(draft)[0])
    await judge.wait_for("已提交，待部门负责人 李庭长 确认")
    card = await head.wait_for(lambda m: m.card is not None and "【逐案零报告待确认】" in m.text)
    judge._begin()
    await press_label(head, card, labels(card)[0])  # 确认
    await head.wait_for("已确认逐案零报告")
    await judge.wait_for("已由李庭长确认")
    pdf = await judge.wait_for(lambda m: m.msgtype == "file")
    data = world.sandbox.media_bytes(pdf.payload["media_id"])
    assert data is not None and data.startswith(b"%PDF")
    await judge.wait_for(
        lambda m: m.card is not None and "已入卷，登记卷号" in labels(m)
    )  # into the case file


async def test_seed003_the_counsel_named_with_a_case_on_wecom_is_checked_against_the_registers(
    world: World,
) -> None:
    """The case's counsel named after the case number (seed 003 item 15: 任职回避): the judge on WeCom is
    reminded of the recusal rule and the department head is told, each on their door."""
    from liuhen.app.usecases.registers import Which, import_register

    relatives = "staff_id,name,relation,law_firm,since\nj001,王明,配偶,某某律师事务所,2019-05-01\n"
    await import_register(
        world.runtime.db.uow(),
        court_id=world.runtime.court_id,
        which=Which.RELATIVES,
        text=relatives,
        actor="t",
    )
    judge = await world.confirmed("j001")
    head = await world.confirmed("h001")
    head._begin()
    await judge.send_text("/casezero （2026）豫0825民初123号 被告代理人：某某律师事务所 李律师")
    draft = await judge.wait_for(lambda m: m.card is not None and "本案代理律师" in m.text)
    judge._begin()
    await press_label(judge, draft, labels(draft)[0])
    reminded = await judge.wait_for("【回避提醒】")
    assert "王明（某某律师事务所）" in reminded.text
    told = await head.wait_for("【可能需要回避】")
    assert "张法官的配偶" in told.text
