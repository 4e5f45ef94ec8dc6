"""The WeCom door beside the Telegram door, each on its own sandbox, in one run: a receipt's latency one judge
at a time, and throughput with many judges in closed loops.

    .venv/bin/python bench/wecom.py [--users 50] [--messages 10] [--sequential 100] [--keep DIR]

Both doors run as the administrator starts them — `liuhen run` (Telegram, long polling, the limiter off) and
`liuhen run --channel wecom --listen …` — each on its own SQLite register in a temp directory with the same
generated roster (every judge also has a WeCom account), against the sandboxes of this process (the
Telegram Bot API sandbox; the WeCom sandbox, which posts encrypted callbacks and takes the replies). Every
judge is enrolled as on the real doors: `/start CODE` on Telegram, the one-tap confirmation on WeCom. Only one
door is measured at a time.

Latency runs from the judge's send to the receipt reaching the sandbox. Goal: WeCom within 1.2× of
Telegram (p50 and throughput). Figures are printed with PASS/MISS, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))  # runnable without an install
sys.path.insert(0, str(ROOT))

from bench._bots import BotSubprocess, generated_roster, kill_all_started, local_only  # noqa: E402
from tests.bot.procs import bot_env, prepare  # noqa: E402
from tests.bot.webhook_kit import free_port  # noqa: E402
from tests.timeline import liuhen  # noqa: E402

from liuhen.sandbox.client import SandboxClient  # noqa: E402
from liuhen.sandbox.server import SandboxServer  # noqa: E402
from liuhen.sandbox.wecom import WeComSandbox  # noqa: E402

TOKEN = "700000011:bench-wecom-telegram-token-aaaaaaaaaaa"
CORP_ID = "wwbench0000000001"
SECRET = "bench-wecom-secret-0123456789abcdefghijkl"
CALLBACK_TOKEN = "BenchCallbackToken"
AES_KEY = "benchbenchbenchbenchbenchbenchbenchbench012"
AGENT_ID = 1000002
RECEIPT = "已留存证据"
GOAL = 1.2
TIMEOUT = 60.0
console = Console()


def roster(users: int) -> tuple[str, list[str]]:
    """The generated roster with a WeCom account for each person (the optional wecom_userid column)."""
    text, ids = generated_roster(users)
    lines = text.splitlines()
    out = [lines[0] + ",wecom_userid"] + [f"{line},wx{line.split(',')[0]}" for line in lines[1:]]
    return "\n".join(out) + "\n", ids


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Door:
    name: str

    async def enrol(self, staff_id: str) -> None: ...

    async def receipt(self, staff_id: str, text: str) -> None: ...


class Telegram(Door):
    name = "Telegram"

    def __init__(self, sim: SandboxClient, codes: dict[str, str], first_user: int) -> None:
        self.sim, self.codes, self.users = sim, codes, {}
        self.next_user = first_user

    async def enrol(self, staff_id: str) -> None:
        user = (await self.sim.create_user(first_name=f"法官{staff_id}"))["id"]
        self.users[staff_id] = user
        await self.sim.send_text(user, f"/start {self.codes[staff_id]}")
        await self.sim.wait_for(user, "已完成登记", timeout=TIMEOUT)

    async def receipt(self, staff_id: str, text: str) -> None:
        user = self.users[staff_id]
        await self.sim.send_text(user, text)
        await self.sim.wait_for(user, RECEIPT, timeout=TIMEOUT)


class WeCom(Door):
    name = "WeCom"

    def __init__(self, sandbox: WeComSandbox) -> None:
        self.sandbox = sandbox

    async def enrol(self, staff_id: str) -> None:
        user = self.sandbox.user(f"wx{staff_id}")
        await user.enter()
        card = await user.wait_for("确认身份", timeout=TIMEOUT)
        await user.press(card, "enrol:yes")
        await user.wait_for("身份已确认", timeout=TIMEOUT)

    async def receipt(self, staff_id: str, text: str) -> None:
        user = self.sandbox.user(f"wx{staff_id}")
        await user.send_text(text)
        await user.wait_for(RECEIPT, timeout=TIMEOUT)


async def timed(action: Callable[[], Awaitable[None]]) -> float:
    start = time.perf_counter()
    await action()
    return (time.perf_counter() - start) * 1000


async def sequential(door: Door, judge: str, count: int, progress: Progress) -> list[float]:
    task = progress.add_task(f"{door.name}：一人逐条", total=count)
    times = []
    for n in range(count):
        times.append(await timed(lambda n=n: door.receipt(judge, f"逐条 {n} 某领导来电过问案件")))
        progress.advance(task)
    return times


async def concurrent(door: Door, judges: list[str], messages: int, progress: Progress) -> tuple[float, int]:
    task = progress.add_task(f"{door.name}：{len(judges)} 人并发", total=len(judges) * messages)

    async def loop(judge: str) -> None:
        for n in range(messages):
            await door.receipt(judge, f"并发 {judge} {n} 当事人亲属托人说情")
            progress.advance(task)

    start = time.perf_counter()
    await asyncio.gather(*(loop(j) for j in judges))
    return time.perf_counter() - start, len(judges) * messages


async def wait_healthy(url: str, proc: BotSubprocess) -> None:
    import aiohttp

    deadline = time.monotonic() + TIMEOUT
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} stopped:\n{proc.log_tail()}")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(url) as answer:
                    if answer.status == 200:
                        return
            await asyncio.sleep(0.1)  # a starting process: nothing to wait on but its port
    raise TimeoutError(f"{proc.name} did not answer:\n{proc.log_tail()}")


async def bench(args: argparse.Namespace, work: Path) -> None:
    text, judges = roster(args.users)
    telegram_sandbox, wecom_sandbox = (
        SandboxServer(),
        WeComSandbox(
            corp_id=CORP_ID,
            corp_secret=SECRET,
            agent_id=AGENT_ID,
            token=CALLBACK_TOKEN,
            encoding_aes_key=AES_KEY,
        ),
    )
    await telegram_sandbox.start("127.0.0.1", 0)
    await wecom_sandbox.start()
    procs: list[BotSubprocess] = []
    try:
        tg_env = local_only(
            bot_env(
                token=TOKEN,
                api_url=telegram_sandbox.bot_api_url,
                file_url=telegram_sandbox.file_url,
                data_dir=work / "telegram",
                db_url=f"sqlite+aiosqlite:///{work / 'telegram.db'}",
            )
        ) | {"LIUHEN_RATE_LIMIT": "false", "LIUHEN_LOG_LEVEL": "WARNING"}
        codes = await prepare(tg_env, text, judges)
        port = free_port()
        wc_env = {k: v for k, v in tg_env.items() if k != "LIUHEN_TELEGRAM_TOKEN"} | {
            "LIUHEN_DATA_DIR": str(work / "wecom"),
            "LIUHEN_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'wecom.db'}",
            "LIUHEN_WECOM_CORP_ID": CORP_ID,
            "LIUHEN_WECOM_AGENT_ID": str(AGENT_ID),
            "LIUHEN_WECOM_SECRET": SECRET,
            "LIUHEN_WECOM_TOKEN": CALLBACK_TOKEN,
            "LIUHEN_WECOM_AES_KEY": AES_KEY,
            "LIUHEN_WECOM_API_BASE_URL": wecom_sandbox.url,
        }
        await prepare(wc_env, text, [])
        telegram = BotSubprocess("liuhen (Telegram)", liuhen("run"), tg_env, work / "telegram.log")
        wecom = BotSubprocess(
            "liuhen (WeCom)", liuhen("run", "--channel", "wecom", "--listen", f"127.0.0.1:{port}"), wc_env,
            work / "wecom.log",
        )  # fmt: skip
        procs += [telegram, wecom]
        for proc in procs:
            proc.start()
        await wait_healthy(f"http://127.0.0.1:{port}/healthz", wecom)
        wecom_sandbox.callback_url = f"http://127.0.0.1:{port}/wecom/callback"
        results: dict[str, dict[str, float]] = {}
        async with SandboxClient(telegram_sandbox.base_url, TOKEN) as sim:
            doors: list[Door] = [Telegram(sim, codes, 30001), WeCom(wecom_sandbox)]
            process = {"Telegram": telegram, "WeCom": wecom}
            with Progress(console=console, transient=True) as progress:
                for door in doors:
                    task = progress.add_task(f"{door.name}：登记 {len(judges)} 人", total=len(judges))
                    for judge in judges:
                        await door.enrol(judge)
                        progress.advance(task)
                for door in doors:
                    await door.receipt(judges[0], "预热")
                    times = await sequential(door, judges[0], args.sequential, progress)
                    cpu_door, cpu_here = process[door.name].cpu_seconds() or 0.0, time.process_time()
                    seconds, count = await concurrent(door, judges, args.messages, progress)
                    results[door.name] = {
                        "p50": statistics.median(times),
                        "p99": percentile(times, 0.99),
                        "throughput": count / seconds,
                        # CPU per receipt of the door's process, and of this process (the sandbox, the users)
                        "cpu": ((process[door.name].cpu_seconds() or 0.0) - cpu_door) / count * 1000,
                        "cpu_sandbox": (time.process_time() - cpu_here) / count * 1000,
                    }
        report(results, args)
    finally:
        for proc in procs:
            await proc.stop()
        await wecom_sandbox.stop()
        await telegram_sandbox.stop()


def report(results: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    table = Table(title=f"回执：{args.sequential} 条逐条，{args.users} 人 × {args.messages} 条并发")
    for column in ("渠道", "p50 ms", "p99 ms", "回执/秒", "进程 CPU ms/条", "沙盒与用户 CPU ms/条"):
        table.add_column(column, justify="right")
    for name, r in results.items():
        table.add_row(
            name,
            f"{r['p50']:.1f}",
            f"{r['p99']:.1f}",
            f"{r['throughput']:.1f}",
            f"{r['cpu']:.1f}",
            f"{r['cpu_sandbox']:.1f}",
        )
    console.print(table)
    t, w = results["Telegram"], results["WeCom"]
    p50_ratio = w["p50"] / t["p50"]
    speed_ratio = t["throughput"] / w["throughput"]
    for label, ratio in (
        ("企业微信 / Telegram 延迟 p50", p50_ratio),
        ("Telegram / 企业微信 吞吐", speed_ratio),
    ):
        verdict = "PASS" if ratio <= GOAL else "MISS"
        console.print(f"{label}：{ratio:.2f}×（目标 ≤ {GOAL}×） {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--sequential", type=int, default=100)
    parser.add_argument("--keep", type=Path, default=None, help="work here and keep the registers and logs")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="liuhen-wecom-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.run(bench(args, work))
    except KeyboardInterrupt:
        kill_all_started()
        raise
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
