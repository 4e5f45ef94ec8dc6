"""The discipline office's follow-ups on chat: the cards with their buttons, the documents (移送函, 澄清说明)
and the outcome told to the recorder (seed 004 §17–§20, §19). Shared by the follow-up feature and the sign-off
feature, which sends the first card as soon as a disposition opens one."""

from __future__ import annotations

import structlog
from telegram import Bot, InputFile

from liuhen.app.runtime import Runtime
from liuhen.app.usecases import followup
from liuhen.app.usecases.followup import Card, Result
from liuhen.bot.outbox import FOLLOWUP_PREFIX, deliver, followup_markup
from liuhen.domain.model import Staff
from liuhen.reports import followup as documents
from liuhen.texts import followup as texts

log = structlog.get_logger(__name__)

PREFIX = FOLLOWUP_PREFIX


async def send_card(bot: Bot, rt: Runtime, card: Card) -> None:
    await bot.send_message(card.chat_id, texts.card(card, rt.settings.tz), reply_markup=followup_markup(card))


async def send_due(bot: Bot, rt: Runtime, court_id: int) -> None:
    """New follow-ups to their owners, reminders, and the escalations of lapsed ones, through the outbox (each
    door sends its own people's): by the job, and at once after a disposition."""
    keys = await followup.due_nudges(rt.db.uow(), court_id=court_id, now=rt.clock.now(), tz=rt.settings.tz)
    await deliver(bot, rt, keys)


async def after_step(bot: Bot, rt: Runtime, staff: Staff, chat_id: int, result: Result) -> None:
    """What a step leaves to send: the card's next state, the document, the outcome to those told."""
    if result.card is not None:
        await send_card(bot, rt, result.card)
    f = result.followup
    if result.document and f is not None:
        made = await documents.document_for(rt, reader=staff, followup=f)
        if made is None:
            log.info("followup_document_not_readable", followup=f.id)
        else:
            name, pdf = made
            await bot.send_document(chat_id, InputFile(pdf, filename=name), caption=texts.letter_caption(f))
    await deliver(bot, rt, result.keys)  # those told (the outbox: sent again by its job if this fails)
