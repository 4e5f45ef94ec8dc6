"""The sign-off chain on WeCom (seed 004 §13): the officers' cards from the outbox, their presses and typed
opinions, the recorder's news, ``/pending`` — the same use cases and words as the Telegram door, as WeCom
cards. A person is reached on WeCom when they confirmed their WeCom account and are not enrolled on
Telegram (``Staff.chat_id``: WeCom's addresses are negative); each door sends the outbox messages of the
people it reaches."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import structlog

from liuhen.app import integrity
from liuhen.app.usecases import casezero as casezero_usecase
from liuhen.app.usecases import courts, deadlines, signoff, witnesses
from liuhen.app.usecases import integrity as integrity_usecases
from liuhen.app.usecases.enrolment import Member
from liuhen.app.usecases.intake import Button
from liuhen.app.usecases.signoff import Closed, Delivery, PressResult
from liuhen.domain.checkpoints import signed_head_document
from liuhen.domain.records import Evidence, EvidenceKind, EvidenceState
from liuhen.domain.signoff import DecisionKind
from liuhen.evidence.store import EvidenceStoreError
from liuhen.reports import registration
from liuhen.reports.casezero import casezero_pdf
from liuhen.texts import common as common_words
from liuhen.texts import integrity as integrity_words
from liuhen.texts import signoff as texts
from liuhen.texts import wecom as wecom_words
from liuhen.texts import witnesses as witness_words
from liuhen.texts.profile import voice
from liuhen.wecom import cards, casefile, casezero, complaints, followups, reads
from liuhen.wecom.api import WeComError
from liuhen.wecom.parse import Callback

if TYPE_CHECKING:
    from liuhen.wecom.door import WeComDoor

log = structlog.get_logger(__name__)

PENDING = signoff.PENDING


def _options(door: WeComDoor, rows: Iterable[Iterable[Button]]) -> list[tuple[str, str]]:
    v = voice(door.rt.settings.deadline_profile)
    return [(texts.button_label(b, v), b.token) for row in rows for b in row]


def _card(door: WeComDoor, title: str, text: str, rows: Iterable[Iterable[Button]]) -> cards.Json | None:
    options = _options(door, rows)
    return cards.choices(title, text, options, prefix=cards.SIGNOFF, kind="s") if options else None


async def _userid(door: WeComDoor, chat_id: int) -> str | None:
    async with door.rt.db.uow(read_only=True) as uow:
        person = await uow.staff.get(-chat_id)
    return person.wecom_userid if person is not None and person.on_wecom else None


async def deliver(door: WeComDoor, keys: Iterable[str]) -> int:
    """Send the outbox messages of people on WeCom (the others are the Telegram door's); how many went."""
    rt = door.rt
    sent = 0
    for key in keys:
        d = await signoff.prepare(rt.db.uow(), key, rt.clock.now(), rt.signoff_config(), wecom=True)
        if d is None:
            continue
        userid = await _userid(door, d.chat_id)
        message_id: int | None = None
        try:
            if userid is None:
                log.warning("signoff_unreachable", key=key)  # left the roster meanwhile: never retried
            elif d.kind == "copy":
                message_id = await _send_form(door, userid, d)
            elif d.kind == "notice":  # the PDF as issued, from the evidence store (seed 004 §22–§24)
                data = await rt.store.read(str(d.payload["sha256"]))
                await door.api.send_text(
                    userid, texts.delivery(d, rt.settings.tz, voice(rt.settings.deadline_profile))
                )
                media_id = await door.api.upload("file", str(d.payload["name"]), data, "application/pdf")
                message_id = (await door.api.send_file(userid, media_id)).message_id
            else:
                message_id = await _send_delivery(door, userid, d)
                if d.kind == casezero_usecase.TOLD and d.payload.get("pdf") and userid is not None:
                    await _send_casezero_pdf(door, userid, d)
        except (WeComError, OSError, EvidenceStoreError) as exc:
            log.warning("signoff_send_failed", key=key, error=str(exc))
            continue  # left unsent: the outbox round sends it again later
        await signoff.delivered(rt.db.uow(), d, message_id, rt.clock.now())
        sent += 1
    return sent


async def _send_delivery(door: WeComDoor, userid: str, d: Delivery) -> int:
    text = texts.delivery(d, door.rt.settings.tz, voice(door.rt.settings.deadline_profile))
    card = _card(door, wecom_words.SIGNOFF_TITLE.format(number=d.number), text, d.rows)
    if d.kind == casezero_usecase.CARD:  # a per-case zero report to confirm (seed 004 §16)
        card = casezero.review_card(casezero_usecase.card_of(d.chat_id, d.payload), text)
    if d.followup_card is not None:  # a follow-up's card (seed 004 §17–§20)
        card = followups.card_of(door, d.followup_card)
    if d.witness is not None:  # a person present confirms or disputes (seed 001 实施办法 §4)
        pairs = [
            (witness_words.CONFIRM, cards.WITNESS + d.witness.confirm_token),
            (witness_words.DISPUTE, cards.WITNESS + d.witness.dispute_token),
        ]
        card = cards.button_card(wecom_words.WITNESS_TITLE.format(number=d.number), text, pairs, kind="w")
    if card is None:
        return (await door.api.send_text(userid, text)).message_id
    sent = await door.api.send_card(userid, card)
    message_id = sent.message_id
    if sent.response_code:  # to close the card once its level is decided (seed 004 §13: one decision)
        door.cards[(d.chat_id, message_id)] = (userid, sent.response_code)
    return message_id


async def _send_casezero_pdf(door: WeComDoor, userid: str, d: Delivery) -> None:
    """The confirmed per-case zero report as a PDF for the case file (seed 004 §16: 确认后随案入卷)."""
    rt = door.rt
    report = int(d.payload["report"])
    name, data = await casezero_pdf(rt.db, report, court_name=rt.court_name, tz=rt.settings.tz)
    media_id = await door.api.upload("file", name, data, "application/pdf")
    await door.api.send_file(userid, media_id)


async def _send_form(door: WeComDoor, userid: str, d: Delivery) -> int | None:
    """The registration form itself, produced for its reader (the read authorised and in the ledger), as a
    file (seed 002 §6: the form goes to the discipline office and trial management within 3 days)."""
    rt = door.rt
    form = await registration.copy_for(rt, staff_pk=int(d.payload["staff"]), ref=str(d.payload["record"]))
    if form is None:
        log.info("form_copy_not_readable", key=d.key)  # left, or involved now: nothing is sent
        return None
    name, pdf = form
    await door.api.send_text(userid, texts.delivery(d, rt.settings.tz, voice(rt.settings.deadline_profile)))
    media_id = await door.api.upload("file", name, pdf, "application/pdf")
    return (await door.api.send_file(userid, media_id)).message_id


def close_cards(door: WeComDoor, closed: Closed | None) -> None:
    """Every WeCom card of a decided level says who decided what and when (no buttons left)."""
    if closed is None:
        return
    label = texts.closed(closed, door.rt.settings.tz)
    for chat_id, message_id in closed.cards:
        found = door.cards.pop((chat_id, message_id), None)
        if found is not None:
            door.close(found[0], found[1], label)


async def pressed(door: WeComDoor, userid: str, member: Member, token: str, code: str) -> None:
    rt = door.rt
    result = await signoff.press(
        rt.db.uow(), staff=member.staff, token=token, clock=rt.clock, config=rt.signoff_config()
    )
    await show(door, userid, member, result, response_code=code)


async def typed(door: WeComDoor, callback: Callback, member: Member) -> bool:
    """An opinion or a return reason the officer was asked for; False when the text is something else."""
    rt = door.rt
    done = await signoff.typed(
        rt.db.uow(),
        staff=member.staff,
        text=callback.get("Content"),
        update_id=callback.inbox_id,
        clock=rt.clock,
        config=rt.signoff_config(),
    )
    if done.duplicate:
        return True
    if done.result is None:
        return False
    result = done.result
    said = texts.notice(result, voice(rt.settings.deadline_profile))
    if said and result.opinion is None and not result.keys:
        door.say(callback.userid, said)
    elif result.keys or result.closed:
        door.say(callback.userid, texts.SUBMITTED)
    await show(door, callback.userid, member, result)
    return True


async def show(
    door: WeComDoor, userid: str, member: Member, result: PressResult, *, response_code: str = ""
) -> None:
    """What a press or an opinion brings: the short answer, the next buttons (the disposition picker, the
    opinion to confirm), a question to answer by typing, the full record or its evidence; then the
    decision's notices and the closing of the level's cards."""
    rt = door.rt
    v = voice(rt.settings.deadline_profile)
    notice = texts.notice(result, v)
    opinion = texts.opinion(result)
    if result.rows:
        card = _card(
            door, wecom_words.SIGNOFF_TITLE.format(number=result.number), opinion or notice or "", result.rows
        )
        assert card is not None
        if response_code and opinion is None:  # the pressed card becomes the next choice
            code, response_code = response_code, ""
            door.send(userid, lambda: door.api.update_card(userid, code, card))
        else:
            door.card(userid, card)
    if notice and opinion is None:  # WeCom has no toasts: the short answer is a message
        door.say(userid, notice)
    question = texts.ask(result)
    if question is not None:
        door.say(userid, question)
    if result.full is not None:
        door.say(userid, texts.full(result.full, result.full_chain, result.names, rt.settings.tz))
    for e in result.evidence:
        await _send_evidence(door, userid, result, e)
    close_cards(door, result.closed)
    await deliver(door, result.keys)
    if result.closed is not None and result.closed.what is DecisionKind.DISPOSE:  # filed: into the case file
        await casefile.send_tasks(door, member.staff.court_id)
        await deliver(door, await followups.send_due(door))  # 分流处理 (seed 004 §17–§20)
    if result.open_record is not None:
        await door.open_questions(userid, member, result.open_record)


async def _send_evidence(door: WeComDoor, userid: str, result: PressResult, e: Evidence) -> None:
    """查看证据: the original files as files (never re-encoded), texts as text."""
    number = result.evidence_number or ""
    if e.kind in (EvidenceKind.TEXT.value, EvidenceKind.NOTE.value):
        door.say(userid, texts.evidence_text(number, e))
        return
    if e.state != EvidenceState.STORED.value or e.sha256 is None:
        door.say(userid, texts.evidence_missing(number, e))
        return
    data = await door.rt.store.read(e.sha256)
    name = e.file_name or f"{e.sha256[:12]}"
    caption = texts.evidence_caption(number, e)

    async def send() -> None:
        media_id = await door.api.upload("file", name, data, "application/octet-stream")
        await door.api.send_text(userid, caption)
        await door.api.send_file(userid, media_id)

    door.send(userid, send)


async def pending(door: WeComDoor, userid: str, member: Member) -> None:
    rt = door.rt
    found = await signoff.pending(rt.db.uow(), staff=member.staff, clock=rt.clock, config=rt.signoff_config())
    rows = [[item.button] for item in found.items if item.button is not None]
    text = texts.pending(found.items, rt.settings.tz, more=found.more)
    card = _card(door, wecom_words.PENDING_TITLE, text, rows)
    if card is None:
        door.say(userid, text)
    else:
        door.card(userid, card)


async def outbox_round(door: WeComDoor) -> int:
    """The deadlines of every court (reminders, escalations: seed 004 §13), then what the outbox holds for
    people on WeCom; how many messages went."""
    rt = door.rt
    sent = 0
    for court_id in await courts.court_ids(rt.db.uow(read_only=True)):
        keys = await signoff.check_deadlines(
            rt.db.uow(), court_id=court_id, now=rt.clock.now(), config=rt.signoff_config()
        )
        sent += await deliver(door, keys)
    due = await signoff.due_outbox(rt.db.uow(read_only=True), rt.clock.now(), wecom=True)
    sent += await deliver(door, due)
    sent += await deliver(door, await followups.send_due(door))  # new follow-ups, reminders, escalations
    await complaints.deliver_round(door)  # complaints to the discipline office's members on WeCom
    sent += await draft_reminders(door)
    sent += await reads.quarterly_reminders(door)
    return sent + await casefile.send_all(door)  # new case-file tasks, overdue ones reminded once


async def witness_pressed(door: WeComDoor, userid: str, member: Member, token: str, code: str) -> None:
    """[确认属实] [有异议（说明）]: the signature of a person present, its time kept (seed 001 实施办法 §4);
    the recorder is told through the outbox, by the door they are on."""
    rt = door.rt
    result = await witnesses.answer(rt.db.uow(), staff=member.staff, token=token, now=rt.clock.now())
    if result.status is None:
        door.say(userid, witness_words.notice(result))
        return
    door.close(userid, code, witness_words.notice(result)[:20])
    door.say(userid, witness_words.done(result))
    await deliver(door, result.keys)


async def dispute_note(door: WeComDoor, callback: Callback, member: Member) -> bool:
    """The explanation of a dispute; False when none waits for one (the text is evidence then)."""
    number = await door.words(callback, member, witnesses.dispute_note)
    if number is None:
        return False
    if number:
        door.say(callback.userid, witness_words.dispute_noted(number))
    return True


async def signed_heads(door: WeComDoor) -> int:
    """A signed ledger checkpoint when the last is older than a day (the deployment may run on WeCom alone),
    then the newest signed head to each discipline officer on WeCom as a file: a copy the server's operator
    cannot reach (seed 003 §12: 全程留痕; seed 004 §15). How many copies went."""
    rt = door.rt
    await integrity.scheduled_checkpoint(rt)
    if not rt.settings.signed_head_to_discipline:
        return 0
    sent = 0
    for copy in await integrity_usecases.head_copies_due(rt.db.uow(), wecom=True):
        async with rt.db.uow(read_only=True) as uow:
            person = await uow.staff.get(copy.staff_pk)
        if person is None or person.wecom_userid is None:
            continue
        try:
            name = integrity_words.head_file_name(copy.checkpoint)
            data = signed_head_document(copy.checkpoint)
            media_id = await door.api.upload("file", name, data, "application/json")
            await door.api.send_text(
                person.wecom_userid, integrity_words.head_caption(copy.checkpoint, rt.settings.tz)
            )
            await door.api.send_file(person.wecom_userid, media_id)
        except (WeComError, OSError) as exc:  # claimed, not sent: tomorrow's head goes out anyway
            log.warning("signed_head_not_sent", staff=copy.staff_pk, error=str(exc))
            continue
        await integrity_usecases.head_copy_sent(rt.db.uow(), copy)
        sent += 1
    return sent


async def draft_reminders(door: WeComDoor) -> int:
    """A draft's reminders to its recorder on WeCom: half-way to the recording deadline and the day before
    (seed 002 §4, seed 004 §16); each once, ever."""
    rt = door.rt
    sent = 0
    due = await deadlines.due_everywhere(
        rt.db.uow,
        now=rt.clock.now(),
        tz=rt.settings.tz,
        deadline_profile=rt.settings.deadline_profile.value,
        wecom=True,
    )
    for reminder in due:
        async with rt.db.uow(read_only=True) as uow:
            person = await uow.staff.get(-reminder.chat_id)
        if person is None or person.wecom_userid is None:
            continue
        try:
            await door.api.send_text(
                person.wecom_userid, common_words.draft_reminder(reminder, rt.settings.tz)
            )
        except (WeComError, OSError) as exc:
            log.warning("reminder_failed", record=reminder.record_number, error=str(exc))
            continue
        await deadlines.notice_sent(rt.db.uow(), reminder.key)
        sent += 1
    return sent
