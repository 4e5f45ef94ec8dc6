"""Three courts in one deployment: a county record about a principal leader of the county party
committee reaches the intermediate court's discipline office and nobody else there (seed 001 实施办法 §6);
the intermediate court's quarterly figures equal its own plus the county's (seed 002 §7); need-to-know holds
across courts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from liuhen.app.usecases import access, courts, enrolment
from liuhen.app.usecases.roster import UnknownCourts, import_roster_file
from liuhen.domain.clock import FixedClock
from liuhen.domain.complaints import Destination
from liuhen.domain.periods import Quarter
from liuhen.domain.roster import parse_roster
from liuhen.reports import quarterly
from liuhen.texts import common as texts
from tests.bot.harness import Harness, start_harness, text_of
from tests.bot.signoff_flow import labels, submit_record
from tests.conftest import DEMO_ROSTER
from tests.pdftext import pdf_text

pytestmark = pytest.mark.asyncio
ABOVE, CHAIN, OWN = (texts.complaint_button(d) for d in Destination)


def two_courts_roster() -> str:
    """The demo roster twice: once for the intermediate court (zz), once for the county court (zm)."""
    header, *rows = DEMO_ROSTER.read_text(encoding="utf-8").strip().splitlines()
    out = [header + ",court"]
    for code in ("zz", "zm"):
        out += [f"{row},{code}" for row in rows]
    return "\n".join(out) + "\n"


async def province(harness: Harness, roster_text: str) -> None:
    """The harness's own court as the high court, 郑州市中级人民法院 (zz) below it and 中牟县人民法院 (zm)
    below that, and ``roster_text`` imported across them."""
    rt, clock = harness.runtime, harness.clock
    high = await rt.db.ensure_court(rt.settings.court_code, rt.court_name, "court")
    for code, name, parent in (("zz", "郑州市中级人民法院", high.code), ("zm", "中牟县人民法院", "zz")):
        await courts.add_court(
            rt.db.uow(),
            code=code,
            name=name,
            parent_code=parent,
            deadline_profile="court",
            clock=clock,
            actor="test",
        )
    roster = parse_roster(roster_text)
    assert roster.ok, roster.errors
    await import_roster_file(rt.db.uow(), roster=roster, default_court_id=rt.court_id, clock=clock, actor="t")


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    settings = {"complaint_upward": True}  # /complaint also to the court above (seed 001 实施办法 §9)
    async with start_harness(db_url, tmp_path, settings=settings) as harness:  # its own court: the high court
        await province(harness, two_courts_roster())
        yield harness


async def enrol_at(h: Harness, code: str, staff_id: str, name: str) -> int:
    rt = h.runtime
    async with rt.db.uow(read_only=True) as uow:
        court = await uow.courts.by_code(code)
    assert court is not None and court.id is not None
    invite = await enrolment.issue_invite(
        rt.db.uow(), court_id=court.id, staff_id=staff_id, clock=h.clock, actor="test"
    )
    user = await h.user(name)
    reply = await h.say(user, f"/start {invite.code}")
    assert "已完成登记" in text_of(reply) and court.name in text_of(reply)
    return user


async def test_province_a_principal_leader_record_goes_up_one_level_and_nowhere_else(h: Harness) -> None:
    county_judge = await enrol_at(h, "zm", "j001", "县法院张法官")
    county_head = await enrol_at(h, "zm", "h001", "县法院李庭长")
    mid_office = await enrol_at(h, "zz", "k001", "中院赵主任")
    mid_head = await enrol_at(h, "zz", "h001", "中院李庭长")
    high_office = await h.enrol("k001", "高院赵主任")

    number = await submit_record(h, county_judge, principal_leader="yes")
    # The county's own chain runs as usual …
    await h.sim.wait_for(county_head, lambda m: "【待签批" in text_of(m) and number in text_of(m), timeout=10)
    # … and the intermediate court's discipline office gets it at once, with the content and the evidence.
    up = await h.sim.wait_for(mid_office, lambda m: "下级法院报送" in text_of(m), timeout=10)
    assert "中牟县人民法院" in text_of(up) and number in text_of(up) and "李书记" in text_of(up)
    assert labels(up) == ["查看证据", "查看全文"]
    await h.sim.press(mid_office, up["message_id"], text="查看全文")
    full = await h.sim.wait_for(mid_office, lambda m: "【全文】" in text_of(m), timeout=10)
    assert "（2026）豫0825民初1187号" in text_of(full)
    # Nobody else at the intermediate court, and nobody at the high court, hears of it.
    for user in (mid_head, high_office):
        assert not [t for t in await h.bot_texts(user) if number in t]

    rt = h.runtime
    async with rt.db.uow() as uow:
        zm = await uow.courts.by_code("zm")
        assert zm is not None and zm.id is not None
        record = await uow.records.by_number(zm.id, number)
        zz = await uow.courts.by_code("zz")
        assert zz is not None and zz.id is not None
        mid_k = next(s for s in await uow.staff.list(zz.id) if s.staff_id == "k001")
        assert record is not None
        assert await access.readable(uow, mid_k, record)
        # A county record the rules do not send upward stays with the county.
        record.answers = {**record.answers, "principal_leader": "no"}
        assert not await access.readable(uow, mid_k, record)


async def test_province_the_intermediate_quarterly_is_its_own_plus_the_county(h: Harness) -> None:
    county_judge = await enrol_at(h, "zm", "j001", "县法院张法官")
    mid_judge = await enrol_at(h, "zz", "j001", "中院张法官")
    await submit_record(h, county_judge)
    await submit_record(h, county_judge, "另一条过问")
    await submit_record(h, mid_judge)
    rt = h.runtime
    async with rt.db.uow(read_only=True) as uow:
        zz = await uow.courts.by_code("zz")
        assert zz is not None and zz.id is not None
        reader = next(s for s in await uow.staff.list(zz.id) if s.staff_id == "k001")
        county_reader = next(
            s
            for s in await uow.staff.list((await uow.courts.by_code("zm")).id)
            if s.staff_id == "k001"  # type: ignore[union-attr]
        )
    quarter = Quarter.parse("2026Q4")

    async def totals(who: object, **kwargs: object) -> tuple[int, int, int]:
        data = await quarterly.load(
            rt.db,
            reader=who,
            quarter=quarter,
            now=h.clock.now(),
            tz=rt.settings.tz,
            court_name="x",
            **kwargs,  # type: ignore[arg-type]
        )
        return data.totals

    assert (await totals(reader))[0] == 1  # its own
    assert (await totals(reader, court_code="zm"))[0] == 2  # the county's
    assert (await totals(reader, with_lower=True))[0] == 3  # both, the sum of the levels below
    data = await quarterly.load(
        rt.db,
        reader=reader,
        quarter=quarter,
        now=h.clock.now(),
        tz=rt.settings.tz,
        court_name="x",
        with_lower=True,
    )
    by_court = next(b for b in data.breakdowns if b.key == "court")
    assert {r.label: r.counts[0] for r in by_court.rows} == {"郑州市中级人民法院": 1, "中牟县人民法院": 2}
    # The county cannot read the court above.
    with pytest.raises(access.AccessDenied):
        await totals(county_reader, court_code="zz")


async def test_province_a_roster_naming_an_unknown_court_imports_nothing(h: Harness) -> None:
    text = two_courts_roster().replace(",zm\n", ",nowhere\n", 1)
    rt = h.runtime
    async with rt.db.uow(read_only=True) as uow:
        before = len(await uow.staff.list(rt.court_id))
    with pytest.raises(UnknownCourts, match="nowhere"):
        await import_roster_file(
            rt.db.uow(),
            roster=parse_roster(text),
            default_court_id=rt.court_id,
            clock=FixedClock(h.clock.now()),
            actor="t",
        )
    async with rt.db.uow(read_only=True) as uow:
        assert len(await uow.staff.list(rt.court_id)) == before


def _buttons(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def _complain(h: Harness, judge: int, button: str) -> str:
    await h.say(judge, "/complaint")
    ack = await h.say(judge, "因如实记录，考评被无故降等。")
    await h.sim.press(judge, ack["message_id"], text=button)
    return text_of(await h.sim.wait_for(judge, "已提交", timeout=10))


async def _received(h: Harness, office: int) -> bool:
    return any("【控告 · 直送纪检监察】" in t for t in await h.bot_texts(office))


async def test_seed002_s11_a_complaint_goes_to_the_court_above_by_default(h: Harness) -> None:
    """The own court's office may be the one complained about: upward is the first button (seed 002 §11:
    可以向上一级人民法院提出控告; seed 001 实施办法 §9)."""
    county_judge = await enrol_at(h, "zm", "j001", "县法院张法官")
    county_office = await enrol_at(h, "zm", "k001", "县法院赵主任")
    mid_office = await enrol_at(h, "zz", "k001", "中院赵主任")
    high_office = await h.enrol("k001", "高院赵主任")
    intro = await h.say(county_judge, "/complaint")
    assert _buttons(intro) == [ABOVE, CHAIN, OWN, texts.COMPLAINT_CANCEL]
    assert "默认送上一级法院纪检监察部门" in text_of(intro)
    done = await _complain(h, county_judge, ABOVE)
    assert "已直接送达郑州市中级人民法院纪检监察部门（1 人）" in done
    got = await h.sim.wait_for(mid_office, "【控告 · 直送纪检监察】", timeout=10)
    assert "考评被无故降等" in text_of(got) and "中牟县人民法院" in text_of(got)  # whose complaint it is
    # the deliveries are made before the complainant is told (the handler sends, then confirms)
    assert not await _received(h, county_office)  # the own court never sees it
    assert not await _received(h, high_office)  # one level up, not two


async def test_seed001_impl_s9_a_complaint_can_go_up_every_level(h: Harness) -> None:
    county_judge = await enrol_at(h, "zm", "j001", "县法院张法官")
    county_office = await enrol_at(h, "zm", "k001", "县法院赵主任")
    mid_office = await enrol_at(h, "zz", "k001", "中院赵主任")
    high_office = await h.enrol("k001", "高院赵主任")
    done = await _complain(h, county_judge, CHAIN)
    assert "郑州市中级人民法院、" in done and "（2 人）" in done
    for office in (mid_office, high_office):
        await h.sim.wait_for(office, "【控告 · 直送纪检监察】", timeout=10)
    assert not await _received(h, county_office)
    async with h.runtime.db.uow(read_only=True) as uow:
        [submitted] = [e for e in await uow.ledger.entries() if e.action == "complaint.submit"]
    assert submitted.payload["destination"] == "chain"


async def test_seed001_impl_s9_the_own_court_only_when_chosen(h: Harness) -> None:
    """Chosen by the complainant: the own office (and, with LIUHEN_COMPLAINT_UPWARD, the court above too)."""
    county_judge = await enrol_at(h, "zm", "j001", "县法院张法官")
    county_office = await enrol_at(h, "zm", "k001", "县法院赵主任")
    mid_office = await enrol_at(h, "zz", "k001", "中院赵主任")
    mid_judge = await enrol_at(h, "zz", "j001", "中院张法官")
    done = await _complain(h, county_judge, OWN)
    assert "本院纪检监察部门" in done
    for office in (county_office, mid_office):
        await h.sim.wait_for(office, "【控告 · 直送纪检监察】", timeout=10)
    # one level above the intermediate court: "every court above" would be the same, so it is not offered
    intro = await h.say(mid_judge, "/complaint")
    assert _buttons(intro) == [ABOVE, OWN, texts.COMPLAINT_CANCEL]


async def test_seed004_s13_the_recorder_may_report_straight_to_the_court_above(
    h: Harness, tmp_path: Path
) -> None:
    """Every status message offers 直接报告上级纪检 where the deployment holds a court above (seed 003 §12,
    seed 004 §13: 必要时也可以直接向上级…纪检监察机构报告): the intermediate court's discipline office gets
    the record at once, the county's chain goes straight to its own office."""
    county_judge = await enrol_at(h, "zm", "j001", "县法院张法官")
    county_head = await enrol_at(h, "zm", "h001", "县法院李庭长")
    county_office = await enrol_at(h, "zm", "k001", "县法院赵主任")
    mid_office = await enrol_at(h, "zz", "k001", "中院赵主任")
    number = await submit_record(h, county_judge)
    status = await h.sim.wait_for(
        county_judge, lambda m: "直接报告上级纪检" in labels(m) and number in text_of(m), timeout=10
    )
    assert "直接报告纪检" in labels(status)
    card = await h.sim.wait_for(county_head, lambda m: "【待签批" in text_of(m), timeout=10)
    await h.sim.press(county_judge, status["message_id"], text="直接报告上级纪检")

    up = await h.sim.wait_for(mid_office, lambda m: "下级法院报送" in text_of(m), timeout=10)
    assert "记录人直接报告" in text_of(up) and number in text_of(up) and "中牟县人民法院" in text_of(up)
    await h.sim.wait_for(
        county_office, lambda m: "【待签批" in text_of(m) and number in text_of(m), timeout=10
    )
    await h.sim.wait_for(county_head, lambda m: "记录人已直接报告纪检监察机构" in text_of(m), timeout=10)
    closed = next(m for m in await h.sim.chat(county_head) if m["message_id"] == card["message_id"])
    assert not labels(closed)  # the head's level was passed: the card has no buttons left
    again = await h.answer_to_press(county_judge, status["message_id"], text="直接报告上级纪检")
    assert "已直接报告上级纪检监察机构" in again  # a second press: said once more, nothing sent twice
    ups = [m for m in await h.sim.chat(mid_office) if "下级法院报送" in text_of(m)]
    assert len(ups) == 1
    async with h.runtime.db.uow(read_only=True) as uow:
        entries = [e.action for e in await uow.ledger.entries() if e.object_id == number]
    assert "record.direct_above" in entries
    await h.sim.send_text(county_judge, f"/form {number}")
    form = await h.sim.wait_for(county_judge, lambda m: bool(m.get("document")), timeout=20)
    text = await asyncio.to_thread(pdf_text, await h.sim.download(form["document"]["file_id"]), tmp_path)
    assert "直接向郑州市中级人民法院纪检监察机构报告" in text  # the form tells what happened


async def test_a_court_at_the_top_offers_no_report_above(h: Harness) -> None:
    high_judge = await h.enrol("j001", "高院张法官")
    number = await submit_record(h, high_judge)
    status = await h.sim.wait_for(high_judge, lambda m: "直接报告纪检" in labels(m) and number in text_of(m))
    assert "直接报告上级纪检" not in labels(status)
