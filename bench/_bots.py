"""Generic helpers of the bot benchmarks: bot subprocesses, a generated roster, a throw-away PostgreSQL
database, and a tap on the sandbox's event log that tells a waiter the moment a bot posts to a user."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from liuhen.sandbox.client import MESSAGE_EVENTS, SandboxClient
from liuhen.sandbox.server import EventLog

Json = dict[str, Any]
Match = Callable[[Json], bool]

_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "no_proxy")
_LOCAL = "127.0.0.1,localhost"


def local_only(env: dict[str, str]) -> dict[str, str]:
    """``env`` without proxy settings and with NO_PROXY for the loopback: bots talk to 127.0.0.1 only."""
    clean = {k: v for k, v in env.items() if k.lower() not in _PROXY_VARIABLES}
    clean.update(NO_PROXY=_LOCAL, no_proxy=_LOCAL)
    return clean


_started: list[BotSubprocess] = []


class BotSubprocess:
    """A bot as a child process, its output in ``log``; :meth:`stop` is SIGTERM, then SIGKILL."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        _started.append(self)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def cpu_seconds(self) -> float | None:
        """User plus system CPU time of the process so far (Linux /proc), None when unknown."""
        if not self.alive() or self.proc is None:
            return None
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat[stat.rindex(")") + 2 :].split()  # the name in parentheses may contain spaces
        utime, stime = int(fields[11]), int(fields[12])
        return (utime + stime) / os.sysconf("SC_CLK_TCK")

    async def stop(self, grace: float = 10.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(self.proc.wait, grace)
        self.kill()
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def kill_all_started() -> None:
    """Last resort (interrupts): no bot outlives the benchmark."""
    for bot in _started:
        bot.kill()


def generated_roster(users: int) -> tuple[str, list[str]]:
    """A valid roster (domain/roster.py): ``users`` judges (role staff) in one department with its head,
    the vice-president in charge of it and a discipline officer. Returns the CSV and the judges' ids."""
    dept = "民事审判第一庭"
    rows = [
        "staff_id,name,department,position,role,phone,oversees",
        f"h001,李庭长,{dept},庭长,dept_head,13900000002,",
        f"v001,王副院长,院领导,副院长,vice_president,13900000003,{dept}",
        "k001,赵主任,纪检监察室,主任,discipline,13900000004,",
    ]
    ids = [f"j{i:04d}" for i in range(1, users + 1)]
    rows += [f"{staff_id},法官{staff_id[1:]},{dept},审判员,staff,," for staff_id in ids]
    return "\n".join(rows) + "\n", ids


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    parsed = make_url(url)
    conn = await asyncpg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        database=parsed.database or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def fresh_pg_database(server_url: str) -> AsyncIterator[str]:
    """A new database on the server of ``server_url`` (whose own database is only used to create and drop
    it), for the duration of the block; yields its SQLAlchemy URL."""
    name = f"liuhen_bench_{uuid.uuid4().hex[:12]}"
    await _pg_admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(server_url)
            .set(drivername="postgresql+asyncpg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        await _pg_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class ReceiptTap(EventLog):
    """The event log of one bot in the sandbox, which also resolves a waiter's future with
    ``time.perf_counter()`` as soon as the bot posts (or edits) a message that the waiter is looking for.

    Install it before the bot runs: ``server.bot(token).events = tap``. Unlike per-user long polls of the
    simulation API (every event wakes every poll of the bot), this is O(1) per event, so the harness
    stays cheap at 50 concurrent users and the timestamp is when the sandbox got the bot's message."""

    def __init__(self) -> None:
        super().__init__()
        self._waiters: dict[int, tuple[Match, asyncio.Future[float]]] = {}

    def add(self, user_id: int, kind: str, **payload: Any) -> Json:
        event = super().add(user_id, kind, **payload)
        waiter = self._waiters.get(user_id)
        if waiter is not None and kind in ("message", "edited_message"):
            match, future = waiter
            message = payload.get("message") or {}
            if message.get("from_bot") and not future.done() and match(message):
                future.set_result(time.perf_counter())
                del self._waiters[user_id]
        return event

    def expect(self, user_id: int, match: Match) -> asyncio.Future[float]:
        """A future for the next bot message to ``user_id`` satisfying ``match`` (one waiter per user)."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters[user_id] = (match, future)
        return future

    def sent(self, user_id: int, future: asyncio.Future[float], seq: int) -> None:
        """The user's action that the answer is to came back with ``seq``: nothing to do in process, where
        the waiter saw every event from the moment it was registered."""

    def forget(self, user_id: int, future: asyncio.Future[float]) -> None:
        waiter = self._waiters.get(user_id)
        if waiter is not None and waiter[1] is future:
            del self._waiters[user_id]

    async def stop(self) -> None:
        """Nothing to stop in process (the sandbox closes its event log itself, ``EventLog.close``)."""


class _Waiter:
    __slots__ = ("after", "future", "held", "match")

    def __init__(self, match: Match, future: asyncio.Future[float]) -> None:
        self.match, self.future = match, future
        self.after: int | None = None  # the seq of the user's action, once its call returned
        self.held: list[tuple[float, Json]] = []  # events that came before that


class PolledTap:
    """The same waiters as :class:`ReceiptTap` for a Bot API in another process (``--api URL``): the bot's
    messages are seen through the simulation API's long poll of a user's events, one poll per user, and
    timed when the poll's answer arrives here, as any outside observer would time them.

    A poll may deliver an earlier answer (an edit of the last receipt) after a new waiter was registered,
    so a waiter takes only events numbered after the user's own action (:meth:`sent`)."""

    def __init__(self, sim: SandboxClient) -> None:
        self._sim = sim
        self._waiters: dict[int, _Waiter] = {}
        self._polls: dict[int, asyncio.Task[None]] = {}

    def expect(self, user_id: int, match: Match) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters[user_id] = _Waiter(match, future)
        if user_id not in self._polls:
            self._polls[user_id] = asyncio.create_task(self._poll(user_id))
        return future

    def sent(self, user_id: int, future: asyncio.Future[float], seq: int) -> None:
        waiter = self._waiters.get(user_id)
        if waiter is None or waiter.future is not future:
            return
        waiter.after = seq
        held, waiter.held = waiter.held, []
        for at, event in held:
            self._offer(user_id, waiter, at, event)

    def forget(self, user_id: int, future: asyncio.Future[float]) -> None:
        waiter = self._waiters.get(user_id)
        if waiter is not None and waiter.future is future:
            del self._waiters[user_id]

    async def stop(self) -> None:
        for task in self._polls.values():
            task.cancel()
        await asyncio.gather(*self._polls.values(), return_exceptions=True)
        self._polls.clear()

    async def _poll(self, user_id: int) -> None:
        cursor = 0
        while True:
            events = await self._sim.events(user_id, cursor, 25.0)
            at = time.perf_counter()
            for event in events:
                cursor = max(cursor, int(event["seq"]))
                waiter = self._waiters.get(user_id)
                if waiter is None:
                    continue
                if waiter.after is None:
                    waiter.held.append((at, event))
                else:
                    self._offer(user_id, waiter, at, event)

    def _offer(self, user_id: int, waiter: _Waiter, at: float, event: Json) -> None:
        assert waiter.after is not None
        if int(event["seq"]) <= waiter.after or event.get("type") not in MESSAGE_EVENTS:
            return
        message = event.get("message") or {}
        if message.get("from_bot") and not waiter.future.done() and waiter.match(message):
            waiter.future.set_result(at)
            self._waiters.pop(user_id, None)


def profiled(argv: list[str], out: Path) -> list[str]:
    """``argv`` (a ``python -c CODE ARGS…`` command line) with its program profiled, the statistics (pstats)
    written to ``out`` when it exits (a clean stop: SIGTERM, as ``BotSubprocess.stop`` sends).

    With yappi installed (``pip install yappi``) every thread is profiled in CPU time, aiosqlite's and the
    evidence writer's included; otherwise cProfile, which sees the event loop's thread only."""
    python, flag, code, *rest = argv
    assert flag == "-c" and code.rstrip().endswith("main()"), argv
    wrapped = code.rstrip()[: -len("main()")] + (
        "import atexit, cProfile\n"
        "try:\n"
        "    import yappi\n"
        "except ImportError:\n"
        "    profile = cProfile.Profile()\n"
        f"    atexit.register(lambda: (profile.disable(), profile.dump_stats({str(out)!r})))\n"
        "    profile.enable()\n"
        "else:\n"
        "    yappi.set_clock_type('cpu')\n"
        f"    atexit.register(lambda: (yappi.stop(), yappi.get_func_stats().save({str(out)!r}, 'pstat')))\n"
        "    yappi.start()\n"
        "main()\n"
    )
    return [python, flag, wrapped, *rest]


def add_profile_option(parser: Any, flag: str, what: str, *, printed: bool = True) -> None:
    """``flag PATH``: profile ``what`` with :func:`profiled`; PATH is made absolute as it is read, since the
    bot runs in its own working directory."""
    shown = " and print the top entries" if printed else ""
    parser.add_argument(
        flag,
        metavar="PATH",
        type=lambda value: str(Path(value).resolve()),
        help=f"profile {what} (every thread with yappi if installed, else cProfile), write its statistics "
        f"(pstats) to PATH{shown}",
    )


def print_profile(console: Any, path: str | None) -> None:
    """The top entries of a profile ``profiled`` wrote, by own time and by cumulative time."""
    if not path or not Path(path).exists():
        return
    import pstats

    for key in ("tottime", "cumulative"):
        console.print(f"[bold]liuhen's profile, by {key} (top 25)[/bold]")
        pstats.Stats(path).sort_stats(key).print_stats(25)


def progress_bar(console: Any) -> Any:
    """The benches' progress bar: what, a bar, how many of how many, the time so far."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=console)
