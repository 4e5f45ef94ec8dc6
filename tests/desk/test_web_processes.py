"""The desk console as the administrator starts it: `liuhen run --web` (the bot and the console in one
process on one runtime) and `liuhen web` alone; a clear answer where nothing was initialised."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from pathlib import Path

import aiohttp
import pytest

from liuhen.sandbox.client import SandboxClient
from liuhen.sandbox.server import SandboxServer
from tests.bot.procs import bot_env, prepare
from tests.bot.webhook_kit import free_port
from tests.conftest import DEMO_ROSTER
from tests.timeline import liuhen, timeline_env
from tests.waiting import until

pytestmark = pytest.mark.asyncio
TOKEN = "123456789:TEST-token-for-the-desk-aaaaaaaaaaaaaa"


async def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *liuhen(*args), env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    return await proc.wait(), err.decode(errors="replace")


async def stopped(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


async def answering(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(url, allow_redirects=False) as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def test_run_with_web_serves_the_bot_and_the_console_in_one_process(
    db_url: str, tmp_path: Path
) -> None:
    sandbox = SandboxServer()
    await sandbox.start("127.0.0.1", 0)
    port = free_port()
    env = bot_env(
        token=TOKEN,
        api_url=sandbox.bot_api_url,
        file_url=sandbox.file_url,
        data_dir=tmp_path / "d",
        db_url=db_url,
    ) | {"LIUHEN_WEB_PORT": str(port), "LIUHEN_RATE_LIMIT": "false"}
    codes = await prepare(env, DEMO_ROSTER.read_text(encoding="utf-8"), ["k001"])
    log = tmp_path / "run.log"
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(*liuhen("run", "--web"), env=env, stdout=out, stderr=out)
    try:
        console = f"http://127.0.0.1:{port}"
        await until(lambda: answering(console + "/healthz"), timeout=60, what="the console to answer")
        async with SandboxClient(sandbox.base_url, TOKEN) as sim:
            user = (await sim.create_user(first_name="赵纪检"))["id"]
            await sim.send_text(user, f"/start {codes['k001']}")
            await sim.wait_for(user, lambda m: "已完成登记" in str(m.get("text")), timeout=30)
            await sim.send_text(user, "/desk")
            reply = await sim.wait_for(user, lambda m: "/signin/" in str(m.get("text")), timeout=30)
        link = re.search(r"http://\S+/signin/\S+", str(reply["text"]))
        assert link and link.group().startswith(console)  # LIUHEN_WEB_URL unset: where it listens
        jar = aiohttp.CookieJar(unsafe=True)
        async with (
            aiohttp.ClientSession(cookie_jar=jar) as browser,
            browser.post(link.group(), allow_redirects=True) as home,
        ):
            assert home.status == 200 and "我的待办" in await home.text()
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 60) == 0
    finally:
        await stopped(proc)
        await sandbox.stop()
    assert TOKEN.split(":")[1][:8] not in log.read_text(errors="replace")  # no part of the token in the log


async def test_web_alone_and_before_init(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env |= timeline_env() | {"LIUHEN_DATA_DIR": str(tmp_path / "d")}
    code, err = await run(env, "web")
    assert code == 1 and "尚未初始化" in err and "Traceback" not in err
    assert not (tmp_path / "d" / "liuhen.db").exists()  # nothing created
    assert (await run(env, "init"))[0] == 0
    port = free_port()
    proc = await asyncio.create_subprocess_exec(*liuhen("web", "--port", str(port)), env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        await until(lambda: answering(base + "/healthz"), timeout=60, what="`liuhen web` to answer")
        async with aiohttp.ClientSession() as http:
            async with http.get(base + "/", allow_redirects=False) as home:
                assert home.status == 303 and home.headers["Location"] == "/signin"
            async with http.get(base + "/signin") as page:
                assert "/desk" in await page.text()
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 60) == 0
    finally:
        await stopped(proc)
