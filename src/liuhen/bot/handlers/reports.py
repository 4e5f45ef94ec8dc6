"""Documents in the chat: `/form NUMBER` (the registration form, for the recorder and the people
of the sign-off chain), `/quarterly [2026Q4]` (the quarterly summary, for the discipline office, the president
and trial management), and the quarterly reminder to the discipline office (seed 002 §7)."""

from __future__ import annotations

import structlog
from telegram import InputFile, Update
from telegram.error import Forbidden, TelegramError

from liuhen.app.usecases import quarterly as quarterly_service
from liuhen.bot.context import Context
from liuhen.bot.router import Router
from liuhen.domain.periods import BadPeriod, Quarter, last_completed
from liuhen.reports import quarterly, registration
from liuhen.reports.common import AccessDenied
from liuhen.texts import common as texts
from liuhen.texts import labels
from liuhen.texts.access import denied
from liuhen.texts.profile import voice

log = structlog.get_logger(__name__)


async def form_command(update: Update, context: Context) -> None:
    message = update.message
    assert message is not None
    if not context.args:
        await message.reply_text(texts.FORM_USAGE)
        return
    rt = context.runtime
    await message.reply_text(texts.FORM_WORKING)
    try:
        number, data = await registration.registration_pdf(
            rt.db,
            rt.store,
            reader=context.me.staff,
            ref=context.args[0],
            now=rt.clock.now(),
            tz=rt.settings.tz,
            court_name=rt.court_name,
            special_profile=rt.settings.special_items_profile,
        )
    except AccessDenied as exc:
        await message.reply_text(denied(exc))
        return
    await message.reply_document(
        InputFile(data, filename=f"registration-{number}.pdf"), caption=texts.form_caption(number)
    )


async def quarterly_command(update: Update, context: Context) -> None:
    message = update.message
    assert message is not None
    rt = context.runtime
    now = rt.clock.now()
    try:
        quarter = (
            Quarter.parse(context.args[0])
            if context.args
            else last_completed(now.astimezone(rt.settings.tz).date())
        )
    except BadPeriod as exc:
        await message.reply_text(f"⚠️ {labels.bad_period(exc)}")
        return
    await message.reply_text(texts.QUARTERLY_WORKING)
    try:
        documents = await quarterly.quarterly_documents(
            rt.db,
            reader=context.me.staff,
            quarter=quarter,
            now=now,
            tz=rt.settings.tz,
            court_name=rt.court_name,
            special_profile=rt.settings.special_items_profile,
            voice=voice(rt.settings.deadline_profile),
        )
    except AccessDenied as exc:
        await message.reply_text(denied(exc))
        return
    due = f"{quarter.summary_due:%Y年%m月%d日}"
    for fmt, data in documents.items():
        await message.reply_document(
            InputFile(data, filename=f"quarterly-{quarter.key}.{fmt}"),
            caption=texts.quarterly_caption(labels.quarter(quarter), due, fmt),
        )


async def quarterly_reminders(context: Context) -> None:
    """Part of the reminders job: the discipline office is told to send the quarterly summary
    (seed 002 §7)."""
    rt = context.runtime
    due = await quarterly_service.due_quarterly_reminders(
        rt.db.uow(), court_id=rt.court_id, now=rt.clock.now(), tz=rt.settings.tz
    )
    for reminder in due:
        text = texts.quarterly_reminder(
            labels.quarter(reminder.quarter), f"{reminder.due:%Y年%m月%d日}", reminder.quarter.key
        )
        try:
            await context.bot.send_message(reminder.chat_id, text)
        except Forbidden:
            log.warning("quarterly_reminder_unreachable", key=reminder.key)
        except TelegramError as exc:
            log.warning("quarterly_reminder_failed", key=reminder.key, error=repr(exc))
            continue  # released and decided again after a while
        async with rt.db.uow() as uow:
            await uow.notices.mark_sent(reminder.key)
            await uow.commit()


def install(router: Router) -> None:
    router.command("form", form_command)
    router.command("quarterly", quarterly_command)
    # After the draft reminders of the same job (seed 002 §7: the summary is due 5 days after the quarter).
    router.job(
        "reminders",
        quarterly_reminders,
        every=lambda s: s.reminder_check_seconds,
        first=lambda s: min(10.0, s.reminder_check_seconds),
    )
