"""Witness signatures (seed 001 实施办法 §4): confirm, dispute with a note, outsiders by name only."""

from __future__ import annotations

from datetime import UTC, datetime

from liuhen.app.usecases import enrolment, signoff, witnesses
from liuhen.app.usecases.roster import import_roster
from liuhen.domain.clock import FixedClock
from liuhen.domain.records import Record
from liuhen.domain.roster import parse_roster
from liuhen.storage.database import Database
from liuhen.texts import signoff as signoff_words
from liuhen.texts import witnesses as words
from liuhen.texts.profile import COURT

NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)


async def test_dispute_is_recorded_with_a_note_and_replays_do_nothing(db: Database, roster_csv: str) -> None:
    court = await db.ensure_court("c", "法院", "court")
    assert court.id is not None
    clock = FixedClock(NOW)
    await import_roster(db.uow(), court_id=court.id, roster=parse_roster(roster_csv), clock=clock, actor="t")
    for update_id, (staff_id, tg) in enumerate((("j001", 1), ("j002", 2)), start=1):
        inv = await enrolment.issue_invite(
            db.uow(), court_id=court.id, staff_id=staff_id, clock=clock, actor="t"
        )
        await enrolment.redeem(
            db.uow(), code_text=inv.code, telegram_user_id=tg, chat_id=tg, update_id=update_id, clock=clock
        )
    async with db.uow() as uow:
        recorder = await uow.staff.by_staff_id(court.id, "j001")
        witness = await uow.staff.by_staff_id(court.id, "j002")
        assert recorder is not None and witness is not None and recorder.id is not None
        record = Record(
            court_id=court.id,
            number="LH-2026-0009",
            recorder_id=recorder.id,
            status="submitted",
            created_at=NOW,
            updated_at=NOW,
            last_evidence_at=NOW,
            answers={"method": "phone", "place": "办公室", "persons_present": "钱法官、外单位司机"},
        )
        await uow.records.add(record)
        await uow.flush()
        [key] = await witnesses.requests_for(uow, record, recorder, NOW)
        await uow.commit()
    # the request goes out through the outbox, by the door that reaches the witness
    config = signoff.Config(UTC, "court")
    delivery = await signoff.prepare(db.uow(), key, NOW, config)
    assert delivery is not None and delivery.witness is not None
    request = delivery.witness
    assert delivery.chat_id == 2 and "办公室" in words.gist(request.gist, UTC)
    assert "在场人员确认" in signoff_words.delivery(delivery, UTC, COURT)
    assert set(record.answers["_witnesses"]) == {"j002"}  # the outsider is not asked

    result = await witnesses.answer(db.uow(), staff=witness, token=request.dispute_token, now=NOW)
    assert result.status == "disputed" and result.ask_note and len(result.keys) == 1
    told = await signoff.prepare(db.uow(), result.keys[0], NOW, config)  # the recorder's news, in the outbox
    assert told is not None and told.chat_id == 1
    assert signoff_words.delivery(told, UTC, COURT) == "在场人员 钱法官 对记录 LH-2026-0009 提出了异议。"
    again = await witnesses.answer(db.uow(), staff=witness, token=request.confirm_token, now=NOW)
    assert again.status is None and words.notice(again) == "已处理。"
    stranger = await witnesses.answer(db.uow(), staff=recorder, token=request.confirm_token, now=NOW)
    assert words.notice(stranger) == "该按钮无效或已过期。"

    assert (
        await witnesses.dispute_note(db.uow(), staff=witness, text="我当时不在场", update_id=50, now=NOW)
        == "LH-2026-0009"
    )
    assert (
        await witnesses.dispute_note(db.uow(), staff=witness, text="我当时不在场", update_id=50, now=NOW)
        is None
    )
    async with db.uow(read_only=True) as uow:
        stored = await uow.records.get(record.id or 0)
    assert stored is not None
    entry = stored.answers["_witnesses"]["j002"]
    assert entry["status"] == "disputed" and entry["note"] == "我当时不在场" and entry["at"]
