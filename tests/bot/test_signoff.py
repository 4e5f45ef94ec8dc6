"""The sign-off chain through real button presses (seed 004 §13, §14, §17, §18; seed 002 §6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from liuhen.app.usecases import signoff
from liuhen.storage import tables as t
from liuhen.texts.signoff import skip_text
from tests.bot.harness import Harness, Message, start_harness, text_of
from tests.bot.signoff_flow import labels, submit_record

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path, settings={"reminder_check_seconds": 0.5}) as harness:
        yield harness


async def card_for(h: Harness, user: int, number: str, level: str = "") -> Message:
    def is_card(m: Message) -> bool:
        return "【待签批" in text_of(m) and number in text_of(m) and level in text_of(m) and bool(labels(m))

    return await h.sim.wait_for(user, is_card, timeout=10)


async def said(h: Harness, user: int, *parts: str) -> Message:
    return await h.sim.wait_for(user, lambda m: all(p in text_of(m) for p in parts), timeout=10)


async def press(h: Harness, user: int, m: Message, label: str) -> None:
    assert label in labels(m), (label, labels(m), text_of(m))
    await h.sim.press(user, m["message_id"], text=label)


def first_button(m: Message) -> str:
    return str(m["reply_markup"]["inline_keyboard"][0][0]["callback_data"])


async def record_row(h: Harness, number: str) -> Any:
    async with h.runtime.db.uow(read_only=True) as uow:
        record = await uow.records.by_number(h.runtime.court_id, number)
        assert record is not None
        return record


async def decisions(h: Harness, record_id: int) -> list[Any]:
    async with h.runtime.db.uow(read_only=True) as uow:
        rows = await uow.session.execute(  # type: ignore[attr-defined]
            select(t.decisions).where(t.decisions.c.record_id == record_id).order_by(t.decisions.c.seq)
        )
        return list(rows)


async def test_seed004_s13_three_officers_press_to_filed(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    vice = await h.enrol("v001", "王副院长")
    office = await h.enrol("k001", "赵主任")
    stats = await h.enrol("m001", "吴统计")
    number = await submit_record(h, judge)

    # The department head's card: number, type, intervener, case, method, gist, deadline, evidence count.
    c1 = await card_for(h, head, number, "部门负责人")
    text = text_of(c1)
    for part in (
        "外部人员过问",
        "李书记",
        "（2026）豫0825民初1187号",
        "微信",
        "请关照一下",
        "证据：1 件",
        "签批期限",
    ):
        assert part in text, (part, text)
    assert labels(c1) == ["同意", "退回补正", "填写意见", "查看证据", "查看全文", "标记情节严重"]
    await said(h, judge, number, "已送部门负责人 李庭长签批")
    # Trial management and the discipline office get the registration form itself within three days of
    # recording, with the deadline shown (seed 002 §6, §8); the PDF is produced for each of them.
    for reader in (stats, office):
        copy = await said(h, reader, number, "登记表副本", "本年度第 1 件", "送达期限")
        pdf = await h.sim.download(copy["document"]["file_id"])
        assert pdf.startswith(b"%PDF") and copy["document"]["file_name"].endswith(".pdf")
    async with h.runtime.db.uow(read_only=True) as uow:
        reads = {
            (e.actor, e.payload.get("what")) for e in await uow.ledger.entries() if e.action == "record.read"
        }
    assert {("staff:m001", "form"), ("staff:k001", "form")} <= reads  # each delivery is a logged read

    # 查看证据 sends the original (a text item as text); each view is in the ledger.
    await press(h, head, c1, "查看证据")
    await said(h, head, "证据 #1", "李书记微信：请关照借贷案")

    await press(h, head, c1, "同意")
    await said(h, judge, number, "李庭长 已同意")
    assert (await record_row(h, number)).status == "awaiting_vice_president"
    # The decided card is closed: buttons gone, "who decided what".
    await said(h, head, "已处理：李庭长 同意")
    closed = next(m for m in await h.sim.chat(head) if m["message_id"] == c1["message_id"])
    assert not labels(closed)

    # The vice-president writes an opinion first, then decides.
    c2 = await card_for(h, vice, number, "分管院领导")
    await press(h, vice, c2, "填写意见")
    await said(h, vice, "请输入您对记录")
    await h.sim.send_text(vice, "同意，按规定报纪检监察室。")
    choice = await said(h, vice, "您对记录", "请选择")
    await press(h, vice, choice, "以此意见同意")
    await said(h, judge, number, "王副院长 已同意", "按规定报纪检监察室")

    # The discipline office chooses a disposition (seed 004 §17).
    c3 = await card_for(h, office, number, "纪检监察机构")
    await press(h, office, c3, "同意")
    picker = await h.sim.wait_for(office, lambda m: "纳入季度汇总" in labels(m), timeout=10)
    await press(h, office, picker, "纳入季度汇总")
    await said(h, judge, number, "已办结", "纳入季度汇总")

    record = await record_row(h, number)
    assert record.status == "filed" and record.disposition == "quarterly" and record.filed_at is not None
    rows = await decisions(h, record.id)
    assert [(r.kind, r.level) for r in rows] == [
        ("submit", None),
        ("approve", "department_head"),
        ("approve", "vice_president"),
        ("dispose", "discipline"),
    ]
    assert rows[2].text == "同意，按规定报纪检监察室。"

    # A card already decided changes nothing and says so.
    await h.sim.press(head, c1["message_id"], data=first_button(c1), forge=True)
    assert (await record_row(h, number)).status == "filed"

    async with h.runtime.db.uow(read_only=True) as uow:
        actions = [e.action for e in await uow.ledger.entries()]  # type: ignore[attr-defined]
    assert actions.count("evidence.view") == 1 and "signoff.dispose" in actions and "record.read" in actions


async def test_seed004_s13_a_foreign_or_forged_press_moves_nothing(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    other = await h.enrol("j002", "钱法官")
    number = await submit_record(h, judge)
    c1 = await card_for(h, head, number)
    token = c1["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    # The card forwarded to a colleague, pressed there: the token is bound to 李庭长.
    await h.sim.send_text(other, "/pending")
    await said(h, other, "没有待您签批")
    await h.sim.press(other, c1["message_id"], data=token, forge=True)
    await h.sim.press(other, c1["message_id"], data="s:AAAAAAAAAAAA", forge=True)
    await h.sim.press(head, c1["message_id"], data="s:" + "x" * 60, forge=True)
    # Still waiting at the department head: nobody moved it.
    record = await record_row(h, number)
    assert record.status == "awaiting_department_head"
    assert [r.kind for r in await decisions(h, record.id)] == ["submit"]


async def test_seed004_s13_return_for_correction_and_resubmission(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    number = await submit_record(h, judge)
    c1 = await card_for(h, head, number)
    await press(h, head, c1, "退回补正")
    await said(h, head, "退回补正记录", "理由")
    await h.sim.send_text(head, "案号写错了，请核对。")
    news = await said(h, judge, number, "退回补正", "案号写错了")
    assert labels(news) == ["去补正", "直接报告纪检", "标记情节严重"]
    assert (await record_row(h, number)).status == "returned"
    await press(h, judge, news, "去补正")
    review = await h.sim.wait_for(
        judge,
        lambda m: "请核对记录" in text_of(m) and "提交" in labels(m) and m["message_id"] > news["message_id"],
    )
    await press(h, judge, review, "提交")
    # Round 2: a fresh card; the old one is stale.
    c2 = await h.sim.wait_for(
        head, lambda m: "【待签批" in text_of(m) and m["message_id"] > c1["message_id"] and bool(labels(m))
    )
    await h.sim.press(head, c1["message_id"], data=first_button(c1), forge=True)
    assert (await record_row(h, number)).status == "awaiting_department_head"
    await press(h, head, c2, "同意")
    await said(h, judge, number, "李庭长 已同意")
    record = await record_row(h, number)
    assert record.status == "awaiting_vice_president"
    kinds = [(r.kind, r.round) for r in await decisions(h, record.id)]
    assert kinds == [("submit", 1), ("return", 1), ("resubmit", 2), ("approve", 2)]


async def test_seed004_s13_direct_report_skips_the_waiting_level(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    office = await h.enrol("k001", "赵主任")
    number = await submit_record(h, judge)
    c1 = await card_for(h, head, number)
    news = await said(h, judge, number, "已送部门负责人")
    await press(h, judge, news, "直接报告纪检")
    await card_for(h, office, number, "纪检监察机构")
    record = await record_row(h, number)
    assert record.status == "awaiting_discipline" and record.direct_to_discipline
    assert record.chain is not None and record.chain.route is not None
    skips = record.chain.route.skips
    assert any("直接向纪检监察机构报告" in skip_text(s) for s in skips)
    await h.sim.press(head, c1["message_id"], data=first_button(c1), forge=True)  # the stale card
    assert (await record_row(h, number)).status == "awaiting_discipline"


async def test_seed004_s13_lapse_escalates_to_the_next_level_and_discipline(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    vice = await h.enrol("v001", "王副院长")
    office = await h.enrol("k001", "赵主任")
    number = await submit_record(h, judge)
    await card_for(h, head, number)
    deadline = (await record_row(h, number)).level_deadline
    h.clock.set(deadline - timedelta(hours=12))  # the day before: a reminder
    await said(h, head, "提醒", number, "明天到期")
    h.clock.set(deadline + timedelta(hours=1))  # lapsed: escalation, once
    await said(h, vice, "逾期", number, "部门负责人")
    await said(h, office, "逾期", number)
    async with h.runtime.db.uow(read_only=True) as uow:
        lapses = list(await uow.session.execute(select(t.signoff_lapses)))  # type: ignore[attr-defined]
    assert len(lapses) == 1 and lapses[0].level == "department_head"
    listing = await h.say(office, "/pending")
    assert number in text_of(listing) and "已逾期" in text_of(listing)
    assert (await record_row(h, number)).status == "awaiting_department_head"  # no level skipped by a lapse


async def test_seed004_s13_deputy_signs_in_own_name_for_the_officer(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    deputy = await h.enrol("h002", "孙庭长")
    number = await submit_record(h, judge)
    await card_for(h, head, number)
    rt = h.runtime
    await signoff.delegate(
        rt.db.uow(),
        court_id=rt.court_id,
        officer_id="h001",
        deputy_id="h002",
        until=date(2026, 11, 30),
        actor="cli",
        clock=h.clock,
        tz=rt.settings.tz,
    )
    h.clock.set(h.clock.now() + timedelta(seconds=5))  # the CLI is another process: the outbox job sends
    told = await said(h, head, "孙庭长", "代为签批")
    assert "2026-11-30" in text_of(told)
    c = await h.sim.wait_for(deputy, lambda m: "代 李庭长" in text_of(m) and bool(labels(m)), timeout=15)
    await press(h, deputy, c, "同意")
    await said(h, judge, number, "孙庭长（代 李庭长） 已同意")
    record = await record_row(h, number)
    last = (await decisions(h, record.id))[-1]
    assert last.kind == "approve" and last.on_behalf_of is not None and last.signer_id != last.on_behalf_of


async def test_seed004_s18_a_defer_suggestion_needs_an_answer_and_an_override_is_told(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    office = await h.enrol("k001", "赵主任")
    chief = await h.enrol("p001", "周院长")
    await h.enrol("h001", "李庭长")
    # An oral intervention (a phone call) with the recorder's suggestion to defer (seed 004 §18).
    number = await submit_record(
        h, judge, method="phone", place="电话", persons_present="无", defer_suggestion="yes"
    )
    news = await said(h, judge, number, "已送部门负责人")
    await press(h, judge, news, "直接报告纪检")
    card = await card_for(h, office, number, "纪检监察机构")
    assert "建议暂缓" in text_of(card)
    await press(h, office, card, "同意")
    choice = await h.sim.wait_for(office, lambda m: "不采纳（经院长批准）" in labels(m), timeout=10)
    assert "纳入季度汇总" not in labels(choice)  # no disposition before the suggestion is answered
    await press(h, office, choice, "不采纳（经院长批准）")
    picker = await h.sim.wait_for(office, lambda m: "本院纪检监察机构调查处理" in labels(m), timeout=10)
    await press(h, office, picker, "本院纪检监察机构调查处理")
    # the override needs the chief's approval; the recorder is told once it is given (seed 004 §18)
    asked = await h.sim.wait_for(
        chief, lambda m: "【请批准" in text_of(m) and number in text_of(m), timeout=10
    )
    await press(h, chief, asked, "批准")
    await said(h, judge, number, "未采纳您暂缓调查")
    record = await record_row(h, number)
    assert record.status == "filed" and record.disposition == "investigate"
    last = (await decisions(h, record.id))[-1]
    assert last.defer_answer == "override"
