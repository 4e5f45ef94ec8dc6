"""From WeCom to the desk: `/desk` on WeCom gives the one-time sign-in link (seed 003 §12: the platform by
role and level), and a voice note sent on WeCom (AMR, kept byte-exact) plays in the browser, decoded in the
worker into WAV."""

from __future__ import annotations

import io
import re
import wave
from pathlib import Path

import aiohttp
import numpy as np
import pytest
from aiohttp.test_utils import TestServer

from liuhen.web.server import build_app
from tests.wecom.world import World, wecom_world


@pytest.fixture
async def world(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    async with wecom_world(db_url, tmp_path) as w:
        yield w


def amr_voice(seconds: float = 1.0) -> bytes:
    """A voice note as WeCom keeps one: AMR-NB at 8 kHz (a 440 Hz tone)."""
    import av

    out = io.BytesIO()
    with av.open(out, "w", format="amr") as container:
        stream = container.add_stream("libopencore_amrnb", rate=8000)
        stream.layout = "mono"  # type: ignore[union-attr]
        samples = (np.sin(np.arange(int(8000 * seconds)) * 2 * np.pi * 440 / 8000) * 8000).astype(np.int16)
        for start in range(0, len(samples), 160):
            frame = av.AudioFrame.from_ndarray(
                samples[None, start : start + 160], format="s16", layout="mono"
            )
            frame.rate = 8000
            for packet in stream.encode(frame):  # type: ignore[union-attr]
                container.mux(packet)
        for packet in stream.encode(None):  # type: ignore[union-attr]
            container.mux(packet)
    return out.getvalue()


async def test_desk_link_on_wecom_and_a_wecom_voice_note_plays_at_the_desk(world: World) -> None:
    judge = await world.confirmed("j001")
    voice = amr_voice()
    await judge.send_voice(voice)
    receipt = await judge.wait_for("已留存证据")
    number = re.search(r"LH-\d{4}-\d{4}", receipt.text)
    assert number is not None
    await judge.send_text("/desk")
    said = await judge.wait_for("/signin/")
    path = re.search(r"/signin/[A-Za-z0-9_\-]+", said.text)
    assert path is not None
    desk = TestServer(build_app(world.runtime))
    await desk.start_server()
    try:
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(str(desk.make_url("")), cookie_jar=jar) as browser:
            page = await browser.get(path.group(0))
            assert page.status == 200 and "进入工作台" in await page.text()
            signed = await browser.post(path.group(0), allow_redirects=False)
            assert signed.status == 303
            original = await browser.get(f"/records/{number.group(0)}/evidence/1")
            assert await original.read() == voice  # the AMR as WeCom gave it
            listen = await browser.get(f"/records/{number.group(0)}/evidence/1/listen")
            assert listen.status == 200 and listen.headers["Content-Type"] == "audio/wav"
            with wave.open(io.BytesIO(await listen.read())) as played:
                assert played.getnchannels() == 1 and 0.9 < played.getnframes() / played.getframerate() < 1.2
    finally:
        await desk.close()
    await judge.send_text("/desk 退出")  # every browser signed out, from WeCom too
    said = await judge.wait_for("退出")
    assert "全部 1 个" in said.text
