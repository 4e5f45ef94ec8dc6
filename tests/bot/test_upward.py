"""The immediate report travels up level by level (seed 001 §7: 情节严重的立即报告并层报; seed 002 §7): a
county record marked 情节严重 reaches the intermediate court's discipline office at once; it acknowledges and
forwards it with one button; the high court's office — the top of the deployment — acknowledges it for the
Supreme People's Court. Who forwarded what when is on the record and the form."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.bot.harness import Harness, Message, start_harness, text_of
from tests.bot.signoff_flow import labels, sign_through, submit_record
from tests.bot.test_hierarchy import enrol_at, province
from tests.conftest import DEMO_ROSTER
from tests.integration.conftest import cli_runner
from tests.pdftext import pdf_text

MARK = "标记情节严重"
FORWARD = "已收到，报送上一级"
TOP = "已收到（另行报送最高人民法院）"


def three_courts_roster() -> str:
    header, *rows = DEMO_ROSTER.read_text(encoding="utf-8").strip().splitlines()
    out = [header + ",court"]
    for code in ("", "zz", "zm"):  # "" = the deployment's own court: the high court
        out += [f"{row},{code}" for row in rows]
    return "\n".join(out) + "\n"


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        await province(harness, three_courts_roster())
        yield harness


async def county(h: Harness) -> tuple[int, list[int], int]:
    """The county court's judge, the two officers of the chain, and its discipline office, enrolled."""
    judge = await enrol_at(h, "zm", "j001", "县法院张法官")
    officers = [
        await enrol_at(h, "zm", "h001", "县法院李庭长"),
        await enrol_at(h, "zm", "v001", "县法院王副院长"),
    ]
    return judge, officers, await enrol_at(h, "zm", "k001", "县法院赵主任")


def upward(number: str) -> Callable[[Message], bool]:
    return lambda m: "【下级法院报送" in text_of(m) and number in text_of(m)


async def test_seed001_s7_a_severe_record_goes_up_level_by_level(h: Harness, tmp_path: Path) -> None:
    judge = await enrol_at(h, "zm", "j001", "县法院张法官")
    middle = await enrol_at(h, "zz", "k001", "中院赵主任")
    async with h.runtime.db.uow(read_only=True) as uow:
        high = await uow.courts.get(h.runtime.court_id)
    assert high is not None
    high_office = await enrol_at(h, high.code, "k001", "高院赵主任")
    number = await submit_record(h, judge)
    status = await h.sim.wait_for(judge, lambda m: MARK in labels(m) and number in text_of(m), timeout=10)
    await h.sim.press(judge, status["message_id"], text=MARK)

    card = await h.sim.wait_for(middle, upward(number), timeout=10)
    told = await h.sim.wait_for(judge, lambda m: "【已报送上一级】" in text_of(m), timeout=10)
    assert "郑州市中级人民法院" in text_of(told) and number in text_of(told)  # the recorder sees it went up
    assert "情节严重 · 一事一报" in text_of(card) and FORWARD in labels(card)
    assert not [m for m in await h.sim.chat(high_office) if upward(number)(m)]  # level by level
    assert "已登记收到" in await h.answer_to_press(middle, card["message_id"], text=FORWARD)
    top_card = await h.sim.wait_for(high_office, upward(number), timeout=10)
    assert (
        "层报" in text_of(top_card) and "郑州市中级人民法院" in text_of(top_card) and TOP in labels(top_card)
    )
    await h.answer_to_press(high_office, top_card["message_id"], text=TOP)
    await h.answer_to_press(middle, card["message_id"], text=FORWARD)  # pressed again: forwarded once only

    async with h.runtime.db.uow(read_only=True) as uow:
        actions = [e.action for e in await uow.ledger.entries() if e.object_id == number]
    assert actions.count("record.forward_upward") == 2
    await h.sim.send_text(judge, f"/form {number}")
    form = await h.sim.wait_for(judge, lambda m: bool(m.get("document")), timeout=20)
    pdf = await h.sim.download(form["document"]["file_id"])
    flat = "".join((await asyncio.to_thread(pdf_text, pdf, tmp_path)).split())
    assert "层报情况：郑州市中级人民法院赵主任于" in flat and "收到并报送上一级" in flat
    assert f"{high.name}赵主任" in flat.split("层报情况")[1] and "收到并按规定报送" in flat


async def test_seed001_implementing_s6_the_high_courts_half_year_report_rolls_up_the_province(
    h: Harness, db_url: str, tmp_path: Path
) -> None:
    """每半年报送一次 (seed 001 实施办法 §6): the high court's report covers its own court and every court
    below, compared with the half before and the same half last year."""
    county = await enrol_at(h, "zm", "j001", "县法院张法官")
    middle = await enrol_at(h, "zz", "j001", "中院张法官")
    await submit_record(h, county)
    await submit_record(h, county, "另一条过问")
    await submit_record(h, middle)
    run = cli_runner(
        db_url, tmp_path, timeout=90, start=h.clock.now(), LIUHEN_COURT_NAME=h.runtime.court_name
    )
    bad = await asyncio.to_thread(run, "report", "halfyear", "2026H3", "-o", "x.pdf")
    assert bad.returncode == 2 and not (tmp_path / "x.pdf").exists()
    done = await asyncio.to_thread(
        run, "report", "halfyear", "2026年下半年", "--with-lower", "-o", "half.pdf"
    )
    assert done.returncode == 0, done.stderr
    flat = "".join(
        (await asyncio.to_thread(pdf_text, (tmp_path / "half.pdf").read_bytes(), tmp_path)).split()
    )
    assert "2026年下半年干预、插手、过问案件记录情况汇总分析" in flat
    assert "2026年下半年共记录干预、插手、过问案件3件" in flat and "上期0件" in flat
    assert "郑州市中级人民法院100+1+1" in flat and "中牟县人民法院200+2+2" in flat  # by court, rolled up
    assert "本季度" not in flat and "每半年报送一次" in flat


async def test_seed004_s19_the_level_above_gets_the_result_of_what_it_was_sent(h: Harness) -> None:
    """A county record on a principal leader went to the intermediate court (seed 001 实施办法 §6); when
    the county's office closes its investigation, the intermediate court's office gets the result (seed 004
    §19)."""
    judge, officers, office = await county(h)
    above = await enrol_at(h, "zz", "k001", "中院赵主任")
    number = await submit_record(h, judge, principal_leader="yes")
    await h.sim.wait_for(above, upward(number), timeout=10)
    await sign_through(h, number, officers, office, "本院纪检监察机构调查处理")
    card = await h.sim.wait_for(
        office, lambda m: "【分流处理 · 新事项】" in text_of(m) and number in text_of(m)
    )
    await h.sim.press(office, card["message_id"], text="属实")
    await h.sim.wait_for(office, lambda m: "调查结论：属实" in text_of(m))
    await h.sim.send_text(office, "已按干部管理权限移送处理")
    result = await h.sim.wait_for(above, lambda m: "【下级法院处理结果】" in text_of(m), timeout=10)
    assert (
        "中牟县人民法院" in text_of(result) and "结论为属实" in text_of(result) and number in text_of(result)
    )


async def test_seed004_s17_2_the_office_above_registers_the_result_of_a_report_to_it(h: Harness) -> None:
    """报上一级 (seed 004 §17(2): 过问人系本院领导班子成员的，报上一级纪检监察机构): the record reaches the
    intermediate court's office through the system, so the county's follow-up is sent at once; the office
    above registers the result on its card, and the recorder and the county's office are told (seed 004
    §19); nobody else may register it."""
    judge, officers, office = await county(h)
    above = await enrol_at(h, "zz", "k001", "中院赵主任")
    number = await submit_record(h, judge)
    await sign_through(h, number, officers, office, "报上一级纪检监察机构处理")
    await h.sim.wait_for(above, upward(number), timeout=10)  # the record itself, as before
    card = await h.sim.wait_for(
        above, lambda m: "【下级报送 · 请登记处理结果】" in text_of(m) and number in text_of(m), timeout=10
    )
    assert "中牟县人民法院纪检监察部门" in text_of(card) and labels(card) == ["登记反馈结果"]
    mine = await h.sim.wait_for(
        office, lambda m: "【分流处理 · 新事项】" in text_of(m) and number in text_of(m), timeout=10
    )
    assert "已通过系统报送郑州市中级人民法院纪检监察部门" in text_of(mine)  # sent: no letter to type
    assert "接收单位：郑州市中级人民法院" in text_of(mine)
    listed = await h.say(above, "/followup")  # the office above's list has it too
    assert "待办的分流处理事项 1 项" in text_of(listed)
    await h.sim.wait_for(
        above, lambda m: m["message_id"] > listed["message_id"] and number in text_of(m), timeout=10
    )

    # the high court's office (two levels up) cannot register it, even with the words awaited
    async with h.runtime.db.uow(read_only=True) as uow:
        high = await uow.courts.get(h.runtime.court_id)
    assert high is not None
    top = await enrol_at(h, high.code, "k001", "高院赵主任")
    async with h.runtime.db.uow() as uow:
        record = await uow.records.by_number(await _court_of(uow, "zm"), number)
        assert record is not None and record.id is not None
        f = await uow.followups.for_record(record.id)
        staff = await uow.staff.by_staff_id(h.runtime.court_id, "k001")
        assert f is not None and staff is not None and staff.id is not None
        (await uow.conversations.get(staff.id)).pending_field = f"_followup:{f.id}|feedback|"
        await uow.commit()
    refused = await h.say(top, "已处理完毕")
    assert "该按钮不属于您" in text_of(refused)
    async with h.runtime.db.uow(read_only=True) as uow:
        f = await uow.followups.get(f.id or 0)
        assert f is not None and f.state == "sent"

    asked = await h.answer_to_press(above, card["message_id"], text="登记反馈结果")
    assert asked is not None
    await h.sim.wait_for(above, lambda m: "请回复处理结果" in text_of(m), timeout=10)
    await h.sim.send_text(above, "已立案审查，给予诫勉谈话")
    told = await h.sim.wait_for(judge, lambda m: "【处理结果】" in text_of(m) and number in text_of(m))
    assert "反馈结果：已立案审查，给予诫勉谈话" in text_of(told) and "郑州市中级人民法院" in text_of(told)
    back = await h.sim.wait_for(office, lambda m: "【上级处理结果】" in text_of(m), timeout=10)
    assert number in text_of(back) and "已办结" in text_of(back)
    async with h.runtime.db.uow(read_only=True) as uow:
        entries = [e for e in await uow.ledger.entries() if e.object_id == number]
    sent = next(e for e in entries if e.action == "followup.send")
    assert sent.actor == "system" and sent.payload["through"] == "system"
    assert next(e for e in entries if e.action == "followup.feedback").actor == "staff:k001"
    # closed: off the office above's list, and the county's
    assert "没有待办的分流处理事项" in text_of(await h.say(above, "/followup"))
    assert "没有待办的分流处理事项" in text_of(await h.say(office, "/followup"))


async def _court_of(uow, code: str) -> int:  # type: ignore[no-untyped-def]
    court = next(c for c in await uow.courts.list() if c.code == code)
    assert court.id is not None
    return court.id


async def test_seed004_s17_2_the_office_above_registers_the_result_at_the_desk(h: Harness) -> None:
    """The same at the desk: the office above opens the county's record from its list (``?court=``), finds
    the one form it may use — the result — and registers it; the recorder hears it in the chat."""
    import re

    import aiohttp
    from aiohttp.test_utils import TestServer

    from liuhen.app.usecases import desk
    from liuhen.web.server import build_app

    judge, officers, office = await county(h)
    await enrol_at(h, "zz", "k001", "中院赵主任")
    number = await submit_record(h, judge)
    await sign_through(h, number, officers, office, "报上一级纪检监察机构处理")
    async with h.runtime.db.uow(read_only=True) as uow:
        middle = await uow.staff.by_staff_id(await _court_of(uow, "zz"), "k001")
    assert middle is not None
    server = TestServer(build_app(h.runtime))
    await server.start_server()
    token = await desk.issue_link(h.runtime.db.uow(), staff=middle, now=h.clock.now())
    jar = aiohttp.CookieJar(unsafe=True)
    try:
        async with aiohttp.ClientSession(str(server.make_url("")), cookie_jar=jar) as browser:
            assert (await browser.post(f"/signin/{token}", allow_redirects=False)).status == 303
            page = await (await browser.get(f"/records/{number}", params={"court": "zm"})).text()
            assert "登记反馈结果" in page and "已发出，登记接收单位" not in page  # the result only
            csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
            assert csrf is not None
            done = await browser.post(
                f"/records/{number}/followup?court=zm",
                data={"csrf": csrf.group(1), "step": "feedback", "text": "已给予诫勉谈话"},
            )
            shown = await done.text()
            assert "处理结果：已给予诫勉谈话" in shown and "登记反馈结果</button>" not in shown
    finally:
        await server.close()
    told = await h.sim.wait_for(judge, lambda m: "【处理结果】" in text_of(m) and number in text_of(m))
    assert "反馈结果：已给予诫勉谈话" in text_of(told)
