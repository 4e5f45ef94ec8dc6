"""Evidence-first intake through the real bot and the sandbox (docs/architecture.md "The one idea").

Every kind of evidence is stored, hashed, receipted and listed exactly once.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from liuhen.app.usecases.records import list_records
from liuhen.domain.ledger import canonical_json
from liuhen.texts import common as texts
from tests.bot.harness import START, Harness, start_harness, text_of

ORIGINAL = int((START - timedelta(minutes=5)).timestamp())
ORIGINS: dict[str, dict[str, Any]] = {
    "user": {
        "type": "user",
        "date": ORIGINAL,
        "sender_user": {
            "id": 777001,
            "is_bot": False,
            "first_name": "李",
            "last_name": "书记",
            "username": "li_sj",
        },
    },
    "hidden_user": {"type": "hidden_user", "date": ORIGINAL, "sender_user_name": "王律师"},
    "chat": {
        "type": "chat",
        "date": ORIGINAL,
        "sender_chat": {"id": -100777, "type": "group", "title": "招商局工作群"},
    },
    "channel": {
        "type": "channel",
        "date": ORIGINAL,
        "message_id": 42,
        "author_signature": "办公室",
        "chat": {"id": -100888, "type": "channel", "title": "某镇政府通知", "username": "zhen_gov"},
    },
}
PRESSURE = "韩法官，（2026）豫0825民初1187号那个借款案，原告是我们招商引资的企业，判的时候考虑一下地方发展。"


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        yield harness


@pytest.fixture
async def judge(h: Harness) -> int:
    return await h.enrol("j001", "张法官")


def png(color: str = "red", size: tuple[int, int] = (320, 640)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


async def records(h: Harness) -> list[dict[str, Any]]:
    return await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)


async def send_file(h: Harness, user: int, kind: str, data: bytes, **kw: Any) -> dict[str, Any]:
    sent = await h.sim.send_file(user, kind, data, **kw)
    return await h.reply_after(user, sent["message"]["message_id"])


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


@pytest.mark.parametrize("kind", list(ORIGINS))
async def test_forwarded_text_is_receipted_with_its_provenance(h: Harness, judge: int, kind: str) -> None:
    receipt = await h.say(judge, PRESSURE, forward_origin=ORIGINS[kind])
    text = text_of(receipt)
    assert re.search(
        r"已留存证据 #1（文字消息，\d+ B，sha256 [0-9a-f]{4}…[0-9a-f]{2}）→ 记录 LH-2026-0001（草稿）", text
    )
    assert "还差" in text and "项即可提交" in text
    assert buttons(receipt) == [
        texts.BUTTON_FILL,
        texts.BUTTON_LATER,
        texts.BUTTON_SPLIT,
        texts.BUTTON_DIRECT,
    ]
    [record] = await records(h)
    [evidence] = record["evidence"]
    origin = evidence["origin"]
    assert origin["type"] == kind
    assert origin["date"].startswith("2026-11-23T01:25")
    assert "forwarded_at" in origin
    expected_name = {
        "user": "李 书记",
        "hidden_user": "王律师",
        "chat": "招商局工作群",
        "channel": "某镇政府通知",
    }[kind]
    assert origin["name"] == expected_name
    stored = await h.runtime.store.read(evidence["sha256"])
    assert PRESSURE in stored.decode()  # the whole message, text and entities, is the evidence
    assert hashlib.sha256(stored).hexdigest() == evidence["sha256"]


async def test_a_texts_evidence_is_the_message_as_telegram_sent_it(h: Harness, judge: int) -> None:
    """What the judge forwarded is kept as Telegram's own JSON, byte for byte once canonical: nothing added
    by the library that decoded it (python-telegram-bot writes ``"group_chat_created": false`` and the like
    into a message it writes again)."""
    sent = await h.sim.send_text(judge, PRESSURE, forward_origin=ORIGINS["channel"])
    await h.reply_after(judge, sent["message"]["message_id"])
    [record] = await records(h)
    [evidence] = record["evidence"]
    stored = await h.runtime.store.read(evidence["sha256"])
    assert stored == canonical_json(sent["message"])
    assert b"group_chat_created" not in stored and b"delete_chat_photo" not in stored


async def test_screenshot_keeps_largest_size_and_hints_once(h: Harness, judge: int) -> None:
    shot = png("white", (720, 1280))
    receipt = await send_file(h, judge, "photo", shot)
    assert "截图/照片" in text_of(receipt) and texts.PHOTO_HINT in text_of(receipt)
    [record] = await records(h)
    assert record["evidence"][0]["sha256"] == hashlib.sha256(shot).hexdigest()
    assert record["evidence"][0]["size"] == len(shot)
    second = await send_file(h, judge, "photo", png("blue"))
    assert texts.PHOTO_HINT not in text_of(second)
    assert "#2" in text_of(second) and "LH-2026-0001" in text_of(second)


@pytest.mark.parametrize(
    ("kind", "label", "filename", "mime"),
    [
        ("document", "文件", "截图原图.png", "image/png"),
        ("document", "文件", "函.pdf", "application/pdf"),
        ("voice", "语音", None, "audio/ogg"),
        ("audio", "音频", "通话录音.mp3", "audio/mpeg"),
        ("video", "视频", "video.mp4", "video/mp4"),
        ("video_note", "视频消息", None, "video/mp4"),
    ],
)
async def test_every_file_kind_is_stored_and_hashed(
    h: Harness, judge: int, kind: str, label: str, filename: str | None, mime: str
) -> None:
    data = (
        png()
        if mime == "image/png"
        else (b"%PDF-1.4\n" if "pdf" in mime else b"OggS") + bytes(range(256)) * 40
    )
    receipt = await send_file(h, judge, kind, data, filename=filename, mime_type=mime, duration=7)
    assert f"（{label}，" in text_of(receipt)
    [record] = await records(h)
    [evidence] = record["evidence"]
    assert evidence["sha256"] == hashlib.sha256(data).hexdigest()
    assert evidence["state"] == "stored"
    assert h.runtime.store.exists(evidence["sha256"])


async def test_album_gets_one_receipt_edited_as_items_arrive(h: Harness, judge: int) -> None:
    images = [png(c) for c in ("red", "green", "blue")]
    for image in images:
        await h.sim.send_file(judge, "photo", image, media_group_id="album-1")
    expected = "已留存 3 项证据"
    final = await h.sim.wait_for(judge, lambda m: m.get("from_bot") and expected in text_of(m), timeout=10)
    bot_messages = [m for m in await h.sim.chat(judge) if m.get("from_bot") and "已留存" in text_of(m)]
    assert len(bot_messages) == 1 and bot_messages[0]["message_id"] == final["message_id"]
    [record] = await records(h)
    assert [e["sha256"] for e in record["evidence"]] == [hashlib.sha256(i).hexdigest() for i in images]


async def test_same_bytes_twice_are_stored_once_and_referenced_twice(h: Harness, judge: int) -> None:
    data = png("purple")
    await send_file(h, judge, "document", data, filename="a.png", mime_type="image/png")
    await send_file(h, judge, "document", data, filename="b.png", mime_type="image/png")
    [record] = await records(h)
    assert [e["sha256"] for e in record["evidence"]] == [hashlib.sha256(data).hexdigest()] * 2
    digest = hashlib.sha256(data).hexdigest()
    assert sum(1 for d in h.runtime.store.iter_all() if d == digest) == 1


async def test_oversized_file_is_registered_and_the_judge_is_told_what_to_do(h: Harness, judge: int) -> None:
    big = b"\0" * (20 * 1024 * 1024 + 1)
    receipt = await send_file(h, judge, "video", big, filename="long.mp4", mime_type="video/mp4")
    assert "20 MB" in text_of(receipt) and "原始载体" in text_of(receipt)
    [record] = await records(h)
    [evidence] = record["evidence"]
    assert evidence["state"] == "too_big" and evidence["sha256"] is None
    assert evidence["size"] == len(big) and evidence["media_type"] == "video/mp4"


async def test_replayed_update_creates_nothing_and_sends_nothing(h: Harness, judge: int) -> None:
    sent = await h.sim.send_text(judge, PRESSURE, forward_origin=ORIGINS["hidden_user"])
    await h.reply_after(judge, sent["message"]["message_id"])
    await h.sim.replay(sent["update_id"])
    await h.say(judge, "/drafts")  # handled after the replay: the chat is processed in order
    receipts = [t for t in await h.bot_texts(judge) if "已留存" in t]
    assert len(receipts) == 1
    [record] = await records(h)
    assert len(record["evidence"]) == 1


async def test_judges_sending_at_once_each_get_their_own_receipts(h: Harness) -> None:
    """Concurrent judges share the gate's read and the intake's transaction (bot/batching.py); nobody
    gets another's receipt, a number twice, or a draft of someone else."""
    staff_ids = ("j001", "j002", "h001", "h002", "v001")
    judges = [await h.enrol(staff_id) for staff_id in staff_ids]

    async def judge_sends(user: int) -> list[str]:
        texts_seen = []
        for n in range(3):
            sent = await h.sim.send_text(user, f"{PRESSURE}（{n}）", forward_origin=ORIGINS["user"])
            texts_seen.append(text_of(await h.reply_after(user, sent["message"]["message_id"])))
        return texts_seen

    seen = await asyncio.gather(*(judge_sends(user) for user in judges))
    drafts = {}
    for staff_id, receipts in zip(staff_ids, seen, strict=True):
        found = [re.search(r"已留存证据 #(\d+).*→ 记录 (LH-2026-\d{4})", t) for t in receipts]
        assert all(found), receipts
        assert [int(m[1]) for m in found if m] == [1, 2, 3]  # one draft per judge, in order
        [drafts[staff_id]] = {m[2] for m in found if m}
    listed = await records(h)
    assert {r["number"]: r["recorder"] for r in listed} == {n: s for s, n in drafts.items()}
    assert [len(r["evidence"]) for r in listed] == [3] * len(judges)


async def test_own_text_is_evidence_and_joins_the_open_draft(h: Harness, judge: int) -> None:
    await h.say(judge, PRESSURE, forward_origin=ORIGINS["user"])
    note = await h.say(judge, "他打电话说的，我当时在办公室，杨帆在场。")
    assert "#2（本人说明" in text_of(note) and "LH-2026-0001" in text_of(note)
    h.clock.set(h.clock.now() + timedelta(minutes=31))
    later = await h.say(judge, "另一件事：律师约吃饭")
    assert "#1（本人说明" in text_of(later) and "LH-2026-0002" in text_of(later)
    await h.say(judge, "/new")
    fresh = await h.say(judge, "第三件")
    assert "LH-2026-0003" in text_of(fresh)
    drafts = await h.say(judge, "/drafts")
    assert all(n in text_of(drafts) for n in ("LH-2026-0001", "LH-2026-0002", "LH-2026-0003"))


async def test_this_is_another_matter_moves_the_evidence(h: Harness, judge: int) -> None:
    await h.say(judge, PRESSURE, forward_origin=ORIGINS["user"])
    second = await h.say(judge, "律师约我吃饭", forward_origin=ORIGINS["hidden_user"])
    await h.sim.press(judge, second["message_id"], text=texts.BUTTON_SPLIT)
    edited = await h.sim.wait_for(
        judge, lambda m: m["message_id"] == second["message_id"] and "LH-2026-0002" in text_of(m)
    )
    assert "#1" in text_of(edited)
    rows = {r["number"]: len(r["evidence"]) for r in await records(h)}
    assert rows == {"LH-2026-0001": 1, "LH-2026-0002": 1}


async def test_receipt_buttons(h: Harness, judge: int) -> None:
    receipt = await h.say(judge, PRESSURE, forward_origin=ORIGINS["user"])
    await h.sim.press(judge, receipt["message_id"], text=texts.BUTTON_FILL)
    question = await h.reply_after(judge, receipt["message_id"])
    assert text_of(question).startswith("【LH-2026-0001】记录类型（还差")
    await h.sim.press(judge, receipt["message_id"], text=texts.BUTTON_DIRECT)
    direct = await h.sim.wait_for(judge, lambda m: m.get("from_bot") and "直接报告纪检" in text_of(m))
    assert "LH-2026-0001" in text_of(direct)
    [record] = await records(h)
    assert record["direct_to_discipline"] is True
    await h.sim.press(judge, receipt["message_id"], text=texts.BUTTON_LATER)
    await h.sim.wait_for(
        judge, lambda m: m["message_id"] == receipt["message_id"] and not m.get("reply_markup")
    )


async def test_forged_or_foreign_buttons_change_nothing(h: Harness, judge: int) -> None:
    receipt = await h.say(judge, PRESSURE, forward_origin=ORIGINS["user"])
    data = [b["callback_data"] for row in receipt["reply_markup"]["inline_keyboard"] for b in row]
    colleague = await h.enrol("j002", "钱法官")
    for token in [*data, "i:forged-token", "i:" + "x" * 60]:
        await h.sim.press(colleague, receipt["message_id"], data=token, forge=True)
    await h.say(colleague, "/whoami")
    [record] = await records(h)
    assert record["direct_to_discipline"] is False and len(record["evidence"]) == 1
    assert not any("LH-2026" in t for t in await h.bot_texts(colleague))


async def test_failed_download_is_kept_retried_and_announced(db_url: str, tmp_path: Path) -> None:
    async with start_harness(db_url, tmp_path, settings={"download_retry_seconds": 0.5}) as h:
        judge = await h.enrol("j001", "张法官")
        await h.sim.set_faults(getFile=2)  # the intake attempt and the first retry fail
        shot = png("orange")
        receipt = await send_file(h, judge, "photo", shot)
        assert texts.PENDING in text_of(receipt)
        [record] = await records(h)
        assert record["evidence"][0]["state"] == "pending"  # the row exists at once: nothing is lost
        arrived = await h.sim.wait_for(
            judge, lambda m: m.get("from_bot") and "文件已取得" in text_of(m), timeout=15
        )
        digest = hashlib.sha256(shot).hexdigest()
        assert digest[:4] in text_of(arrived) and "LH-2026-0001" in text_of(arrived)
        [record] = await records(h)
        assert record["evidence"][0]["state"] == "stored" and record["evidence"][0]["sha256"] == digest
