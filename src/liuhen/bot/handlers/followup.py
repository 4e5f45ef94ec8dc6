"""The discipline office's follow-through (分流处理: seed 004 §17–§20): `/followup` lists the office's open
follow-ups, overdue first; each card's buttons take its steps (typed words where a step needs them); the
recorder is told the outcome (seed 004 §19); lapsed ones go to the office's head, then the chief."""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.error import BadRequest

from liuhen.app.usecases import followup
from liuhen.app.usecases.followup import Outcome
from liuhen.bot.context import Context
from liuhen.bot.followup_cards import PREFIX, after_step, send_card, send_due
from liuhen.bot.outbox import each_court
from liuhen.bot.router import Router
from liuhen.bot.typed import typed_words
from liuhen.domain.followup import Step
from liuhen.domain.model import Role
from liuhen.texts import followup as texts


async def followup_command(update: Update, context: Context) -> None:
    """/followup: the open follow-ups (the office's head sees the whole office's), overdue first."""
    assert update.message is not None
    rt = context.runtime
    me = context.me.staff
    if me.role != Role.DISCIPLINE:
        await update.message.reply_text(texts.ONLY_DISCIPLINE)
        return
    cards = await followup.open_cards(rt.db.uow(), staff=me, now=rt.clock.now())
    if not cards:
        await update.message.reply_text(texts.NONE_OPEN)
        return
    await update.message.reply_text(texts.open_count(len(cards)))
    for card in cards:
        await send_card(context.bot, rt, card)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    rt = context.runtime
    result = await followup.press(
        rt.db.uow(), staff=context.me.staff, token=query.data.removeprefix(PREFIX), now=rt.clock.now()
    )
    if result.outcome in (Outcome.FORBIDDEN, Outcome.CLOSED, Outcome.STALE):
        await query.answer(texts.problem(result), show_alert=True)
        return
    await query.answer(texts.approved(result) if result.step is Step.APPROVE else None)
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(None)
    if query.message is None:
        return
    if result.outcome is Outcome.ASK:
        await context.bot.send_message(query.message.chat.id, texts.ask(result))
    else:
        await after_step(context.bot, rt, context.me.staff, query.message.chat.id, result)


async def try_typed(update: Update, context: Context) -> bool:
    """The words a step asked for; False when none are awaited."""
    got = await typed_words(update, context, followup.typed)
    if got is None:
        return False
    message, result = got
    if result.outcome is Outcome.DONE:
        await after_step(context.bot, context.runtime, context.me.staff, message.chat.id, result)
    elif result.outcome is not Outcome.DUPLICATE:
        await message.reply_text(texts.problem(result))
    return True


async def nudge_job(context: Context) -> None:
    """New follow-ups (of another process, or missed at once), reminders and escalations."""
    await each_court(context.bot, context.runtime, send_due)


def install(router: Router) -> None:
    router.command("followup", followup_command)
    router.buttons(PREFIX, on_button)
    router.typed(lambda me: followup.waiting_for_words(me.pending_field), try_typed)
    router.job(
        "followup",
        nudge_job,
        every=lambda s: s.reminder_check_seconds,
        first=lambda s: min(20.0, s.reminder_check_seconds),
    )
