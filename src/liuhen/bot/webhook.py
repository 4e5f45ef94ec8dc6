"""Webhook mode: our aiohttp server in front of the PTB Application (whose updater is off).

- ``POST <path of the public URL>``: an update from Telegram. Without the right
  ``X-Telegram-Bot-Api-Secret-Token`` it is answered 401 and nothing is read. A valid update is stored in
  the webhook's queue (storage/webhook_queue.py; concurrent posts share one transaction) and answered 200
  once that is committed: from then on it is durable, and Telegram moves on to the chat's next update
  while this one is handled. It is handled from the queue, in order per chat, through the same per-chat
  processor as the poller (bot/processor.py), and deleted once handled. What a crash leaves in the queue
  is handled by the next sweep (this instance's or another's); an update handled twice — a crash between
  the handling and the deletion — changes nothing the second time, the inbox sees to that
  (docs/architecture.md items 5, 11, 12).
- Updates of one chat are serialised across processes by a PostgreSQL advisory lock per chat
  (storage/locks.py): whoever holds it handles every stored update of the chat, oldest first.
- ``GET /healthz``: the process is alive. ``GET /readyz``: it takes updates and the database answers a
  ``SELECT 1`` (503 otherwise); the body says whether this process runs the scheduled jobs.
- On SIGTERM (:meth:`WebhookServer.drain`): readiness and new updates get 503 (Telegram delivers them
  again, through the proxy to another instance), the updates stored here are handled, then we stop (what
  is left after the drain time stays queued for the next start or another instance).
- Scheduled jobs run in the one process holding the scheduler lease (:func:`run_jobs_on_leader`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hmac
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import structlog
from aiohttp import web
from sqlalchemy import text
from telegram import Update

from liuhen.app.batching import GroupCommit
from liuhen.app.settings import Settings
from liuhen.bot.raw import raw_updates
from liuhen.storage.database import Database
from liuhen.storage.locks import ProcessLocks
from liuhen.storage.webhook_queue import Queued, WebhookQueue

log = structlog.get_logger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token
LEASE_SECONDS = 15.0  # how often a standby instance tries to take the scheduler lease
READY_TIMEOUT = 5.0
MAX_UPDATE_BYTES = 1024 * 1024
RECENT = 10_000  # handled updates remembered, against Telegram's retries
SWEEP_SECONDS = 2.0  # how often the queue is looked at for what nobody is handling
SWEEP_AFTER = timedelta(seconds=5)  # stored this long ago and still there: left by a crash or a failure


class WebhookConfigError(ValueError):
    """A webhook setting that cannot work; the message is Chinese, for the operator."""


@dataclass(frozen=True)
class WebhookOptions:
    host: str
    port: int
    url: str
    secret_token: str
    drain_seconds: float = 30.0
    # Telegram posts each chat's updates one at a time and this many chats at once (its default is 40). Our
    # answer comes once the update is stored, so more chats are handled in one round and share its group
    # commits (decision 76).
    max_connections: int = 100

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
    return WebhookOptions(
        host, port, url, secret_token, settings.webhook_drain_seconds, settings.webhook_max_connections
    )


async def ensure_webhook(bot: Any, options: WebhookOptions) -> bool:
    """Points Telegram at our URL, only when it points elsewhere (or nowhere, or with another
    ``max_connections``). Several instances behind one URL start in any order with the same settings and
    never undo each other; nothing is ever deleted at shutdown (the other instances go on serving). A new
    secret with the same URL needs `liuhen webhook set` once all instances run with it. True when the
    webhook was set."""
    info = await bot.get_webhook_info()
    if info.url == options.url and info.max_connections in (None, options.max_connections):
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
        max_connections=options.max_connections,
    )
    log.info("webhook_set", url=options.url, max_connections=options.max_connections)


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
        self.received = 0  # updates stored and answered 200
        self.handled = 0  # updates handled and forgotten
        self.queue = WebhookQueue(database, lambda: datetime.now(UTC))
        self._store = GroupCommit(self._put, linger=0.005)
        self._handled: set[int] = set()  # handled, deleted from the queue with the next write
        # the last updates handled here, deleted or not: Telegram's retry of one (its answer was lost) is
        # answered without being stored and handled again (another instance's inbox still sees to it)
        self._recent: collections.OrderedDict[int, None] = collections.OrderedDict()
        # with other instances (PostgreSQL) a chat's handled updates are deleted before its lock is let go,
        # the chats of a round in one transaction: the next holder does not handle them again
        self._forget = GroupCommit(self._delete)
        self._in_flight = 0  # posts being read and stored
        self._waiting: dict[int, dict[int, Update | None]] = {}  # chat → stored here, not yet handled
        self._from_queue: set[int] = set()  # chats the sweep found with updates nobody handles
        self._troubled: set[int] = set()  # chats with a failed update: read from the queue, in order
        self._handling = 0  # chats of the round being handled
        self._wake = asyncio.Event()  # something waits to be handled
        self._idle = asyncio.Event()
        self._idle.set()
        self._dispatcher: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._port: int | None = None
        self.raw = raw_updates(app.bot_data)  # what the handlers take the messages from (bot/raw.py)

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the webhook server is not running")
        return self._port

    @property
    def in_flight(self) -> int:
        """Posts being stored, and chats whose stored updates are being handled."""
        return self._in_flight + self._handling + len(self._waiting)

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
        self._dispatcher = asyncio.create_task(self._dispatch_forever(), name="liuhen-webhook-rounds")
        await self.sweep(timedelta(0))  # what a previous run stored and did not handle
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="liuhen-webhook-sweep")

    async def drain(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Stop taking updates (503) and handle those stored here; False if some were still running (they
        stay queued)."""
        self.draining = True
        wait = self.options.drain_seconds if timeout is None else timeout
        try:
            await asyncio.wait_for(self._idle.wait(), wait)
        except TimeoutError:
            log.warning("webhook_drain_timeout", in_flight=self.in_flight)
            return False
        log.info("webhook_drained", handled=self.handled)
        return True

    async def stop(self) -> None:
        # past the drain time, what is left stays queued for the next run
        for task in (self._sweeper, self._dispatcher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._sweeper = self._dispatcher = None
        with contextlib.suppress(Exception):  # else handled again at the next start: harmless
            await self.forget_handled()
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
                raw = await request.read()
                data = json.loads(raw)
                if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                    raise ValueError("not an update")
                update = Update.de_json(data, self.app.bot)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                log.warning("webhook_bad_update", error=type(exc).__name__)
                return web.Response(status=400, text="bad update")
            if update is None:
                return web.Response(status=400, text="bad update")
            chat = update.effective_chat.id if update.effective_chat else 0
            if update.update_id in self._recent:
                return web.Response(text="ok")
            # durable before the answer: once Telegram has its 200, a crash loses nothing
            await self._store.submit(Queued(update.update_id, chat, raw.decode()))
            self.received += 1
            self.raw.keep((data,))  # the message as Telegram sent it, for the evidence store (bot/raw.py)
            self._arrived(chat, update.update_id, update)
            return web.Response(text="ok")
        finally:
            self._in_flight -= 1
            self._settle()

    async def _put(self, items: list[Queued]) -> list[None]:
        forget, self._handled = self._handled, set()
        try:
            await self.queue.put_many(items, forget=forget)
        except BaseException:
            self._handled |= forget
            raise
        return [None] * len(items)

    async def _delete(self, batches: list[list[int]]) -> list[None]:
        ids = {u for batch in batches for u in batch}
        await self.queue.put_many([], forget=ids)
        self._handled -= ids
        return [None] * len(batches)

    async def forget_handled(self) -> None:
        """Delete what was handled since the last write (the sweep does it when nothing arrives)."""
        if self._handled:
            await self._put([])

    # handling the stored updates -----------------------------------------------------------------------

    def _arrived(self, chat: int, update_id: int, update: Update | None) -> None:
        if update_id in self._recent:  # Telegram's retry of one handled meanwhile (its answer was lost):
            self._handled.add(update_id)  # stored again, perhaps: deleted with the next write, not handled
            return
        self._waiting.setdefault(chat, {})[update_id] = update
        self._idle.clear()
        self._wake.set()

    def _settle(self) -> None:
        if not self._in_flight and not self._handling and not self._waiting and not self._from_queue:
            self._idle.set()

    async def _dispatch_forever(self) -> None:
        """Rounds, as long polling has them: what arrived while a round was handled is the next round, each
        chat's updates in order and the chats side by side — so that the work of many chats shares the
        group commits (app/batching.py) as a batch of getUpdates does."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            round_, self._waiting = self._waiting, {}
            for chat in self._from_queue:
                round_.setdefault(chat, {})
            recovered, self._from_queue = self._from_queue, set()
            self._handling = len(round_)
            try:
                await self._round(round_, recovered)
            finally:
                self._handling = 0
                self._settle()

    async def _round(self, round_: dict[int, dict[int, Update | None]], recovered: set[int]) -> None:
        """The chats of a round side by side. With other instances (PostgreSQL) their locks are taken in
        one statement and their stored updates read in one (the CPU of a receipt, docs/performance.md); a
        chat another instance holds is waited for on its own."""
        if not self.locks.enabled:
            await asyncio.gather(
                *(self._chat_round(chat, mine, chat in recovered) for chat, mine in round_.items())
            )
            return
        async with self.locks.chats([chat for chat in round_ if chat]) as free:
            ours = [chat for chat in round_ if not chat or chat in free]  # chat 0: an update of no chat
            try:
                stored: dict[int, list[Queued]] | None = await self.queue.pending_many(ours)
            except Exception:  # the queue is unreachable: what is stored stays for the sweep
                log.exception("webhook_round_failed", chats=len(ours))
                self._troubled.update(ours)
                stored = None
            await asyncio.gather(
                *(
                    self._chat_round(chat, mine, chat in recovered, stored.get(chat, []))
                    for chat, mine in round_.items()
                    if stored is not None and chat in ours
                ),
                *(
                    self._chat_round(chat, mine, chat in recovered)
                    for chat, mine in round_.items()
                    if chat not in ours
                ),
            )

    async def _chat_round(
        self,
        chat: int,
        mine: dict[int, Update | None],
        recovered: bool,
        stored: list[Queued] | None = None,
    ) -> None:
        """One chat's updates of the round, oldest first. With other instances (PostgreSQL) or after a crash
        or a failure they are read from the queue, under the chat's lock: what another instance stored
        first is handled first, and what it handled already is gone. ``stored``: read already, under the
        lock taken with the round's (:meth:`_round`)."""
        try:
            async with self.locks.chat(chat or None) if stored is None else contextlib.nullcontext():
                if stored is None and (self.locks.enabled or recovered or chat in self._troubled):
                    stored = await self.queue.pending(chat)
                if stored is not None:
                    fresh = [q for q in stored if q.update_id not in self._handled]
                    todo = [(q.update_id, mine.get(q.update_id) or self._parse(q.body)) for q in fresh]
                else:
                    todo = sorted(mine.items())
                # a retry of one handled here since (Telegram lost its answer): not handled again, and its
                # row, stored again perhaps, deleted with the next write
                again = {u for u, _ in todo if u in self._recent}
                self._handled |= again
                todo = [(u, update) for u, update in todo if u not in again]
                done: list[int] = []
                for update_id, update in todo:
                    try:
                        if update is not None:
                            await self.app.update_processor.process_update(
                                update, self.app.process_update(update)
                            )
                    except Exception:
                        log.exception("webhook_update_failed", chat=chat, update_id=update_id)
                        self._troubled.add(chat)  # tried again with the chat's next round or sweep
                        await self.queue.failed(update_id)
                        if self.locks.enabled and done:
                            await self._forget.submit(done)
                        return
                    self._handled.add(update_id)
                    self._remember(update_id)
                    done.append(update_id)
                    self.handled += 1
                self._troubled.discard(chat)
                if self.locks.enabled and done:
                    await self._forget.submit(done)
        except Exception:  # the queue is unreachable: what is stored stays for the sweep
            log.exception("webhook_chat_failed", chat=chat)
            self._troubled.add(chat)

    def _remember(self, update_id: int) -> None:
        self._recent[update_id] = None
        while len(self._recent) > RECENT:
            self._recent.popitem(last=False)

    def _parse(self, body: str) -> Update | None:
        try:
            data = json.loads(body)
            update = Update.de_json(data, self.app.bot)
            self.raw.keep((data,))
            return update
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    async def sweep(self, older: timedelta = SWEEP_AFTER) -> int:
        """Hand the chats with updates stored more than ``older`` ago and handled by nobody (what a crash or
        a failure left, here or in another instance) to a task each; how many."""
        chats, given_up = await self.queue.waiting(datetime.now(UTC) - older)
        if given_up:
            log.error("webhook_updates_given_up", count=given_up)
        if self.draining or not chats:
            return 0
        self._from_queue.update(chats)
        self._idle.clear()
        self._wake.set()
        log.info("webhook_sweep", chats=len(chats))
        return len(chats)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.forget_handled()
                await self.sweep()
            except Exception as exc:
                log.warning("webhook_sweep_failed", error=type(exc).__name__)

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
