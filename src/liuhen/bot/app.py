"""The composition root: builds the Application, the database, the stores and the jobs (docs/architecture.md).

Nothing happens at import time.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import structlog
from telegram import BotCommand
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes

from liuhen.app import integrity
from liuhen.app.logs import configure_logging
from liuhen.app.runtime import Runtime, open_runtime, wait_for_signal
from liuhen.app.settings import Settings
from liuhen.app.usecases.signoff import PressResult
from liuhen.bot import handlers, lean
from liuhen.bot.context import RUNTIME_KEY, Context
from liuhen.bot.decided import followed
from liuhen.bot.http import AiohttpRequest
from liuhen.bot.outbox import deliver
from liuhen.bot.poller import DurablePoller
from liuhen.bot.processor import PerChatUpdateProcessor
from liuhen.bot.raw import RAW_KEY, RawUpdates
from liuhen.bot.webhook import WebhookOptions, WebhookServer, ensure_webhook, run_jobs_on_leader
from liuhen.storage.locks import ProcessLocks, one_at_a_time

#: Another door served beside the bot on its runtime (`liuhen run --web`).
Beside = Callable[[Runtime], AbstractAsyncContextManager[Any]]

log = structlog.get_logger(__name__)

LiuhenApp = Application[Any, Context, Any, Any, Any, Any]


def build_application(
    runtime: Runtime, *, token: str, base_url: str, base_file_url: str, rate_limit: bool = True
) -> LiuhenApp:
    lean.quiet()  # receipts are sent without decoding Telegram's answer (bot/lean.py)
    raw = RawUpdates()  # the messages as Telegram sent them, for the evidence store (bot/raw.py)
    builder: Any = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .context_types(ContextTypes(context=Context))
        .concurrent_updates(PerChatUpdateProcessor())
        .updater(None)  # our DurablePoller (bot/poller.py) or the webhook server feeds updates
        .request(AiohttpRequest())  # bot/http.py: less CPU per request than httpx under load
        .get_updates_request(AiohttpRequest(connection_pool_size=1, raw=raw))
    )
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app: LiuhenApp = builder.build()
    app.bot_data[RUNTIME_KEY] = runtime
    app.bot_data[RAW_KEY] = raw
    handlers.register(app, runtime.settings)  # every feature's handlers and jobs (bot/router.py)

    async def decided(result: PressResult, court_id: int) -> None:
        await followed(app.bot, runtime, result, court_id)

    runtime.chat_followup = decided  # a decision at the desk, in this process: the chat follows at once

    async def send(keys: Sequence[str]) -> None:
        await deliver(app.bot, runtime, keys)

    runtime.chat_deliver = send
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


@contextlib.asynccontextmanager
async def webhook(app: LiuhenApp, options: WebhookOptions) -> AsyncIterator[WebhookServer]:
    """Run the application behind our webhook server for the duration of the block (bot/webhook.py).
    Leaving the block drains it: new updates get 503, those in flight are finished."""
    runtime: Runtime = app.bot_data[RUNTIME_KEY]
    locks = ProcessLocks(runtime.db.engine)
    run_jobs_on_leader(app, locks)  # with several instances, one runs the scheduled jobs
    server = WebhookServer(app, options=options, locks=locks, database=runtime.db)
    await app.initialize()
    try:
        await _post_init(app)
        await app.start()
        await locks.leader()  # at once; then the lease job tries again while another instance holds it
        await server.start()
        await ensure_webhook(app.bot, options)
        yield server
    finally:
        await server.drain()
        await server.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await locks.close()


async def run(
    settings: Settings,
    *,
    base_url: str | None = None,
    base_file_url: str | None = None,
    webhook_options: WebhookOptions | None = None,
    beside: Beside | None = None,
) -> None:
    """`liuhen run`: long polling (or, with ``webhook_options``, our webhook server) against Telegram (or
    the URLs given) until SIGINT/SIGTERM. ``beside``: another door served in the same process on the same
    runtime (the desk console, `liuhen run --web`), started before the bot and stopped after it."""
    token = settings.token_value()
    secrets = [token] + ([webhook_options.secret_token] if webhook_options else [])
    configure_logging(level=settings.log_level, json=settings.log_json, secrets=secrets)
    async with one_at_a_time(settings.db_url):  # instances started together migrate in turn
        runtime = await open_runtime(settings)
    if (problem := integrity.missing_keyring_problem(runtime)) is not None:
        await runtime.close()
        raise problem
    app = build_application(
        runtime,
        token=token,
        base_url=base_url or settings.telegram_base_url,
        base_file_url=base_file_url or settings.telegram_base_file_url,
        rate_limit=settings.rate_limit,
    )
    try:
        async with beside(runtime) if beside is not None else contextlib.nullcontext():
            checkpoint = await _serve(app, runtime, webhook_options)
        if checkpoint:
            await integrity.scheduled_checkpoint(runtime, at_shutdown=True)
    finally:
        await runtime.close()


async def _serve(app: LiuhenApp, runtime: Runtime, options: WebhookOptions | None) -> bool:
    """Serve until a signal; whether this instance takes the shutdown checkpoint."""
    if options is not None:  # several instances may run; the lease holder checkpoints
        async with webhook(app, options) as server:
            log.info("running", court=runtime.court_name, database=runtime.db.backend, mode="webhook")
            await wait_for_signal()
            return server.locks.is_leader
    async with polling(app):
        log.info("running", court=runtime.court_name, database=runtime.db.backend)
        await wait_for_signal()
    return True
