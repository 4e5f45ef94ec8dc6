"""Bot API calls whose answer is not decoded into python-telegram-bot's objects.

``Bot.send_message`` decodes Telegram's answer into a ``Message`` (its chat, its sender, its keyboard,
button by button): about as much CPU as the rest of a receipt's JSON, to read one number, the message id
(docs/performance.md). ``Bot.do_api_request`` sends the same request through the same bot — its request
object, its rate limiter, its errors (``BadRequest`` …) — and returns Telegram's JSON as it came.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.warnings import PTBUserWarning

Markup = InlineKeyboardMarkup | dict[str, Any] | None  # a keyboard, or the Bot API's JSON of one (cheaper)


def quiet() -> None:
    """do_api_request warns that a method of its own is called through it; here that is the point (the
    application calls this when it is built; the same filter twice is one filter)."""
    warnings.filterwarnings(
        "ignore", message=r"Please use 'Bot\.(send_message|edit_message_text)'", category=PTBUserWarning
    )


async def send_text(bot: Bot, chat_id: int, text: str, markup: Markup = None) -> int:
    """``sendMessage``; the new message's id."""
    params: dict[str, Any] = {"chat_id": chat_id, "text": text}
    if markup is not None:
        params["reply_markup"] = markup
    sent = await bot.do_api_request("send_message", api_kwargs=params)
    return int(sent["message_id"])


async def edit_text(bot: Bot, chat_id: int, message_id: int, text: str, markup: Markup = None) -> None:
    """``editMessageText`` of a message of ours."""
    params: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id, "text": text}
    if markup is not None:
        params["reply_markup"] = markup
    await bot.do_api_request("edit_message_text", api_kwargs=params)
