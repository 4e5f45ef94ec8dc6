"""A file whose bytes are not what its kind or name says is kept exactly as sent, stored under its real
media type, and the recorder is told once, in the receipt (docs/architecture.md "What a file really is")."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from liuhen.app.usecases.records import list_records
from tests.bot.harness import Harness, start_harness, text_of

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + os.urandom(4000)
NOTICE = "的实际内容不是"


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        yield harness


@pytest.fixture
async def judge(h: Harness) -> int:
    return await h.enrol("j001", "张法官")


async def stored(h: Harness) -> dict[str, Any]:
    [record] = await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)
    [evidence] = record["evidence"]
    return dict(evidence)


async def told(h: Harness, judge: int) -> list[str]:
    """The bot's messages with the notice, once a later command was answered (it comes after the receipt)."""
    await h.say(judge, "/drafts")
    return [t for t in await h.bot_texts(judge) if NOTICE in t]


async def test_an_executable_named_photo_jpg(h: Harness, judge: int) -> None:
    sent = await h.sim.send_file(judge, "document", ELF, filename="photo.jpg", mime_type="image/jpeg")
    receipt = await h.reply_after(judge, sent["message"]["message_id"])
    expected = "提示：文件 photo.jpg 的实际内容不是图片（是可执行程序），已按原样保存。"
    assert expected in text_of(receipt) and "已留存证据" in text_of(receipt)  # in the receipt itself
    evidence = await stored(h)
    assert evidence["media_type"] == "application/x-executable"
    assert evidence["sha256"] == hashlib.sha256(ELF).hexdigest()  # kept exactly as sent
    assert await h.runtime.store.read(evidence["sha256"]) == ELF
    assert await told(h, judge) == [text_of(receipt)]  # once


async def test_random_bytes_as_a_voice_note(h: Harness, judge: int) -> None:
    data = os.urandom(3000)
    sent = await h.sim.send_file(judge, "voice", data, mime_type="audio/ogg", duration=3)
    receipt = await h.reply_after(judge, sent["message"]["message_id"])
    assert "提示：语音 #1 的实际内容不是音频（是无法识别的数据），已按原样保存。" in text_of(receipt)
    evidence = await stored(h)
    assert evidence["media_type"] == "application/octet-stream"
    assert await h.runtime.store.read(evidence["sha256"]) == data
    assert len(await told(h, judge)) == 1


async def test_a_real_image_sent_as_a_file_says_nothing_more(h: Harness, judge: int) -> None:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(out, "PNG")  # a PNG named .jpg is still an image
    sent = await h.sim.send_file(
        judge, "document", out.getvalue(), filename="截图.jpg", mime_type="image/jpeg"
    )
    receipt = await h.reply_after(judge, sent["message"]["message_id"])
    assert NOTICE not in text_of(receipt) and "已留存证据" in text_of(receipt)
    assert (await stored(h))["media_type"] == "image/png"
    assert await told(h, judge) == []
