"""`/case 案号` through the real bot (seed 003 §18): before a case goes to the 专业法官会议 or the 审判委员会,
the presiding judge reports the interference recorded for it. Each person is shown the records on the case
they may read and the per-case zero reports they may see — nothing else, not even a count (need-to-know,
seed 003 §12) — and every view is in the ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from liuhen.texts import caseview as texts
from tests.bot.harness import Harness, Message, start_harness, text_of
from tests.bot.signoff_flow import PLAN, submit_record

CASE = PLAN["case_number"]  # （2026）豫0825民初1187号
OTHER = "（2026）豫0825民初2222号"
ZERO_CASE = "（2026）豫0825民初3333号"


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        yield harness


def answers_case(m: Message) -> bool:
    text = text_of(m)
    return "【本案干预过问情况】" in text or "暂无可供您查看" in text or "用法：/case" in text


async def ask(h: Harness, user: int, argument: str = "") -> str:
    """`/case ARGUMENT` and the bot's answer to it (other messages arriving meanwhile are passed over)."""
    await h.sim.send_text(user, f"/case {argument}".strip())
    return text_of(await h.sim.wait_for(user, answers_case, timeout=10))


async def case_reads(h: Harness) -> list[tuple[str, str, str]]:
    """(actor, action, object) of every read the case view logged, in order."""
    async with h.runtime.db.uow(read_only=True) as uow:
        entries = await uow.ledger.entries()
    return [
        (e.actor, e.action, e.object_id)
        for e in entries
        if e.action == "case.view" or (e.action.endswith(".read") and e.payload.get("what") == "case")
    ]


async def test_the_chain_sees_the_record_on_its_case_and_nobody_else_learns_of_it(h: Harness) -> None:
    """seed 003 §18: the recorder, the department head of the chain and the discipline office see the record
    under its case number; a judge of another department outside the chain gets the same answer as for a
    case with nothing on file (seed 003 §12)."""
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    office = await h.enrol("k001", "赵主任")
    outsider = await h.enrol("j002", "钱法官")
    number = await submit_record(h, judge)
    other = await submit_record(h, judge, "又一条微信：请关照另一个案子", case_number=OTHER)

    seen = await ask(h, judge, CASE)
    assert texts.title(CASE) in seen and "您可查看的记录 1 件" in seen
    assert f"1. {number}｜外部人员过问｜待部门负责人审批" in seen
    assert "过问人：李书记" in seen and "记录人：张法官" in seen
    assert "过问时间：2026年11月23日 08:30" in seen  # the harness's clock, court local time
    assert "摘要：请关照一下李某的借贷案子。" in seen and "原告是我亲戚" not in seen  # one line
    assert other not in seen and "逐案零报告" not in seen
    assert "《中级法院实施办法》第十八条" in seen

    for officer in (head, office):
        shown = await ask(h, officer, CASE)
        assert number in shown and "过问人：李书记" in shown and other not in shown

    nothing = await ask(h, outsider, CASE)
    assert nothing == texts.nothing(CASE)
    assert number not in nothing and "李书记" not in nothing

    # forgiving input: ASCII brackets, spaces, no 号
    again = await ask(h, judge, "(2026) 豫0825 民初 2222")
    assert texts.title(OTHER) in again and other in again and number not in again

    reads = await case_reads(h)
    assert ("staff:j001", "record.read", number) in reads and ("staff:j001", "record.read", other) in reads
    assert ("staff:h001", "record.read", number) in reads and ("staff:k001", "record.read", number) in reads
    assert [r for r in reads if r[0] == "staff:j002"] == [("staff:j002", "case.view", CASE)]
    async with h.runtime.db.uow(read_only=True) as uow:
        denials = [e for e in await uow.ledger.entries() if e.action == "record.read_denied"]
    assert denials == []  # the outsider asked about a case, not for the record: nothing was refused
    assert [r for r in reads if r[1] == "case.view"] == [
        ("staff:j001", "case.view", CASE),
        ("staff:h001", "case.view", CASE),
        ("staff:k001", "case.view", CASE),
        ("staff:j002", "case.view", CASE),
        ("staff:j001", "case.view", OTHER),
    ]


async def test_a_confirmed_zero_report_is_listed_with_who_confirmed_it(h: Harness) -> None:
    """seed 003 §18 with seed 004 §16: the per-case zero report is part of what is reported on the case —
    who made it, who confirmed it and when — for those who may see it."""
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    office = await h.enrol("k001", "赵主任")
    outsider = await h.enrol("j002", "钱法官")
    assert await ask(h, judge, ZERO_CASE) == texts.nothing(ZERO_CASE)

    draft = await h.say(judge, f"/casezero {ZERO_CASE}")
    await h.sim.press(judge, draft["message_id"], text="确认提交")
    card = await h.sim.wait_for(head, "【逐案零报告待确认】", timeout=10)
    waiting = await ask(h, judge, ZERO_CASE)
    assert "逐案零报告 1 份" in waiting and "｜待李庭长确认" in waiting
    await h.sim.press(head, card["message_id"], text="确认")
    await h.sim.wait_for(judge, "已由李庭长确认", timeout=10)

    seen = await ask(h, judge, ZERO_CASE)
    assert texts.title(ZERO_CASE) in seen and "您可查看的记录" not in seen
    assert "报告人 张法官（2026年11月23日 09:30）" in seen
    assert "｜李庭长 于 2026年11月23日 09:30 确认" in seen
    assert "李庭长 于 2026年11月23日 09:30 确认" in await ask(h, office, ZERO_CASE)
    assert "李庭长 于 2026年11月23日 09:30 确认" in await ask(h, head, ZERO_CASE)
    assert await ask(h, outsider, ZERO_CASE) == texts.nothing(ZERO_CASE)

    reads = await case_reads(h)
    zero_reads = [(actor, action) for actor, action, _ in reads if action == "casezero.read"]
    assert zero_reads == [
        ("staff:j001", "casezero.read"),
        ("staff:j001", "casezero.read"),
        ("staff:k001", "casezero.read"),
        ("staff:h001", "casezero.read"),
    ]
    assert all(oid.startswith("LZ-2026-") for _, action, oid in reads if action == "casezero.read")


async def test_bad_input_gets_the_usage_and_reads_nothing(h: Harness) -> None:
    """seed 003 §18: `/case` needs a case number; anything else is answered with the usage, and nothing is
    read or logged."""
    judge = await h.enrol("j001", "张法官")
    missing = await ask(h, judge)
    assert "请在 /case 后写上案号" in missing and texts.USAGE in missing
    unreadable = await ask(h, judge, "李书记那个案子")
    assert "没有认出案号“李书记那个案子”" in unreadable and texts.USAGE in unreadable
    not_filed = await ask(h, judge, "尚未立案")
    assert "尚未立案的案件没有案号" in not_filed and texts.USAGE in not_filed
    old_style = await ask(h, judge, "（2014）温民初字第123号")  # pre-2016 numbers are not case numbers here
    assert "没有认出案号" in old_style
    assert await case_reads(h) == []


async def test_help_names_the_command(h: Harness) -> None:
    """seed 003 §18: the command is in /help."""
    judge = await h.enrol("j001", "张法官")
    shown = await h.say(judge, "/help")
    assert "/case 案号" in text_of(shown)
