"""`liuhen demo`: the real bot against the built-in sandbox Bot API, with a demo court.

Beside the Telegram phones, one person of the demo court (钱法官) uses WeCom (企业微信): the real WeCom door
against the WeCom sandbox (liuhen.sandbox.wecom), with a phone page on the sandbox's server
(``/phone/qianfaguan``, liuhen.sandbox.wecom_phone).

Everything lives under ``<data dir>/demo`` and never mixes with production data.
"""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import structlog
from pydantic import SecretStr
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
from liuhen.sandbox.demo.samples import SampleFile, find_cjk_font, write_samples
from liuhen.sandbox.demo.web import DemoServer, DemoState, phones_from_roster
from liuhen.sandbox.server import SandboxServer
from liuhen.sandbox.wecom import FIRST_MSG_ID, WeComSandbox
from liuhen.sandbox.wecom_phone import PhoneSample
from liuhen.storage import tables
from liuhen.web.server import serving
from liuhen.wecom.server import PATH as WECOM_CALLBACK_PATH
from liuhen.wecom.server import serving as wecom_serving

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

#: The demo court's self-built WeCom application, in the WeCom sandbox only.
DEMO_WECOM_CORP_ID = "wwdemo00000000sandbox"
DEMO_WECOM_AGENT_ID = 1000002
DEMO_WECOM_SECRET = "demo-wecom-app-secret-not-a-secret-000000"  # noqa: S105 - sandbox only
DEMO_WECOM_TOKEN = "DemoCallbackToken"  # noqa: S105 - sandbox only
DEMO_WECOM_AES_KEY = "DemoSandboxAesKeyNotASecret0123456789abcdef"  # 43 characters, sandbox only
#: Who is on WeCom in the demo: staff id → WeCom UserID (the roster's optional wecom_userid column). 钱法官
#: is enrolled on Telegram but has not confirmed the WeCom account: the page shows the one-tap confirmation.
DEMO_WECOM: dict[str, str] = {"j002": "qianfaguan"}
WECOM_PHONE = "j002"
#: The band of WeCom MsgIds the sandbox hands out (a restarted sandbox continues after the last one kept).
MSG_ID_BAND = 10**15


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
    text = resources.files(__package__).joinpath("roster.csv").read_text(encoding="utf-8")
    return parse_roster(with_wecom_accounts(text, DEMO_WECOM))


def with_wecom_accounts(text: str, accounts: dict[str, str]) -> str:
    """The roster CSV with a ``wecom_userid`` column: ``accounts`` (staff id → UserID), empty for the rest.

    The account is added here rather than in roster.csv: many tests reuse that file for several courts at
    once, and one WeCom account is one person, whatever the court."""
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*rows[0], "wecom_userid"])
    for row in rows[1:]:
        writer.writerow([*row, accounts.get(row[0].strip(), "")])
    return out.getvalue()


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


def demo_wecom(samples: list[SampleFile], *, first_msg_id: int = FIRST_MSG_ID) -> WeComSandbox:
    """The WeCom sandbox of the demo court's application, its phone offering the demo's sample files."""
    sandbox = WeComSandbox(
        corp_id=DEMO_WECOM_CORP_ID,
        corp_secret=DEMO_WECOM_SECRET,
        agent_id=DEMO_WECOM_AGENT_ID,
        token=DEMO_WECOM_TOKEN,
        encoding_aes_key=DEMO_WECOM_AES_KEY,
        first_msg_id=first_msg_id,
    )
    kinds: dict[str, Literal["image", "voice"]] = {"photo": "image", "audio": "voice"}
    sandbox.phone_samples = [
        PhoneSample(s.name, s.title, kinds[s.kind], s.path) for s in samples if s.kind in kinds
    ]
    names = {row.staff_id: row.name for row in demo_roster().rows}
    for staff_id, userid in DEMO_WECOM.items():
        sandbox.user(userid).name = names[staff_id]  # the app can write to them from the start
    return sandbox


def with_wecom(settings: Settings, api_url: str) -> Settings:
    """The demo's settings with the WeCom application of the sandbox at ``api_url``."""
    return settings.model_copy(
        update={
            "wecom_corp_id": DEMO_WECOM_CORP_ID,
            "wecom_agent_id": DEMO_WECOM_AGENT_ID,
            "wecom_secret": SecretStr(DEMO_WECOM_SECRET),
            "wecom_token": SecretStr(DEMO_WECOM_TOKEN),
            "wecom_aes_key": SecretStr(DEMO_WECOM_AES_KEY),
            "wecom_api_base_url": api_url,
        }
    )


def _url(host: str, port: int) -> str:
    """``http://host:port`` as another local process reaches it (a wildcard address means this machine)."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def run_demo(settings: Settings, *, reset: bool, host: str, port: int) -> None:
    settings = demo_settings(settings)
    desk_port = port + 1 if port else 0  # the desk console beside the page, on the next port
    wecom_port = port + 2 if port else 0  # the WeCom sandbox and its phone page, on the one after
    configure_logging(
        level=settings.log_level,
        secrets=[DEMO_TOKEN, DEMO_WECOM_SECRET, DEMO_WECOM_TOKEN, DEMO_WECOM_AES_KEY],
    )
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
    # The same for WeCom: the door's inbox keeps WeCom's MsgIds, and a new WeCom sandbox counts afresh.
    wecom = demo_wecom(samples, first_msg_id=await last_wecom_msg_id(runtime) + 1)
    app = build_application(
        runtime,
        token=DEMO_TOKEN,
        base_url=server.bot_api_url,
        base_file_url=server.file_url,
        rate_limit=False,
    )
    try:
        await wecom.start(host, wecom_port)
        runtime.settings = settings = with_wecom(settings, wecom.url)  # the WeCom door reads them at start
        async with (
            polling(app, poll_timeout=5),
            SandboxClient(server.base_url, DEMO_TOKEN) as sim,
            serving(runtime, host, desk_port, demo=True) as console,
            wecom_serving(runtime, host, 0) as door,
        ):
            assert door.port is not None
            wecom.callback_url = _url(host, door.port) + WECOM_CALLBACK_PATH
            # `/desk` in a demo chat links to the console where it listens (any free port with --port 0)
            bound = console.addresses[0][1]
            runtime.settings = settings = settings.model_copy(update={"web_url": f"http://{host}:{bound}"})
            code = await seed(runtime, sim)
            phone = f"{wecom.url}/phone/{DEMO_WECOM[WECOM_PHONE]}"
            state.runtime, state.newcomer_code, state.desk_url = runtime, code, settings.desk_url
            state.wecom_phone = {"url": phone, "name": wecom.user(DEMO_WECOM[WECOM_PHONE]).name}
            print(
                _banner(
                    server,
                    code,
                    data_dir=settings.data_dir,
                    desk=settings.desk_url,
                    cjk_font=font is not None,
                    wecom_phone=phone,
                ),
                flush=True,
            )
            await asyncio.Event().wait()
    finally:
        await runtime.close()
        await wecom.stop()
        await server.stop()


async def last_update_id(runtime: Runtime) -> int:
    """The highest Telegram update id in the bot's inbox (0 for a new database)."""
    async with runtime.db.engine.connect() as connection:
        value = await connection.scalar(select(func.max(tables.inbox.c.update_id)))
    return int(value or 0)


async def last_wecom_msg_id(runtime: Runtime) -> int:
    """The highest WeCom MsgId of the sandbox's band in the door's inbox (kept negative there), or the one
    before the band's first for a new database."""
    column = tables.inbox.c.update_id
    async with runtime.db.engine.connect() as connection:
        value = await connection.scalar(
            select(func.min(column)).where(column.between(-(FIRST_MSG_ID + MSG_ID_BAND), -FIRST_MSG_ID))
        )
    return -int(value) if value is not None else FIRST_MSG_ID - 1


def _banner(
    server: SandboxServer,
    code: str,
    *,
    data_dir: Path,
    desk: str,
    cjk_font: bool = True,
    wecom_phone: str | None = None,
) -> str:
    font_note = (
        ""
        if cjk_font
        else "  注意：本机没有中文字体，示例截图改用占位图（Debian：apt-get install fonts-wqy-microhei）。\n"
    )
    wecom_line = (
        f"  企业微信手机：{wecom_phone}（钱法官用企业微信：首次发消息时一键确认身份）\n"
        if wecom_phone
        else ""
    )
    return (
        "\n留痕 liuhen 演示已启动（本地沙盒，无需令牌、无需外网）\n"
        f"  浏览器打开：{server.base_url}/\n"
        f"{wecom_line}"
        f"  网页工作台：{desk}/（页面上每部手机的“网页工作台”一键登录；聊天中发送 /desk 亦可）\n"
        f"  模拟 API：  {server.base_url}/sim/<token>/…（见 README）\n"
        f"  演示数据：  {data_dir}（`liuhen demo --reset` 重新开始）\n"
        f"  新同事（n001）的登记码：{code}  —— 在页面上以“新同事”身份发送 /start {code}\n"
        f"{font_note}"
        "按 Ctrl+C 结束。\n"
    )
