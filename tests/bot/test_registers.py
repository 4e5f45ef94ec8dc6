"""The registers (台帐: seed 003 items 15, 16, 22): staff's relatives who practise law and departed staff,
imported from CSV all or nothing; a submitted record naming the recorder's relative or their law firm is a
possible recusal (the recorder is reminded, the department head and the discipline office told); a record
naming a departed staff member who practises law is told to the discipline office."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.bot.harness import Harness, start_harness, text_of
from tests.bot.signoff_flow import submit_record
from tests.integration.conftest import cli_runner

RELATIVES = """staff_id,name,relation,law_firm,since
j001,王明,配偶,某某律师事务所,2019-05-01
h001,赵丽,child,另一律师事务所,
"""
BAD_RELATIVES = """staff_id,name,relation,law_firm,since
j999,王明,配偶,某某律师事务所,2019-05-01
j001,王明,表哥,某某律师事务所,2019年
"""
DEPARTED = """name,staff_id,left_on,went_to,practises,law_firm
刘离任,j077,2024-03-01,辞职,是,长城律师事务所
孙退休,j078,2023-01-01,退休,否,
"""


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        yield harness


async def test_seed003_registers_import_all_or_nothing_and_the_cross_check_tells(
    h: Harness, db_url: str, tmp_path: Path
) -> None:
    run = cli_runner(db_url, tmp_path, timeout=60, start=h.clock.now(), LIUHEN_COURT_NAME="测试县人民法院")
    for name, text in (("bad.csv", BAD_RELATIVES), ("relatives.csv", RELATIVES), ("departed.csv", DEPARTED)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    bad = await asyncio.to_thread(run, "register", "import", "relatives", "bad.csv")
    assert bad.returncode == 1 and "未导入任何内容" in bad.stderr
    assert "第 2 行：名册中没有工号“j999”" in bad.stderr
    assert (
        "第 3 行：亲属关系“表哥”不在规定范围内" in bad.stderr
        and "第 3 行：“since”的日期“2019年”" in bad.stderr
    )
    assert json.loads((await asyncio.to_thread(run, "register", "list", "--json")).stdout)["relatives"] == []
    good = await asyncio.to_thread(run, "register", "import", "relatives", "relatives.csv")
    assert good.returncode == 0 and "已导入 2 行" in good.stdout, good.stderr
    assert (await asyncio.to_thread(run, "register", "import", "departed", "departed.csv")).returncode == 0
    listed = json.loads((await asyncio.to_thread(run, "register", "list", "--json")).stdout)
    assert [r["name"] for r in listed["relatives"]] == ["王明", "赵丽"] and listed["relatives"][1][
        "relation"
    ] == "child"
    assert [d["practises"] for d in listed["departed"]] == [True, False]

    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    office = await h.enrol("k001", "赵主任")
    # the office (and the chief) read the registers in chat, each view logged; a judge does not
    assert "纪检监察部门和院长可在此查看" in text_of(await h.say(judge, "/registers"))
    shown = text_of(await h.say(office, "/registers"))
    assert "张法官（j001）的配偶 王明：某某律师事务所，2019-05-01 起" in shown
    assert "刘离任（2024-03-01 离任，辞职）：执业于 长城律师事务所" in shown and "孙退休" in shown

    # the recorder's spouse's law firm is named in the record: a possible recusal (seed 003 item 15)
    number = await submit_record(
        h, judge, record_type="contact", intervener_name="钱律师", intervener_unit="某某律师事务所 律师"
    )
    reminded = await h.sim.wait_for(judge, lambda m: "【回避提醒】" in text_of(m), timeout=10)
    assert number in text_of(reminded) and "王明（某某律师事务所）" in text_of(reminded)
    told = await h.sim.wait_for(head, lambda m: "【可能需要回避】" in text_of(m), timeout=10)
    assert "张法官的配偶" in text_of(told)
    await h.sim.wait_for(
        office, lambda m: "【可能需要回避】" in text_of(m) and number in text_of(m), timeout=10
    )
    # a departed staff member who practises law is named: the discipline office is told (seed 003 item 16)
    second = await submit_record(
        h, judge, record_type="contact", intervener_name="刘离任", intervener_unit="律师"
    )
    departed = await h.sim.wait_for(office, lambda m: "【离任人员】" in text_of(m) and second in text_of(m))
    assert "长城律师事务所" in text_of(departed)
    async with h.runtime.db.uow(read_only=True) as uow:
        actions = [e.action for e in await uow.ledger.entries()]
    assert actions.count("register.conflict") == 2 and actions.count("register.read") == 3


async def test_seed003_a_case_entered_with_its_counsel_is_checked_against_the_registers(h: Harness) -> None:
    """A judge entering a case in a per-case zero report (seed 004 §16) names its counsel; a lawyer or law
    firm the relatives' register links to the judge is a possible recusal (seed 003 item 15: 任职回避): the
    judge is reminded, the department head and the discipline office are told; a departed staff member who
    practises law is told to the office (seed 003 item 16). A case naming nobody of the registers tells
    nobody."""
    from liuhen.app.usecases.registers import Which, import_register

    for which, text in ((Which.RELATIVES, RELATIVES), (Which.DEPARTED, DEPARTED)):
        await import_register(
            h.runtime.db.uow(), court_id=h.runtime.court_id, which=which, text=text, actor="cli"
        )
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    office = await h.enrol("k001", "赵主任")

    await h.say(judge, "/casezero")
    draft = await h.say(
        judge, "（2026）豫0825民初123号 原告代理律师王明、被告代理律师刘离任（长城律师事务所）"
    )
    assert "本案代理律师：原告代理律师王明、被告代理律师刘离任(长城律师事务所)" in text_of(draft)
    await h.sim.press(judge, draft["message_id"], text="确认提交")
    card = await h.sim.wait_for(head, "【逐案零报告待确认】", timeout=10)
    assert "本案代理律师：原告代理律师王明" in text_of(card)  # the head sees whom the case names
    reminded = await h.sim.wait_for(judge, lambda m: "【回避提醒】" in text_of(m), timeout=10)
    assert "（2026）豫0825民初123号（逐案零报告 LZ-2026-" in text_of(reminded)
    assert "王明（某某律师事务所）" in text_of(reminded) and "申请回避" in text_of(reminded)
    told = await h.sim.wait_for(head, lambda m: "【可能需要回避】" in text_of(m), timeout=10)
    assert "张法官的配偶" in text_of(told) and "（2026）豫0825民初123号" in text_of(told)
    await h.sim.wait_for(office, lambda m: "【可能需要回避】" in text_of(m), timeout=10)
    departed = await h.sim.wait_for(office, lambda m: "【离任人员】" in text_of(m), timeout=10)
    assert "刘离任" in text_of(departed) and "长城律师事务所" in text_of(departed)

    # another case naming nobody of the registers: nobody is told anything
    other = await h.say(judge, "/casezero （2026）豫0825民初124号 代理律师孙某某（某律师事务所）")
    await h.sim.press(judge, other["message_id"], text="确认提交")
    await h.sim.wait_for(judge, lambda m: "已提交" in text_of(m) and "124号" not in text_of(m), timeout=10)
    async with h.runtime.db.uow(read_only=True) as uow:
        entries = await uow.ledger.entries()
        officer = await uow.staff.by_staff_id(h.runtime.court_id, "j001")
        assert officer is not None and officer.id is not None
        reports = await uow.case_zero.for_officer(officer.id, "（2026）豫0825民初124号")
    assert reports[0].extra["counsel"] == "代理律师孙某某(某律师事务所)"  # kept with the report
    conflicts = [e for e in entries if e.action == "register.conflict"]
    assert len(conflicts) == 2 and {e.object_type for e in conflicts} == {"case_zero_report"}
