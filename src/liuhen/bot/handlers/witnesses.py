"""Witness confirmation of oral interventions (签字确认, seed 001 实施办法 §4)."""

from __future__ import annotations

from telegram import Update

from liuhen.app.usecases import witnesses
from liuhen.bot import outbox
from liuhen.bot.context import Context
from liuhen.bot.outbox import WITNESS_PREFIX
from liuhen.bot.parse import typed_text
from liuhen.bot.router import Router
from liuhen.texts import witnesses as texts


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    rt = context.runtime
    result = await witnesses.answer(
        rt.db.uow(), staff=context.me.staff, token=query.data.removeprefix(WITNESS_PREFIX), now=rt.clock.now()
    )
    await query.answer(texts.notice(result), show_alert=result.record_number is None)
    if result.status is None or query.message is None:
        return
    await query.edit_message_reply_markup(None)
    await context.bot.send_message(query.message.chat.id, texts.done(result))
    await outbox.deliver(context.bot, rt, result.keys)  # the recorder's news, by the door they are on


async def try_dispute_note(update: Update, context: Context) -> bool:
    message, text = update.message, typed_text(update)
    if message is None or text is None:
        return False
    rt = context.runtime
    number = await witnesses.dispute_note(
        rt.db.uow(), staff=context.me.staff, text=text, update_id=update.update_id, now=rt.clock.now()
    )
    if number is None:
        return False
    if number:
        await message.reply_text(texts.dispute_noted(number))
    return True


def install(router: Router) -> None:
    router.buttons(WITNESS_PREFIX, on_button)
    router.typed(lambda me: (me.pending_field or "").startswith(witnesses.PENDING_DISPUTE), try_dispute_note)
