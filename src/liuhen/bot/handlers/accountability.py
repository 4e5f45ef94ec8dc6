"""Accountability (责任追究: seed 001 §9, §10; seed 004 §25–§30): `/accountability` shows the discipline
office this year's measures with the seed 004 §27 warnings and the records entered late (possible cases, never
decided); [登记责任追究] records one: ground, person, measure, then the record number and a note."""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from liuhen.app.settings import policy_of
from liuhen.app.usecases import accountability
from liuhen.app.usecases.accountability import Outcome
from liuhen.app.usecases.intake import Button
from liuhen.bot.context import Context
from liuhen.bot.router import Router
from liuhen.bot.typed import typed_words
from liuhen.texts import accountability as texts

PREFIX = "ac:"


def _markup(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(texts.button_label(b), callback_data=PREFIX + b.token) for b in row]
            for row in rows
        ]
    )


async def accountability_command(update: Update, context: Context) -> None:
    assert update.message is not None
    rt = context.runtime
    seen = await accountability.overview(
        rt.db.uow(),
        staff=context.me.staff,
        now=rt.clock.now(),
        tz=rt.settings.tz,
        policy=policy_of(rt.settings),
    )
    if seen is None:
        await update.message.reply_text(texts.ONLY_DISCIPLINE)
        return
    rows = ((seen.start,),) if seen.start is not None else ()
    await update.message.reply_text(texts.overview(seen, rt.settings.tz), reply_markup=_markup(rows))


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    rt = context.runtime
    result = await accountability.press(
        rt.db.uow(), staff=context.me.staff, token=query.data.removeprefix(PREFIX), now=rt.clock.now()
    )
    if result.outcome is Outcome.FORBIDDEN:
        await query.answer(texts.result(result, rt.settings.tz), show_alert=True)
        return
    await query.answer()
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(None)
    if query.message is not None:
        await context.bot.send_message(
            query.message.chat.id, texts.result(result, rt.settings.tz), reply_markup=_markup(result.rows)
        )


async def try_typed(update: Update, context: Context) -> bool:
    """Who (after a ground), or the record number and note (after a measure); False when none is awaited."""
    got = await typed_words(update, context, accountability.typed)
    if got is None:
        return False
    message, result = got
    if result.outcome is not Outcome.DUPLICATE:
        await message.reply_text(
            texts.result(result, context.runtime.settings.tz), reply_markup=_markup(result.rows)
        )
    return True


def install(router: Router) -> None:
    router.command("accountability", accountability_command)
    router.buttons(PREFIX, on_button)
    router.typed(lambda me: accountability.waiting(me.pending_field), try_typed)
