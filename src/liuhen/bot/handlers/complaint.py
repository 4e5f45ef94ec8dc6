"""`/complaint` (seed 001 §6, 实施办法 §9): write a complaint of retaliation in a few messages and
send it straight to the discipline office. Use cases: ``domain/services/complaint.py``."""

from __future__ import annotations

import structlog
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError

from liuhen.app.runtime import Runtime
from liuhen.app.usecases import complaint
from liuhen.app.usecases.complaint import Buttons, Delivery, PressOutcome
from liuhen.bot.context import Context
from liuhen.bot.outbox import voice_of
from liuhen.bot.parse import incoming_from
from liuhen.bot.router import Router
from liuhen.bot.storing import store_message
from liuhen.evidence.store import EvidenceStoreError
from liuhen.texts import common as texts
from liuhen.texts.profile import Voice

log = structlog.get_logger(__name__)

PREFIX = "kg:"


def _keyboard(buttons: Buttons, v: Voice) -> InlineKeyboardMarkup:
    """One destination a row, upward first (the default), then 取消."""
    rows = [
        [InlineKeyboardButton(texts.complaint_button(d, v), callback_data=PREFIX + token)]
        for d, token in buttons.submit
    ]
    rows.append([InlineKeyboardButton(texts.COMPLAINT_CANCEL, callback_data=PREFIX + buttons.cancel)])
    return InlineKeyboardMarkup(rows)


async def complaint_command(update: Update, context: Context) -> None:
    assert update.message is not None
    rt = context.runtime
    opened = await complaint.open_complaint(rt.db.uow(), staff=context.me.staff, clock=rt.clock)
    v = voice_of(rt)
    await update.message.reply_text(
        texts.complaint_intro(opened.number, opened.resumed, opened.items, opened.buttons.upward, v),
        reply_markup=_keyboard(opened.buttons, v),
    )


async def try_item(update: Update, context: Context) -> bool:
    """While a complaint is being written, every message is its content. False otherwise (evidence)."""
    message = update.message
    if message is None:
        return False
    rt, staff = context.runtime, context.me.staff
    if not context.me.writing_complaint:  # read by the access gate (`add_item` checks again)
        return False
    incoming = incoming_from(message, update.update_id)
    content = await store_message(context, update, message, incoming)
    try:
        ack = await complaint.add_item(
            rt.db.uow(), staff=staff, incoming=incoming, content=content, clock=rt.clock
        )
    except complaint.NotWriting:
        return False
    if ack is not None:  # None: a replay, already acknowledged
        await message.reply_text(
            texts.complaint_item(ack.number, ack.item), reply_markup=_keyboard(ack.buttons, voice_of(rt))
        )
    return True


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    rt = context.runtime
    result = await complaint.press(
        rt.db.uow(),
        staff=context.me.staff,
        token=query.data.removeprefix(PREFIX),
        clock=rt.clock,
        upward=rt.settings.complaint_upward,
    )
    if result.outcome is PressOutcome.FORBIDDEN:
        log.warning("button_refused", action="complaint")
        await query.answer(texts.BUTTON_FORBIDDEN, show_alert=True)
        return
    if result.outcome is PressOutcome.STALE:
        await query.answer(texts.COMPLAINT_STALE, show_alert=True)
        return
    if result.outcome is PressOutcome.EMPTY:
        await query.answer(texts.COMPLAINT_EMPTY, show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    chat_id = query.message.chat.id if query.message else context.me.staff.telegram_chat_id or 0
    assert result.number is not None
    if result.outcome is PressOutcome.CANCELLED:
        await context.bot.send_message(chat_id, texts.complaint_cancelled(result.number))
        return
    await deliver(context.bot, rt, result.deliveries)
    await context.bot.send_message(chat_id, texts.complaint_submitted(result, voice_of(rt)))


async def deliver(bot: Bot, rt: Runtime, deliveries: tuple[Delivery, ...] | list[Delivery]) -> None:
    """Send each delivery (text, then the files, decrypted through the store); a failed one stays unsent
    and is delivered again by the job."""
    for d in deliveries:
        try:
            await bot.send_message(d.chat_id, texts.complaint_delivery(d, rt.settings.tz))
            for item in d.items:
                if not complaint.has_file(item):
                    continue
                assert item.sha256 is not None
                try:
                    data = await rt.store.read(item.sha256)
                except (OSError, EvidenceStoreError) as exc:
                    log.error("complaint_file_unreadable", complaint=d.number, item=item.seq, error=repr(exc))
                    continue
                await bot.send_document(
                    d.chat_id,
                    InputFile(data, filename=complaint.file_name(d.number, item.seq, item.media_type)),
                    caption=f"{d.number} 第 {item.seq} 项",
                )
        except TelegramError as exc:
            log.warning("complaint_delivery_failed", complaint=d.number, error=repr(exc))
            continue
        await complaint.delivered(rt.db.uow(), d.key)


async def deliver_job(context: Context) -> None:
    """Deliveries left unsent (a crash, Telegram down) and to discipline members who enrolled since."""
    rt = context.runtime
    deliveries = await complaint.pending_everywhere(  # every court of the deployment
        rt.db.uow, clock=rt.clock, upward=rt.settings.complaint_upward
    )
    await deliver(context.bot, rt, deliveries)


def install(router: Router) -> None:
    router.command("complaint", complaint_command)
    router.buttons(PREFIX, on_button)
    router.typed(lambda me: me.writing_complaint, try_item, order=0)  # its messages are its content
    router.job(
        "complaint_deliveries",
        deliver_job,
        every=lambda s: s.reminder_check_seconds,
        first=lambda s: min(15.0, s.reminder_check_seconds),
    )
