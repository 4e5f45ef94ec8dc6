"""Per-case zero reports (逐案零报告, seed 004 §16): `/casezero`, the buttons, the PDF for the case file."""

from __future__ import annotations

import contextlib

import structlog
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from liuhen.app.usecases import casezero
from liuhen.app.usecases.casezero import Draft, Op
from liuhen.bot import outbox
from liuhen.bot.context import Context
from liuhen.bot.outbox import send_case_file_tasks
from liuhen.bot.parse import typed_text
from liuhen.bot.router import Router
from liuhen.texts import monthly as texts

log = structlog.get_logger(__name__)

PREFIX = "z:"
_LABELS = {
    Op.SUBMIT: texts.BUTTON_SUBMIT,
    Op.ACK: texts.BUTTON_ACK,
    Op.CANCEL: texts.BUTTON_CANCEL,
}


def _markup(d: Draft) -> InlineKeyboardMarkup | None:
    if not d.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_LABELS[op], callback_data=PREFIX + token) for op, token in d.buttons]]
    )


async def _show(update: Update, d: Draft) -> None:
    assert update.message is not None
    if d.kind == "duplicate":
        return
    text = {
        "invalid": texts.CASEZERO_INVALID,
        "not_filed": texts.CASEZERO_NOT_FILED,
        "cancelled": texts.CASEZERO_CANCELLED,
    }.get(d.kind) or texts.casezero_draft(d)
    await update.message.reply_text(text, reply_markup=_markup(d))


async def casezero_command(update: Update, context: Context) -> None:
    """/casezero [案号]"""
    assert update.message is not None
    rt = context.runtime
    if not context.args:
        await casezero.begin(rt.db.uow(), staff=context.me.staff)
        await update.message.reply_text(texts.CASEZERO_ASK)
        return
    draft = await casezero.case_given(
        rt.db.uow(), staff=context.me.staff, text=" ".join(context.args), now=rt.clock.now()
    )
    await _show(update, draft)


async def try_typed(update: Update, context: Context) -> bool:
    """Typed text that answers /casezero (the case number) or explains a head's objection; False when
    neither is awaited (then the text is evidence). One read-only look first: intake stays fast."""
    if typed_text(update) is None:
        return False
    what = await casezero.awaiting(context.runtime.db.uow(read_only=True), staff=context.me.staff)
    if what == "case":
        return await try_case_number(update, context)
    if what == "note":
        return await try_dispute_note(update, context)
    return False


async def try_case_number(update: Update, context: Context) -> bool:
    """The case number typed after /casezero; False when none is awaited (then the text is evidence)."""
    text = typed_text(update)
    if text is None:
        return False
    rt = context.runtime
    draft = await casezero.case_typed(
        rt.db.uow(), staff=context.me.staff, text=text, update_id=update.update_id, now=rt.clock.now()
    )
    if draft is None:
        return False
    await _show(update, draft)
    return True


async def try_dispute_note(update: Update, context: Context) -> bool:
    """The department head's explanation of an objection."""
    text = typed_text(update)
    if text is None or update.message is None:
        return False
    rt = context.runtime
    outcome = await casezero.dispute_note(
        rt.db.uow(), staff=context.me.staff, text=text, update_id=update.update_id, now=rt.clock.now()
    )
    if outcome is None:
        return False
    if outcome.report is not None:
        await update.message.reply_text(texts.casezero_noted(outcome.report.number))
        await outbox.deliver(context.bot, context.runtime, outcome.keys)  # the officer told, by their door
    return True


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    rt = context.runtime
    outcome = await casezero.press(
        rt.db.uow(),
        staff=context.me.staff,
        token=query.data.removeprefix(PREFIX),
        now=rt.clock.now(),
        tz=rt.settings.tz,
    )
    if outcome.kind == "forbidden":
        await query.answer(texts.BUTTON_FORBIDDEN, show_alert=True)
        return
    if outcome.kind == "stale":
        await query.answer(texts.CASEZERO_STALE, show_alert=True)
        return
    await query.answer()
    with contextlib.suppress(BadRequest):  # already without buttons
        await query.edit_message_reply_markup(None)
    chat_id = query.message.chat.id if query.message is not None else None
    if chat_id is None:
        return
    if outcome.kind == "cancelled":
        await context.bot.send_message(chat_id, texts.CASEZERO_CANCELLED)
    elif outcome.kind in ("submitted", "no_reviewer"):
        await context.bot.send_message(chat_id, texts.casezero_submitted(outcome))
        await outbox.deliver(context.bot, rt, outcome.keys)  # the reviewer's card, by the door they are on
    elif outcome.kind in ("confirmed", "disputed"):
        await context.bot.send_message(chat_id, texts.casezero_reviewed(outcome))
        await outbox.deliver(context.bot, rt, outcome.keys)  # the officer told (the report, once confirmed)
        if outcome.kind == "confirmed":  # seed 004 §16: 确认后随案入卷 — the officer's task, at once
            await send_case_file_tasks(context.bot, rt, context.me.staff.court_id)
    else:  # done: submitted or reviewed before
        await context.bot.send_message(chat_id, texts.casezero_reviewed(outcome))


def install(router: Router) -> None:
    router.command("casezero", casezero_command)
    router.buttons(PREFIX, on_button)
    router.typed(lambda me: (me.pending_field or "").startswith(casezero.PENDING_CASE), try_typed)
