"""A bare python-telegram-bot echo bot: the baseline of bench/intake.py; and, with ECHO_BROADCAST, a bare
broadcast: the baseline of bench/broadcast.py.

    ECHO_TOKEN=… ECHO_BASE_URL=http://127.0.0.1:PORT/bot ECHO_BASE_FILE_URL=http://127.0.0.1:PORT/file/bot \
        python bench/echo_bot.py

PTB's defaults throughout: its own updater (run_polling), no rate limiter, updates handled one at a time.

With ECHO_BROADCAST=FIRST,COUNT it sends ECHO_TEXT with a two-button keyboard to the chats FIRST …
FIRST+COUNT-1 through PTB's AIORateLimiter (30 messages/s overall, 1/s per chat, 429s retried), prints
``sent N`` and waits to be stopped (its CPU time is read while it lives).
"""

from __future__ import annotations

import asyncio
import os
import sys

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def builder() -> ApplicationBuilder:  # type: ignore[type-arg]
    return (
        ApplicationBuilder()
        .token(os.environ["ECHO_TOKEN"])
        .base_url(os.environ["ECHO_BASE_URL"])
        .base_file_url(os.environ["ECHO_BASE_FILE_URL"])
    )


async def broadcast(first: int, count: int, text: str) -> None:
    app = builder().rate_limiter(AIORateLimiter(max_retries=5)).build()
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=label) for label in ("没有", "有")]]
    )
    async with app:
        await asyncio.gather(
            *(app.bot.send_message(chat, text, reply_markup=keyboard) for chat in range(first, first + count))
        )
        print(f"sent {count}", flush=True)
        await asyncio.Event().wait()  # stopped by the bench (SIGTERM)


def main() -> None:
    if "ECHO_BROADCAST" in os.environ:
        first, count = (int(x) for x in os.environ["ECHO_BROADCAST"].split(","))
        try:
            asyncio.run(broadcast(first, count, os.environ.get("ECHO_TEXT", "?")))
        except KeyboardInterrupt:
            sys.exit(0)
        return
    app = builder().build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
