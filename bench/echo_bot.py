"""A bare python-telegram-bot echo bot: the baseline of bench/intake.py.

    ECHO_TOKEN=… ECHO_BASE_URL=http://127.0.0.1:PORT/bot ECHO_BASE_FILE_URL=http://127.0.0.1:PORT/file/bot \
        python bench/echo_bot.py

PTB's defaults throughout: its own updater (run_polling), no rate limiter, updates handled one at a time.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def main() -> None:
    app = (
        ApplicationBuilder()
        .token(os.environ["ECHO_TOKEN"])
        .base_url(os.environ["ECHO_BASE_URL"])
        .base_file_url(os.environ["ECHO_BASE_FILE_URL"])
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
