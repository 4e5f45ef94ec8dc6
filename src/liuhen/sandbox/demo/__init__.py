"""`liuhen demo`: the real bot against the built-in sandbox Bot API, with a demo court.

Everything lives under ``<data dir>/demo`` and never mixes with production data.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import structlog
from sqlalchemy import func, select

from liuhen.app.integrity import ensure_keys
from liuhen.app.logs import configure_logging
from liuhen.app.runtime import Runtime, open_runtime
from liuhen.app.settings import Settings
from liuhen.app.usecases import enrolment
from liuhen.app.usecases.roster import import_roster
from liuhen.bot.app import build_application, polling
from liuhen.domain.clock import SystemClock
from liuhen.domain.roster import Roster, parse_roster
from liuhen.sandbox.client import SandboxClient
from liuhen.sandbox.demo.samples import find_cjk_font, write_samples
from liuhen.sandbox.demo.web import DemoServer, DemoState, phones_from_roster
from liuhen.sandbox.server import SandboxServer
from liuhen.storage import tables
from liuhen.web.server import serving

log = structlog.get_logger(__name__)

DEMO_TOKEN = "100000001:DEMO-sandbox-token-not-a-secret-000000"  # noqa: S105 - sandbox only
#: Who is enrolled at start, and the sandbox user id each plays with. `n001` is left for the newcomer.
DEMO_PEOPLE: dict[str, int] = {
    "j001": 20001,
    "h001": 20002,
    "v001": 20003,
    "k001": 20004,
    "p001": 20005,
    "h002": 20006,
    "j002": 20007,
    "m001": 20008,
    "a001": 20009,
}
NEWCOMER = ("n001", 20010)
#: The phones of the browser page besides the newcomer's: judge, department head, vice-president, discipline.
ON_PAGE = ("j001", "h001", "v001", "k001")


@dataclass
class DemoHandle:
    runtime: Runtime
    server: SandboxServer
    newcomer_code: str


def demo_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "data_dir": settings.data_dir / "demo",
            "database_url": None,
            "court_name": "演示县人民法院",
            "court_code": "demo",
            "bot_username": "liuhen_sandbox_bot",
            # the demo's own keys under its data dir, never a production key directory or TSA
            "key_dir": None,
            "evidence_key_file": None,
            "tsa_url": None,
        }
    )


def demo_roster() -> Roster:
    return parse_roster(resources.files(__package__).joinpath("roster.csv").read_text(encoding="utf-8"))


async def seed(runtime: Runtime, sim: SandboxClient) -> str:
    """Load the demo roster and enrol everyone through the real `/start CODE` flow; return a fresh code
    for the newcomer so that a person can try enrolment by hand."""
    roster = demo_roster()
    await import_roster(
        runtime.db.uow(), court_id=runtime.court_id, roster=roster, clock=runtime.clock, actor="demo"
    )
    names = {row.staff_id: row.name for row in roster.rows}
    async with runtime.db.uow() as uow:
        enrolled = {s.staff_id for s in await uow.staff.list(runtime.court_id) if s.enrolled}
    for staff_id, user_id in DEMO_PEOPLE.items():
        await sim.create_user(id=user_id, first_name=names[staff_id])
        if staff_id in enrolled:
            continue
        invite = await enrolment.issue_invite(
            runtime.db.uow(), court_id=runtime.court_id, staff_id=staff_id, clock=runtime.clock, actor="demo"
        )
        await sim.send_text(user_id, f"/start {invite.code}")
        await sim.wait_for(user_id, "已完成登记", timeout=30)
    await sim.create_user(id=NEWCOMER[1], first_name=names[NEWCOMER[0]])
    invite = await enrolment.issue_invite(
        runtime.db.uow(), court_id=runtime.court_id, staff_id=NEWCOMER[0], clock=runtime.clock, actor="demo"
    )
    return invite.code


async def run_demo(settings: Settings, *, reset: bool, host: str, port: int) -> None:
    settings = demo_settings(settings)
    desk_port = port + 1 if port else 0  # the desk console beside the page, on the next port
    configure_logging(level=settings.log_level, secrets=[DEMO_TOKEN])
    if reset and settings.data_dir.exists():
        shutil.rmtree(settings.data_dir)
    font = await asyncio.to_thread(find_cjk_font)
    samples = await asyncio.to_thread(write_samples, settings.data_dir / "samples", font)
    state = DemoState(
        token=DEMO_TOKEN,
        court_name=settings.court_name or "",
        phones=phones_from_roster(demo_roster(), DEMO_PEOPLE, ON_PAGE, NEWCOMER),
        samples=samples,
    )
    server = DemoServer(state)
    await server.start(host, port)
    await ensure_keys(settings, SystemClock())  # evidence encrypted at rest, checkpoints signed
    runtime = await open_runtime(settings)
    # The bot ignores an update id it has handled before (its inbox), and a new sandbox counts from 1 again:
    # after a restart without --reset, the sandbox's ids continue after the last one the bot has seen.
    server.bot(DEMO_TOKEN).updates.created = await last_update_id(runtime)
    app = build_application(
        runtime,
        token=DEMO_TOKEN,
        base_url=server.bot_api_url,
        base_file_url=server.file_url,
        rate_limit=False,
    )
    try:
        async with (
            polling(app, poll_timeout=5),
            SandboxClient(server.base_url, DEMO_TOKEN) as sim,
            serving(runtime, host, desk_port, demo=True) as console,
        ):
            # `/desk` in a demo chat links to the console where it listens (any free port with --port 0)
            bound = console.addresses[0][1]
            runtime.settings = settings = settings.model_copy(update={"web_url": f"http://{host}:{bound}"})
            code = await seed(runtime, sim)
            state.runtime, state.newcomer_code, state.desk_url = runtime, code, settings.desk_url
            print(
                _banner(
                    server,
                    code,
                    data_dir=settings.data_dir,
                    desk=settings.desk_url,
                    cjk_font=font is not None,
                ),
                flush=True,
            )
            await asyncio.Event().wait()
    finally:
        await runtime.close()
        await server.stop()


async def last_update_id(runtime: Runtime) -> int:
    """The highest Telegram update id in the bot's inbox (0 for a new database)."""
    async with runtime.db.engine.connect() as connection:
        value = await connection.scalar(select(func.max(tables.inbox.c.update_id)))
    return int(value or 0)


def _banner(server: SandboxServer, code: str, *, data_dir: Path, desk: str, cjk_font: bool = True) -> str:
    font_note = (
        ""
        if cjk_font
        else "  注意：本机没有中文字体，示例截图改用占位图（Debian：apt-get install fonts-wqy-microhei）。\n"
    )
    return (
        "\n留痕 liuhen 演示已启动（本地沙盒，无需令牌、无需外网）\n"
        f"  浏览器打开：{server.base_url}/\n"
        f"  网页工作台：{desk}/（页面上每部手机的“网页工作台”一键登录；聊天中发送 /desk 亦可）\n"
        f"  模拟 API：  {server.base_url}/sim/<token>/…（见 README）\n"
        f"  演示数据：  {data_dir}（`liuhen demo --reset` 重新开始）\n"
        f"  新同事（n001）的登记码：{code}  —— 在页面上以“新同事”身份发送 /start {code}\n"
        f"{font_note}"
        "按 Ctrl+C 结束。\n"
    )
