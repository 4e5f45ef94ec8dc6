"""The demo page's own routes and sample files, without a browser."""

from __future__ import annotations

import asyncio
import io
import re
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image

from liuhen.sandbox.client import SandboxClient, origin_hidden
from liuhen.sandbox.demo import DEMO_PEOPLE, DEMO_TOKEN, DEMO_WECOM, NEWCOMER, ON_PAGE, demo_roster
from liuhen.sandbox.demo.samples import (
    PREPARED_MESSAGES,
    find_cjk_font,
    voice_note,
    wechat_screenshot,
    write_samples,
)
from liuhen.sandbox.demo.web import DemoServer, DemoState, phones_from_roster
from liuhen.texts import wecom as wecom_words
from tests.sandbox.test_wecom_phone import Phone
from tests.timeline import timeline_env
from tests.waiting import until
from tests.web.demo_proc import Demo, running_demo


def test_samples_are_a_png_screenshot_and_a_wav_voice_note(tmp_path: Path) -> None:
    samples = {s.name: s for s in write_samples(tmp_path, find_cjk_font())}
    with Image.open(samples["screenshot"].path) as image:
        assert image.format == "PNG" and image.size == (720, 1280)
    with wave.open(str(samples["voice"].path)) as voice:
        assert voice.getnchannels() == 1 and 2.5 < voice.getnframes() / voice.getframerate() < 3.5
    assert samples["screenshot"].kind == "photo" and samples["voice"].kind == "audio"


def test_screenshot_without_a_cjk_font_is_a_placeholder() -> None:
    with Image.open(io.BytesIO(wechat_screenshot(None))) as image:
        assert image.format == "PNG"
    assert voice_note(1.0)[:4] == b"RIFF"


def test_prepared_messages_cover_every_forward_kind() -> None:
    assert {m.origin for m in PREPARED_MESSAGES} == {"user", "hidden_user", "chat", "channel"}
    assert len({m.key for m in PREPARED_MESSAGES}) == len(PREPARED_MESSAGES)


@pytest.fixture
async def demo_server(tmp_path: Path) -> AsyncIterator[DemoServer]:
    state = DemoState(
        token=DEMO_TOKEN,
        court_name="演示县人民法院",
        phones=phones_from_roster(demo_roster(), DEMO_PEOPLE, ON_PAGE, NEWCOMER),
        samples=write_samples(tmp_path, None),
    )
    server = DemoServer(state)
    await server.start("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.stop()


async def test_page_config_samples_and_static_allowlist(demo_server: DemoServer) -> None:
    async with aiohttp.ClientSession(demo_server.base_url) as http:
        async with http.get("/") as response:
            assert response.status == 200 and "留痕" in await response.text()
        for name in ("app.js", "style.css"):
            async with http.get(f"/static/{name}") as response:
                assert response.status == 200
        for bad in ("../web.py", "index.htm", "%2e%2e%2fweb.py"):
            async with http.get(f"/static/{bad}") as response:
                assert response.status == 404
        async with http.get("/demo/api/config") as response:
            config = await response.json()
        assert config["ready"] is False  # the runtime comes once the bot has started
        assert [p["staff_id"] for p in config["phones"]] == ["j001", "h001", "v001", "k001", "n001"]
        assert config["phones"][-1]["newcomer"] is True and config["phones"][0]["name"] == "张法官"
        assert config["sim"] == f"/sim/{DEMO_TOKEN}"
        # everything the page offers works: sign-off, documents, verify
        assert all(config["features"].values()), config["features"]
        screenshot = next(s for s in config["samples"] if s["name"] == "screenshot")
        async with http.get(screenshot["url"]) as response:
            assert response.content_type == "image/png"
            assert len(await response.read()) == screenshot["size"]
        async with http.get("/demo/samples/nothing") as response:
            assert response.status == 404
        async with http.get("/demo/api/records") as response:
            assert await response.json() == {"ready": False, "records": []}


async def test_one_long_poll_serves_every_phone(
    demo_server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    judge, head = DEMO_PEOPLE["j001"], DEMO_PEOPLE["h001"]
    simulation = demo_server.bot(DEMO_TOKEN).sim
    long_polls: list[int] = []  # the users whose chats the page's poll waits on in the sandbox
    sandbox_events = simulation.events

    async def waited(user_id: int, after: int, seconds: float) -> list[dict[str, Any]]:
        long_polls.append(user_id)
        return await sandbox_events(user_id, after, seconds)

    monkeypatch.setattr(simulation, "events", waited)
    async with (
        SandboxClient(demo_server.base_url, DEMO_TOKEN) as sim,
        aiohttp.ClientSession(demo_server.base_url) as http,
    ):
        for user_id in (judge, head):
            await sim.create_user(id=user_id, first_name=str(user_id))
        async with http.get("/demo/api/config") as response:
            start = (await response.json())["seq"]

        async def poll(after: int) -> dict[str, object]:
            async with http.get("/demo/api/events", params={"after": after, "timeout": 10}) as response:
                body: dict[str, object] = await response.json()
                return body

        waiting = asyncio.create_task(poll(start))
        await until(lambda: len(long_polls) == 2, what="the page's poll to wait on both chats")
        assert not waiting.done()  # nothing happened yet: it waits
        await sim.send_text(head, "庭长的消息")
        first = await asyncio.wait_for(waiting, 5)
        events = first["events"]
        assert isinstance(events, list) and [e["user_id"] for e in events] == [head]
        await sim.send_text(judge, "转发的消息", forward_origin=origin_hidden("王律师"))
        await sim.send_text(head, "第二条")
        second = await poll(int(str(first["seq"])))
        events = second["events"]
        assert isinstance(events, list)
        assert [e["user_id"] for e in events] == [judge, head]
        assert events[0]["message"]["forward_origin"]["sender_user_name"] == "王律师"
        assert second["instance"] == first["instance"] == demo_server.state.instance
        async with http.get("/demo/api/events", params={"after": "x"}) as response:
            assert response.status == 400


async def test_demo_answers_after_a_restart_without_reset(tmp_path: Path) -> None:
    """The bot's inbox ignores update ids it has seen, and a new sandbox counts from 1 again."""
    timeline = timeline_env()  # the second start goes on where the first stopped
    for attempt in range(2):
        with running_demo(tmp_path, timeline=timeline) as demo:
            async with SandboxClient(demo.url, DEMO_TOKEN) as sim:
                judge = DEMO_PEOPLE["j001"]
                await sim.send_text(judge, f"第 {attempt + 1} 次：有人打电话为当事人说情")
                receipt = await sim.wait_for(judge, "已留存证据", timeout=20)
                assert "LH-" in (receipt.get("text") or "")
            await _wecom_phone_records(demo, confirm=attempt == 0)


async def _wecom_phone_records(demo: Demo, *, confirm: bool) -> None:
    """钱法官's WeCom phone, named by the banner and the page: the account confirmed in one tap, then two
    messages kept, each with its receipt (after a restart too: a new WeCom sandbox's MsgIds continue after
    those in the door's inbox)."""
    userid = DEMO_WECOM["j002"]
    found = re.search(rf"企业微信手机：(http://[\w.:\[\]]+)/phone/{userid}", demo.banner)
    assert found, demo.banner
    wecom = found.group(1)
    async with aiohttp.ClientSession() as http:
        async with http.get(demo.url + "demo/api/config") as response:
            assert (await response.json())["wecom_phone"] == {
                "url": f"{wecom}/phone/{userid}",
                "name": "钱法官",
            }
        async with http.get(f"{wecom}/phone/{userid}") as response:
            assert response.status == 200 and response.content_type == "text/html"
    async with aiohttp.ClientSession(wecom) as http:
        phone = Phone(http, userid)
        if confirm:
            await phone.confirm()
        for n in (1, 2):
            count = phone.after
            sent = await phone.post("text", {"content": f"钱法官的第 {n} 条：有人为被告人说情"})
            assert sent["status"] == 200
            await phone.card(wecom_words.RECEIPT_TITLE, after=count)
