"""The composition root: builds the Application, the database, the stores and the jobs (DESIGN.md).

Nothing happens at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from typing import Any

import structlog
from telegram import BotCommand
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes

from liuhen.bot import handlers
from liuhen.bot.config import Settings
from liuhen.bot.context import RUNTIME_KEY, Context
from liuhen.bot.handlers import intake as intake_handlers
from liuhen.bot.handlers import jobs
from liuhen.bot.logs import configure_logging
from liuhen.bot.poller import DurablePoller
from liuhen.bot.processor import PerChatUpdateProcessor
from liuhen.bot.runtime import Runtime, open_runtime

log = structlog.get_logger(__name__)

LiuhenApp = Application[Any, Context, Any, Any, Any, Any]


def build_application(
    runtime: Runtime, *, token: str, base_url: str, base_file_url: str, rate_limit: bool = True
) -> LiuhenApp:
    builder: Any = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .context_types(ContextTypes(context=Context))
        .concurrent_updates(PerChatUpdateProcessor())
        .updater(None)  # our DurablePoller (bot/poller.py) or the webhook server feeds updates
    )
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app: LiuhenApp = builder.build()
    app.bot_data[RUNTIME_KEY] = runtime
    handlers.register(app)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            intake_handlers.retry_downloads,
            interval=runtime.settings.download_retry_seconds,
            first=runtime.settings.download_retry_seconds,
            name="retry_downloads",
        )
        app.job_queue.run_repeating(
            jobs.reminders,
            interval=runtime.settings.reminder_check_seconds,
            first=min(10.0, runtime.settings.reminder_check_seconds),
            name="reminders",
        )
    return app


async def _post_init(app: LiuhenApp) -> None:
    await app.bot.set_my_commands([BotCommand("start", "开始 / 登记"), BotCommand("help", "使用说明")])
    log.info("bot_ready", username=app.bot.username)


@contextlib.asynccontextmanager
async def polling(app: LiuhenApp, *, poll_timeout: int = 10) -> AsyncIterator[LiuhenApp]:
    """Run the application with long polling for the duration of the block."""
    await app.initialize()
    await _post_init(app)
    await app.start()
    poller = DurablePoller(app, timeout=poll_timeout)
    await poller.start()
    try:
        yield app
    finally:
        await poller.stop()
        await app.stop()
        await app.shutdown()


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run(settings: Settings, *, base_url: str | None = None, base_file_url: str | None = None) -> None:
    """`liuhen run`: long polling against Telegram (or the URLs given) until SIGINT/SIGTERM."""
    token = settings.token_value()
    configure_logging(level=settings.log_level, json=settings.log_json, secrets=[token])
    runtime = await open_runtime(settings)
    app = build_application(
        runtime,
        token=token,
        base_url=base_url or settings.telegram_base_url,
        base_file_url=base_file_url or settings.telegram_base_file_url,
        rate_limit=settings.rate_limit,
    )
    try:
        async with polling(app):
            log.info("running", court=runtime.court_name, database=runtime.db.backend)
            await _wait_for_signal()
    finally:
        await runtime.close()
