"""Notices (通报: seed 001 §8; seed 004 §22–§24): `/notice 2026Q4` or `/notice LH-…` opens the distribution
card of the discipline office; [发布通报] issues the numbered PDF to the office and the distribution."""

from __future__ import annotations

import contextlib

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest

from liuhen.app.runtime import Runtime
from liuhen.app.usecases import notices
from liuhen.app.usecases.notices import Card, Issued, Pressed
from liuhen.bot import outbox
from liuhen.bot.context import Context
from liuhen.bot.router import Router
from liuhen.bot.typed import typed_words
from liuhen.domain.notices import Refused
from liuhen.reports import notices as documents
from liuhen.texts import notices as texts

PREFIX = "nt:"


def _markup(c: Card) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(texts.button_label(b), callback_data=PREFIX + b.token) for b in row]
            for row in c.rows
        ]
    )


async def notice_command(update: Update, context: Context) -> None:
    assert update.message is not None
    rt = context.runtime
    if not notices.may_issue(context.me.staff):
        await update.message.reply_text(texts.ONLY_DISCIPLINE)
        return
    if not context.args:
        await update.message.reply_text(texts.USAGE)
        return
    try:
        c = await notices.card(
            rt.db.uow(),
            staff=context.me.staff,
            subject=" ".join(context.args),
            ticked=(),
            now=rt.clock.now(),
            tz=rt.settings.tz,
        )
    except Refused as exc:
        await update.message.reply_text(texts.PROBLEMS[exc.problem])
        return
    await update.message.reply_text(texts.card(c), reply_markup=_markup(c))


async def _send(bot: Bot, rt: Runtime, chat_id: int, issued: Issued) -> None:
    """The PDF to the issuer; to the distribution through the outbox (each by the door that reaches them)."""
    pdf, keys = await documents.publish(rt, issued)
    caption = texts.issued(issued, documents.reference(issued))
    await bot.send_document(chat_id, InputFile(pdf, filename=documents.file_name(issued)), caption=caption)
    await outbox.deliver(bot, rt, keys)


async def _answer(bot: Bot, rt: Runtime, chat_id: int, result: Pressed) -> None:
    if result.card is not None:
        await bot.send_message(chat_id, texts.card(result.card), reply_markup=_markup(result.card))
    elif result.ask_other:
        await bot.send_message(chat_id, texts.ASK_OTHER)
    elif result.problem is not None:
        await bot.send_message(chat_id, texts.PROBLEMS[result.problem])
    elif result.issued is not None:
        await _send(bot, rt, chat_id, result.issued)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    rt = context.runtime
    result = await notices.press(
        rt.db.uow(),
        staff=context.me.staff,
        token=query.data.removeprefix(PREFIX),
        now=rt.clock.now(),
        tz=rt.settings.tz,
    )
    if result.forbidden:
        await query.answer(texts.FORBIDDEN, show_alert=True)
        return
    await query.answer()
    if result.problem is None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
    if query.message is not None:
        await _answer(context.bot, rt, query.message.chat.id, result)


async def try_typed(update: Update, context: Context) -> bool:
    """The other organ's name; False when none is awaited."""
    got = await typed_words(update, context, notices.other_named, tz=context.runtime.settings.tz)
    if got is None:
        return False
    message, result = got
    await _answer(context.bot, context.runtime, message.chat.id, result)
    return True


def install(router: Router) -> None:
    router.command("notice", notice_command)
    router.buttons(PREFIX, on_button)
    router.typed(lambda me: notices.waiting(me.pending_field), try_typed)
