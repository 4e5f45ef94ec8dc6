"""The WeCom door over real HTTP: the WeCom sandbox (liuhen.sandbox.wecom) plays WeCom and the members,
the door's callback runs in an aiohttp test server on the project's runtime, the demo court's roster names
each person's WeCom account."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer
from pydantic import SecretStr
from sqlalchemy import select

from liuhen.app.runtime import Runtime, open_runtime
from liuhen.app.settings import Settings
from liuhen.app.usecases.roster import import_roster
from liuhen.domain.clock import FixedClock
from liuhen.domain.records import Evidence
from liuhen.domain.roster import parse_roster
from liuhen.sandbox.wecom import WeComSandbox, WeComUser
from liuhen.storage import tables as t
from liuhen.wecom.api import WeComApi
from liuhen.wecom.door import WeComDoor
from liuhen.wecom.server import build_app, crypto_of
from tests.conftest import DEMO_ROSTER, premigrated

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Beijing
CORP_ID = "ww0123456789abcdef"
SECRET = "wecom-app-secret-0123456789abcdefghijklmnop"
TOKEN = "CallbackToken42"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters
AGENT_ID = 1000002
#: the demo court's people and their WeCom accounts (the roster's optional wecom_userid column)
ACCOUNTS = {
    "j001": "zhangfaguan",
    "h001": "litingzhang",
    "v001": "wangfuyuanzhang",
    "k001": "zhaozhuren",
    "m001": "wutongji",
    "j002": "qianfaguan",
}


def roster_with_accounts() -> str:
    lines = DEMO_ROSTER.read_text(encoding="utf-8").splitlines()
    out = [lines[0] + ",wecom_userid"]
    for line in lines[1:]:
        if line.strip():
            out.append(f"{line},{ACCOUNTS.get(line.split(',')[0], '')}")
    return "\n".join(out) + "\n"


class EpochClock:
    """WeCom's clock in the sandbox (seconds since the epoch), moved by the tests."""

    def __init__(self, at: datetime) -> None:
        self.at = at.timestamp()

    def __call__(self) -> float:
        return self.at


@dataclass
class World:
    sandbox: WeComSandbox
    wecom_clock: EpochClock
    runtime: Runtime
    clock: FixedClock
    door: WeComDoor
    server: TestServer

    def user(self, staff_id: str) -> WeComUser:
        return self.sandbox.user(ACCOUNTS[staff_id])

    async def confirmed(self, staff_id: str) -> WeComUser:
        """The person confirms their account the way a newcomer does: any message, then 是我本人."""
        user = self.user(staff_id)
        await user.enter()
        card = await user.wait_for("确认身份")
        await user.press(card, "enrol:yes")
        await user.wait_for("身份已确认")
        return user

    async def evidence(self) -> list[Evidence]:
        """Every piece of evidence in the register, in the order it came."""
        async with self.runtime.db.uow(read_only=True) as uow:
            rows = await uow.session.scalars(select(Evidence).order_by(t.evidence.c.id))  # type: ignore[attr-defined]
            return list(rows)

    async def inbox(self) -> list[tuple[int, str]]:
        async with self.runtime.db.uow(read_only=True) as uow:
            rows = await uow.session.execute(select(t.inbox.c.update_id, t.inbox.c.kind))  # type: ignore[attr-defined]
            return [(row.update_id, row.kind) for row in rows]


@contextlib.asynccontextmanager
async def wecom_world(db_url: str, tmp_path: Path) -> AsyncIterator[World]:
    wecom_clock = EpochClock(START)
    sandbox = WeComSandbox(
        corp_id=CORP_ID,
        corp_secret=SECRET,
        agent_id=AGENT_ID,
        token=TOKEN,
        encoding_aes_key=AES_KEY,
        now=wecom_clock,
    )
    await sandbox.start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database_url=db_url,
        court_name="测试县人民法院",
        wecom_corp_id=CORP_ID,
        wecom_agent_id=AGENT_ID,
        wecom_secret=SecretStr(SECRET),
        wecom_token=SecretStr(TOKEN),
        wecom_aes_key=SecretStr(AES_KEY),
        wecom_api_base_url=sandbox.url,
    )
    clock = FixedClock(START)
    await premigrated(db_url)
    runtime = await open_runtime(settings, clock=clock)
    roster = parse_roster(roster_with_accounts())
    assert roster.ok, roster.errors
    await import_roster(runtime.db.uow(), court_id=runtime.court_id, roster=roster, clock=clock, actor="test")
    try:
        async with aiohttp.ClientSession() as session:
            api = WeComApi(
                base_url=sandbox.url,
                corp_id=CORP_ID,
                secret=SECRET,
                agent_id=AGENT_ID,
                session=session,
                backoff_first=0.001,
            )
            door = WeComDoor(runtime, api)
            server = TestServer(build_app(door, crypto_of(settings)))
            await server.start_server()
            sandbox.callback_url = str(server.make_url("/wecom/callback"))
            try:
                yield World(sandbox, wecom_clock, runtime, clock, door, server)
            finally:
                await server.close()
                await door.drain()
    finally:
        await runtime.close()
        await sandbox.stop()
