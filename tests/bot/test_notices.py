"""Notices (通报: seed 001 §8; seed 004 §22–§24): the discipline office issues a quarter's notice of the
violations found and the measures taken, or one notice per case, as a numbered PDF to the distribution it
ticks; it names the intervener, never the recorder; a notice with no distribution is refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tests.bot.harness import Harness, Message, start_harness, text_of
from tests.bot.signoff_flow import labels, sign_through, submit_record
from tests.integration.conftest import cli_runner
from tests.pdftext import pdf_text

INTERNAL = "本院内部（院领导、各部门负责人）"
OTHER = "其他司法机关纪检监察机构"


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path, settings={"reminder_check_seconds": 0.5}) as harness:
        yield harness


def document(name: str) -> Callable[[Message], bool]:
    return lambda m: str((m.get("document") or {}).get("file_name", "")).startswith(name)


async def choose(h: Harness, user: int, m: Message, label: str) -> Message:
    assert label in labels(m), (label, labels(m), text_of(m))
    await h.sim.press(user, m["message_id"], text=label)
    return await h.reply_after(user, m["message_id"])


async def investigated(h: Harness, judge: int, office: int) -> str:
    """A record on 钱法官's intervention, investigated and found true (seed 004 §19)."""
    officers = [await h.enrol("h001", "李庭长"), await h.enrol("v001", "王副院长")]
    number = await submit_record(
        h, judge, record_type="internal", intervener_name="钱法官", intervener_unit="本院刑事审判庭 审判员"
    )
    await sign_through(h, number, officers, office, "本院纪检监察机构调查处理")
    card = await h.sim.wait_for(
        office, lambda m: "【分流处理 · 新事项】" in text_of(m) and number in text_of(m)
    )
    await h.sim.press(office, card["message_id"], text="属实")
    await h.sim.wait_for(office, lambda m: "调查结论：属实" in text_of(m))
    await h.sim.send_text(office, "给予钱某某诫勉谈话")
    await h.sim.wait_for(judge, lambda m: "【处理结果】" in text_of(m) and number in text_of(m))
    return number


async def test_seed004_s22_a_quarters_notice_goes_to_its_distribution(
    h: Harness, tmp_path: Path, db_url: str
) -> None:
    judge = await h.enrol("j001", "张法官")
    office = await h.enrol("k001", "赵主任")
    president = await h.enrol("p001", "周院长")
    assert "由纪检监察部门发布" in text_of(await h.say(judge, "/notice 2026Q4"))
    number = await investigated(h, judge, office)

    assert "无须通报" in text_of(await h.say(office, "/notice 2026Q1"))
    assert "没有找到" in text_of(await h.say(office, "/notice 下季度"))
    card = await h.say(office, "/notice 2026Q4")
    assert "2026年第四季度违规情况通报" in text_of(card)
    refused = await choose(h, office, card, "发布通报")
    assert "请至少选择一个发送范围" in text_of(refused)  # nothing issued
    card = await choose(h, office, card, f"☐ {INTERNAL}")
    card = await choose(h, office, card, f"☐ {OTHER}")
    assert f"☑ {INTERNAL}" in labels(card) and f"☑ {OTHER}" in labels(card)
    asked = await choose(h, office, card, "发布通报")
    assert "请回复接收通报的其他司法机关" in text_of(asked)
    await h.sim.send_text(office, "某市公安局纪检监察室")
    issued = await h.sim.wait_for(office, document("通报-2026-1"), timeout=20)
    assert "已发布 纪通〔2026〕1号" in text_of(issued) and "经核查属实 1 件" in text_of(issued)
    assert "请另行送达 某市公安局纪检监察室" in text_of(issued)
    got = await h.sim.wait_for(president, document("通报-2026-1"), timeout=20)  # inside the court
    assert "请阅并按要求传达" in text_of(got)

    pdf = await h.sim.download(issued["document"]["file_id"])
    flat = "".join((await asyncio.to_thread(pdf_text, pdf, tmp_path)).split())
    assert "纪通〔2026〕1号" in flat and "关于2026年第四季度干预过问案件违规情况的通报" in flat
    assert number in flat and "钱法官" in flat and "给予钱某某诫勉谈话" in flat
    assert "抄送：某市公安局纪检监察室" in flat
    assert "张法官" not in flat  # never who recorded

    # one notice for the case (一案一通报), numbered on; the spent button issues nothing again
    card = await choose(h, office, await h.say(office, f"/notice {number}"), f"☐ {INTERNAL}")
    [spent] = [
        b["callback_data"]
        for row in card["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == "发布通报"
    ]
    second = await choose(h, office, card, "发布通报")
    assert document("通报-2026-2")(second), text_of(second)
    again = await h.answer_to_press(office, card["message_id"], data=spent, forge=True)
    assert "已失效" in again
    async with h.runtime.db.uow(read_only=True) as uow:
        actions = [e.action for e in await uow.ledger.entries()]
    assert actions.count("notice.issue") == 2

    # the operator issues one from the command line; a notice without a distribution is refused
    run = cli_runner(db_url, tmp_path, timeout=60, start=h.clock.now(), LIUHEN_COURT_NAME="测试县人民法院")
    refused_cli = await asyncio.to_thread(run, "notice", "issue", "2026Q4", "--to", "", "-o", "x.pdf")
    assert refused_cli.returncode == 1 and "请至少选择一个发送范围" in refused_cli.stderr
    assert not (tmp_path / "x.pdf").exists()
    done = await asyncio.to_thread(run, "notice", "issue", "2026Q4", "--to", "internal", "-o", "n.pdf")
    assert done.returncode == 0, done.stderr
    assert "纪通〔2026〕3号" in done.stdout and (tmp_path / "n.pdf").read_bytes().startswith(b"%PDF")
    # … and its distribution receives it: posted to the outbox, sent by the bot's outbox job (which takes
    # what another process posted a few seconds before)
    h.clock.set(h.clock.now() + timedelta(minutes=1))
    sent = await h.sim.wait_for(president, document("通报-2026-3"), timeout=20)
    assert await h.sim.download(sent["document"]["file_id"]) == (tmp_path / "n.pdf").read_bytes()


async def test_a_record_not_yet_disposed_of_is_not_notified(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    office = await h.enrol("k001", "赵主任")
    number = await submit_record(h, judge)
    await h.sim.wait_for(office, document("登记表"), timeout=20)  # the office's copy of the form
    assert "尚未由纪检监察部门办结" in text_of(await h.say(office, f"/notice {number}"))
