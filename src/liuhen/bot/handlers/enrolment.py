"""/start CODE, /help, /whoami."""

from __future__ import annotations

import structlog
from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.constants import ParseMode

from liuhen.app.usecases import enrolment
from liuhen.app.usecases.enrolment import EnrolOutcome, Member
from liuhen.bot.context import Context
from liuhen.bot.router import Router
from liuhen.texts import common as texts
from liuhen.texts.profile import voice

log = structlog.get_logger(__name__)

_REFUSALS = {
    EnrolOutcome.INVALID: texts.ENROL_INVALID,
    EnrolOutcome.USED: texts.ENROL_USED,
    EnrolOutcome.EXPIRED: texts.ENROL_EXPIRED,
    EnrolOutcome.INACTIVE: texts.ENROL_INACTIVE,
    EnrolOutcome.THROTTLED: texts.ENROL_THROTTLED,
}


async def start(update: Update, context: Context) -> None:
    assert update.message is not None and update.effective_user is not None
    if not context.args:
        await _greet(update, context, context.me)
        return
    rt = context.runtime
    result = await enrolment.redeem(
        rt.db.uow(),
        code_text=" ".join(context.args),
        telegram_user_id=update.effective_user.id,
        chat_id=update.message.chat_id,
        update_id=update.update_id,
        clock=rt.clock,
    )
    log.info("enrolment", outcome=result.outcome.value)
    if result.outcome is EnrolOutcome.DUPLICATE:
        return
    if result.member is None:
        await update.message.reply_text(_REFUSALS[result.outcome])
        return
    await _greet(update, context, result.member)


async def _greet(update: Update, context: Context, member: Member) -> None:
    assert update.message is not None
    await context.bot.set_my_commands(
        [BotCommand(c, d) for c, d in texts.COMMANDS], scope=BotCommandScopeChat(update.message.chat_id)
    )
    v = voice(context.runtime.settings.deadline_profile)
    await update.message.reply_text(texts.greeting(member.staff, member.department, member.court, v))


async def help_command(update: Update, context: Context) -> None:
    assert update.message is not None
    v = voice(context.runtime.settings.deadline_profile)
    await update.message.reply_text(texts.help_text(v), parse_mode=ParseMode.HTML)


async def whoami(update: Update, context: Context) -> None:
    assert update.message is not None
    me = context.me
    v = voice(context.runtime.settings.deadline_profile)
    await update.message.reply_text(texts.whoami(me.staff, me.department, me.court, v))


async def unknown_command(update: Update, context: Context) -> None:
    assert update.message is not None
    await update.message.reply_text(texts.UNKNOWN_COMMAND)


def install(router: Router) -> None:
    router.command("start", start)
    router.command("help", help_command)
    router.command("whoami", whoami)
    router.unknown_command(unknown_command)
