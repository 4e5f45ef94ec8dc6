"""`/complaint` through the real bot (seed 001 §6, 实施办法 §9): a judge retaliated against writes a
complaint in a few messages; the discipline office gets it with the files; nobody in the judge's chain
hears anything, and the intervener is never told."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from liuhen.app import integrity
from liuhen.app.settings import Settings
from liuhen.app.usecases.records import list_records
from liuhen.domain.clock import FixedClock
from liuhen.domain.complaints import Destination
from liuhen.domain.ledger import canonical_json
from liuhen.storage import tables
from liuhen.texts import common as texts
from tests.bot.harness import START, Harness, start_harness, text_of
from tests.bot.test_intake import png
from tests.integrity_world import World

OWN = texts.complaint_button(Destination.OWN)
RETALIATION = "我如实记录了王副院长过问案件的情况后，庭里把我从审判岗位调到了档案室。"


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    # evidence encrypted at rest, as after `liuhen init`
    keys = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    await integrity.ensure_keys(keys, FixedClock(START))
    async with start_harness(db_url, tmp_path, settings={"reminder_check_seconds": 1.0}) as harness:
        yield harness


def buttons(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def ledger_actions(h: Harness) -> list[str]:
    async with h.runtime.db.uow(read_only=True) as uow:
        return [e.action for e in await uow.ledger.entries()]


async def test_a_complaint_goes_to_the_discipline_office_only(h: Harness, tmp_path: Path) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    vice = await h.enrol("v001", "王副院长")
    president = await h.enrol("p001", "周院长")
    discipline = await h.enrol("k001", "赵主任")
    quiet = {u: await h.bot_texts(u) for u in (head, vice, president)}

    intro = await h.say(judge, "/complaint")
    assert "控告 KG-2026-" in text_of(intro) and "不经过您的部门负责人和分管院领导" in text_of(intro)
    # a court with no court above in the deployment: its own office, and how to go upward outside it
    assert buttons(intro) == [OWN, texts.COMPLAINT_CANCEL]
    assert "本系统没有接入上一级法院" in text_of(intro) and "请直接向上一级法院纪检监察部门提出" in text_of(
        intro
    )
    typed = await h.sim.send_text(judge, RETALIATION)
    first = await h.reply_after(judge, typed["message"]["message_id"])
    assert "第 1 项" in text_of(first) and "本人说明" in text_of(first)
    shot = png("white")
    sent = await h.sim.send_file(judge, "photo", shot)
    second = await h.reply_after(judge, sent["message"]["message_id"])
    assert "第 2 项（截图/照片" in text_of(second)

    await h.sim.press(judge, second["message_id"], text=OWN)
    confirm = await h.sim.wait_for(judge, "已直接送达本院纪检监察部门")
    assert "（1 人）" in text_of(confirm) and "被控告的人不会收到任何通知" in text_of(confirm)

    delivered = await h.sim.wait_for(discipline, "【控告 · 直送纪检监察】")
    text = text_of(delivered)
    assert RETALIATION in text and "张法官（民事审判第一庭 审判员，工号 j001）" in text
    document = await h.sim.wait_for(discipline, lambda m: bool(m.get("document")))
    got = await h.sim.download(document["document"]["file_id"])
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(shot).hexdigest()  # decrypted from the store

    await h.handled()  # the submission, and all it sends, is over
    for user, before in quiet.items():  # the chain and the president heard nothing
        assert await h.bot_texts(user) == before
    actions = await ledger_actions(h)
    for action in ("complaint.open", "complaint.item", "complaint.submit", "complaint.deliver"):
        assert action in actions
    assert actions.count("complaint.deliver") == 1

    # the complaint is not a record, and what the judge sends next is evidence again
    assert await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id) == []
    receipt = await h.say(judge, "另一件事：有律师私下约我吃饭。")
    assert "已留存证据 #1" in text_of(receipt)

    # the files of the complaint are in the evidence store, encrypted, and verify covers them
    world = World(h.runtime, h.clock, h.runtime.settings, [])
    report = await world.verify()
    assert report.ok, report.problems
    assert h.runtime.store.path_for(hashlib.sha256(shot).hexdigest()).read_bytes()[:4] == b"\x89LHE"
    # each item's message is kept as Telegram sent it, nothing added by the library that decoded it
    items = tables.complaint_items.c
    async with h.runtime.db.engine.connect() as conn:
        kept = (await conn.scalars(select(items.message_sha256).order_by(items.seq))).first()
    assert kept is not None and await h.runtime.store.read(kept) == canonical_json(typed["message"])


async def test_a_discipline_member_who_enrols_later_still_gets_it(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    await h.say(judge, "/complaint")
    ack = await h.say(judge, RETALIATION)
    await h.sim.press(judge, ack["message_id"], text=OWN)
    saved = await h.sim.wait_for(judge, "已提交并永久保存")
    assert "还没有人登记" in text_of(saved)
    discipline = await h.enrol("k001", "赵主任")
    delivered = await h.sim.wait_for(discipline, "【控告 · 直送纪检监察】", timeout=15)
    assert RETALIATION in text_of(delivered)


async def test_empty_cancelled_stale_and_foreign_buttons(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    colleague = await h.enrol("j002", "钱法官")
    intro = await h.say(judge, "/complaint")
    assert await h.answer_to_press(judge, intro["message_id"], text=OWN) == (texts.COMPLAINT_EMPTY)

    ack = await h.say(judge, "说明")
    submit = next(b for row in ack["reply_markup"]["inline_keyboard"] for b in row if b["text"] == OWN)
    forged = await h.answer_to_press(colleague, ack["message_id"], data=submit["callback_data"], forge=True)
    assert forged == texts.BUTTON_FORBIDDEN

    await h.sim.press(judge, ack["message_id"], text=texts.COMPLAINT_CANCEL)
    cancelled = await h.sim.wait_for(judge, "已取消")
    assert "不会送出" in text_of(cancelled)
    stale = await h.answer_to_press(judge, intro["message_id"], text=OWN)
    assert stale == texts.COMPLAINT_STALE
    assert "complaint.cancel" in await ledger_actions(h)
    receipt = await h.say(judge, "这条是证据")
    assert "已留存证据" in text_of(receipt)
