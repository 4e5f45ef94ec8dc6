"""The guided questions: one message per question, edited in place as buttons are pressed."""

from __future__ import annotations

from typing import Any

from telegram import Update

from liuhen.app.usecases import questionnaire
from liuhen.app.usecases.enrolment import Member
from liuhen.app.usecases.questionnaire import AmendRefused, Shown
from liuhen.bot import outbox
from liuhen.bot.context import Context
from liuhen.bot.parse import typed_text
from liuhen.bot.questionnaire import PREFIX, settings_of, show
from liuhen.bot.router import Router
from liuhen.texts import common as texts
from liuhen.texts import questions as words


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    rt = context.runtime
    result = await questionnaire.press(
        rt.db.uow(),
        staff=context.me.staff,
        token=query.data.removeprefix(PREFIX),
        clock=rt.clock,
        settings=settings_of(rt),
    )
    await query.answer(words.notice(result.notice, result.view))
    if result.view is None or query.message is None:
        return
    await show(context.bot, query.message.chat.id, result.view, edit_message_id=query.message.message_id)
    if result.outbox:
        await outbox.deliver(context.bot, rt, result.outbox)


async def _answer_typed(update: Update, context: Context, answer: Any) -> bool:
    """Hand typed text to `answer` (a questionnaire use case); False when it is not an answer."""
    text = typed_text(update)
    if text is None:
        return False
    rt = context.runtime
    view = await answer(
        rt.db.uow(),
        staff=context.me.staff,
        text=text,
        update_id=update.update_id,
        clock=rt.clock,
        settings=settings_of(rt),
    )
    if view is None:
        return False
    if view.kind is not Shown.DUPLICATE:
        await show(context.bot, update.effective_chat.id if update.effective_chat else 0, view)
    return True


async def try_text_answer(update: Update, context: Context) -> bool:
    """A typed answer to a pending question. False when the text is not an answer (it is evidence)."""
    if typed_text(update) is None or not await questionnaire.pending_text_field(
        context.runtime.db.uow(read_only=True), staff=context.me.staff
    ):
        return False
    return await _answer_typed(update, context, questionnaire.answer_text)


async def amend_command(update: Update, context: Context) -> None:
    """/amend NUMBER: a new version of a submitted record, with a reason (the old one is kept)."""
    assert update.message is not None
    if not context.args:
        await update.message.reply_text(texts.AMEND_USAGE)
        return
    try:
        number = await questionnaire.begin_amend(
            context.runtime.db.uow(), staff=context.me.staff, number=context.args[0]
        )
    except AmendRefused as exc:
        await update.message.reply_text(words.amend_refused(exc))
        return
    await update.message.reply_text(texts.amend_ask_reason(number))


async def try_amend_reason(update: Update, context: Context) -> bool:
    """The reason of an amendment asked for by /amend."""
    return await _answer_typed(update, context, questionnaire.amend_reason)


def _waits_for_amendment(me: Member) -> bool:
    return (me.pending_field or "").startswith(questionnaire.PENDING_AMEND)


def _waits_for_answer(me: Member) -> bool:
    """A question's key (working states start with "_")."""
    return bool(me.pending_field) and not (me.pending_field or "").startswith("_")


def install(router: Router) -> None:
    router.command("amend", amend_command)
    router.buttons(PREFIX, on_button)
    router.typed(_waits_for_amendment, try_amend_reason)
    router.typed(_waits_for_answer, try_text_answer, order=90)
