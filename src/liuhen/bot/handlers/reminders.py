"""Scheduled reminders of unfinished drafts, the calendar warning, the daily signed checkpoint and the
hourly upkeep of the database's statistics, rebuilt from the database at every start (nothing lives only in
memory)."""

from __future__ import annotations

import structlog
from telegram import InputFile
from telegram.error import Forbidden, TelegramError

from liuhen.app import integrity
from liuhen.app.runtime import keep_statistics
from liuhen.app.usecases import deadlines
from liuhen.app.usecases import integrity as integrity_usecases
from liuhen.bot.context import Context
from liuhen.bot.router import Router
from liuhen.domain.checkpoints import signed_head_document
from liuhen.texts import common as texts
from liuhen.texts import integrity as words

log = structlog.get_logger(__name__)


async def reminders(context: Context) -> None:
    """Draft reminders (half-way, day before the deadline) and the calendar warning for admins."""
    rt = context.runtime
    now = rt.clock.now()
    due = await deadlines.due_everywhere(  # every court of the deployment
        rt.db.uow, now=now, tz=rt.settings.tz, deadline_profile=rt.settings.deadline_profile.value
    )
    for reminder in due:
        try:
            await context.bot.send_message(reminder.chat_id, texts.draft_reminder(reminder, rt.settings.tz))
        except Forbidden:
            log.warning("reminder_unreachable", record=reminder.record_number)
        except TelegramError as exc:
            log.warning("reminder_failed", record=reminder.record_number, error=repr(exc))
            continue
        await deadlines.notice_sent(rt.db.uow(), reminder.key)
    warning = await deadlines.calendar_warning(
        rt.db.uow(), court_id=rt.court_id, today=now.astimezone(rt.settings.tz).date()
    )
    if warning is not None:
        for chat_id in warning.chat_ids:
            try:
                await context.bot.send_message(chat_id, texts.calendar_warning(warning.year))
            except TelegramError as exc:
                log.warning("calendar_warning_failed", error=repr(exc))
        await deadlines.notice_sent(rt.db.uow(), warning.key)


async def checkpoints(context: Context) -> None:
    """A signed ledger checkpoint when the last is older than a day; decided from the database at
    every run, so a restart loses nothing. The newest signed head then goes to each discipline officer as a
    document: a copy the server's operator cannot reach (seed 003 §12: 全程留痕; seed 004 §15)."""
    rt = context.runtime
    await integrity.scheduled_checkpoint(rt)
    if not rt.settings.signed_head_to_discipline:
        return
    for copy in await integrity_usecases.head_copies_due(rt.db.uow()):
        document = InputFile(
            signed_head_document(copy.checkpoint), filename=words.head_file_name(copy.checkpoint)
        )
        try:
            await context.bot.send_document(
                copy.chat_id, document, caption=words.head_caption(copy.checkpoint, rt.settings.tz)
            )
        except TelegramError as exc:  # claimed, not sent: tomorrow's head goes out anyway
            log.warning("signed_head_not_sent", staff=copy.staff_pk, error=repr(exc))
            continue
        await integrity_usecases.head_copy_sent(rt.db.uow(), copy)


async def statistics(context: Context) -> None:
    """The planner's statistics taken again once the register has doubled (at start too): the desk's
    filtered lists and the quarter's figures stay on their indexes as the register grows."""
    await keep_statistics(context.runtime.db)


def install(router: Router) -> None:
    router.job(
        "reminders",
        reminders,
        every=lambda s: s.reminder_check_seconds,
        first=lambda s: min(10.0, s.reminder_check_seconds),
    )
    router.job(  # a daily signed checkpoint; the first run soon after start
        "checkpoints",
        checkpoints,
        every=lambda s: min(600.0, s.checkpoint_seconds),
        first=lambda s: min(5.0, min(600.0, s.checkpoint_seconds)),
    )
    router.job("statistics", statistics, every=lambda s: 3600.0, first=lambda s: 3600.0)
