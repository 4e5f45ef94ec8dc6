"""The desk console over HTTP on the need-to-know world (tests/access_world.py): one evidence photo on every
record, a runtime on a settable clock, and a browser per person (its own cookie jar)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer
from PIL import Image

from liuhen.app.runtime import Runtime
from liuhen.app.settings import Settings
from liuhen.app.usecases import desk
from liuhen.domain.clock import FixedClock
from liuhen.domain.model import Staff
from liuhen.domain.records import Evidence
from liuhen.evidence.store import FileEvidenceStore
from liuhen.web.server import build_app
from tests.access_world import NOW, access_world


def voice_ogg(seconds: float = 1.0) -> bytes:
    """A voice note as Telegram sends one: Opus in OGG (a 440 Hz tone)."""
    import av
    import numpy as np

    out = io.BytesIO()
    with av.open(out, "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=48_000)
        stream.layout = "mono"  # type: ignore[union-attr]
        samples = (np.sin(np.arange(int(48_000 * seconds)) * 2 * np.pi * 440 / 48_000) * 8000).astype(
            np.int16
        )
        for start in range(0, len(samples), 960):
            frame = av.AudioFrame.from_ndarray(
                samples[None, start : start + 960], format="s16", layout="mono"
            )
            frame.rate = 48_000
            for packet in stream.encode(frame):  # type: ignore[union-attr]
                container.mux(packet)
        for packet in stream.encode(None):  # type: ignore[union-attr]
            container.mux(packet)
    return out.getvalue()


def photo(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (seed * 37 % 256, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


@dataclass
class World:
    runtime: Runtime
    clock: FixedClock
    server: TestServer
    people: dict[str, Staff]

    @contextlib.asynccontextmanager
    async def browser(self) -> AsyncIterator[aiohttp.ClientSession]:
        """A browser of its own: its own cookies (the server's address is an IP: cookies kept anyway)."""
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(str(self.server.make_url("")), cookie_jar=jar) as client:
            yield client

    async def signed_in(self, client: aiohttp.ClientSession, staff_id: str) -> None:
        """What a person does: `/desk` in the chat, open the link, press 进入工作台."""
        token = await desk.issue_link(
            self.runtime.db.uow(), staff=self.people[staff_id], now=self.clock.now()
        )
        page = await client.get(f"/signin/{token}")
        assert page.status == 200 and "进入工作台" in await page.text()
        done = await client.post(f"/signin/{token}", allow_redirects=False)
        assert done.status == 303, await done.text()


async def stored(
    store: FileEvidenceStore,
    record_id: int,
    seq: int,
    kind: str,
    data: bytes,
    media_type: str,
    update_id: int,
) -> Evidence:
    """An evidence item as intake leaves it: the bytes in the store, the row describing them."""
    blob = await store.put_bytes(data)
    return Evidence(
        record_id=record_id,
        seq=seq,
        kind=kind,  # type: ignore[arg-type]
        state="stored",  # type: ignore[arg-type]
        received_at=NOW,
        chat_id=1000 + record_id,
        message_id=seq,
        update_id=update_id,
        origin={"type": "direct"},
        sha256=blob.sha256,
        size=blob.size,
        media_type=media_type,
    )


@contextlib.asynccontextmanager
async def console(db_url: str, tmp_path: Path, *, trust_proxy: bool = False) -> AsyncIterator[World]:
    clock = FixedClock(NOW)
    db = await access_world(db_url, clock)
    store = FileEvidenceStore(tmp_path / "evidence")
    async with db.uow() as uow:
        court = await uow.courts.by_code("t")
        assert court is not None and court.id is not None
        people = {s.staff_id: s for s in await uow.staff.list(court.id)}
        for n, record in enumerate(await uow.records.list(court_id=court.id)):
            assert record.id is not None
            await uow.evidence.add(
                await stored(store, record.id, 1, "photo", photo(n), "image/jpeg", 90_000 + n)
            )
            if record.number == "LH-2026-0001":  # and a voice note after the call
                await uow.evidence.add(
                    await stored(store, record.id, 2, "voice", voice_ogg(), "audio/ogg", 95_000)
                )
        await uow.commit()
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url=db_url, court_name="测试法院")  # type: ignore[call-arg]
    runtime = Runtime(settings, db, clock, court.id, "测试法院", store)
    server = TestServer(build_app(runtime, trust_proxy=trust_proxy))
    await server.start_server()
    try:
        yield World(runtime, clock, server, people)
    finally:
        await server.close()
        await runtime.close()
