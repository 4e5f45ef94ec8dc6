"""The discipline office's half of the rules (分流处理: seed 004 §17–§20): each disposition that asks for
action opens a follow-up with an owner, a deadline in working days, its steps on buttons and its outcome; the
recorder is told the outcome (seed 004 §19(1)); a lapsed one goes to the office's head, then the chief."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tests.bot.harness import Harness, Message, start_harness, text_of
from tests.bot.signoff_flow import labels, sign_through, submit_record
from tests.conftest import DEMO_ROSTER
from tests.integration.conftest import cli_runner
from tests.pdftext import pdf_text

TRANSFER = "告知过问人所在单位纪检监察机构"
INVESTIGATE = "本院纪检监察机构调查处理"
FALSE_RECORD = "不实记录（予以澄清）"


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    roster = (
        DEMO_ROSTER.read_text(encoding="utf-8").rstrip("\n")
        + "\nk002,孙干事,纪检监察室,干事,discipline,13900000011,\n"
    )
    async with start_harness(
        db_url,
        tmp_path,
        roster=roster,
        # an investigation's deadline is the court's setting (the seeds give none): 5 working days here
        settings={"reminder_check_seconds": 0.2, "investigation_workdays": 5},
    ) as harness:
        yield harness


def card_of(number: str, head: str = "【分流处理") -> Callable[[Message], bool]:
    return lambda m: head in text_of(m) and number in text_of(m)


def document(name: str) -> Callable[[Message], bool]:
    return lambda m: str((m.get("document") or {}).get("file_name", "")).startswith(name)


async def press(h: Harness, user: int, m: Message, label: str) -> None:
    assert label in labels(m), (label, labels(m), text_of(m))
    await h.sim.press(user, m["message_id"], text=label)


async def entries(h: Harness, number: str) -> list[str]:
    async with h.runtime.db.uow(read_only=True) as uow:
        return [e.action for e in await uow.ledger.entries() if e.object_id == number]


async def test_seed004_s17_3_a_transfer_is_sent_with_its_letter_acknowledged_and_answered(
    h: Harness, tmp_path: Path, db_url: str
) -> None:
    judge = await h.enrol("j001", "张法官")
    officers = [await h.enrol("h001", "李庭长"), await h.enrol("v001", "王副院长")]
    office = await h.enrol("k001", "赵主任")
    number = await submit_record(h, judge)
    await sign_through(h, number, officers, office, TRANSFER)

    card = await h.sim.wait_for(office, card_of(number, "【分流处理 · 新事项】"), timeout=10)
    assert "移送过问人所在单位纪检监察机构" in text_of(card) and "期限" in text_of(card)
    await press(h, office, card, "已发出，登记接收单位")
    await h.sim.wait_for(office, lambda m: "请回复接收单位" in text_of(m), timeout=10)
    await h.sim.send_text(office, "某市公安局纪检监察室")
    letter = await h.sim.wait_for(office, document("移送函"), timeout=20)
    assert letter["document"]["file_name"] == f"移送函-{number}.pdf"
    text = await asyncio.to_thread(pdf_text, await h.sim.download(letter["document"]["file_id"]), tmp_path)
    flat = "".join(text.split())
    assert "关于移送干预过问案件记录的函" in flat and "某市公安局纪检监察室" in flat
    assert "纪移〔2026〕" in flat and "干预过问案件登记表" in flat  # the form is attached

    sent = await h.sim.wait_for(
        office, lambda m: "对方已签收" in labels(m) and number in text_of(m), timeout=10, after=0
    )
    await press(h, office, sent, "对方已签收")
    acked = await h.sim.wait_for(
        office, lambda m: "对方签收：" in text_of(m) and number in text_of(m), timeout=10
    )
    await press(h, office, acked, "登记反馈结果")
    await h.sim.wait_for(office, lambda m: "请回复处理结果" in text_of(m), timeout=10)
    await h.sim.send_text(office, "   ")  # nothing typed: asked again, nothing changes
    await h.sim.wait_for(office, lambda m: "内容不能为空" in text_of(m), timeout=10)
    await h.sim.send_text(office, "已对该民警诫勉谈话")
    await h.sim.wait_for(office, lambda m: "已办结" in text_of(m) and number in text_of(m), timeout=10)

    told = await h.sim.wait_for(judge, card_of(number, "【处理结果】"), timeout=10)
    assert "某市公安局纪检监察室" in text_of(told) and "已对该民警诫勉谈话" in text_of(told)
    actions = await entries(h, number)
    for action in (
        "followup.open",
        "followup.send",
        "followup.ack",
        "followup.feedback",
        "followup.outcome_told",
    ):
        assert action in actions, action

    # the operator's list: closed ones only with --all; never the record's content
    run = cli_runner(db_url, tmp_path, timeout=60, start=h.clock.now(), LIUHEN_COURT_NAME="测试县人民法院")
    assert "（0 项）" in (await asyncio.to_thread(run, "followup", "list")).stdout
    listed = await asyncio.to_thread(run, "followup", "list", "--all", "--json")
    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert row["number"] == number and row["state"] == "closed" and row["owner"] == "k001"
    assert "李书记" not in listed.stdout


async def test_seed004_s19_an_investigation_closes_with_findings_told_to_recorder_and_department(
    h: Harness, tmp_path: Path
) -> None:
    """Own staff intervened (钱法官 of 刑事审判庭): the findings and measures close it; the recorder and the
    intervener's department head are told the outcome, the intervener is never told by the system."""
    judge = await h.enrol("j001", "张法官")
    officers = [await h.enrol("h001", "李庭长"), await h.enrol("v001", "王副院长")]
    office = await h.enrol("k001", "赵主任")
    intervener = await h.enrol("j002", "钱法官")
    his_head = await h.enrol("h002", "孙庭长")
    number = await submit_record(
        h, judge, record_type="internal", intervener_name="钱法官", intervener_unit="本院刑事审判庭 审判员"
    )
    await sign_through(h, number, officers, office, INVESTIGATE)
    card = await h.sim.wait_for(office, card_of(number, "【分流处理 · 新事项】"), timeout=10)
    assert {"属实", "部分属实", "不属实"} <= set(labels(card))
    assert "期限：2026年11月30日 23:59" in text_of(card)  # Mon 23rd + 5 working days
    await press(h, office, card, "部分属实")
    await h.sim.wait_for(office, lambda m: "调查结论：部分属实" in text_of(m), timeout=10)
    await h.sim.send_text(office, "对钱某某进行批评教育，责令书面检查")
    told = await h.sim.wait_for(judge, card_of(number, "【处理结果】"), timeout=10)
    assert "结论为部分属实" in text_of(told) and "责令书面检查" in text_of(told)
    dept = await h.sim.wait_for(his_head, card_of(number, "【处理结果】"), timeout=10)
    assert "本部门人员" in text_of(dept) and "张法官" not in text_of(dept)  # never who recorded
    await h.handled()
    assert not [m for m in await h.sim.chat(intervener) if number in text_of(m)]
    async with h.runtime.db.uow(read_only=True) as uow:
        [f] = await uow.followups.in_court(h.runtime.court_id)
    assert f.finding == "partly" and f.closed_at is not None

    # chosen as a 典型案例 for the quarter's analysis (seed 003 item 13), once
    closed = await h.sim.wait_for(office, lambda m: "列为典型案例" in labels(m) and number in text_of(m))
    await press(h, office, closed, "列为典型案例")
    chosen = await h.sim.wait_for(office, lambda m: "已列为典型案例" in text_of(m) and number in text_of(m))
    assert not labels(chosen)

    # the quarter's summary carries the follow-through (seed 004 §17–§20; seed 003 §13)
    await h.sim.send_text(office, "/quarterly 2026Q4")
    summary = await h.sim.wait_for(office, document("quarterly-2026Q4.pdf"), timeout=30)
    pdf = await h.sim.download(summary["document"]["file_id"])
    flat = "".join((await asyncio.to_thread(pdf_text, pdf, tmp_path)).split())
    assert "七、分流处理情况" in flat and "本院调查处理1100" in flat.replace("（", "").replace("）", "")
    assert "部分属实1件" in flat and number in flat
    assert "八、通报与责任追究" in flat and "本季度发布通报0期" in flat
    zero = flat.split("本季度无记录的部门：")[1]
    assert "刑事审判庭" in zero and "民事审判第一庭" not in zero.split("。")[0]
    assert "零查处（" not in flat  # a finding of 部分属实 this quarter (seed 003 §20)
    assert "十、典型案例" in flat and "列为典型案例1件" in flat


async def test_seed004_s20_a_false_record_stays_and_gets_a_clarification(h: Harness, tmp_path: Path) -> None:
    judge = await h.enrol("j001", "张法官")
    officers = [await h.enrol("h001", "李庭长"), await h.enrol("v001", "王副院长")]
    office = await h.enrol("k001", "赵主任")
    number = await submit_record(h, judge)
    await sign_through(h, number, officers, office, FALSE_RECORD)
    card = await h.sim.wait_for(office, card_of(number, "【分流处理 · 新事项】"), timeout=10)
    await press(h, office, card, "非故意（误记等）")
    await h.sim.wait_for(office, lambda m: "请写明不实的原因" in text_of(m), timeout=10)
    await h.sim.send_text(office, "记录人将正常工作联系误记为过问")
    doc = await h.sim.wait_for(office, document("澄清说明"), timeout=20)
    assert doc["document"]["file_name"] == f"澄清说明-{number}.pdf"
    pdf = await h.sim.download(doc["document"]["file_id"])
    flat = "".join((await asyncio.to_thread(pdf_text, pdf, tmp_path)).split())
    assert "澄清说明" in flat and "李书记同志" in flat and "不实" in flat
    assert "张法官" not in flat  # the person recorded never learns who recorded
    told = await h.sim.wait_for(judge, card_of(number, "【处理结果】"), timeout=10)
    assert "不实记录（非故意）" in text_of(told)
    async with h.runtime.db.uow(read_only=True) as uow:
        record = await uow.records.by_number(h.runtime.court_id, number)
    assert record is not None and record.disposition == "false_record"  # marked, never deleted


async def test_a_lapsed_follow_up_goes_to_the_offices_head_then_the_chief(h: Harness) -> None:
    """Reminded to its owner the last day; the office's head told when it lapses, the chief three working days
    later; each once."""
    judge = await h.enrol("j001", "张法官")
    officers = [await h.enrol("h001", "李庭长"), await h.enrol("v001", "王副院长")]
    head = await h.enrol("k001", "赵主任")
    owner = await h.enrol("k002", "孙干事")
    chief = await h.enrol("p001", "周院长")
    number = await submit_record(h, judge)
    await sign_through(h, number, officers, owner, TRANSFER)
    await h.sim.wait_for(owner, card_of(number, "【分流处理 · 新事项】"), timeout=10)
    async with h.runtime.db.uow(read_only=True) as uow:
        [f] = await uow.followups.in_court(h.runtime.court_id)
    h.clock.set(f.due_at - timedelta(hours=2))
    await h.sim.wait_for(owner, card_of(number, "【分流处理 · 明日到期】"), timeout=10)
    h.clock.set(f.due_at + timedelta(hours=1))
    late = await h.sim.wait_for(head, card_of(number, "【分流处理逾期 · 请督办】"), timeout=10)
    assert "孙干事" in text_of(late) and "已逾期" in text_of(late)
    assert not [m for m in await h.sim.chat(chief) if number in text_of(m)]
    h.clock.set(f.due_at + timedelta(days=7))
    to_chief = await h.sim.wait_for(chief, card_of(number, "【分流处理逾期 · 请督办】"), timeout=10)
    assert "超过三个工作日" in text_of(to_chief)
    await h.jobs_ran("followup", times=3)
    assert len([m for m in await h.sim.chat(head) if card_of(number, "逾期")(m)]) == 1
    assert len([m for m in await h.sim.chat(chief) if card_of(number, "逾期")(m)]) == 1


async def test_only_the_discipline_office_has_follow_ups(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    assert "由纪检监察部门办理" in text_of(await h.say(judge, "/followup"))
    office = await h.enrol("k001", "赵主任")
    assert "没有待办的分流处理事项" in text_of(await h.say(office, "/followup"))


async def test_seed004_s18_overriding_a_defer_suggestion_waits_for_the_chiefs_approval(h: Harness) -> None:
    """The recorder suggested deferring (an oral intervention without a trace); the office does not accept it
    and chooses an investigation: the president approves by button before the office acts; refused, the
    suggestion stands and the recorder is told."""
    judge = await h.enrol("j001", "张法官")
    office = await h.enrol("k001", "赵主任")
    chief = await h.enrol("p001", "周院长")
    await h.enrol("h001", "李庭长")
    for answer, expected in (("批准", "【分流处理 · 新事项】"), ("不批准", None)):
        number = await submit_record(
            h, judge, method="phone", place="电话", persons_present="无", defer_suggestion="yes"
        )
        news = await h.sim.wait_for(
            judge, lambda m, n=number: n in text_of(m) and "直接报告纪检" in labels(m)
        )
        await press(h, judge, news, "直接报告纪检")
        card = await h.sim.wait_for(office, lambda m, n=number: "【待签批" in text_of(m) and n in text_of(m))
        await press(h, office, card, "同意")
        choice = await h.sim.wait_for(office, lambda m: "不采纳（经院长批准）" in labels(m), timeout=10)
        await press(h, office, choice, "不采纳（经院长批准）")
        picker = await h.sim.wait_for(office, lambda m: INVESTIGATE in labels(m), timeout=10)
        await press(h, office, picker, INVESTIGATE)
        waiting = await h.sim.wait_for(office, card_of(number, "【分流处理"), timeout=10)
        assert "待院长批准" in text_of(waiting) and not labels(waiting)  # no step before the approval
        asked = await h.sim.wait_for(chief, card_of(number, "【请批准 · 不采纳暂缓调查建议】"), timeout=10)
        assert {"批准", "不批准"} == set(labels(asked))
        assert "属实" not in labels(asked)  # the chief approves; the office investigates
        await h.handled()
        # seed 004 §18: the recorder is told only once the chief has approved — nothing of it before
        early = [t for t in await h.bot_texts(judge) if number in t and ("处理为" in t or "未采纳" in t)]
        assert early == []
        await press(h, chief, asked, answer)
        if expected is not None:
            ready = await h.sim.wait_for(office, lambda m, n=number: n in text_of(m) and "属实" in labels(m))
            assert "本院调查处理" in text_of(ready)
            told = await h.sim.wait_for(judge, card_of(number, "【处理进展】"), timeout=10)
            assert "未采纳您暂缓调查、通报的建议，经院长批准" in text_of(told)
        else:
            told = await h.sim.wait_for(judge, card_of(number, "【处理结果】"), timeout=10)
            assert "维持暂缓调查" in text_of(told)
        assert "followup.approve" in await entries(h, number)
