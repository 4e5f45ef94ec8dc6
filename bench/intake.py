"""Receipt latency and throughput of liuhen's intake through the sandbox, with a bare python-telegram-bot
echo bot on the same sandbox as the baseline, in one run.

    .venv/bin/python bench/intake.py [--users 50] [--messages 40] [--rounds 3] [--sequential 200]
                                     [--database-url URL] [--webhook] [--no-image] [--api URL]

The sandbox runs in this process (127.0.0.1, a free port); each bot runs as a subprocess against it. Both
stay up; only one is measured at a time (the other idles in a long poll), so they never compete for the CPU.

With --api URL the traffic goes to a Bot API emulator already running in another process, on this machine or
another: the bots' Bot API is ``URL/bot<token>/METHOD`` (files ``URL/file/bot<token>/…``), Telegram's own
layout, and the judges are simulated through the emulator's simulation API at ``URL/sim/<token>/…`` (create
users, send and forward messages, long-poll a user's events), the protocol of liuhen's sandbox, which runs
as one with ``python -m liuhen.sandbox --port 8090``. The answers are then seen as an outside observer sees
them, through the long poll, for the echo bot and liuhen alike.

- Phase A: one judge forwards --sequential texts (forward_origin of kind user), one after another.
- Phase B: --users judges forward --messages texts each, concurrently; each sends, waits for its receipt,
  sends the next. Throughput is receipts per second of the phase's wall time. It runs in --rounds rounds,
  echo and liuhen back to back in each: these machines are noisy, and the ratio of a round compares the two
  under the same load of the moment; the target is checked on the median of the rounds' ratios.

Latency runs from the simulation API's send call returning to the sandbox receiving the bot's answer (the
receipt "已留存证据" for liuhen, the echoed text for the echo bot). liuhen runs with its real settings:
SQLite in a temp directory (WAL, synchronous=FULL, evidence fsync'ed) unless --database-url names a
PostgreSQL server (a fresh database is created there and dropped afterwards); every judge is enrolled
through the real `/start CODE` flow. Targets: one judge at a time (phase A) p50 ≤ 30 ms, p99 ≤ 80 ms for a
forwarded text; under load (phase B) throughput ≥ 0.8× the echo bot's, p99 ≤ 1.3× and CPU per receipt
≤ 1.5× the echo bot's. They are printed with PASS/MISS, never asserted.

- With --webhook, a second liuhen runs behind its webhook server (`liuhen run --webhook`, its own database),
  the sandbox posting to it as Telegram does; its phase B runs in the same rounds, and the ratio webhook /
  long polling is printed (goal ≥ 1).
- Memory: the bot's resident memory after the phases, then after one judge sent a 40-megapixel screenshot
  as a file and the decoding worker inspected it (goals ≤ 200 MB and ≤ 256 MB for the bot; the worker's is
  printed beside it). --no-image skips the screenshot.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import telegram
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.bot.procs; bench/ is on it already

from tests.bot.procs import bot_env, prepare
from tests.bot.webhook_kit import HOOK_PATH, free_port, webhook_env
from tests.timeline import liuhen as liuhen_command

from _bots import (
    BotSubprocess,
    Json,
    Match,
    PolledTap,
    ReceiptTap,
    add_profile_option,
    fresh_pg_database,
    generated_roster,
    kill_all_started,
    local_only,
    print_profile,
    profiled,
    progress_bar,
)
from liuhen.sandbox.client import SandboxClient, origin_user
from liuhen.sandbox.server import SandboxServer, bot_api_url, file_url

LIUHEN_TOKEN = "700000001:bench-liuhen-token-aaaaaaaaaaaaaaaaaaa"
WEBHOOK_TOKEN = "700000004:bench-webhook-token-dddddddddddddddddd"
ECHO_TOKEN = "700000002:bench-echo-token-bbbbbbbbbbbbbbbbbbbbb"
RECEIPT = "已留存证据"
ENROLLED = "已完成登记"
TARGET_A_P50_MS = 30.0  # one judge at a time
TARGET_A_P99_MS = 80.0
TARGET_RATIO = 0.8  # phase B throughput, liuhen / echo
TARGET_B_P99_RATIO = 1.3  # phase B p99, liuhen / echo
TARGET_CPU_RATIO = 1.5  # phase B CPU per receipt, liuhen / echo
TELEGRAM_RATE = 30.0  # messages per second: Telegram's ceiling, which the limiter keeps
TARGET_LIMITED = 0.97  # phase B with the limiter on, of TELEGRAM_RATE
FIRST_USER_ID = 20001
FIRST_SENDER_ID = 900001
WARMUP = 5
ROUND_TIMEOUT = 20.0  # one receipt
START_TIMEOUT = 60.0  # a bot's first answer (the process is still starting)
SHUTDOWN_RESERVE = 15.0
ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------------------------------ measurements


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (q in 0..1); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


@dataclass
class Phase:
    bot: str
    name: str
    expected: int
    latencies_ms: list[float] = field(default_factory=list)
    firsts: list[bool] = field(default_factory=list)  # beside each latency: a judge's first of the round
    wall_s: float = 0.0
    failures: int = 0
    timed_out: bool = False
    bot_cpu_s: float | None = None
    harness_cpu_s: float = 0.0

    @property
    def done(self) -> int:
        return len(self.latencies_ms)

    @property
    def complete(self) -> bool:
        return not self.timed_out and not self.failures and self.done == self.expected

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 0.50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 0.99)

    @property
    def throughput(self) -> float:
        return self.done / self.wall_s if self.wall_s > 0 else 0.0

    def tail(self) -> tuple[int, int, float]:
        """Where the tail comes from: of the slowest 1 % of receipts, how many answered a judge's first
        message of a round (all judges send theirs at once), of how many; and the p99 of the others."""
        slowest = max(1, math.ceil(len(self.latencies_ms) / 100))
        ranked = sorted(zip(self.latencies_ms, self.firsts, strict=True), reverse=True)[:slowest]
        later = [ms for ms, first in zip(self.latencies_ms, self.firsts, strict=True) if not first]
        return sum(first for _, first in ranked), len(ranked), percentile(later, 0.99)

    def summary(self) -> dict[str, Any]:
        return {
            "bot": self.bot,
            "phase": self.name,
            "expected": self.expected,
            "receipts": self.done,
            "failures": self.failures,
            "timed_out": self.timed_out,
            "p50_ms": self.p50,
            "p99_ms": self.p99,
            "max_ms": max(self.latencies_ms, default=float("nan")),
            "wall_s": self.wall_s,
            "receipts_per_s": self.throughput,
            "bot_cpu_s": self.bot_cpu_s,
            "harness_cpu_s": self.harness_cpu_s,
        }


class Budget:
    """The whole run's time limit; each phase gets its own cap, cut to what is left."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def limit(self, cap: float) -> float:
        return max(min(cap, self.end - time.monotonic() - SHUTDOWN_RESERVE), 5.0)


Tap = ReceiptTap | PolledTap


@dataclass
class Api:
    """Where the bots and the judges go: the sandbox in this process, or an emulator at ``--api URL``."""

    base_url: str  # the simulation API's root
    server: SandboxServer | None = None  # in this process: its event log is tapped directly
    bot_api_url: str = field(init=False)
    file_url: str = field(init=False)

    def __post_init__(self) -> None:
        self.bot_api_url, self.file_url = bot_api_url(self.base_url), file_url(self.base_url)

    def tap(self, token: str, sim: SandboxClient) -> Tap:
        if self.server is None:
            return PolledTap(sim)
        tap = ReceiptTap()
        self.server.bot(token).events = tap  # before the bot or any user acts
        return tap


@dataclass
class Bot:
    name: str
    proc: BotSubprocess
    sim: SandboxClient
    tap: Tap
    users: list[int]
    answer_to: Callable[[str], Match]  # the sent text → what the bot's answer looks like


def receipt_for(_text: str) -> Match:
    return lambda message: RECEIPT in (message.get("text") or "")


def echo_of(text: str) -> Match:
    return lambda message: message.get("text") == text


async def round_trip(bot: Bot, user: int, text: str, origin: Json, timeout: float) -> float:  # noqa: ASYNC109
    """Seconds from the send call returning to the bot's answer reaching the sandbox."""
    answered = bot.tap.expect(user, bot.answer_to(text))  # before sending: a quick answer is not missed
    try:
        sent_as = await bot.sim.send_text(user, text, forward_origin=origin)
        sent = time.perf_counter()
        bot.tap.sent(user, answered, int(sent_as["seq"]))
        async with asyncio.timeout(timeout):
            at = await answered
    finally:
        bot.tap.forget(user, answered)
    return max(at - sent, 0.0)


async def run_phase(
    bot: Bot,
    name: str,
    users: list[int],
    per_user: int,
    *,
    limit: float,
    progress: Progress,
    round_timeout: float = ROUND_TIMEOUT,
) -> Phase:
    result = Phase(bot.name, name, expected=len(users) * per_user)
    task = progress.add_task(f"{bot.name} · {name}", total=result.expected)

    async def judge(k: int, user: int) -> None:
        origin = origin_user(
            FIRST_SENDER_ID + k, "某律师", username=f"lawyer_{k}", date=int(time.time()) - 3600
        )
        for i in range(per_user):
            text = f"王庭长：那个案子请多关照，改天一起吃个饭。（{name} · {user} · {i + 1}）"
            try:
                latency = await round_trip(bot, user, text, origin, round_timeout)
            except TimeoutError:
                result.failures += 1
                return  # a late answer would be taken for the next message's
            result.latencies_ms.append(latency * 1000)
            result.firsts.append(i == 0)
            progress.advance(task)

    cpu_before, own_before = bot.proc.cpu_seconds(), time.process_time()
    start = time.perf_counter()
    try:
        async with asyncio.timeout(limit), asyncio.TaskGroup() as group:
            for k, user in enumerate(users):
                group.create_task(judge(k, user))
    except TimeoutError:
        result.timed_out = True
    result.wall_s = time.perf_counter() - start
    cpu_after = bot.proc.cpu_seconds()
    if cpu_before is not None and cpu_after is not None:
        result.bot_cpu_s = cpu_after - cpu_before
    result.harness_cpu_s = time.process_time() - own_before
    return result


# ------------------------------------------------------------------------------------------------ bots


async def create_users(sim: SandboxClient, count: int) -> list[int]:
    ids = [FIRST_USER_ID + i for i in range(count)]
    for n, user_id in enumerate(ids, start=1):
        await sim.create_user(id=user_id, first_name=f"法官{n:04d}")
    return ids


async def enrol(bot: Bot, codes: list[str], *, limit: float, progress: Progress) -> None:
    """Every judge sends `/start CODE` (all at once) and gets the greeting."""
    task = progress.add_task(f"{bot.name} · enrolment (/start CODE)", total=len(codes))

    async def one(user: int, code: str) -> None:
        greeted = bot.tap.expect(user, lambda message: ENROLLED in (message.get("text") or ""))
        try:
            sent = await bot.sim.send_text(user, f"/start {code}")
            bot.tap.sent(user, greeted, int(sent["seq"]))
            await greeted
        finally:
            bot.tap.forget(user, greeted)
        progress.advance(task)

    async with asyncio.timeout(limit), asyncio.TaskGroup() as group:
        for user, code in zip(bot.users, codes, strict=True):
            group.create_task(one(user, code))


class SetupFailed(Exception):
    pass


async def warm_up(bot: Bot, budget: Budget, progress: Progress) -> None:
    warm = await run_phase(
        bot,
        "warm-up",
        bot.users[:1],
        WARMUP,
        limit=budget.limit(90),
        progress=progress,
        round_timeout=START_TIMEOUT,
    )
    if not warm.complete:
        raise SetupFailed(f"{bot.name} did not answer the warm-up messages")


async def sequential(bot: Bot, args: argparse.Namespace, budget: Budget, progress: Progress) -> Phase:
    return await run_phase(
        bot,
        "A: 1 judge, sequential",
        bot.users[:1],
        args.sequential,
        limit=budget.limit(90),
        progress=progress,
    )


async def concurrent(
    bot: Bot, args: argparse.Namespace, budget: Budget, progress: Progress, round_: int
) -> Phase:
    name = f"B: {len(bot.users)} judges × {args.messages}"
    return await run_phase(
        bot,
        f"{name} (round {round_ + 1}/{args.rounds})",
        bot.users,
        args.messages,
        limit=budget.limit(200 / args.rounds),
        progress=progress,
    )


def merged(rounds: list[Phase]) -> Phase:
    """The rounds of phase B of one bot as one phase (latencies pooled, wall times added)."""
    first = rounds[0]
    whole = Phase(first.bot, first.name.split(" (round")[0], expected=sum(r.expected for r in rounds))
    for r in rounds:
        whole.latencies_ms += r.latencies_ms
        whole.firsts += r.firsts
        whole.wall_s += r.wall_s
        whole.failures += r.failures
        whole.timed_out |= r.timed_out
        whole.harness_cpu_s += r.harness_cpu_s
        cpu = [r.bot_cpu_s for r in rounds]
        whole.bot_cpu_s = None if any(c is None for c in cpu) else sum(c or 0.0 for c in cpu)
    return whole


def round_ratios(liuhen: list[Phase], echo: list[Phase]) -> list[float]:
    """Throughput ratio of each round: the two bots measured back to back, so that the machine's load of
    the moment weighs on both."""
    return [
        m.throughput / e.throughput if e.throughput else float("nan")
        for m, e in zip(liuhen, echo, strict=True)
    ]


# --------------------------------------------------------------------------------------------- report


def fs_type(path: Path) -> str:
    resolved, best, kind = str(path.resolve()), "", "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) < 3:
                continue
            mount = parts[1]
            inside = resolved == mount or resolved.startswith(mount.rstrip("/") + "/")
            if inside and len(mount) > len(best):
                best, kind = mount, parts[2]
    return kind


def _ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.1f}"


def results_table(phases: list[Phase], *, outside: bool = False) -> Table:
    seen, harness = (
        ("answer seen by the event poll", "simulated users; the emulator's CPU is not counted")
        if outside
        else ("answer in the sandbox", "sandbox and simulated users")
    )
    table = Table(
        title=f"Receipt latency (ms, send call returned → {seen}) and throughput",
        caption=f"CPU: % of one core over the phase; harness = this process ({harness})",
    )
    table.add_column("")
    table.add_column("bot")
    for column in (
        "receipts",
        "p50",
        "p99",
        "max",
        "per s",
        "bot CPU\nms/receipt",
        "bot\nCPU %",
        "harness\nCPU %",
    ):
        table.add_column(column, justify="right")
    for p in phases:
        count = f"{p.done}/{p.expected}"
        if p.failures:
            count += f" [red]{p.failures} lost[/red]"
        if p.timed_out:
            count += " [red](timed out)[/red]"
        cpu = p.bot_cpu_s
        table.add_row(
            p.name.split(":")[0],
            p.bot,
            count,
            _ms(p.p50),
            _ms(p.p99),
            _ms(max(p.latencies_ms, default=float("nan"))),
            f"{p.throughput:.1f}",
            "—" if cpu is None or not p.done else f"{cpu * 1000 / p.done:.1f}",
            "—" if cpu is None or not p.wall_s else f"{cpu * 100 / p.wall_s:.0f}",
            f"{p.harness_cpu_s * 100 / p.wall_s:.0f}" if p.wall_s else "—",
        )
    return table


def _verdict(ok: bool, complete: bool) -> str:
    text = "[green]PASS[/green]" if ok else "[red]MISS[/red]"
    return text if complete else f"{text} [yellow](incomplete phase)[/yellow]"


def _ms_per_receipt(phase: Phase) -> float:
    if phase.bot_cpu_s is None or not phase.done:
        return float("nan")
    return phase.bot_cpu_s * 1000 / phase.done


def limited_table(liuhen: list[Phase]) -> tuple[Table, dict[str, Any]]:
    """With Telegram's limiter on, the goal is the channel's own ceiling: phase B at ≥ 0.97 of 30/s (the
    echo bot has no limiter, so the ratios to it say nothing)."""
    table = Table(title="Targets with the limiter on — printed, never asserted")
    for column in ("target", "liuhen", "echo (no limiter)", "ratio", ""):
        table.add_column(column)
    found: dict[str, Any] = {}
    for phase in liuhen:
        if phase.name.startswith("B"):
            share = phase.throughput / TELEGRAM_RATE
            found["B_of_telegram_rate"] = {"value": share, "target": TARGET_LIMITED}
            table.add_row(
                f"B throughput ≥ {TARGET_LIMITED} of Telegram's {TELEGRAM_RATE:.0f}/s",
                f"{phase.throughput:.1f}/s",
                "—",
                f"{share:.2f} of 30/s",
                _verdict(share >= TARGET_LIMITED, phase.complete),
            )
    return table, found


def targets_table(
    liuhen: list[Phase], echo: list[Phase], ratios: list[float]
) -> tuple[Table, dict[str, Any]]:
    """Phase A (one judge at a time) against absolute goals; phase B (under load) against the echo bot of
    the same run: throughput, p99 and CPU per receipt as ratios."""
    table = Table(title="Targets — printed, never asserted")
    table.add_column("target")
    table.add_column("liuhen", justify="right")
    table.add_column("echo", justify="right")
    table.add_column("ratio liuhen/echo", justify="right")
    table.add_column("")
    found: dict[str, Any] = {}
    for mine, theirs in zip(liuhen, echo, strict=True):
        tag = mine.name.split(":")[0]
        complete = mine.complete and theirs.complete
        if tag == "A":
            for label, value, other, goal in (
                ("p50", mine.p50, theirs.p50, TARGET_A_P50_MS),
                ("p99", mine.p99, theirs.p99, TARGET_A_P99_MS),
            ):
                ok = value <= goal
                found[f"A_{label}_ms"] = {"liuhen": value, "echo": other, "target": goal, "pass": ok}
                table.add_row(
                    f"A {label} ≤ {goal:.0f} ms (one judge at a time)",
                    _ms(value),
                    _ms(other),
                    f"{value / other:.1f}×" if other else "",
                    _verdict(ok, complete),
                )
            continue
        ratio = statistics.median(ratios) if ratios else float("nan")  # each round ran both back to back
        found["B_round_ratios"] = ratios
        found["B_throughput_ratio"] = {"value": ratio, "target": TARGET_RATIO}
        table.add_row(
            f"B throughput ≥ {TARGET_RATIO}× echo (median of rounds)",
            f"{mine.throughput:.1f}/s",
            f"{theirs.throughput:.1f}/s",
            f"{ratio:.2f} ({', '.join(f'{r:.2f}' for r in ratios)})",
            _verdict(ratio >= TARGET_RATIO, complete),
        )
        for label, value, other, goal, unit in (
            ("p99", mine.p99, theirs.p99, TARGET_B_P99_RATIO, "ms"),
            ("CPU", _ms_per_receipt(mine), _ms_per_receipt(theirs), TARGET_CPU_RATIO, "ms/receipt"),
        ):
            ratio = value / other if other else float("nan")
            ok = ratio <= goal
            found[f"B_{label.lower()}_ratio"] = dict(liuhen=value, echo=other, value=ratio, target=goal)
            table.add_row(
                f"B {label} ≤ {goal}× echo ({unit})",
                _ms(value) if unit == "ms" else f"{value:.2f}",
                _ms(other) if unit == "ms" else f"{other:.2f}",
                f"{ratio:.2f}×",
                _verdict(ok, complete),
            )
    return table, found


# ----------------------------------------------------------------------------------------------- main


async def bench(args: argparse.Namespace, console: Console) -> dict[str, Any] | None:
    """Runs everything; returns the figures, or None when the setup failed."""
    budget = Budget(args.budget)
    work = Path(tempfile.mkdtemp(prefix="liuhen-bench-"))
    console.print(
        f"[bold]liuhen intake benchmark[/bold] · Python {platform.python_version()} · "
        f"python-telegram-bot {telegram.__version__} · "
        f"{'PostgreSQL' if args.database_url else 'SQLite'} · work dir {work} ({fs_type(work)}) · "
        f"Bot API {args.api or 'sandbox in this process'} · "
        f"{os.cpu_count()} CPUs, load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    server = SandboxServer() if args.api is None else None
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    echo_phases: list[Phase] = []
    liuhen_phases: list[Phase] = []
    echo_rounds: list[Phase] = []
    liuhen_rounds: list[Phase] = []
    hook_rounds: list[Phase] = []
    memory: dict[str, Any] = {}
    current: Bot | None = None
    progress = progress_bar(console)
    try:
        if server is not None:
            await server.start("127.0.0.1", 0)
        api = Api(server.base_url, server) if server is not None else Api(args.api.rstrip("/"))
        async with contextlib.AsyncExitStack() as stack:
            if args.database_url:
                db_url = await stack.enter_async_context(fresh_pg_database(args.database_url))
            else:
                db_url = f"sqlite+aiosqlite:///{work / 'data' / 'liuhen.db'}"
            stack.enter_context(progress)

            # the baseline: a bare PTB echo bot
            echo_env = local_only(
                {
                    **os.environ,
                    "ECHO_TOKEN": ECHO_TOKEN,
                    "ECHO_BASE_URL": api.bot_api_url,
                    "ECHO_BASE_FILE_URL": api.file_url,
                }
            )
            echo_proc = BotSubprocess(
                "echo", [sys.executable, str(ROOT / "bench" / "echo_bot.py")], echo_env, work / "echo.log"
            )
            echo_sim = SandboxClient(api.base_url, ECHO_TOKEN, session=session)
            echo_tap = api.tap(ECHO_TOKEN, echo_sim)
            stack.push_async_callback(echo_tap.stop)
            current = Bot(
                "echo", echo_proc, echo_sim, echo_tap, await create_users(echo_sim, args.users), echo_of
            )
            stack.push_async_callback(echo_proc.stop)
            echo_proc.start()
            progress.console.print(f"[dim]echo bot: pid {echo_proc.pid}, log {echo_proc.log}[/dim]")
            echo = current
            await warm_up(echo, budget, progress)

            # liuhen, with its real storage and enrolment (long polling, as `liuhen run` starts)
            current = liuhen = await start_liuhen(
                "liuhen", LIUHEN_TOKEN, db_url, work / "data", api, session, args, budget, progress, stack
            )
            hooked: Bot | None = None
            if args.webhook:  # the same again behind its webhook server (`liuhen run --webhook`)
                hook_db = (
                    await stack.enter_async_context(fresh_pg_database(args.database_url))
                    if args.database_url
                    else f"sqlite+aiosqlite:///{work / 'webhook' / 'liuhen.db'}"
                )
                current = hooked = await start_liuhen(
                    "webhook", WEBHOOK_TOKEN, hook_db, work / "webhook", api, session, args, budget,
                    progress, stack, webhook=True,
                )  # fmt: skip

            # both bots stay up (idle in a long poll while the other is measured): A, then B in rounds
            echo_phases.append(await sequential(echo, args, budget, progress))
            liuhen_phases.append(await sequential(liuhen, args, budget, progress))
            for r in range(args.rounds):
                echo_rounds.append(await concurrent(echo, args, budget, progress, r))
                liuhen_rounds.append(await concurrent(liuhen, args, budget, progress, r))
                if hooked is not None:
                    hook_rounds.append(await concurrent(hooked, args, budget, progress, r))
            echo_phases.append(merged(echo_rounds))
            liuhen_phases.append(merged(liuhen_rounds))
            memory = {"after_run": rss_of(liuhen.proc)}  # what the phases' messages left in the bot
            if not args.no_image:  # a 40-megapixel screenshot, decoded by the bot's worker
                memory |= await big_image(liuhen, db_url, work, progress)
            for bot in (hooked, liuhen):
                if bot is not None:
                    await bot.proc.stop()
            await echo_proc.stop()
            current = None
    except SetupFailed as exc:
        console.print(f"[red]setup failed:[/red] {exc}")
        if current is not None:
            console.print(f"[dim]{current.name} log (last lines):[/dim]\n{current.proc.log_tail()}")
            with contextlib.suppress(Exception):
                console.print(await current.sim.transcript(current.users[0]))
        return None
    finally:
        await session.close()
        if server is not None:
            await server.stop()
        if args.keep:
            console.print(f"[dim]kept {work}[/dim]")
        else:
            shutil.rmtree(work, ignore_errors=True)

    phases = [p for pair in zip(liuhen_phases, echo_phases, strict=True) for p in pair]
    if hook_rounds:
        phases.append(merged(hook_rounds))
    console.print(results_table(phases, outside=args.api is not None))
    if args.telegram_limits:
        targets, found = limited_table(liuhen_phases)
    else:
        targets, found = targets_table(liuhen_phases, echo_phases, round_ratios(liuhen_rounds, echo_rounds))
    if hook_rounds:  # webhook intake beside long polling, round by round (goal: at least as fast)
        ratios = round_ratios(hook_rounds, liuhen_rounds)
        ratio = statistics.median(ratios)
        found["B_webhook_over_polling"] = {"value": ratio, "rounds": ratios, "target": 1.0}
        targets.add_row(
            "B webhook / polling throughput ≥ 1 (median of rounds)",
            f"{phases[-1].throughput:.1f}/s",
            f"{liuhen_phases[-1].throughput:.1f}/s (polling)",
            f"{ratio:.2f} ({', '.join(f'{r:.2f}' for r in ratios)})",
            _verdict(ratio >= 1.0, phases[-1].complete and liuhen_phases[-1].complete),
        )
    console.print(targets)
    for phase in phases:
        if phase.name.startswith("B") and phase.done:
            firsts, slowest, p99_later = phase.tail()
            found.setdefault("B_tail", {})[phase.bot] = {
                "slowest": slowest,
                "first_messages_among_them": firsts,
                "p99_ms_without_first_messages": p99_later,
            }
            console.print(
                f"[dim]B tail, {phase.bot}: {firsts} of the {slowest} slowest receipts answered a judge's "
                f"first message of a round (the judges all send theirs as it starts); p99 of the other "
                f"messages {_ms(p99_later)} ms[/dim]"
            )
    if memory:
        console.print(memory_table(memory))
        found["memory_mb"] = memory
    where = args.api or "sandbox in this process"
    return {"phases": [p.summary() for p in phases], "targets": found, "argv": sys.argv[1:], "api": where}


MB = 1024 * 1024
IMAGE_SIDE = 6400  # 6400 × 6250 ≈ 40 megapixels
RSS_AFTER_RUN_MB = 200
RSS_AFTER_IMAGE_MB = 256


def _rss(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def rss_of(proc: BotSubprocess) -> dict[str, float]:
    """Resident memory of the bot process and, apart, of its decoding workers (MB)."""
    pid = proc.pid or 0
    return {"bot": _rss(pid) / MB, "workers": sum(_rss(c) for c in _children(pid)) / MB}


def screenshot_png(path: Path) -> int:
    """A screenshot-like 40-megapixel PNG: a gradient with bands of "text" (a few MB, as real ones)."""
    from PIL import Image, ImageDraw

    width, height = IMAGE_SIDE, IMAGE_SIDE * 40_000_000 // (IMAGE_SIDE * IMAGE_SIDE)
    im = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(im)
    for y in range(200, height - 200, 90):
        draw.rectangle((150, y, width - 150 - (y * 37) % 2000, y + 40), fill=(20, 20, 20))
    im.save(path, "PNG", compress_level=6)
    return path.stat().st_size


async def big_image(bot: Bot, db_url: str, work: Path, progress: Progress) -> dict[str, Any]:
    """One judge sends a 40-megapixel screenshot as a file; once the worker has inspected it (its row says
    so), the bot's and the worker's memory."""
    from sqlalchemy import text

    from liuhen.storage.database import Database

    task = progress.add_task(f"{bot.name} · a 40-megapixel screenshot", total=2)
    path = work / "screenshot-40mp.png"
    size = await asyncio.to_thread(screenshot_png, path)
    user = bot.users[0]
    answered = bot.tap.expect(user, receipt_for(""))
    try:
        sent = await bot.sim.send_file(
            user, "document", path.read_bytes(), filename="screenshot.png", mime_type="image/png"
        )
        bot.tap.sent(user, answered, int(sent["seq"]))
        await asyncio.wait_for(answered, 60)
    finally:
        bot.tap.forget(user, answered)
    progress.advance(task)
    db = Database(db_url)
    try:
        query = text(
            "SELECT inspection FROM evidence WHERE media_type = 'image/png' ORDER BY id DESC LIMIT 1"
        )
        async with asyncio.timeout(120):
            while True:  # the inspection runs after the receipt, in the worker
                async with db.engine.connect() as conn:
                    row = (await conn.execute(query, {"png": "image/png"})).scalar()
                found = json.loads(row) if isinstance(row, str) else row
                if found and found.get("width"):
                    break
                await asyncio.sleep(0.2)
    finally:
        await db.dispose()
    progress.advance(task)
    return {"after_image": rss_of(bot.proc), "image": {"bytes": size, "width": found.get("width")}}


def memory_table(memory: dict[str, Any]) -> Table:
    table = Table(title="Memory (RSS, MB) — printed, never asserted")
    for column in ("moment", "bot", "decoding workers", "target (bot)", ""):
        table.add_column(column, justify="right" if column != "moment" else "left")
    rows = [("after the phases' messages", "after_run", RSS_AFTER_RUN_MB)]
    if "after_image" in memory:
        rows.append(("after decoding a 40-megapixel screenshot", "after_image", RSS_AFTER_IMAGE_MB))
    for label, key, goal in rows:
        seen = memory[key]
        ok = seen["bot"] <= goal
        table.add_row(label, f"{seen['bot']:.0f}", f"{seen['workers']:.0f}", f"≤ {goal}", _verdict(ok, True))
    return table


async def start_liuhen(
    name: str,
    token: str,
    db_url: str,
    data_dir: Path,
    api: Api,
    session: aiohttp.ClientSession,
    args: argparse.Namespace,
    budget: Budget,
    progress: Progress,
    stack: contextlib.AsyncExitStack,
    *,
    webhook: bool = False,
) -> Bot:
    """liuhen as its administrator starts it — long polling, or ``webhook``: its own server, which the
    sandbox posts to as Telegram does — with its own database, every judge enrolled with `/start CODE`."""
    common = {"token": token, "api_url": api.bot_api_url, "file_url": api.file_url}
    if webhook:
        port = free_port()
        env = webhook_env(
            **common, data_dir=data_dir, db_url=db_url, port=port,
            public_url=f"http://127.0.0.1:{port}{HOOK_PATH}",
        )  # fmt: skip
        argv = liuhen_command("run", "--webhook")
    else:
        env = bot_env(**common, data_dir=data_dir, db_url=db_url)
        argv = liuhen_command("run")
    env = local_only(env)
    env["LIUHEN_RATE_LIMIT"] = "true" if args.telegram_limits else "false"
    roster, staff_ids = generated_roster(args.users)
    codes = await prepare(env, roster, staff_ids)
    profile = args.profile_webhook if webhook else args.profile
    if profile:  # the bot profiled (yappi or cProfile, bench/_bots.py), its statistics written when it stops
        argv = profiled(argv, Path(profile))
    proc = BotSubprocess(name, argv, env, data_dir.parent / f"{name}.log")
    sim = SandboxClient(api.base_url, token, session=session)
    tap = api.tap(token, sim)
    stack.push_async_callback(tap.stop)
    bot = Bot(name, proc, sim, tap, await create_users(sim, args.users), receipt_for)
    stack.push_async_callback(proc.stop)
    proc.start()
    progress.console.print(f"[dim]{name}: pid {proc.pid}, log {proc.log}[/dim]")
    try:
        await enrol(bot, [codes[s] for s in staff_ids], limit=budget.limit(90), progress=progress)
    except TimeoutError as exc:
        raise SetupFailed(f"{name} did not greet every judge after /start CODE") from exc
    await warm_up(bot, budget, progress)
    return bot


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--telegram-limits",
        action="store_true",
        help="keep liuhen's 30 messages/s limiter on (the echo baseline has none)",
    )
    parser.add_argument("--users", type=int, default=50, help="judges in phase B (default 50)")
    parser.add_argument(
        "--messages", type=int, default=40, help="messages per judge in each round of phase B (default 40)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of phase B, echo and liuhen alternating (default 3)"
    )
    parser.add_argument("--sequential", type=int, default=200, help="messages in phase A (default 200)")
    parser.add_argument(
        "--no-image", action="store_true", help="skip the 40-megapixel screenshot (memory after decoding)"
    )
    parser.add_argument(
        "--webhook",
        action="store_true",
        help="also run liuhen behind its webhook server (`liuhen run --webhook`, its own database) and "
        "compare its phase B with long polling's, round by round",
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server, e.g. postgresql://postgres@127.0.0.1:5432/test: a fresh database is "
        "created there (its own database is used only to create and drop it); default SQLite",
    )
    parser.add_argument(
        "--api",
        metavar="URL",
        help="a Bot API emulator already running elsewhere, with the sandbox's simulation API at the same "
        "root (e.g. `python -m liuhen.sandbox --port 8090` → http://127.0.0.1:8090); default: the sandbox "
        "in this process",
    )
    parser.add_argument("--budget", type=float, default=280.0, help="seconds for the whole run (default 280)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, database)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    add_profile_option(parser, "--profile", "liuhen")
    add_profile_option(parser, "--profile-webhook", "the webhook instance (with --webhook)", printed=False)
    args = parser.parse_args()
    if min(args.users, args.messages, args.sequential) < 1:
        parser.error("--users, --messages and --sequential must be at least 1")
    console = Console(width=None if sys.stdout.isatty() else 120)
    try:
        report = asyncio.run(bench(args, console))
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        kill_all_started()
    if report is None:
        sys.exit(1)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print_profile(console, args.profile)


if __name__ == "__main__":
    main()
