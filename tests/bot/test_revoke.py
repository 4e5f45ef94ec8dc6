"""A lost phone and a person leaving, through the real bot: `liuhen org revoke` cuts the Telegram
account off at its next update; a person deactivated by the roster loses access at the next update too.
Nothing they send afterwards is stored, no button of theirs works, and their records stay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from liuhen.app.usecases.records import list_records
from liuhen.app.usecases.revoke import revoke
from liuhen.app.usecases.roster import import_roster
from liuhen.domain.roster import parse_roster
from liuhen.texts import common as texts
from tests.bot.harness import Harness, start_harness, text_of
from tests.conftest import DEMO_ROSTER

REFUSED = (texts.NOT_ENROLLED, texts.DEACTIVATED)


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        yield harness


async def evidence_count(h: Harness) -> int:
    records = await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)
    return sum(len(r["evidence"]) for r in records)


async def test_revoke_cuts_the_lost_phone_off_at_once(h: Harness) -> None:
    lost_phone = await h.enrol("j001", "张法官")
    receipt = await h.say(lost_phone, "庭长让我把那个案子缓一缓。")
    assert "已留存证据 #1" in text_of(receipt)
    spare_code = await h.invite("j001")  # issued before the phone was lost, never used

    result = await revoke(
        h.runtime.db.uow(), court_id=h.runtime.court_id, staff_id="j001", clock=h.clock, actor="cli"
    )
    assert result.was_bound and result.codes_expired == 1

    # the next update from the lost phone is refused, and nothing it sends is stored
    assert text_of(await h.say(lost_phone, "/whoami")) in REFUSED
    assert text_of(await h.say(lost_phone, "随便写点什么")) in REFUSED
    assert await evidence_count(h) == 1
    assert await h.answer_to_press(lost_phone, receipt["message_id"], text=texts.BUTTON_FILL) in REFUSED
    # the code from before does not enrol anyone any more
    stranger = await h.user("拿到手机的人")
    assert text_of(await h.say(stranger, f"/start {spare_code}")) == texts.ENROL_EXPIRED

    # the judge enrols again on the new phone with a fresh code; the old record is theirs still
    new_phone = await h.enrol("j001", "张法官")
    drafts = await h.say(new_phone, "/drafts")
    assert "LH-2026-0001" in text_of(drafts)
    assert text_of(await h.say(lost_phone, "/whoami")) in REFUSED
    async with h.runtime.db.uow(read_only=True) as uow:
        actions = [e.action for e in await uow.ledger.entries()]
    assert actions.count("enrolment.revoke") == 1


async def test_a_deactivated_person_loses_access_at_the_next_update(h: Harness) -> None:
    judge = await h.enrol("j002", "钱法官")
    receipt = await h.say(judge, "有人托我关照一个案子。")
    assert "已留存证据 #1" in text_of(receipt)
    rows = [
        line for line in DEMO_ROSTER.read_text(encoding="utf-8").splitlines() if not line.startswith("j002,")
    ]
    rt = h.runtime
    summary = await import_roster(
        rt.db.uow(), court_id=rt.court_id, roster=parse_roster("\n".join(rows)), clock=h.clock, actor="test"
    )
    assert summary.deactivated == ["j002"]
    assert text_of(await h.say(judge, "又来了一条")) in REFUSED
    assert await h.answer_to_press(judge, receipt["message_id"], text=texts.BUTTON_FILL) in REFUSED
    assert await evidence_count(h) == 1  # refused input is not stored; the earlier record stays
