"""One person, two doors: a judge enrolled on Telegram and confirmed on WeCom is one staff member with one
set of records — evidence from both joins the same draft — and a submitted record is corrected from WeCom
as a new version with a reason, never back to a draft (seed 003 §12, seed 004 §15: 全程留痕)."""

from __future__ import annotations

from pathlib import Path

import pytest

from liuhen.app.runtime import Arrived
from liuhen.domain.ledger import canonical_json
from liuhen.domain.records import EvidenceKind, IncomingEvidence, Origin, RecordStatus
from tests.wecom.walk import fill_and_submit, press_label
from tests.wecom.world import World, wecom_world

TELEGRAM_CHAT = 5_000_001


@pytest.fixture
async def world(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    async with wecom_world(db_url, tmp_path) as w:
        yield w


async def test_evidence_from_both_doors_joins_one_draft_and_news_goes_to_the_telegram_chat(
    world: World,
) -> None:
    judge = await world.confirmed("j001")
    await world.confirmed("h001")  # the head is on WeCom only
    rt = world.runtime
    async with rt.db.uow() as uow:  # the judge also enrolled on Telegram (as `/start CODE` leaves it)
        staff = await uow.staff.by_staff_id(rt.court_id, "j001")
        assert staff is not None
        staff.telegram_user_id = staff.telegram_chat_id = TELEGRAM_CHAT
        await uow.commit()
    await judge.send_text("微信里收到的说情消息")
    await judge.wait_for("已留存证据")
    async with rt.db.uow(read_only=True) as uow:
        staff = await uow.staff.by_staff_id(rt.court_id, "j001")
        head = await uow.staff.by_staff_id(rt.court_id, "h001")
    assert staff is not None and head is not None and head.id is not None
    # what reaches them on its own: the judge on Telegram (enrolled there), the head on WeCom
    assert staff.chat_id == TELEGRAM_CHAT and head.chat_id == -head.id
    incoming = IncomingEvidence(  # the same judge forwards a message in the Telegram chat
        kind=EvidenceKind.TEXT,
        chat_id=TELEGRAM_CHAT,
        message_id=7,
        update_id=424242,
        sent_at=rt.clock.now(),
        origin=Origin("direct"),
        text="Telegram 里收到的同一件事的录音说明",
    )
    receipt = await rt.intake.submit(Arrived(staff, incoming, canonical_json({"text": incoming.text}), None))
    assert receipt is not None
    items = await world.evidence()
    assert [e.update_id > 0 for e in items] == [False, True]
    assert len({e.record_id for e in items}) == 1  # one draft, whatever the door


async def test_a_submitted_record_is_corrected_from_wecom_as_a_new_version(world: World) -> None:
    judge = await world.confirmed("j001")
    _, _, _, said = await fill_and_submit(world, judge)
    number = next(
        word for word in said.replace("，", " ").replace("。", " ").split() if word.startswith("LH-")
    )
    await judge.send_text(f"/amend {number}")
    await judge.wait_for("原因")
    await judge.send_text("过问时间记错了一小时")
    review = await judge.wait_for(lambda m: m.card is not None and "提交更正" in m.text)
    await press_label(judge, review, "提交更正")
    await judge.wait_for_update(review)
    async with world.runtime.db.uow(read_only=True) as uow:
        record = await uow.records.by_number(world.runtime.court_id, number)
        assert record is not None and record.id is not None
        versions = await uow.records.versions(record.id)
    assert record.status != RecordStatus.DRAFT.value and record.version == 2
    assert [v["reason"] for v in versions][-1:] == ["过问时间记错了一小时"]
    await judge.send_text("/amend LH-2099-9999")
    await judge.wait_for("LH-2099-9999")  # someone else's or no record: said, nothing changed
