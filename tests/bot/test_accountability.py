"""Accountability (责任追究: seed 001 §9, §10; seed 004 §25–§30): the discipline office records measures
against a person on buttons; the seed 004 §27 counts come back as warnings (twice or more for one person;
three or more in one department); a record entered late is offered as a possible case, never decided."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.bot.harness import Harness, Message, start_harness, text_of
from tests.bot.signoff_flow import labels, submit_record
from tests.integration.conftest import cli_runner


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        yield harness


async def choose(h: Harness, user: int, m: Message, label: str) -> Message:
    assert label in labels(m), (label, labels(m), text_of(m))
    await h.sim.press(user, m["message_id"], text=label)
    return await h.reply_after(user, m["message_id"])


async def record_measure(h: Harness, office: int, ground: str, person: str, measure: str) -> Message:
    """One measure through the chat, without a note; the message that says it is recorded."""
    overview = await h.say(office, "/accountability")
    grounds = await choose(h, office, overview, "登记责任追究")
    asked = await choose(h, office, grounds, ground)
    assert "请回复被追究人员" in text_of(asked)
    measures = await h.say(office, person)
    recorded = await choose(h, office, measures, measure)
    assert "已登记" in text_of(recorded)
    done = await h.say(office, "无")
    assert "已登记完毕" in text_of(done)
    return recorded


async def test_seed004_s27_measures_are_recorded_and_the_counts_warn(
    h: Harness, db_url: str, tmp_path: Path
) -> None:
    judge = await h.enrol("j001", "张法官")
    assert "由纪检监察部门登记" in text_of(await h.say(judge, "/accountability"))
    office = await h.enrol("k001", "赵主任")
    overview = await h.say(office, "/accountability")
    assert "本年度尚无登记的追究措施" in text_of(overview)

    # a ground for the court's own staff needs someone on the roster: a clear answer, nothing kept
    grounds = await choose(h, office, overview, "登记责任追究")
    await choose(h, office, grounds, "故意不记录")
    unknown = await h.say(office, "查无此人")
    assert "名册中没有“查无此人”" in text_of(unknown) and not labels(unknown)
    measures = await h.say(office, "张法官")
    assert {"批评教育", "诫勉谈话", "纪律处分"} <= set(labels(measures))
    recorded = await choose(h, office, measures, "批评教育")
    assert "张法官：故意不记录 → 批评教育" in text_of(recorded) and "⚠️" not in text_of(recorded)
    noted = await h.say(office, "LH-2026-0009 遇县委书记过问未记录")
    assert "（LH-2026-0009）" in text_of(noted)

    # the second time for the same person: 组织处理或纪律处分 is due (seed 004 §27)
    again = await record_measure(h, office, "不如实记录", "j001", "批评教育")
    assert "两次以上" in text_of(again)
    # the third in 民事审判第一庭: the department head's responsibility (seed 004 §27)
    third = await record_measure(h, office, "故意不记录", "新同事", "批评教育")
    assert "三人（次）以上" in text_of(third) and "两次以上" not in text_of(third)
    # an outsider may be held accountable for intervening (seed 004 §26), named as typed
    await record_measure(h, office, "违反规定过问案件", "某县招商局 王局长", "通报批评")

    overview = text_of(await h.say(office, "/accountability"))
    assert overview.count("⚠️") == 2 and "某县招商局 王局长：违反规定过问案件 → 通报批评" in overview
    async with h.runtime.db.uow(read_only=True) as uow:
        entries = [e.action for e in await uow.ledger.entries()]
    assert entries.count("accountability.record") == 4 and entries.count("accountability.note") == 1

    run = cli_runner(db_url, tmp_path, timeout=60, start=h.clock.now(), LIUHEN_COURT_NAME="测试县人民法院")
    listed = await asyncio.to_thread(run, "accountability", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["warnings"] for r in rows] == [[], ["repeat"], ["department"], []]
    assert rows[0]["person"] == "j001" and rows[3]["person"] is None and rows[0]["record"] == "LH-2026-0009"
    table = await asyncio.to_thread(run, "accountability", "list")
    assert "两次以上，应组织处理或纪律处分" in table.stdout


async def test_a_record_entered_late_is_offered_never_decided(h: Harness) -> None:
    """seed 004 §28 (未在规定期限内报告): the late entry is listed for the office to weigh."""
    judge = await h.enrol("j001", "张法官")
    office = await h.enrol("k001", "赵主任")
    number = await submit_record(
        h,
        judge,
        intervention_time=(h.clock.now() - timedelta(days=20)).isoformat(),
        late_reason="出差刚回",
    )
    await h.sim.send_text(office, "/accountability")
    overview = text_of(await h.sim.wait_for(office, "【责任追究", timeout=10))
    assert "供研判是否追究" in overview and f"{number}（张法官）" in overview
    assert "本年度尚无登记的追究措施" in overview  # offered, not decided
    # the latest month whose report deadline has passed: who did not report it (seed 003 §13, seed 004 §28)
    assert "2026年10月月报告未报告的（供研判，系统不自动认定）：张法官（民事审判第一庭）" in overview
