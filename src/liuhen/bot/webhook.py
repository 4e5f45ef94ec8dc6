"""Webhook mode: our aiohttp server in front of the PTB Application (whose updater is off).

- ``POST <path of the public URL>``: an update from Telegram. Without the right
  ``X-Telegram-Bot-Api-Secret-Token`` it is answered 401 and nothing is read. A valid update is handled
  *before* the answer, through the same per-chat processor as the poller (bot/processor.py): if the
  process dies mid-way Telegram gets no 200 and delivers the update again (to this or another instance),
  and the inbox makes the second delivery harmless (docs/architecture.md items 5, 11, 12).
- Updates of one chat are serialised across processes by a PostgreSQL advisory lock per chat
  (storage/locks.py), and within the process by the per-chat processor.
- ``GET /healthz``: the process is alive. ``GET /readyz``: it takes updates and the database answers a
  ``SELECT 1`` (503 otherwise); the body says whether this process runs the scheduled jobs.
- On SIGTERM (:meth:`WebhookServer.drain`): readiness and new updates get 503 (Telegram delivers them
  again, through the proxy to another instance), the updates in flight are finished, then we stop.
- Scheduled jobs run in the one process holding the scheduler lease (:func:`run_jobs_on_leader`).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import structlog
from aiohttp import web
from sqlalchemy import text
from telegram import Update

from liuhen.app.settings import Settings
from liuhen.storage.database import Database
from liuhen.storage.locks import ProcessLocks

log = structlog.get_logger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token
LEASE_SECONDS = 15.0  # how often a standby instance tries to take the scheduler lease
READY_TIMEOUT = 5.0
MAX_UPDATE_BYTES = 1024 * 1024


class WebhookConfigError(ValueError):
    """A webhook setting that cannot work; the message is Chinese, for the operator."""


@dataclass(frozen=True)
class WebhookOptions:
    host: str
    port: int
    url: str
    secret_token: str
    drain_seconds: float = 30.0

    @property
    def path(self) -> str:
        """The path Telegram posts to (the public URL's; a reverse proxy passes it through unchanged)."""
        return urlsplit(self.url).path or "/"

    def __repr__(self) -> str:  # never the secret
        return f"WebhookOptions(host={self.host!r}, port={self.port}, url={self.url!r})"


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8088`` for IPv6) → (host, port)."""
    host, sep, port = value.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise WebhookConfigError(f"监听地址“{value}”格式不对，应为 主机:端口，例如 127.0.0.1:8088")
    return host, int(port)


def webhook_options(
    settings: Settings,
    *,
    listen: str | None = None,
    url: str | None = None,
    secret_token: str | None = None,
) -> WebhookOptions:
    """The options of `liuhen run --webhook`: command-line values over ``LIUHEN_WEBHOOK_*`` settings."""
    host, port = parse_listen(listen or settings.webhook_listen)
    url = url or settings.webhook_url
    if not url:
        raise WebhookConfigError(
            "未设置公网地址：请用 --url 或 LIUHEN_WEBHOOK_URL 指定 Telegram 推送的 HTTPS 地址"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise WebhookConfigError(f"公网地址“{url}”无效，应为 https://域名/路径")
    if secret_token is None and settings.webhook_secret_token is not None:
        secret_token = settings.webhook_secret_token.get_secret_value()
    if not secret_token:
        raise WebhookConfigError(
            "未设置密钥：请用 LIUHEN_WEBHOOK_SECRET_TOKEN（或 --secret-token）指定；"
            "没有密钥，任何人都能冒充 Telegram 向机器人提交消息"
        )
    if not SECRET_SHAPE.fullmatch(secret_token):
        raise WebhookConfigError("密钥只能由 1–256 个字母、数字、下划线或连字符组成（Telegram 的要求）")
    return WebhookOptions(host, port, url, secret_token, settings.webhook_drain_seconds)


async def ensure_webhook(bot: Any, options: WebhookOptions) -> bool:
    """Points Telegram at our URL, only when it points elsewhere (or nowhere). Several instances behind one
    URL start in any order with the same settings and never undo each other; nothing is ever deleted at
    shutdown (the other instances go on serving). A new secret with the same URL needs `liuhen webhook
    set` once all instances run with it. True when the webhook was set."""
    info = await bot.get_webhook_info()
    if info.url == options.url:
        log.info("webhook_kept", url=options.url, pending=info.pending_update_count)
        return False
    await set_webhook(bot, options)
    return True


async def set_webhook(bot: Any, options: WebhookOptions) -> None:
    await bot.set_webhook(
        url=options.url,
        secret_token=options.secret_token,
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )
    log.info("webhook_set", url=options.url)


class WebhookServer:
    """The aiohttp server of one instance. ``app`` is a PTB Application (initialised and started)."""

    def __init__(
        self,
        app: Any,
        *,
        options: WebhookOptions,
        locks: ProcessLocks,
        database: Database,
    ) -> None:
        self.app = app
        self.options = options
        self.locks = locks
        self.database = database
        self.draining = False
        self.handled = 0
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the webhook server is not running")
        return self._port

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def make_app(self) -> web.Application:
        web_app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        web_app.router.add_post(self.options.path, self._on_update)
        web_app.router.add_get("/healthz", self._on_healthz)
        web_app.router.add_get("/readyz", self._on_readyz)
        return web_app

    async def start(self) -> None:
        runner = web.AppRunner(self.make_app(), access_log=None, handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, self.options.host, self.options.port).start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        log.info("webhook_listening", host=self.options.host, port=self._port, path=self.options.path)

    async def drain(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Stop taking updates (503) and wait for those in flight; False if some were still running."""
        self.draining = True
        wait = self.options.drain_seconds if timeout is None else timeout
        try:
            await asyncio.wait_for(self._idle.wait(), wait)
        except TimeoutError:
            log.warning("webhook_drain_timeout", in_flight=self._in_flight)
            return False
        log.info("webhook_drained", handled=self.handled)
        return True

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    # routes ------------------------------------------------------------------------------------------

    async def _on_update(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.options.secret_token.encode()):
            log.warning("webhook_unauthorised", remote=request.remote)
            return web.Response(status=401, text="unauthorised")
        if self.draining:
            return web.Response(status=503, text="draining", headers={"Retry-After": "1"})
        self._in_flight += 1  # before the first await: drain() cannot miss this update
        self._idle.clear()
        try:
            try:
                data = json.loads(await request.read())
                if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                    raise ValueError("not an update")
                update = Update.de_json(data, self.app.bot)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                log.warning("webhook_bad_update", error=type(exc).__name__)
                return web.Response(status=400, text="bad update")
            if update is None:
                return web.Response(status=400, text="bad update")
            # handled before the answer: a crash here means no 200, so Telegram delivers it again
            await self.app.update_processor.process_update(update, self._handle(update))
            self.handled += 1
            return web.Response(text="ok")
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    async def _handle(self, update: Update) -> None:
        chat = update.effective_chat.id if update.effective_chat else None
        async with self.locks.chat(chat):
            await self.app.process_update(update)

    async def _on_healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def _select_one(self) -> None:
        async with self.database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def _on_readyz(self, request: web.Request) -> web.Response:
        if self.draining or not self.app.running:
            return web.Response(status=503, text="draining")
        try:
            await asyncio.wait_for(self._select_one(), READY_TIMEOUT)
        except Exception as exc:
            log.warning("readyz_database_unreachable", error=type(exc).__name__)
            return web.Response(status=503, text="database unreachable")
        role = "leader" if self.locks.is_leader else "standby"
        return web.Response(text=f"ready; scheduled jobs: {role}")


JobCallback = Callable[[Any], Awaitable[Any]]


def run_jobs_on_leader(app: Any, locks: ProcessLocks, *, lease_seconds: float = LEASE_SECONDS) -> None:
    """Every job scheduled so far runs only in the process holding the scheduler lease; a standby tries
    to take the lease every ``lease_seconds`` and so takes over within that time (plus the job's own
    interval) when the holder dies. Each job also keeps its own claims and leases in the database."""
    queue = app.job_queue
    if queue is None:
        return
    for job in queue.jobs():
        job.callback = _leader_only(job.callback, locks)

    async def take_lease(_context: Any) -> None:
        await locks.leader()

    queue.run_repeating(take_lease, interval=lease_seconds, first=0.0, name="scheduler_lease")


def _leader_only(callback: JobCallback, locks: ProcessLocks) -> JobCallback:
    async def run_if_leader(context: Any) -> None:
        if await locks.leader():
            await callback(context)

    run_if_leader.__name__ = getattr(callback, "__name__", "job")
    return run_if_leader
