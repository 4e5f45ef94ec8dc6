"""The discipline office's follow-through on WeCom (分流处理: seed 004 §17–§20): the follow-up cards with
their steps, the words a step asks for, the documents (移送函, 澄清说明) as files, `/followup`; the outcome is
told through the outbox (seed 004 §19). The same use cases and words as the Telegram door."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from liuhen.app.usecases import courts, followup
from liuhen.app.usecases.enrolment import Member
from liuhen.app.usecases.followup import Card, Outcome, Result
from liuhen.domain.followup import Step
from liuhen.domain.model import Role, Staff
from liuhen.reports import followup as documents
from liuhen.texts import followup as texts
from liuhen.texts import wecom as wecom_words
from liuhen.wecom import cards
from liuhen.wecom.parse import Callback

if TYPE_CHECKING:
    from liuhen.wecom.door import WeComDoor

log = structlog.get_logger(__name__)


def card_of(door: WeComDoor, card: Card) -> cards.Json | None:
    """A follow-up's card with its steps' buttons; None when it has none (its words alone are sent)."""
    options = [(texts.button_label(b), b.token) for row in card.rows for b in row]
    if not options:
        return None
    title = wecom_words.FOLLOWUP_TITLE.format(number=card.followup.number)
    return cards.choices(
        title, texts.card(card, door.rt.settings.tz), options, prefix=cards.FOLLOWUP, kind="fu"
    )


def show(door: WeComDoor, userid: str, card: Card) -> None:
    shown = card_of(door, card)
    if shown is None:
        door.say(userid, texts.card(card, door.rt.settings.tz))
    else:
        door.card(userid, shown)


async def send_due(door: WeComDoor) -> list[str]:
    """New follow-ups, reminders and escalations of every court, posted to the outbox (the door that reaches
    each person sends them); the keys."""
    rt = door.rt
    keys: list[str] = []
    for court_id in await courts.court_ids(rt.db.uow(read_only=True)):
        keys += await followup.due_nudges(
            rt.db.uow(), court_id=court_id, now=rt.clock.now(), tz=rt.settings.tz
        )
    return keys


async def command(door: WeComDoor, userid: str, member: Member) -> None:
    """/followup: the open follow-ups (the office's head sees the whole office's), overdue first."""
    rt = door.rt
    if member.staff.role != Role.DISCIPLINE:
        door.say(userid, texts.ONLY_DISCIPLINE)
        return
    shown = await followup.open_cards(rt.db.uow(), staff=member.staff, now=rt.clock.now())
    if not shown:
        door.say(userid, texts.NONE_OPEN)
        return
    door.say(userid, texts.open_count(len(shown)))
    for card in shown:
        show(door, userid, card)


async def pressed(door: WeComDoor, userid: str, member: Member, token: str, code: str) -> None:
    rt = door.rt
    result = await followup.press(rt.db.uow(), staff=member.staff, token=token, now=rt.clock.now())
    if result.outcome in (Outcome.FORBIDDEN, Outcome.CLOSED, Outcome.STALE):
        door.say(userid, texts.problem(result))
        return
    door.close(userid, code, wecom_words.CLOSED_LABEL)
    if result.step is Step.APPROVE:
        door.say(userid, texts.approved(result))
    if result.outcome is Outcome.ASK:
        door.say(userid, texts.ask(result))
    else:
        await after_step(door, userid, member.staff, result)


async def typed(door: WeComDoor, callback: Callback, member: Member) -> bool:
    """The words a step asked for; False when none are awaited."""
    result = await door.words(callback, member, followup.typed)
    if result is None:
        return False
    if result.outcome is Outcome.DONE:
        await after_step(door, callback.userid, member.staff, result)
    elif result.outcome is not Outcome.DUPLICATE:
        door.say(callback.userid, texts.problem(result))
    return True


async def after_step(door: WeComDoor, userid: str, staff: Staff, result: Result) -> None:
    """What a step leaves to send: the card's next state, the document, the outcome to those told."""
    from liuhen.wecom import signing

    rt = door.rt
    if result.card is not None:
        show(door, userid, result.card)
    f = result.followup
    if result.document and f is not None:
        made = await documents.document_for(rt, reader=staff, followup=f)
        if made is None:
            log.info("followup_document_not_readable", followup=f.id)
        else:
            name, pdf = made
            caption = texts.letter_caption(f)

            async def send() -> None:
                media_id = await door.api.upload("file", name, pdf, "application/pdf")
                await door.api.send_text(userid, caption)
                await door.api.send_file(userid, media_id)

            door.send(userid, send)
    await signing.deliver(door, result.keys)  # those told (the outbox: sent again by its round if this fails)
