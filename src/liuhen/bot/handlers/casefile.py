"""Into the case file (入卷存查: seed 000; seed 001 实施办法 §4, §5; seed 002 §4, §5; seed 004 §16): the case
officer is told when a record is filed or a zero report confirmed, presses [已入卷，登记卷号], types where the
material went; `/casefile` lists what is still open; an overdue task is reminded once."""

from __future__ import annotations

import contextlib

import structlog
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from liuhen.app.usecases import casefile
from liuhen.app.usecases.casefile import Outcome, TaskView
from liuhen.bot.context import Context
from liuhen.bot.outbox import casefile_markup, each_court, send_case_file_tasks
from liuhen.bot.router import Router
from liuhen.bot.typed import typed_words
from liuhen.texts import casefile as texts

log = structlog.get_logger(__name__)

PREFIX = "cf:"


def _markup(view: TaskView) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(texts.BUTTON_DONE, callback_data=PREFIX + view.token)]]
    )


async def casefile_command(update: Update, context: Context) -> None:
    """/casefile: the open tasks, each with its button."""
    assert update.message is not None
    rt = context.runtime
    views = await casefile.open_tasks(rt.db.uow(), staff=context.me.staff, now=rt.clock.now())
    if not views:
        await update.message.reply_text(texts.NONE_OPEN)
        return
    await update.message.reply_text(texts.open_count(len(views)))
    for view in views:
        await update.message.reply_text(texts.task(view, rt.settings.tz), reply_markup=casefile_markup(view))


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    rt = context.runtime
    result = await casefile.press(
        rt.db.uow(), staff=context.me.staff, token=query.data.removeprefix(PREFIX), now=rt.clock.now()
    )
    if result.outcome is Outcome.FORBIDDEN:
        await query.answer(texts.FORBIDDEN, show_alert=True)
        return
    if result.outcome is Outcome.ALREADY:
        await query.answer(texts.ALREADY, show_alert=True)
        return
    await query.answer()
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(None)
    if query.message is not None and result.task is not None:
        await context.bot.send_message(query.message.chat.id, texts.ask(result.task))


async def try_typed(update: Update, context: Context) -> bool:
    """The file number or place, typed after the button; False when none is awaited."""
    got = await typed_words(update, context, casefile.typed)
    if got is None:
        return False
    message, result = got
    if result.outcome is not Outcome.DUPLICATE:
        await message.reply_text(texts.answer(result, context.runtime.settings.tz))
    return True


async def nudge_job(context: Context) -> None:
    """New tasks announced to their officers (missed at once, or of another process); overdue ones
    reminded once."""
    await each_court(context.bot, context.runtime, send_case_file_tasks)


def install(router: Router) -> None:
    router.command("casefile", casefile_command)
    router.buttons(PREFIX, on_button)
    router.typed(lambda me: casefile.waiting_for_file_ref(me.pending_field), try_typed)
    router.job(
        "casefile",
        nudge_job,
        every=lambda s: s.reminder_check_seconds,
        first=lambda s: min(20.0, s.reminder_check_seconds),
    )
