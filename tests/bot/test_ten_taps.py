"""A complete record in ten taps (seed 000: the old registers died of their burden): the judge answers only
what nothing else can tell, through the real bot; every field of the 登记表 (seed 004) is still filled and
on the review card, and what was filled without asking is marked there until the submission confirms it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from liuhen.app.usecases.records import list_records
from liuhen.texts import common as texts
from tests.bot.harness import Harness, start_harness
from tests.bot.scripted_judge import Scenario, scenarios, send_evidence, walk
from tests.pdftext import pdf_text


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        yield harness


def scenario(h: Harness, key: str) -> Scenario:
    return next(s for s in scenarios(h.clock.now()) if s.key == key)


async def answers_of(h: Harness, number: str) -> dict[str, object]:
    async with h.runtime.db.uow(read_only=True) as uow:
        record = await uow.records.by_number(h.runtime.court_id, number)
    assert record is not None
    return dict(record.answers)


async def test_forwarded_wechat_message_of_an_external_cadre_in_ten_taps(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    done = await walk(h, judge, scenario(h, "wechat_forward"))
    assert done.actions <= 10, (done.actions, done.asked)
    # asked only what nothing else tells: the type, the unit, the toggles, the cause, the special items
    assert done.asked == ["记录类型", "过问人单位及职务", "是否有以下情形", "案由或案件名称", "特别报告事项"]
    review = done.review
    # filled without asking, shown and marked: the forward's time and sender, the method and its medium
    # (seed 001 实施办法 §4), the case number found in the text, the stage its type word names (民初 → 审判),
    # the handling officer (本人), the forwarded text as the content, the usual answer preselected
    for line in (
        "过问方式：微信〔推断〕",
        "信息存储介质：本人手机微信〔推断〕",
        "过问人姓名：李 书记〔推断〕",
        "案号：（2026）豫0825民初1187号〔推断〕",
        "诉讼阶段：审判〔推断〕",
        "承办人：张法官〔推断〕",
        "记录人答复：告知相关规定并拒绝〔推断〕",
        "过问人所在机关类别：党委（党的机关）〔推断〕",
        "与领导干部的关系：本人〔推断〕",
        "过问人联系方式：13900001111〔读自回答〕",  # read from the unit's answer, named there
    ):
        assert line in review, (line, review)
    assert "是否同级党委或政法委主要领导：是" in review  # 县委书记: ticked in advance, confirmed with 完成
    [record] = await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)
    assert record["status"] == "awaiting_department_head"
    answers = await answers_of(h, record["number"])
    assert answers["principal_leader"] == "yes" and answers["organ_category"] == "party"
    assert answers["stage"] == "trial" and answers["case_officer"] == "张法官"
    assert "_inferred" not in answers and "_read" not in answers  # the submission confirmed them
    async with h.runtime.db.uow(read_only=True) as uow:
        entries = list(await uow.ledger.entries())
    [submit] = [e for e in entries if e.action == "record.submit"]
    assert {"method", "stage", "case_officer", "intervener_contact"} <= set(submit.payload["confirmed"])


async def test_in_person_contact_with_persons_present_in_fourteen(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    await h.enrol("j002", "钱法官")
    done = await walk(h, judge, scenario(h, "dinner_in_person"))
    assert done.actions <= 14, (done.actions, done.asked)
    assert "在场人员：钱法官" in done.review and "发生场所：本院第三法庭门口" in done.review
    assert "过问人单位及职务：某律师事务所 律师〔读自回答〕" in done.review
    assert "案由或案件名称：民间借贷纠纷〔读自回答〕" in done.review


async def test_every_scenario_reaches_a_complete_record(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    await h.enrol("j002", "钱法官")
    for s in scenarios(h.clock.now()):
        done = await walk(h, judge, s)
        assert done.actions <= s.limit, (s.key, done.actions, done.asked)
        assert "还差" not in done.review, done.review


async def test_a_drafts_form_marks_what_the_recorder_has_not_confirmed(h: Harness, tmp_path: Path) -> None:
    """seed 004 登记表 printed before submission: each value filled without asking says so."""
    judge = await h.enrol("j001", "张法官")
    plan = scenario(h, "wechat_forward")
    receipt = await send_evidence(h, judge, plan)
    await h.sim.press(judge, receipt["message_id"], text=texts.BUTTON_FILL)
    await h.reply_after(judge, receipt["message_id"])  # the questions opened: the evidence was read
    await h.sim.send_text(judge, "/form LH-2026-0001")
    form = await h.sim.wait_for(judge, lambda m: bool(m.get("document")), timeout=20)
    text = "".join(
        (
            await asyncio.to_thread(pdf_text, await h.sim.download(form["document"]["file_id"]), tmp_path)
        ).split()
    )
    assert "微信（系统推断，待记录人确认）" in text
    assert "本人手机微信（系统推断，待记录人确认）" in text
    assert "李书记（系统推断，待记录人确认）" in text  # the forward's sender, in the intervener's row


async def test_the_judge_submits_as_soon_as_what_the_rules_require_is_there(h: Harness) -> None:
    """Optional questions (情节严重, 特别报告事项 of a contact) can be left: [去核对提交] appears once every
    required field is there, and what was left is shown as skipped, never filled in."""
    judge = await h.enrol("j001", "张法官")
    await h.enrol("j002", "钱法官")
    done = await walk(h, judge, replace(scenario(h, "dinner_in_person"), hurry=True))
    assert done.asked[-1] == "是否有以下情形" and "特别报告事项" not in done.asked
    assert "情节严重：（已跳过）" in done.review and "特别报告事项：（已跳过）" in done.review
