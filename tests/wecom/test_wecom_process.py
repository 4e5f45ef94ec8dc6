"""The WeCom door as the administrator starts it: `liuhen run --channel wecom --listen HOST:PORT`, the
callback at /wecom/callback, WeCom's URL verification, a member served end to end, a clean stop on SIGTERM,
no secret in the log; and a clear answer when the WeCom settings are missing."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp
import pytest

from liuhen.sandbox.wecom import WeComSandbox
from tests.bot.procs import bot_env, prepare
from tests.bot.webhook_kit import free_port
from tests.timeline import liuhen
from tests.waiting import until
from tests.wecom.world import ACCOUNTS, AES_KEY, AGENT_ID, CORP_ID, SECRET, TOKEN, roster_with_accounts

pytestmark = pytest.mark.asyncio


def wecom_env(base: dict[str, str], api_url: str) -> dict[str, str]:
    env = {k: v for k, v in base.items() if k != "LIUHEN_TELEGRAM_TOKEN"}
    return env | {
        "LIUHEN_WECOM_CORP_ID": CORP_ID,
        "LIUHEN_WECOM_AGENT_ID": str(AGENT_ID),
        "LIUHEN_WECOM_SECRET": SECRET,
        "LIUHEN_WECOM_TOKEN": TOKEN,
        "LIUHEN_WECOM_AES_KEY": AES_KEY,
        "LIUHEN_WECOM_API_BASE_URL": api_url,
        "LIUHEN_LOG_LEVEL": "DEBUG",
    }


async def answering(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def test_run_channel_wecom_serves_the_callback_until_sigterm(db_url: str, tmp_path: Path) -> None:
    async with WeComSandbox(
        corp_id=CORP_ID, corp_secret=SECRET, agent_id=AGENT_ID, token=TOKEN, encoding_aes_key=AES_KEY
    ) as sandbox:
        base = bot_env(token="unused", api_url="", file_url="", data_dir=tmp_path / "d", db_url=db_url)
        env = wecom_env(base, sandbox.url)
        await prepare(env, roster_with_accounts(), [])
        port = free_port()
        log = tmp_path / "wecom.log"
        with log.open("ab") as out:
            proc = await asyncio.create_subprocess_exec(
                *liuhen("run", "--channel", "wecom", "--listen", f"127.0.0.1:{port}"),
                env=env,
                stdout=out,
                stderr=out,
            )
        try:
            await until(
                lambda: answering(f"http://127.0.0.1:{port}/healthz"), timeout=60, what="the callback"
            )
            sandbox.callback_url = f"http://127.0.0.1:{port}/wecom/callback"
            status, body, expected = await sandbox.verify_url()
            assert (status, body) == (200, expected)
            judge = sandbox.user(ACCOUNTS["j001"])
            await judge.enter()
            card = await judge.wait_for("确认身份", timeout=30)
            await judge.press(card, "enrol:yes")
            await judge.wait_for("身份已确认", timeout=30)
            await judge.send_text("某局长来电说情")
            await judge.wait_for("已留存证据", timeout=30)
            forged = await sandbox.tamper(judge.deliveries[-1])
            assert forged == 403
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), timeout=60)
        text = log.read_text(encoding="utf-8", errors="replace")
        assert code == 0, text
        for secret in (SECRET, TOKEN, AES_KEY, SECRET[:10]):
            assert secret not in text


async def test_missing_wecom_settings_are_named_and_nothing_starts(db_url: str, tmp_path: Path) -> None:
    env = bot_env(token="unused", api_url="", file_url="", data_dir=tmp_path / "d", db_url=db_url)
    env.pop("LIUHEN_TELEGRAM_TOKEN")
    proc = await asyncio.create_subprocess_exec(
        *liuhen("run", "--channel", "wecom"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    said = (out + err).decode().replace("\n", "")  # the console wraps long lines
    assert proc.returncode != 0
    assert "企业微信渠道缺少设置" in said and "LIUHEN_WECOM_SECRET" in said and "Traceback" not in said
    proc = await asyncio.create_subprocess_exec(
        *liuhen("run", "--channel", "qq"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode != 0 and "不认识的渠道" in (out + err).decode()
