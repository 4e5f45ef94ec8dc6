"""Guided questions through the real bot: from a forwarded message to a submitted record,
answering only what the evidence did not tell (seed 004 登记表; seed 001 实施办法 §4–§7; seed 003 §5, §11)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from liuhen.app.usecases import questionnaire
from liuhen.app.usecases.records import list_records
from liuhen.bot import questionnaire as questions
from liuhen.texts import common as texts
from liuhen.texts import witnesses as witness_words
from tests.bot.harness import Harness, start_harness, text_of
from tests.bot.scripted_judge import title as judge_title
from tests.bot.test_intake import ORIGINS, PRESSURE, png


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        yield harness


async def latest_question(h: Harness, user: int, after_seq: int = 0) -> dict[str, Any]:
    def is_question(m: dict[str, Any]) -> bool:
        return bool(m.get("from_bot")) and text_of(m).startswith(("【LH-", "⚠️"))

    return await h.sim.wait_for(user, is_question, timeout=10)


def labels(m: dict[str, Any]) -> list[str]:
    return [b["text"] for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def press(h: Harness, user: int, m: dict[str, Any], label: str) -> dict[str, Any]:
    assert label in labels(m), (label, labels(m), text_of(m))
    before = (text_of(m), labels(m))
    await h.sim.press(user, m["message_id"], text=label)
    return await h.sim.wait_for(
        user, lambda x: x["message_id"] == m["message_id"] and (text_of(x), labels(x)) != before, timeout=10
    )


async def type_answer(h: Harness, user: int, text: str) -> dict[str, Any]:
    sent = await h.sim.send_text(user, text)
    return await h.reply_after(user, sent["message"]["message_id"])


def title(m: dict[str, Any]) -> str:
    return judge_title(m)


async def test_wechat_story_asks_only_what_nothing_else_tells(h: Harness) -> None:
    """Scenario 1: a county party secretary's WeChat message (external, principal leader, seed 001 实施办法
    §6), forwarded with a screenshot. The evidence tells the time, the method and its storage medium (seed 001
    实施办法 §4), the sender, the case number and the content; the case number's type word the stage; the
    roster the handling officer. Each is shown marked on the review card, changed with one tap there."""
    judge = await h.enrol("j001", "张法官")
    first = await h.say(judge, PRESSURE, forward_origin=ORIGINS["user"])
    # the receipt counts a late-entry reason until the time is known; a count is an upper bound that only
    # goes down: the relation and the organ category count until the unit's answer tells them
    assert "还差 8 项" in text_of(first)
    sent = await h.sim.send_file(judge, "photo", png("white"))
    receipt = await h.reply_after(judge, sent["message"]["message_id"])
    # a later item's receipt gives no count: it would have to read the whole draft again
    assert "已加入草稿" in text_of(receipt) and "还差" not in text_of(receipt)
    await h.sim.press(judge, receipt["message_id"], text=texts.BUTTON_FILL)
    m = await h.reply_after(judge, receipt["message_id"])
    assert title(m) == "记录类型" and "（还差 7 项）" in text_of(m)
    assert "不确定（由纪检监察部门认定）" in labels(m)  # seed 003 §5: record anyway
    m = await press(h, judge, m, "外部人员过问")
    # the sender's name came with the forward; one answer gives the unit, the position and the telephone
    assert title(m) == "过问人单位及职务" and "（还差 6 项）" in text_of(m)
    m = await type_answer(h, judge, "某县委书记 13900001111")
    assert "已从您的回答中读出：过问人联系方式 13900001111" in text_of(m)
    # the yes/no facts on one card; 县委书记 is the principal leader of the same-level party committee
    assert title(m) == "是否有以下情形" and "（还差 3 项）" in text_of(m)
    assert "☑ 同级党委或政法委主要领导" in labels(m) and "☐ 过问人已离退休" in labels(m)
    assert "☐ 情节严重，须立即报告" in labels(m)
    m = await press(h, judge, m, "完成")
    assert title(m) == "案由或案件名称" and "（还差 2 项）" in text_of(m)
    m = await type_answer(h, judge, "民间借贷纠纷")
    assert title(m) == "特别报告事项" and "（还差 1 项）" in text_of(m)
    assert sum(1 for b in labels(m) if b.startswith("☐")) == 15  # seed 001 实施办法 §7
    m = await press(h, judge, m, labels(m)[3])
    assert any(b.startswith("☑") for b in labels(m))
    m = await press(h, judge, m, "完成")
    card = text_of(m)
    assert card.startswith("【LH-2026-0001】请核对记录")
    for line in (
        "过问时间：2026年11月23日 09:25〔推断〕",  # the forward's own time
        "过问方式：微信〔推断〕",
        "信息存储介质：本人手机微信〔推断〕",
        "过问人姓名：李 书记〔推断〕",
        "过问人单位及职务：某县委 书记",
        "过问人联系方式：13900001111〔读自回答〕",
        "过问人所在机关类别：党委（党的机关）〔推断〕",
        "案号：（2026）豫0825民初1187号〔推断〕",
        "诉讼阶段：审判〔推断〕",
        "承办人：张法官〔推断〕",
        "记录人答复：告知相关规定并拒绝〔推断〕",
    ):
        assert line in card, (line, card)
    assert "补记理由" not in card  # recorded in time
    # one tap changes what was filled without asking; what depends on it follows
    m = await press(h, judge, m, "改：过问方式")
    assert title(m) == "过问方式" and "保持原答案：微信" in labels(m)
    m = await press(h, judge, m, "短信")
    assert "过问方式：短信\n" in text_of(m) and "信息存储介质：本人手机短信〔推断〕" in text_of(m)
    # a case number is checked however it is given: a bad one is explained and changes nothing
    m = await press(h, judge, m, "改：案号")
    m = await type_answer(h, judge, "2026豫0825民初123")  # no brackets: not a case number
    assert text_of(m).startswith("⚠️") and "案号" in text_of(m)
    m = await press(h, judge, m, "保持原答案：（2026）豫0825民初1187号")
    # optional fields are not asked: they are added from the review card
    assert "＋ 需要特别说明的事项" in labels(m)
    m = await press(h, judge, m, "＋ 需要特别说明的事项")
    assert title(m) == "需要特别说明的事项"
    m = await type_answer(h, judge, "对方称原告是其亲戚")
    assert "需要特别说明的事项：对方称原告是其亲戚" in text_of(m)
    m = await press(h, judge, m, "提交")
    assert "已提交" in text_of(m)
    await h.sim.wait_for(judge, lambda x: "已送部门负责人 李庭长签批" in text_of(x), timeout=10)
    [record] = await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)
    # Submitted into the sign-off chain at once: the department head of 民一庭 signs first.
    assert record["status"] == "awaiting_department_head" and record["type"] == "external"

    # After submission a change is a new version with a reason; the history is kept (docs/domain.md).
    assert "没有找到" in text_of(await h.say(judge, "/amend LH-2026-0099"))
    assert "修改记录 LH-2026-0001 的原因" in text_of(await h.say(judge, "/amend LH-2026-0001"))
    card = await type_answer(h, judge, "案由写错了")
    assert "更正为第 2 版" in text_of(card) and "案由或案件名称：民间借贷纠纷" in text_of(card)
    m = await press(h, judge, card, "修改被过问案件")
    assert title(m) == "案号" and any(b.startswith("保持原答案") for b in labels(m))
    m = await press(h, judge, m, next(b for b in labels(m) if b.startswith("保持原答案")))
    assert title(m) == "案由或案件名称"
    m = await type_answer(h, judge, "借款合同纠纷")
    for _ in range(3):  # keep the stage and the case officer
        if "核对" in text_of(m):
            break
        m = await press(h, judge, m, next(b for b in labels(m) if b.startswith("保持原答案")))
    assert "案由或案件名称：借款合同纠纷" in text_of(m)
    m = await press(h, judge, m, "提交更正")
    assert "已更正为第 2 版" in text_of(m)
    async with h.runtime.db.uow(read_only=True) as uow:
        [version] = await uow.records.versions(record["id"])
        current = await uow.records.get(record["id"])
    assert version["version"] == 1 and version["reason"] == "案由写错了"
    assert version["answers"]["case_cause"] == "民间借贷纠纷"
    assert current is not None and current.version == 2 and current.answers["case_cause"] == "借款合同纠纷"
    assert current.status == "awaiting_department_head"  # never back to a draft: still in the chain


async def test_phone_call_story_asks_place_and_persons_and_late_reason(h: Harness) -> None:
    """Scenario 2 (oral, seed 001 实施办法 §4) recorded after the deadline (seed 004 §7 补记); the colleague
    present confirms by signature, the outsider is kept by name only."""
    judge = await h.enrol("j001", "张法官")
    colleague = await h.enrol("j002", "钱法官")
    receipt = await h.say(judge, "刚才市人大退休的副主任打电话，要求对那家公司账户查封“手下留情”。")
    await h.sim.press(judge, receipt["message_id"], text=texts.BUTTON_FILL)
    m = await h.reply_after(judge, receipt["message_id"])
    seen: list[str] = []
    counts: list[int] = []
    by_button = {"记录类型": "外部人员过问", "过问方式": "电话", "案号": "尚未立案", "发生场所": "本人办公室"}
    typed = {
        "过问时间": (h.clock.now() - timedelta(days=6))
        .astimezone(h.runtime.settings.tz)
        .strftime("%m-%d 10:00"),
        "过问人姓名": "市人大常委会原副主任赵某",
        "在场人员": "钱法官、外单位司机",
        "案由或案件名称": "某公司执行案",
        "主要内容": "要求暂缓查封公司账户",
        "补记理由": "出差刚回",
    }
    for _ in range(40):
        t = title(m)
        if "请核对记录" in text_of(m):
            break
        seen.append(t)
        counts.append(int(text_of(m).split("还差 ")[1].split(" 项")[0]) if "还差" in text_of(m) else 0)
        if t in by_button:
            m = await press(h, judge, m, by_button[t])
        elif t in typed:
            m = await type_answer(h, judge, typed[t])
        elif t == "是否有以下情形":
            assert "☑ 过问人已离退休" in labels(m)  # 原副主任: a retired cadre (seed 001 实施办法 §10)
            m = await press(h, judge, m, "☐ 口头过问未留痕，建议暂缓调查")  # seed 004 §18
            m = await press(h, judge, m, "完成")
        elif t == "特别报告事项":
            m = await press(h, judge, m, "完成")
        else:
            raise AssertionError(f"unexpected question {t!r}: {text_of(m)}")
    assert counts == sorted(counts, reverse=True), counts  # 还差 N 项 only ever counts down
    assert "过问人单位及职务：市人大常委会 原副主任〔读自回答〕" in text_of(m)
    assert "过问人所在机关类别：人大机关〔推断〕" in text_of(m)
    assert "建议暂缓调查：是" in text_of(m) and "是否离退休：是" in text_of(m)
    assert {"发生场所", "在场人员", "是否有以下情形", "补记理由"} <= set(seen)
    assert "信息存储介质" not in seen
    m = await press(h, judge, m, "提交")
    assert "已提交" in text_of(m)
    card = await h.sim.wait_for(colleague, lambda x: x.get("from_bot") and "在场人员确认" in text_of(x))
    assert "张法官" in text_of(card) and "赵某" in text_of(card)
    await h.sim.press(colleague, card["message_id"], text=witness_words.CONFIRM)
    told = await h.sim.wait_for(
        judge, lambda x: x.get("from_bot") and "钱法官" in text_of(x) and "确认属实" in text_of(x)
    )
    assert "LH-2026-0001" in text_of(told)
    dispute = [b["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for b in row][1]
    await h.sim.press(colleague, card["message_id"], data=dispute, forge=True)  # a stale second answer
    await h.say(colleague, "/whoami")
    [record] = await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)
    async with h.runtime.db.uow(read_only=True) as uow:
        stored = await uow.records.get(record["id"])
    assert stored is not None
    assert stored.answers["_witnesses"]["j002"]["status"] == "confirmed"
    assert stored.answers["_witnesses"]["j002"]["at"]
    assert "外单位司机" not in stored.answers["_witnesses"]


async def test_invalid_answers_are_explained_and_not_stored(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    receipt = await h.say(judge, "有人打电话过问")
    await h.sim.press(judge, receipt["message_id"], text=texts.BUTTON_FILL)
    m = await h.reply_after(judge, receipt["message_id"])
    m = await press(h, judge, m, "不确定（由纪检监察部门认定）")
    assert title(m) == "过问时间"
    future = (h.clock.now() + timedelta(days=2)).astimezone(h.runtime.settings.tz).strftime("%Y-%m-%d 10:00")
    m = await type_answer(h, judge, future)
    assert "不能晚于现在" in text_of(m)
    m = await type_answer(h, judge, "上周某天")
    assert "没有看懂这个时间" in text_of(m)
    [record] = await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)
    assert record["type"] == "uncertain"
    async with h.runtime.db.uow(read_only=True) as uow:
        stored = await uow.records.get(record["id"])
        assert stored is not None and "intervention_time" not in stored.answers
    # 稍后: the draft stays; /drafts continues it later
    m = await press(h, judge, m, "稍后")
    assert "草稿已保存" in text_of(m)


async def test_forwarded_message_while_a_question_is_pending_is_evidence(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    receipt = await h.say(judge, PRESSURE, forward_origin=ORIGINS["user"])
    await h.sim.press(judge, receipt["message_id"], text=texts.BUTTON_FILL)
    m = await h.reply_after(judge, receipt["message_id"])
    m = await press(h, judge, m, "外部人员过问")
    assert title(m) == "过问人单位及职务"  # a typed answer is awaited; a forwarded message is never one
    another = await h.say(judge, "补充一条他后来发的", forward_origin=ORIGINS["user"])
    assert "#2" in text_of(another) and "已留存证据" in text_of(another)


async def test_a_button_answered_before_a_crash_shows_the_current_question(h: Harness) -> None:
    """The answer was committed but the bot died before editing the message (simulated: the answer goes
    through the service, not the chat); pressing the old button again moves the message on."""
    judge = await h.enrol("j001", "张法官")
    receipt = await h.say(judge, PRESSURE, forward_origin=ORIGINS["user"])
    await h.sim.press(judge, receipt["message_id"], text=texts.BUTTON_FILL)
    m = await h.reply_after(judge, receipt["message_id"])
    [token] = [
        b["callback_data"].removeprefix(questions.PREFIX)
        for row in m["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == "外部人员过问"
    ]
    async with h.runtime.db.uow(read_only=True) as uow:
        staff = await uow.staff.by_staff_id(h.runtime.court_id, "j001")
    assert staff is not None
    answered = await questionnaire.press(
        h.runtime.db.uow(), staff=staff, token=token, clock=h.clock, settings=questions.settings_of(h.runtime)
    )
    assert answered.view is not None  # committed; the chat still shows the old question
    moved = await press(h, judge, m, "外部人员过问")
    assert (
        title(moved) == "过问人单位及职务"
    )  # not "已处理" and a stale question: the judge goes on from here


@pytest.mark.parametrize(
    ("recorded_local", "late"), [("2026-02-25 09:00", False), ("2026-02-26 09:00", True)]
)
async def test_late_entry_across_the_spring_festival_seed_004_art7(
    db_url: str, tmp_path: Path, recorded_local: str, late: bool
) -> None:
    """Procuratorate profile: record within 3 working days (seed 004 §7). Pressure on Fri 2026-02-13;
    the official calendar makes Sat 02-14 a workday and 02-15…02-23 the Spring Festival holiday, so the
    deadline is the end of Wed 02-25 (a plain Mon–Fri count would have ended on 02-18)."""
    from datetime import datetime as dt

    from liuhen.app.usecases.questionnaire import context_of
    from liuhen.bot.questionnaire import settings_of
    from liuhen.domain import questionnaire as q

    async with start_harness(db_url, tmp_path, settings={"deadline_profile": "procuratorate"}) as h:
        tz = h.runtime.settings.tz
        h.clock.set(dt.strptime(recorded_local, "%Y-%m-%d %H:%M").replace(tzinfo=tz))
        judge = await h.enrol("j001", "张检察官")
        receipt = await h.say(judge, "节前那个周五，某局长打电话过问案子。")
        await h.sim.press(judge, receipt["message_id"], text=texts.BUTTON_FILL)
        m = await h.reply_after(judge, receipt["message_id"])
        m = await press(h, judge, m, "外部人员过问")
        m = await type_answer(h, judge, "2026-02-13 10:00")
        assert title(m) == "过问方式"
        [record] = await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)
        async with h.runtime.db.uow(read_only=True) as uow:
            stored = await uow.records.get(record["id"])
        assert stored is not None
        missing = [f.key for f in q.missing(stored.answers, context_of(stored, settings_of(h.runtime)))]
        assert ("late_reason" in missing) is late
