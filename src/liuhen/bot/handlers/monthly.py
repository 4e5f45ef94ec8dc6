"""Monthly reports by chat prompt (seed 003 §13, §20): the answer buttons, `/monthly`, the job."""

from __future__ import annotations

import structlog
from telegram import Update
from telegram.error import BadRequest

from liuhen.app.settings import policy_of
from liuhen.app.usecases import courts, monthly
from liuhen.app.usecases.access import AccessDenied
from liuhen.app.usecases.monthly import PressOutcome
from liuhen.bot.broadcast import PREFIX, Broadcaster
from liuhen.bot.context import Context
from liuhen.bot.router import Router
from liuhen.domain.monthly import Month
from liuhen.texts import monthly as texts
from liuhen.texts.profile import voice

log = structlog.get_logger(__name__)

__all__ = ["PREFIX", "job", "monthly_command", "on_button"]


async def job(context: Context) -> None:
    """Rebuilt from the database on every run: rows a stopped process left mid-request are resolved (the
    first run after a start uses that process's wire log), what the schedule says is due is planned, and
    the sender is started when something is pending."""
    rt = context.runtime
    broadcaster = Broadcaster.of(context.application, rt)
    await broadcaster.recover()
    if rt.settings.monthly_auto:
        for court_id in await courts.court_ids(rt.db.uow(read_only=True)):  # every court of the deployment
            planned = await monthly.plan_due(
                rt.db.uow(),
                court_id=court_id,
                now=rt.clock.now(),
                tz=rt.settings.tz,
                policy=policy_of(rt.settings),
            )
            if planned:
                log.info("monthly_planned", court_id=court_id, **planned)
    broadcaster.kick()


async def on_button(update: Update, context: Context) -> None:
    """[没有，零报告] [有，去记录] [确认，共N件]: one tap answers."""
    query = update.callback_query
    assert query is not None and query.data is not None
    rt = context.runtime
    result = await monthly.press(
        rt.db.uow(),
        staff=context.me.staff,
        token=query.data.removeprefix(PREFIX),
        now=rt.clock.now(),
        tz=rt.settings.tz,
        policy=policy_of(rt.settings),
    )
    if result.outcome == PressOutcome.FORBIDDEN:
        await query.answer(texts.BUTTON_FORBIDDEN, show_alert=True)
        return
    await query.answer()
    tz = rt.settings.tz
    message = query.message
    if message is not None and result.outcome == PressOutcome.OK:
        original = getattr(message, "text", None) or ""
        try:
            await query.edit_message_text(
                f"{original}\n\n{texts.answered_stamp(result, tz)}", reply_markup=None
            )
        except BadRequest as exc:
            log.warning("monthly_edit_failed", error=exc.message)
    chat_id = message.chat.id if message is not None else context.me.staff.telegram_chat_id
    if chat_id is None:
        return
    reply = texts.answered(result, tz) if result.outcome == PressOutcome.OK else texts.already(result, tz)
    await context.bot.send_message(chat_id, reply)


async def monthly_command(update: Update, context: Context) -> None:
    """/monthly [YYYY-MM]: department heads their department, discipline office, leaders and admins all."""
    assert update.message is not None
    rt = context.runtime
    now, tz = rt.clock.now(), rt.settings.tz
    if context.args:
        try:
            month = Month.parse(" ".join(context.args))
        except ValueError:
            await update.message.reply_text(texts.MONTHLY_USAGE)
            return
    else:
        month = await monthly.latest_month(rt.db.uow(read_only=True), court_id=rt.court_id, now=now, tz=tz)
    try:
        status = await monthly.view(
            rt.db.uow(),
            staff=context.me.staff,
            month=month,
            now=now,
            tz=tz,
            policy=policy_of(rt.settings),
            court_name=rt.court_name,
        )
    except AccessDenied:
        await update.message.reply_text(
            texts.monthly_denied(voice(context.runtime.settings.deadline_profile))
        )
        return
    for part in texts.compliance(status, tz):
        await update.message.reply_text(part)


def install(router: Router) -> None:
    router.command("monthly", monthly_command)
    router.buttons(PREFIX, on_button)
    router.job(  # rebuilt from the database at every start
        "monthly",
        job,
        every=lambda s: s.monthly_check_seconds,
        first=lambda s: min(1.0, s.monthly_check_seconds),
    )
