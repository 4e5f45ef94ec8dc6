"""The Telegram door's way in for an enrolment code: the bot's deep link ``https://t.me/<bot>?start=CODE``."""

from __future__ import annotations

import structlog

from liuhen.app.settings import Settings

log = structlog.get_logger(__name__)


async def bot_username(settings: Settings) -> str:
    """``LIUHEN_BOT_USERNAME``, else the bot's own name from ``getMe``, else a placeholder with a warning."""
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    if settings.telegram_token is None:
        return "liuhen_bot"
    from telegram import Bot

    try:
        async with Bot(settings.token_value(), base_url=settings.telegram_base_url) as bot:
            return bot.username
    except Exception:
        log.warning(
            "bot_username_unknown", hint="无法向 Telegram 查询机器人用户名，请设置 LIUHEN_BOT_USERNAME。"
        )
        return "liuhen_bot"


async def start_link(settings: Settings, code: str) -> str:
    return f"https://t.me/{await bot_username(settings)}?start={code}"
