"""Intake throughput of two `liuhen run --webhook` instances behind a reverse proxy on one PostgreSQL,
relative to one instance, in the same run.

    .venv/bin/python bench/instances.py [--users 50] [--messages 20] [--rounds 3]
                                        [--database-url postgresql://postgres@127.0.0.1:5432/test]

The sandbox delivers updates to its webhook as Telegram does (up to 40 chats at once, each chat in order);
the webhook points at a round-robin proxy (tests/bot/webhook_kit.py) in front of the instances, which share
the database and the evidence directory. Both instances stay up the whole run; each round measures the
proxy with one backend, then with both, back to back (these machines are noisy: the ratio of a round
compares the two under the same load of the moment, and the median of the rounds is printed).

Read the figure with the machine in mind: on two cores that also run PostgreSQL, the sandbox, the proxy
and the simulated judges, a second instance mostly adds contention; the point of two instances is that
either may die (tests/bot/test_failover.py), and with cores to spare they share the load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.bot.*; bench/ is on it already

from tests.bot.procs import prepare
from tests.bot.webhook_kit import HOOK_PATH, RoundRobinProxy, free_port, webhook_env
from tests.timeline import liuhen as liuhen_command

from _bots import BotSubprocess, ReceiptTap, fresh_pg_database, generated_roster, kill_all_started, local_only
from intake import Bot, Budget, Phase, SetupFailed, create_users, enrol, receipt_for, run_phase, warm_up
from liuhen.sandbox.client import SandboxClient
from liuhen.sandbox.server import SandboxServer

TOKEN = "700000003:bench-instances-token-cccccccccccccccc"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


class Instances:
    """The instances as one bot for `run_phase`: CPU is the sum of both processes'."""

    def __init__(self, procs: list[BotSubprocess]) -> None:
        self.procs = procs

    def cpu_seconds(self) -> float | None:
        seconds = [p.cpu_seconds() for p in self.procs]
        return None if any(s is None for s in seconds) else sum(s or 0.0 for s in seconds)

    def log_tail(self) -> str:
        return "\n".join(p.log_tail() for p in self.procs)


async def wait_ready(proc: BotSubprocess, port: int, seconds: float = 90.0) -> str:
    async with aiohttp.ClientSession() as http:
        for _ in range(int(seconds * 10)):
            if not proc.alive():
                raise SetupFailed(f"{proc.name} exited:\n{proc.log_tail()}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(f"http://127.0.0.1:{port}/readyz", timeout=aiohttp.ClientTimeout(2)) as r:
                    if r.status == 200:
                        return await r.text()
            await asyncio.sleep(0.1)
    raise SetupFailed(f"{proc.name} not ready:\n{proc.log_tail()}")


def table(one: list[Phase], two: list[Phase]) -> Table:
    out = Table(title="Intake through the webhook: one instance, then two, in each round")
    for column in ("round", "instances", "receipts", "p50 ms", "p99 ms", "per s", "bots CPU %", "two/one"):
        out.add_column(column, justify="right")
    for n, (a, b) in enumerate(zip(one, two, strict=True), start=1):
        for p, count in ((a, 1), (b, 2)):
            cpu = (
                f"{(p.bot_cpu_s or 0) * 100 / p.wall_s:.0f}" if p.wall_s and p.bot_cpu_s is not None else "—"
            )
            ratio = f"{b.throughput / a.throughput:.2f}" if count == 2 and a.throughput else ""
            out.add_row(
                str(n),
                str(count),
                f"{p.done}/{p.expected}",
                f"{p.p50:.1f}",
                f"{p.p99:.1f}",
                f"{p.throughput:.1f}",
                cpu,
                ratio,
            )
    return out


async def bench(args: argparse.Namespace, console: Console) -> dict[str, Any] | None:
    budget = Budget(args.budget)
    work = Path(tempfile.mkdtemp(prefix="liuhen-instances-"))
    console.print(
        f"[bold]liuhen: two webhook instances vs one[/bold] · PostgreSQL · {os.cpu_count()} CPUs, "
        f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())} · work dir {work}"
    )
    server = SandboxServer()
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    one: list[Phase] = []
    two: list[Phase] = []
    procs: list[BotSubprocess] = []
    try:
        await server.start("127.0.0.1", 0)
        async with contextlib.AsyncExitStack() as stack:
            db_url = await stack.enter_async_context(fresh_pg_database(args.database_url))
            stack.enter_context(progress)
            ports = [free_port(), free_port()]
            backends = [f"http://127.0.0.1:{port}" for port in ports]
            proxy = await stack.enter_async_context(RoundRobinProxy(backends))
            envs = [
                local_only(
                    webhook_env(
                        token=TOKEN,
                        api_url=server.bot_api_url,
                        file_url=server.file_url,
                        data_dir=work / "data",  # shared, as in production (one host here)
                        db_url=db_url,
                        port=port,
                        public_url=proxy.url + HOOK_PATH,
                    )
                )
                for port in ports
            ]
            roster, staff_ids = generated_roster(args.users)
            codes = await prepare(envs[0], roster, staff_ids)
            for n, (env, port) in enumerate(zip(envs, ports, strict=True), start=1):
                argv = liuhen_command("run", "--webhook")
                proc = BotSubprocess(f"instance {n}", argv, env, work / f"instance{n}.log")
                stack.push_async_callback(proc.stop)
                proc.start()
                procs.append(proc)
                console.print(f"[dim]{proc.name}: pid {proc.pid}, {await wait_ready(proc, port)}[/dim]")
            sim = SandboxClient(server.base_url, TOKEN, session=session)
            tap = ReceiptTap()
            server.bot(TOKEN).events = tap
            users = await create_users(sim, args.users)
            bot = Bot("liuhen", Instances(procs), sim, tap, users, receipt_for)  # type: ignore[arg-type]
            try:
                await enrol(bot, [codes[s] for s in staff_ids], limit=budget.limit(90), progress=progress)
            except TimeoutError as exc:
                raise SetupFailed("not every judge was greeted after /start CODE") from exc
            await warm_up(bot, budget, progress)
            for r in range(args.rounds):
                for count, results in ((1, one), (2, two)):
                    proxy.backends = backends[:count]
                    results.append(
                        await run_phase(
                            bot,
                            f"round {r + 1}/{args.rounds}: {count} instance(s), {args.users} judges",
                            users,
                            args.messages,
                            limit=budget.limit(200 / args.rounds),
                            progress=progress,
                        )
                    )
    except SetupFailed as exc:
        console.print(f"[red]setup failed:[/red] {exc}")
        return None
    finally:
        await session.close()
        await server.stop()
        shutil.rmtree(work, ignore_errors=True)
    console.print(table(one, two))
    ratios = [b.throughput / a.throughput for a, b in zip(one, two, strict=True) if a.throughput]
    median = statistics.median(ratios) if ratios else float("nan")
    console.print(f"two instances / one: [bold]{median:.2f}[/bold] (median of {len(ratios)} rounds)")
    return {
        "one": [p.summary() for p in one],
        "two": [p.summary() for p in two],
        "ratios": ratios,
        "median_ratio": median,
        "argv": sys.argv[1:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="judges sending at once (default 50)")
    parser.add_argument("--messages", type=int, default=20, help="messages per judge per phase (default 20)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of one-then-two (default 3)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("LIUHEN_TEST_DATABASE_URL", DEFAULT_PG),
        help=f"a PostgreSQL server; a fresh database is created there and dropped (default {DEFAULT_PG})",
    )
    parser.add_argument("--budget", type=float, default=400.0, help="seconds for the whole run (default 400)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args()
    console = Console()
    try:
        found = asyncio.run(bench(args, console))
    finally:
        kill_all_started()
    if found is None:
        raise SystemExit(1)
    if args.json:
        Path(args.json).write_text(json.dumps(found, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
