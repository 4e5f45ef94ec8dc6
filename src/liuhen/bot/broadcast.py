"""The monthly broadcast sender: sends the planned rows of `monthly_prompts`, each at most once,
and after a crash sends what never left the process — so nobody gets a prompt twice and nobody is missed.

For every row: commit the row as ``sending`` with its buttons → a slot of the rate limiter (aiolimiter, the
library behind PTB's AIORateLimiter: one message every 1/rate seconds, no bursts, taken in the HTTP client
right before the request is written, so Telegram's 30/s is never exceeded; the bot's own AIORateLimiter is
shared when it is on) → the HTTP request → commit the outcome. A worker does this for a few rows of one
court and month at a time (``chunks``): one transaction begins them, one commits their deliveries.

Telegram has no idempotency key, so the one question a crash leaves open is whether a ``sending`` row's
request reached Telegram. The sender answers it with a *wire log*: the requests go over the bot's aiohttp
client (``bot/http.AiohttpRequest``), whose request tracing calls us when the request body is handed to
the socket (``on_request_chunk_sent``, awaited right before the write that carries the headers and the
body); then the row's id is appended to ``<data_dir>/broadcast-wire/<sender>.wire`` (a plain ``write``
through ``evidence/durable.py``: it survives the process being killed; the file starts with the kernel's
boot id, and after a reboot nothing in it is trusted). After a restart:

- a ``sending`` row whose request never left the process is ``pending`` again and is sent (it cannot have
  reached Telegram: an incomplete HTTP request is not processed);
- one whose request left is ``unknown``: it is taken as delivered and never sent again (at most once). The
  person is listed as 未确认送达 and still gets the reminders, which go to everyone who has not answered.
- one marked by another sender (another instance of a PostgreSQL deployment that took over, whose wire log
  is on its own disk) is ``unknown`` too: only a sender's own log can prove that a request never left.

Outcomes while running: the message id → ``sent``; 429 RetryAfter → ``pending`` again and every worker
pauses for ``retry_after``; 403 (blocked the bot) → ``blocked``, unknown chat → ``unreachable``, another
400 → ``failed`` (not retried this month, listed in the notice); a network error → by the wire log, like a
crash: ``pending`` if the request never left, else ``unknown``.
"""

from __future__ import annotations

import asyncio
import contextvars
import fcntl
import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import structlog
from aiolimiter import AsyncLimiter
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ExtBot

from liuhen.app.runtime import Runtime
from liuhen.app.settings import policy_of
from liuhen.app.usecases import courts, monthly
from liuhen.app.usecases.monthly import Outgoing
from liuhen.bot.http import AiohttpRequest
from liuhen.domain.monthly import Kind, Month, Prompt, PromptState, Schedule
from liuhen.evidence import durable
from liuhen.texts import monthly as texts

log = structlog.get_logger(__name__)

PREFIX = "m:"
BATCH = 500
CHUNK = 8  # rows a worker begins in one transaction (their deliveries are committed in one too)
WIRE_DIR = "broadcast-wire"
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
_CURRENT: contextvars.ContextVar[int | None] = contextvars.ContextVar("liuhen_broadcast_row", default=None)


def markup(o: Outgoing) -> InlineKeyboardMarkup | None:
    if not o.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.button_label(choice, len(o.records)), callback_data=PREFIX + token)
                for choice, token in o.buttons
            ]
        ]
    )


TELEGRAM_LIMIT = 30.0  # messages per second overall (Telegram's broadcast limit)


def pacer(rate: float) -> AsyncLimiter:
    """A leaky bucket at ``rate`` messages/s. A bucket of capacity c lets at most c + rate requests through
    in any second, so c < 31 - rate keeps that at 30 (whole requests); half a request of it is kept for
    jitter between the limiter and the wire, the rest catches up a slot the event loop started late instead
    of losing it (with c = 1 every late start would be lost: 29/s would come out as about 28)."""
    capacity = max(1.0, TELEGRAM_LIMIT + 0.5 - rate)
    return AsyncLimiter(capacity, capacity / rate)


def _boot_id() -> str:
    try:
        return _BOOT_ID.read_text().strip()
    except OSError:
        return "unknown"


class WireLog:
    """Ids of rows whose request has left this process, appended to ``<dir>/<sender>.wire``, a file that
    outlives the process. Its first line names the boot; the process holds an exclusive ``flock`` on it for
    its lifetime, so another process can tell a dead sender's log (lock free: final) from a live one's
    (several instances may share the data directory). Rows carry the sender id, so a log is only ever
    applied to its own rows."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.boot = _boot_id()
        self.sender = secrets.token_hex(8)
        self._fd: int | None = None
        self.left: set[int] = set()

    def open(self) -> None:
        fd = durable.open_append(self.dir / f"{self.sender}.wire")
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        durable.append(fd, f"boot {self.boot}\n".encode("ascii"))
        self._fd = fd

    def mark(self, prompt_id: int) -> None:
        if prompt_id in self.left:
            return
        self.left.add(prompt_id)
        if self._fd is not None:
            durable.append(self._fd, f"{prompt_id}\n".encode("ascii"))

    def others(self) -> tuple[dict[str, set[int] | None], set[str], list[Path]]:
        """The logs of other senders in the directory: ({dead sender: rows that left, or None when its log
        cannot be trusted — another boot}, {live senders}, [dead logs, to delete once used])."""
        dead: dict[str, set[int] | None] = {}
        alive: set[str] = set()
        files: list[Path] = []
        for path in sorted(self.dir.glob("*.wire")):
            sender = path.stem
            if sender == self.sender:
                continue
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    alive.add(sender)
                    continue
                lines = path.read_text(encoding="ascii", errors="replace").split("\n")
            finally:
                os.close(fd)
            files.append(path)
            if not lines or lines[0] != f"boot {self.boot}":
                dead[sender] = None  # written before a reboot: marks not yet on disk may be lost
                continue
            dead[sender] = {int(line) for line in lines[1:-1] if line.isdigit()}  # the last may be torn
        return dead, alive, files


def wire_tracing(wire: WireLog, limiter: AsyncLimiter) -> aiohttp.TraceConfig:
    """aiohttp request tracing for the broadcast's requests (those sent while ``_CURRENT`` names a row): the
    rate limiter's slot is taken at the last moment, once the connection is ready and before the request is
    written (so that requests reach Telegram evenly spaced, whatever the event loop did in between), and
    the row is marked in the wire log when its body is handed to the socket. aiohttp calls the chunk hook
    right before that write, so a kill between the mark and the write leaves a row marked whose request
    never left — taken as delivered, and reminded — never one sent twice."""
    tracing = aiohttp.TraceConfig()

    async def pace(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestHeadersSentParams,
    ) -> None:
        if _CURRENT.get() is not None:
            await limiter.acquire()

    async def mark(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestChunkSentParams
    ) -> None:
        prompt_id = _CURRENT.get()
        if prompt_id is not None:
            wire.mark(prompt_id)

    tracing.on_request_headers_sent.append(pace)
    tracing.on_request_chunk_sent.append(mark)
    return tracing


AppType = Application[Any, Any, Any, Any, Any, Any]


def chunks(prompts: list[Prompt], workers: int) -> list[list[Prompt]]:
    """The rows in order, cut into chunks of one court and month each, of at most ``CHUNK`` rows and small
    enough for every worker to have one (a small court's few rows still go out side by side)."""
    size = max(1, min(CHUNK, -(-len(prompts) // max(workers, 1))))
    out: list[list[Prompt]] = []
    for p in prompts:
        last = out[-1] if out else None
        if last is None or len(last) == size or (last[0].court_id, last[0].month) != (p.court_id, p.month):
            out.append([p])
        else:
            last.append(p)
    return out


class Broadcaster:
    """One per application: :meth:`recover` once at start, :meth:`kick` to send whatever is pending."""

    KEY = "liuhen.broadcaster"

    def __init__(self, app: AppType, runtime: Runtime) -> None:
        self.app, self.rt = app, runtime
        settings = runtime.settings
        self.limiter = pacer(settings.monthly_send_rate)
        self.workers = settings.monthly_send_workers
        self.policy = policy_of(settings)
        self.wire = WireLog(settings.data_dir / WIRE_DIR)
        self.busy_ids: set[int] = set()
        self._schedules: dict[tuple[int, str], tuple[Schedule, float]] = {}
        self._bot: ExtBot[None] | None = None
        self._recovered = False
        self._task: asyncio.Task[None] | None = None
        self._resume_at = 0.0

    @classmethod
    def of(cls, app: AppType, runtime: Runtime) -> Broadcaster:
        found = app.bot_data.get(cls.KEY)
        if not isinstance(found, Broadcaster):
            found = app.bot_data[cls.KEY] = cls(app, runtime)
        return found

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    async def recover(self) -> None:
        """Resolve the rows that stopped senders left ``sending``: with their wire logs when they wrote them
        on this host since its last boot (then the logs are deleted), as unknown otherwise. Rows of senders
        that are alive (another instance sharing the data directory) and of our own workers are left alone."""
        rt = self.rt
        if not self._recovered:
            self.wire.open()
            self._recovered = True
        dead, alive, files = self.wire.others()
        wires: dict[str, set[int]] = {sender: ids for sender, ids in dead.items() if ids is not None}
        wires[self.wire.sender] = self.wire.left
        again = unknown = 0
        for court_id in await courts.court_ids(rt.db.uow(read_only=True)):
            n_again, n_unknown = await monthly.recover(
                rt.db.uow(),
                court_id=court_id,
                now=rt.clock.now(),
                busy=self.busy_ids,
                alive=alive,
                wires=wires,
            )
            again, unknown = again + n_again, unknown + n_unknown
        for path in files:  # every row of a dead sender is resolved now
            path.unlink(missing_ok=True)
        if again or unknown:
            log.warning("broadcast_recovered", sent_again=again, unknown=unknown)

    def kick(self) -> None:
        if self._recovered and not self.busy and self.app.running:
            # PTB awaits create_task tasks on stop; the loop ends as soon as the application stops running.
            self._task = self.app.create_task(self._run(), name="monthly-broadcast")

    async def _sender(self) -> ExtBot[None]:
        """A bot for the broadcast on the bot's aiohttp client with the wire log's tracing, sharing the
        application's rate limiter."""
        if self._bot is None:
            main = self.app.bot
            request = AiohttpRequest(
                connection_pool_size=self.workers + 2,
                trace_configs=[wire_tracing(self.wire, self.limiter)],
            )
            bot: ExtBot[None] = ExtBot(
                main.token,
                base_url=main.base_url.removesuffix(main.token),
                request=request,
                get_updates_request=AiohttpRequest(connection_pool_size=1),  # unused; PTB's default is httpx
                rate_limiter=main.rate_limiter,
            )
            await bot.initialize()
            self._bot = bot
        return self._bot

    async def _run(self) -> None:
        try:
            while self.app.running:
                batch = []
                for court_id in await courts.court_ids(self.rt.db.uow(read_only=True)):
                    batch += await monthly.pending(
                        self.rt.db.uow(read_only=True), court_id=court_id, limit=BATCH
                    )
                if not batch:
                    return
                queue: asyncio.Queue[list[Prompt]] = asyncio.Queue()
                for chunk in chunks(batch, self.workers):
                    queue.put_nowait(chunk)
                await asyncio.gather(*(self._worker(queue) for _ in range(self.workers)))
        except Exception:
            log.exception("broadcast_failed")
        finally:
            await self._close_bot()

    async def _worker(self, queue: asyncio.Queue[list[Prompt]]) -> None:
        while self.app.running and not queue.empty():
            chunk = queue.get_nowait()
            first = chunk[0]
            await self.send_chunk([p.id for p in chunk], await self._schedule(first.court_id, first.month))

    async def _schedule(self, court_id: int, month: str) -> Schedule:
        """The court's schedule of the month, read again after a minute (the court may enter a calendar
        override); each court of a province deployment has its own calendar."""
        now = asyncio.get_running_loop().time()
        cached = self._schedules.get((court_id, month))
        if cached is None or now - cached[1] > 60.0:
            rt = self.rt
            sched = await monthly.schedule_of(
                rt.db.uow(read_only=True),
                court_id=court_id,
                month=Month.parse(month),
                tz=rt.settings.tz,
                policy=self.policy,
            )
            cached = self._schedules[(court_id, month)] = (sched, now)
        return cached[0]

    async def _pause(self) -> None:
        """After a 429 every worker waits until Telegram's ``retry_after`` has passed."""
        wait = self._resume_at - asyncio.get_running_loop().time()
        if wait > 0:
            await asyncio.sleep(wait)

    async def send_chunk(self, prompt_ids: list[int], schedule: Schedule | None = None) -> None:
        """Begin the rows in one transaction, send them one by one (each paced by the limiter), and commit
        their deliveries in one transaction. A crash meanwhile leaves them ``sending``: the wire log tells
        which requests left (``unknown``: taken as delivered) and which did not (sent again)."""
        await self._pause()
        bot = await self._sender()
        self.busy_ids.update(prompt_ids)
        rt = self.rt
        sent: list[tuple[int, int]] = []
        begun: list[Outgoing] = []
        tried = 0  # begun[tried:] never had their request made
        try:
            begun = await monthly.begin_send_many(
                rt.db.uow(),
                prompt_ids=prompt_ids,
                now=rt.clock.now(),
                tz=rt.settings.tz,
                policy=self.policy,
                court_name=rt.court_name,
                sender=self.wire.sender,
                known=schedule,
            )
            for o in begun:
                if not self.app.running:
                    break  # stopping: the rest go back to pending below
                await self._pause()
                tried += 1
                message_id = await self._send(bot, o)
                if message_id is not None:
                    sent.append((o.prompt_id, message_id))
        finally:
            await monthly.delivered_many(rt.db.uow(), sent=sent, now=rt.clock.now())
            unsent = [o.prompt_id for o in begun[tried:]]
            await monthly.release(rt.db.uow(), prompt_ids=unsent, now=rt.clock.now())
            self.busy_ids.difference_update(prompt_ids)

    async def _send(self, bot: ExtBot[None], outgoing: Outgoing) -> int | None:
        """One row's request; its message id when Telegram took it (committed by the caller), else None
        with the row's other outcome committed here."""
        prompt_id = outgoing.prompt_id
        # ---- from the begin until the outcome is committed, a crash leaves the row `sending` ------------
        # The limiter's slot is taken in the HTTP client, right before the request is written; a crash while
        # waiting for it is harmless (the request never left: the row is sent again).
        token = _CURRENT.set(prompt_id)
        try:
            return await self._deliver(bot, outgoing)
        except RetryAfter as exc:
            seconds = float(
                exc.retry_after if isinstance(exc.retry_after, int | float) else exc.retry_after.seconds
            )
            self._resume_at = asyncio.get_running_loop().time() + seconds
            await self._outcome(monthly.retry_later, prompt_id, error="429")
            log.info("broadcast_throttled", retry_after=seconds)
        except Forbidden:
            await self._refused(prompt_id, PromptState.BLOCKED, "blocked")
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                await self._refused(prompt_id, PromptState.UNREACHABLE, "chat_not_found")
            else:
                log.warning("broadcast_refused", error=exc.message)
                await self._refused(prompt_id, PromptState.FAILED, exc.message)
        except (NetworkError, TelegramError) as exc:  # TimedOut, 5xx, a broken connection …
            if prompt_id in self.wire.left:
                log.warning("broadcast_outcome_unknown", error=repr(exc))
                await self._outcome(monthly.outcome_unknown, prompt_id, error=repr(exc))
            else:  # the request never left: Telegram cannot have it
                self._resume_at = asyncio.get_running_loop().time() + 1.0
                await self._outcome(monthly.retry_later, prompt_id, error=repr(exc))
        finally:
            _CURRENT.reset(token)
        return None

    async def _outcome(self, use_case: Callable[..., Awaitable[None]], prompt_id: int, *, error: str) -> None:
        await use_case(self.rt.db.uow(), prompt_id=prompt_id, now=self.rt.clock.now(), error=error)

    async def _refused(self, prompt_id: int, state: PromptState, reason: str) -> None:
        await monthly.undeliverable(
            self.rt.db.uow(), prompt_id=prompt_id, state=state, reason=reason, now=self.rt.clock.now()
        )

    async def _deliver(self, bot: ExtBot[None], o: Outgoing) -> int:
        """Send the message(s) of one row; the id of the first is the row's message id."""
        tz = self.rt.settings.tz
        if o.kind is Kind.NOTICE:
            assert o.compliance is not None
            parts = texts.compliance(o.compliance, tz, notice=True)
            first = await bot.send_message(o.chat_id, parts[0])
            _CURRENT.set(None)  # the rest is detail: the row stands or falls with the first part
            for part in parts[1:]:
                await asyncio.sleep(1.05)  # ≤ 1 message per second in one chat
                try:
                    await bot.send_message(o.chat_id, part)
                except TelegramError as exc:
                    log.warning("notice_part_failed", error=repr(exc))
            return first.message_id
        sent = await bot.send_message(o.chat_id, texts.prompt(o, tz), reply_markup=markup(o))
        return sent.message_id

    async def _close_bot(self) -> None:
        if self._bot is not None:
            bot, self._bot = self._bot, None
            await bot.shutdown()
