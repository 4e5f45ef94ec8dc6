"""The monthly broadcast to a whole court on the sandbox enforcing Telegram's limits (30 messages/s
overall, 1/s per chat, 429 RetryAfter beyond), killed with SIGKILL half-way and restarted.

    .venv/bin/python bench/broadcast.py [--staff 10000] [--kill-at 0.5] [--database-url URL] [--keep]

The sandbox runs in this process; liuhen runs as `liuhen run` in a subprocess with its production settings
(PTB's AIORateLimiter on, the broadcast paced at LIUHEN_MONTHLY_SEND_RATE, default 29/s), on SQLite in a
temp directory unless --database-url names a PostgreSQL server (a fresh database is created there and
dropped afterwards). The staff are bound to sandbox users directly in the database and the November prompt
is planned before the bot starts (the schedule is tested elsewhere), so the bot does nothing but send.

Printed, never asserted (the monthly broadcast's targets):
- achieved rate / 30 while sending, both lives together, the restart's downtime excluded (target ≥ 0.95);
- duplicates: people with more than one prompt in their chat (target 0);
- missed: people with none (target 0);
- liuhen's CPU per message while sending (from its first message to its last in each life: start-up
  excluded; target ≤ 5 ms), beside a bare python-telegram-bot sending the same text and keyboard to the
  same number of people through PTB's AIORateLimiter on the same sandbox in the same run (bench/echo_bot.py;
  --no-baseline skips it, which halves the time).
At 30 messages/s, 10,000 people take about six minutes (twice, with the baseline); --staff makes it smaller.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.bot.procs; bench/ is on it already

from tests.bot.procs import bot_env, prepare
from tests.timeline import liuhen as liuhen_command

from _bots import (
    BotSubprocess,
    Json,
    add_profile_option,
    fresh_pg_database,
    kill_all_started,
    local_only,
    print_profile,
    profiled,
    progress_bar,
)
from liuhen.app.usecases import monthly
from liuhen.domain.monthly import Kind, Month, Policy
from liuhen.sandbox.server import EventLog, SandboxServer
from liuhen.storage import tables as t
from liuhen.storage.database import Database

TOKEN = "700000003:bench-broadcast-token-cccccccccccccccc"
BASELINE_TOKEN = "700000005:bench-bare-broadcast-token-eeeeeeeeee"
LIMIT = 30.0  # Telegram: about 30 messages per second overall
TARGET_RATIO = 0.95
TARGET_CPU_MS = 5.0  # per message sent
ROOT = Path(__file__).resolve().parent.parent
FIRST_USER = 1_000_001
QUESTION = "11月是否遇到需要记录的过问、干预或接触交往？"
START_TIMEOUT = 60.0


def roster(n: int) -> str:
    rows = ["staff_id,name,department,position,role,phone,oversees"]
    rows += [f"s{i:05d},干警{i:05d},第{i % 40 + 1}庭,审判员,staff,," for i in range(n)]
    return "\n".join(rows) + "\n"


async def bind_and_plan(db_url: str) -> int:
    """Every person gets a sandbox user (telegram id = FIRST_USER + pk); November's prompt is planned."""
    db = Database(db_url)
    try:
        async with db.uow() as uow:
            c = t.staff.c
            await uow.session.execute(
                update(t.staff).values(telegram_user_id=c.id + FIRST_USER, telegram_chat_id=c.id + FIRST_USER)
            )
            await uow.commit()
        return await monthly.plan(
            db.uow(),
            court_id=1,
            month=Month(2026, 11),
            kind=Kind.PROMPT,
            now=datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
            tz=ZoneInfo("Asia/Shanghai"),
            policy=Policy(),
        )
    finally:
        await db.dispose()


async def unfinished(db: Database) -> int:
    async with db.uow(read_only=True) as uow:
        rows = await uow.monthly.prompts(1, ["2026-11"])
        return sum(p.state in ("pending", "sending") for p in rows)


class SendTap(EventLog):
    """The bot's event log in the sandbox, noting when each message was accepted (time.perf_counter())."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def add(self, user_id: int, kind: str, **payload: Any) -> Json:
        if kind == "message" and (payload.get("message") or {}).get("from_bot"):
            self.times.append(time.perf_counter())
        return super().add(user_id, kind, **payload)


class Meter:
    """The rate while sending: messages per second between the first and the last message of each life (the
    restart's downtime excluded), from the sandbox's own clock."""

    def __init__(self, server: SandboxServer, token: str = TOKEN) -> None:
        self.state = server.bot(token)
        self.tap = SendTap()
        self.state.events = self.tap
        self.lives: list[tuple[int, int]] = []  # (first index, end index) into tap.times
        self._start = 0

    @property
    def sent(self) -> int:
        return int(self.state.stats["sent"])

    def pause(self) -> None:
        self.lives.append((self._start, len(self.tap.times)))
        self._start = len(self.tap.times)

    def finish(self) -> None:
        self.pause()

    @property
    def busy_seconds(self) -> float:
        return sum(self.tap.times[b - 1] - self.tap.times[a] for a, b in self.lives if b - a > 1)

    @property
    def rate(self) -> float:
        intervals = sum(b - a - 1 for a, b in self.lives if b - a > 1)
        return intervals / self.busy_seconds if self.busy_seconds else 0.0


class SendingCpu:
    """CPU seconds of a process while it sends: from its first message of a life to the end of the life,
    so that start-up (imports, migrations, connecting) is not counted per message."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.messages = 0
        self._first: tuple[float, int] | None = None

    def watch(self, proc: BotSubprocess, sent: int, sent_before: int) -> None:
        """Called while the process lives: notes the moment of its first message."""
        if self._first is None and sent > sent_before:
            cpu = proc.cpu_seconds()
            if cpu is not None:
                self._first = (cpu, sent)

    def end_of_life(self, proc: BotSubprocess, sent: int) -> None:
        cpu = proc.cpu_seconds()
        if self._first is not None and cpu is not None:
            self.seconds += cpu - self._first[0]
            self.messages += sent - self._first[1]
        self._first = None

    @property
    def ms_per_message(self) -> float:
        return self.seconds * 1000 / self.messages if self.messages else float("nan")


async def run_life(
    proc: BotSubprocess,
    meter: Meter,
    until: int,
    progress: Progress,
    task: Any,
    cpu: SendingCpu,
    running: Callable[[], Awaitable[bool]] | None = None,
) -> None:
    """Start the bot and watch it send until ``until`` messages in all, or while ``running`` says so."""
    sent_before = meter.sent
    proc.start()
    started = time.monotonic()
    while meter.sent < until or (running is not None and await running()):
        if running is not None and time.monotonic() - started > until / 10 + 120:
            break  # the restart's deadline: what is missing is counted below
        await asyncio.sleep(0.05)
        progress.update(task, completed=meter.sent)
        cpu.watch(proc, meter.sent, sent_before)
        if not proc.alive():
            raise RuntimeError(f"liuhen stopped:\n{proc.log_tail()}")
        if meter.sent == sent_before and time.monotonic() - started > START_TIMEOUT:
            raise RuntimeError(f"liuhen sent nothing in {START_TIMEOUT:.0f}s:\n{proc.log_tail()}")
    cpu.end_of_life(proc, meter.sent)


async def bare_broadcast(server: SandboxServer, users: int, work: Path, console: Console) -> SendingCpu:
    """The baseline: a bare PTB bot sends the prompt's text and keyboard to ``users`` people."""
    state = server.bot(BASELINE_TOKEN)
    state.sim.set_limits({"global_per_second": LIMIT, "per_chat_per_second": 1})
    for user in range(FIRST_USER, FIRST_USER + users):
        state.sim.create_user({"id": user, "first_name": f"干警{user}"})
    env = local_only(
        {
            **os.environ,
            "ECHO_TOKEN": BASELINE_TOKEN,
            "ECHO_BASE_URL": server.bot_api_url,
            "ECHO_BASE_FILE_URL": server.file_url,
            "ECHO_BROADCAST": f"{FIRST_USER},{users}",
            "ECHO_TEXT": QUESTION,
        }
    )
    argv = [sys.executable, str(ROOT / "bench" / "echo_bot.py")]
    proc = BotSubprocess("bare", argv, env, work / "bare.log")
    cpu = SendingCpu()
    try:
        with progress_bar(console) as progress:
            task = progress.add_task("bare PTB sending", total=users)
            meter = Meter(server, BASELINE_TOKEN)
            await run_life(proc, meter, users, progress, task, cpu)
    finally:
        await proc.stop()
    return cpu


def count_prompts(server: SandboxServer, users: list[int]) -> Counter[int]:
    chats = server.bot(TOKEN).chats
    per_user: Counter[int] = Counter()
    for user in users:
        per_user[user] = sum(
            1
            for m in chats[user].messages.values()
            if m.from_bot and QUESTION in str(m.message.get("text", ""))
        )
    return per_user


async def bench(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="liuhen-bench-broadcast-"))
    console.print(
        f"[bold]liuhen broadcast benchmark[/bold] · {args.staff} staff · "
        f"Python {platform.python_version()} · "
        f"{'PostgreSQL' if args.database_url else 'SQLite'} · work dir {work} · {os.cpu_count()} CPUs"
    )
    server = SandboxServer()
    await server.start("127.0.0.1", 0)
    try:
        async with contextlib.AsyncExitStack() as stack:
            if args.database_url:
                db_url = await stack.enter_async_context(fresh_pg_database(args.database_url))
            else:
                db_url = f"sqlite+aiosqlite:///{work / 'data' / 'liuhen.db'}"
            env = local_only(
                bot_env(
                    token=TOKEN,
                    api_url=server.bot_api_url,
                    file_url=server.file_url,
                    data_dir=work / "data",
                    db_url=db_url,
                )
            )
            env.update(
                LIUHEN_MONTHLY_AUTO="false", LIUHEN_MONTHLY_CHECK_SECONDS="1", LIUHEN_RATE_LIMIT="true"
            )
            setup = time.monotonic()
            await prepare(env, roster(args.staff), [])
            planned = await bind_and_plan(db_url)
            state = server.bot(TOKEN)
            state.sim.set_limits({"global_per_second": LIMIT, "per_chat_per_second": 1})
            db = Database(db_url)
            async with db.uow(read_only=True) as uow:
                users = [FIRST_USER + (s.id or 0) for s in await uow.staff.list(1)]
            await db.dispose()
            for user in users:
                state.sim.create_user({"id": user, "first_name": f"干警{user}"})
            console.print(f"[dim]setup: {planned} prompts planned in {time.monotonic() - setup:.1f}s[/dim]")

            meter = Meter(server)
            cpu = SendingCpu()
            argv = liuhen_command("run")
            proc = BotSubprocess("liuhen", argv, env, work / "liuhen.log")
            stack.push_async_callback(proc.stop)
            with progress_bar(console) as progress:
                task = progress.add_task("sending", total=planned)
                await run_life(proc, meter, int(planned * args.kill_at), progress, task, cpu)
                killed_at = meter.sent
                proc.kill()  # SIGKILL, mid-request as often as not
                meter.pause()
                progress.console.print(f"[yellow]SIGKILL after {killed_at} messages; restarting[/yellow]")
                if args.profile:  # the second life profiled, its statistics written when it stops
                    proc.argv = profiled(argv, Path(args.profile))
                watch = Database(db_url)  # one engine, looked at now and then: the sandbox shares this loop
                looked = [0.0]

                async def running() -> bool:  # rows still pending or sending (looked at once a second)
                    if time.monotonic() - looked[0] < 1.0:
                        return True
                    looked[0] = time.monotonic()
                    return bool(await unfinished(watch))

                await run_life(proc, meter, planned, progress, task, cpu, running)
                meter.finish()
                await watch.dispose()
            await proc.stop()
            per_user = count_prompts(server, users)
            stats = state.sim.stats()
            baseline = None if args.no_baseline else await bare_broadcast(server, planned, work, console)
    finally:
        await server.stop()
        if args.keep:
            console.print(f"[dim]kept {work}[/dim]")
        else:
            shutil.rmtree(work, ignore_errors=True)

    duplicates = sum(1 for n in per_user.values() if n > 1)
    missed = sum(1 for n in per_user.values() if n == 0)
    ratio = meter.rate / LIMIT
    table = Table(title="monthly broadcast: SIGKILL half-way, restart")
    for column in ("measure", "value", "target", ""):
        table.add_column(column)
    table.add_row("staff", str(args.staff), "", "")
    table.add_row("killed after", f"{killed_at} messages", "", "")
    table.add_row(
        "achieved rate", f"{meter.rate:.2f} msg/s over {meter.busy_seconds:.0f}s of sending", "", ""
    )
    table.add_row(
        "rate / 30", f"{ratio:.3f}", f"≥ {TARGET_RATIO}", "PASS" if ratio >= TARGET_RATIO else "MISS"
    )
    table.add_row("duplicates", str(duplicates), "0", "PASS" if duplicates == 0 else "MISS")
    table.add_row("missed", str(missed), "0", "PASS" if missed == 0 else "MISS")
    table.add_row("429 from the sandbox", str(stats["rejected_429"]), "", "")
    ms = cpu.ms_per_message
    table.add_row(
        "liuhen CPU per message, sending",
        f"{ms:.2f} ms ({cpu.seconds:.1f}s for {cpu.messages})",
        f"≤ {TARGET_CPU_MS:.0f} ms",
        "PASS" if ms <= TARGET_CPU_MS else "MISS",
    )
    if baseline is not None:
        bare = baseline.ms_per_message
        table.add_row(
            "bare PTB CPU per message",
            f"{bare:.2f} ms ({baseline.seconds:.1f}s for {baseline.messages})",
            "",
            "",
        )
        table.add_row("liuhen / bare PTB", f"{ms / bare:.2f}×" if bare else "—", "", "")
    console.print(table)
    return {
        "ratio": ratio,
        "duplicates": duplicates,
        "missed": missed,
        "rejected_429": stats["rejected_429"],
        "cpu_ms_per_message": ms,
        "bare_cpu_ms_per_message": baseline.ms_per_message if baseline else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--staff", type=int, default=10_000, help="people in the court (default 10000)")
    parser.add_argument("--kill-at", type=float, default=0.5, help="share sent before SIGKILL (default 0.5)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server, e.g. postgresql://postgres@127.0.0.1:5432/test: a fresh database is "
        "created there (its own database is used only to create and drop it); default SQLite",
    )
    parser.add_argument(
        "--rate", type=float, help="LIUHEN_MONTHLY_SEND_RATE (default: the setting's default)"
    )
    parser.add_argument("--workers", type=int, help="LIUHEN_MONTHLY_SEND_WORKERS (default: the setting's)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (log, database)")
    add_profile_option(parser, "--profile", "liuhen's second life")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the bare PTB broadcast (the CPU baseline)"
    )
    args = parser.parse_args()
    if args.staff < 2 or not 0 < args.kill_at < 1:
        parser.error("--staff must be at least 2 and --kill-at between 0 and 1")
    console = Console(width=None if sys.stdout.isatty() else 120)
    try:
        asyncio.run(bench(args, console))
        print_profile(console, args.profile)
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        kill_all_started()


if __name__ == "__main__":
    main()
