"""The access gate: only enrolled, active staff are served; nobody else's input is stored."""

from __future__ import annotations

import structlog
from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop

from liuhen.bot.context import Context
from liuhen.bot.router import Router
from liuhen.texts import common as texts

log = structlog.get_logger(__name__)


def _is_enrolment_attempt(update: Update) -> bool:
    message = update.message
    return bool(
        message and message.text and message.text.startswith("/start") and len(message.text.split()) > 1
    )


async def gate(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None or (update.effective_chat and update.effective_chat.type != "private"):
        raise ApplicationHandlerStop  # channels, groups: liuhen works only in private chats
    if _is_enrolment_attempt(update):
        return  # /start CODE is handled by the enrolment handler
    member = await context.runtime.members.submit(user.id)  # one read for concurrent updates
    if member is None:
        await _refuse(update)
        raise ApplicationHandlerStop
    context.member = member
    structlog.contextvars.bind_contextvars(staff=member.staff.staff_id, update_id=update.update_id)


async def _refuse(update: Update) -> None:
    if update.callback_query:
        await update.callback_query.answer(texts.NOT_ENROLLED, show_alert=True)
    elif update.effective_chat:
        await update.effective_chat.send_message(texts.NOT_ENROLLED)


def _query_answered_before(error: object) -> bool:
    """Telegram refuses a second answer to one button press: the press was delivered again (a replay after
    a crash, a retried webhook) and was answered the first time."""
    message = error.message.lower() if isinstance(error, BadRequest) else ""
    return "query is too old" in message or "query id is invalid" in message


async def on_error(update: object, context: Context) -> None:
    if _query_answered_before(context.error):
        log.info("callback_answered_before", error=repr(context.error))
        return  # the first delivery showed its effect; a replay shows nothing more
    log.error("handler_failed", error=repr(context.error), exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat:
        await update.effective_chat.send_message(texts.INTERNAL_ERROR, parse_mode=ParseMode.HTML)


async def unknown_button(update: Update, context: Context) -> None:
    """A button no feature knows (old, or forged): a short answer instead of silence."""
    if update.callback_query is not None:
        log.warning("button_unknown")
        await update.callback_query.answer(texts.BUTTON_FORBIDDEN)


def install(router: Router) -> None:
    router.gate(gate)
    router.errors(on_error)
    router.unknown_button(unknown_button)
