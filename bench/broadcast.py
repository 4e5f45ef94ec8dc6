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
- missed: people with none (target 0).
At 30 messages/s, 10,000 people take about six minutes; --staff makes it smaller.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.bot.procs; bench/ is on it already

from tests.bot.procs import bot_env, prepare
from tests.timeline import liuhen as liuhen_command

from _bots import BotSubprocess, Json, fresh_pg_database, kill_all_started, local_only
from liuhen.app.usecases import monthly
from liuhen.domain.monthly import Kind, Month, Policy
from liuhen.sandbox.server import EventLog, SandboxServer
from liuhen.storage import tables as t
from liuhen.storage.database import Database

TOKEN = "700000003:bench-broadcast-token-cccccccccccccccc"
LIMIT = 30.0  # Telegram: about 30 messages per second overall
TARGET_RATIO = 0.95
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

    def __init__(self, server: SandboxServer) -> None:
        self.state = server.bot(TOKEN)
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


async def run_life(proc: BotSubprocess, meter: Meter, until: int, progress: Progress, task: Any) -> None:
    """Start the bot and watch it send until ``until`` messages in all (or the rows are done)."""
    proc.start()
    started = time.monotonic()
    while meter.sent < until:
        await asyncio.sleep(0.05)
        progress.update(task, completed=meter.sent)
        if not proc.alive():
            raise RuntimeError(f"liuhen stopped:\n{proc.log_tail()}")
        if meter.sent == 0 and time.monotonic() - started > START_TIMEOUT:
            raise RuntimeError(f"liuhen sent nothing in {START_TIMEOUT:.0f}s:\n{proc.log_tail()}")


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
            proc = BotSubprocess("liuhen", liuhen_command("run"), env, work / "liuhen.log")
            stack.push_async_callback(proc.stop)
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as progress:
                task = progress.add_task("sending", total=planned)
                await run_life(proc, meter, int(planned * args.kill_at), progress, task)
                killed_at = meter.sent
                cpu = proc.cpu_seconds() or 0.0
                proc.kill()  # SIGKILL, mid-request as often as not
                meter.pause()
                progress.console.print(f"[yellow]SIGKILL after {killed_at} messages; restarting[/yellow]")
                proc.start()
                deadline = time.monotonic() + planned / 10 + 120
                watch = Database(db_url)  # one engine, looked at once a second: the sandbox shares this loop
                while time.monotonic() < deadline and (meter.sent < planned or await unfinished(watch)):
                    await asyncio.sleep(1.0)
                    progress.update(task, completed=meter.sent)
                meter.finish()
                await watch.dispose()
            cpu += proc.cpu_seconds() or 0.0
            await proc.stop()
            per_user = count_prompts(server, users)
            stats = state.sim.stats()
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
    table.add_row("liuhen CPU", f"{cpu:.1f}s ({cpu / max(meter.sent, 1) * 1000:.1f} ms per message)", "", "")
    console.print(table)
    return {"ratio": ratio, "duplicates": duplicates, "missed": missed, "rejected_429": stats["rejected_429"]}


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
    args = parser.parse_args()
    if args.staff < 2 or not 0 < args.kill_at < 1:
        parser.error("--staff must be at least 2 and --kill-at between 0 and 1")
    console = Console(width=None if sys.stdout.isatty() else 120)
    try:
        asyncio.run(bench(args, console))
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        kill_all_started()


if __name__ == "__main__":
    main()
