"""`/complaint` on WeCom (seed 001 §6, 实施办法 §9; seed 002 §11): a complaint of retaliation written in a
few messages and sent straight to the discipline office — the same use cases as the Telegram door; each door
delivers it to the office's members it reaches (the others' door claims its own)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from liuhen.app.usecases import complaint, intake
from liuhen.app.usecases.complaint import Buttons, Delivery, PressOutcome
from liuhen.app.usecases.enrolment import Member
from liuhen.domain.ledger import canonical_json
from liuhen.evidence.store import EvidenceStoreError
from liuhen.texts import common as texts
from liuhen.texts import wecom as wecom_words
from liuhen.texts.profile import voice
from liuhen.wecom import cards
from liuhen.wecom.api import WeComError
from liuhen.wecom.parse import MESSAGE_MEDIA_TYPE, Callback

if TYPE_CHECKING:
    from liuhen.wecom.door import WeComDoor

log = structlog.get_logger(__name__)


def _card(door: WeComDoor, title: str, text: str, buttons: Buttons) -> cards.Json:
    v = voice(door.rt.settings.deadline_profile)
    pairs = [(texts.complaint_button(d, v), cards.COMPLAINT + token) for d, token in buttons.submit]
    pairs.append((texts.COMPLAINT_CANCEL, cards.COMPLAINT + buttons.cancel))
    return cards.button_card(title, text, pairs, kind="kg")


async def command(door: WeComDoor, userid: str, member: Member) -> None:
    rt = door.rt
    opened = await complaint.open_complaint(rt.db.uow(), staff=member.staff, clock=rt.clock)
    v = voice(rt.settings.deadline_profile)
    text = texts.complaint_intro(opened.number, opened.resumed, opened.items, opened.buttons.upward, v)
    door.card(userid, _card(door, wecom_words.COMPLAINT_TITLE, text, opened.buttons))


async def item(door: WeComDoor, callback: Callback, member: Member) -> bool:
    """While a complaint is being written, every message is its content. False otherwise (evidence)."""
    rt = door.rt
    incoming = door.incoming(callback, member)
    got = await door.fetch(incoming.file) if incoming.file is not None else None
    raw = await rt.store.put_bytes(canonical_json(callback.as_json()))
    content = intake.stored_content(raw.sha256, raw.size, got, MESSAGE_MEDIA_TYPE)
    try:
        ack = await complaint.add_item(
            rt.db.uow(), staff=member.staff, incoming=incoming, content=content, clock=rt.clock
        )
    except complaint.NotWriting:
        return False
    if ack is not None:  # None: a retried callback, already acknowledged
        text = texts.complaint_item(ack.number, ack.item)
        door.card(callback.userid, _card(door, wecom_words.COMPLAINT_TITLE, text, ack.buttons))
    return True


async def pressed(door: WeComDoor, userid: str, member: Member, token: str, code: str) -> None:
    rt = door.rt
    result = await complaint.press(
        rt.db.uow(),
        staff=member.staff,
        token=token,
        clock=rt.clock,
        upward=rt.settings.complaint_upward,
        wecom=True,
    )
    if result.outcome is PressOutcome.FORBIDDEN:
        log.warning("button_refused", action="complaint")
        door.say(userid, texts.BUTTON_FORBIDDEN)
        return
    if result.outcome is PressOutcome.STALE:
        door.say(userid, texts.COMPLAINT_STALE)
        return
    if result.outcome is PressOutcome.EMPTY:
        door.say(userid, texts.COMPLAINT_EMPTY)
        return
    door.close(userid, code, wecom_words.CLOSED_LABEL)
    assert result.number is not None
    if result.outcome is PressOutcome.CANCELLED:
        door.say(userid, texts.complaint_cancelled(result.number))
        return
    await deliver(door, result.deliveries)
    door.say(userid, texts.complaint_submitted(result, voice(rt.settings.deadline_profile)))


async def deliver(door: WeComDoor, deliveries: tuple[Delivery, ...] | list[Delivery]) -> None:
    """Each delivery to a member on WeCom: the text, then the files (decrypted through the store); a failed
    one stays unsent and is delivered again by the next round."""
    rt = door.rt
    for d in deliveries:
        async with rt.db.uow(read_only=True) as uow:
            person = await uow.staff.get(-d.chat_id)
        userid = person.wecom_userid if person is not None else None
        if userid is None:
            continue
        try:
            await door.api.send_text(userid, texts.complaint_delivery(d, rt.settings.tz))
            for part in d.items:
                if not complaint.has_file(part):
                    continue
                assert part.sha256 is not None
                try:
                    data = await rt.store.read(part.sha256)
                except (OSError, EvidenceStoreError) as exc:
                    log.error("complaint_file_unreadable", complaint=d.number, item=part.seq, error=repr(exc))
                    continue
                name = complaint.file_name(d.number, part.seq, part.media_type)
                media_id = await door.api.upload("file", name, data, "application/octet-stream")
                await door.api.send_file(userid, media_id)
        except (WeComError, OSError) as exc:
            log.warning("complaint_delivery_failed", complaint=d.number, error=str(exc))
            continue
        await complaint.delivered(rt.db.uow(), d.key)


async def deliver_round(door: WeComDoor) -> None:
    """Deliveries left unsent, and to discipline members who confirmed their WeCom account since."""
    rt = door.rt
    deliveries = await complaint.pending_everywhere(
        rt.db.uow, clock=rt.clock, upward=rt.settings.complaint_upward, wecom=True
    )
    await deliver(door, deliveries)
