"""The WeCom door end to end over HTTP, against the WeCom sandbox: the callback's crypto, the roster's
accounts confirmed once, evidence first with a receipt, the questions on template cards, retried callbacks
changing nothing (seed 001 §2, seed 004 §15: every intervention recorded, 全程留痕)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from liuhen.domain.records import EvidenceState
from liuhen.texts import common as texts
from liuhen.texts import wecom as words
from liuhen.wecom.api import RETRIES
from tests.wecom.world import World, wecom_world


@pytest.fixture
async def world(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    async with wecom_world(db_url, tmp_path) as w:
        yield w


async def test_url_verification_answers_the_decrypted_echo_and_a_forged_callback_is_refused_unread(
    world: World,
) -> None:
    status, body, expected = await world.sandbox.verify_url()
    assert (status, body) == (200, expected)
    judge = await world.confirmed("j001")
    sent = await judge.send_text("王某某来电要求关照（2026）豫0825民初123号")
    await judge.wait_for("已留存证据")
    assert await world.sandbox.tamper(sent) == 403
    assert len(await world.evidence()) == 1  # the forged copy stored nothing


async def test_a_member_not_on_the_roster_is_told_and_nothing_is_kept(world: World) -> None:
    stranger = world.sandbox.user("waibu_renyuan")
    delivery = await stranger.send_text("我想了解一下案件")
    assert delivery.status == 200
    answer = await stranger.wait_for("不在本院")
    assert "未被保存" in answer.text
    assert await world.evidence() == [] and await world.inbox() == []


async def test_the_account_is_confirmed_once_before_anything_is_recorded(world: World) -> None:
    """The enterprise vouches for the account; the person confirms the roster's entry is theirs. What was
    sent before the confirmation is not kept, and they are told to send it again."""
    judge = world.user("j001")
    await judge.send_text("院外人员打招呼")
    card = await judge.wait_for("确认身份")
    assert "张法官" in card.text and "民事审判第一庭" in card.text
    await judge.wait_for("请重新发送")
    assert await world.evidence() == []
    await judge.press(card, "enrol:yes")
    await judge.wait_for("身份已确认")
    await judge.wait_for_update(card)
    assert card.replaced_button == words.CONFIRMED_LABEL
    await judge.send_text("院外人员打招呼")
    receipt = await judge.wait_for("已留存证据")
    assert [b["text"] for b in receipt.card["button_list"]] == [  # type: ignore[index]
        texts.BUTTON_FILL,
        texts.BUTTON_LATER,
        texts.BUTTON_SPLIT,
        texts.BUTTON_DIRECT,
    ]
    [evidence] = await world.evidence()
    assert evidence.text == "院外人员打招呼" and evidence.state == EvidenceState.STORED.value


async def test_not_me_is_never_served(world: World) -> None:
    judge = world.user("j001")
    await judge.enter()
    card = await judge.wait_for("确认身份")
    await judge.press(card, "enrol:no")
    await judge.wait_for("联系管理员更正名册")
    await judge.send_text("一条消息")
    await judge.wait_for("确认身份")  # still asked, never served
    assert await world.evidence() == []


async def test_a_retried_callback_changes_nothing_and_sends_no_second_receipt(world: World) -> None:
    judge = await world.confirmed("j001")
    first = await judge.send_text("第一条")
    await judge.wait_for("已留存证据")
    again = await world.sandbox.redeliver(first)  # WeCom retries a callback not answered in time
    assert again.status == 200
    await judge.send_text("第二条")
    await judge.wait_for(lambda m: "已留存证据" in m.text and "#2" in m.text)
    receipts = [m for m in judge.messages if "已留存证据" in m.text]
    assert len(receipts) == 2
    assert [e.text for e in await world.evidence()] == ["第一条", "第二条"]


async def test_image_voice_and_video_are_fetched_and_kept_byte_exact_with_the_callback(world: World) -> None:
    judge = await world.confirmed("j001")
    image = _jpeg()
    amr = b"#!AMR\n" + bytes([0x3C]) + bytes(31) * 10  # AMR-NB frames, kept as sent
    await judge.send_image(image)
    await judge.wait_for("已留存证据")
    await judge.send_voice(amr)
    await judge.wait_for("#2")
    await judge.send_video(b"\x00\x00\x00\x18ftypmp42" + bytes(64))
    await judge.wait_for("#3")
    await judge.send_location(34.75, 113.62, "郑州市某茶楼")
    await judge.wait_for("#4")
    await judge.send_link("案件材料", "请关照", "https://example.com/a")
    await judge.wait_for("#5")
    items = await world.evidence()
    assert [e.kind for e in items] == ["photo", "voice", "video", "text", "text"]
    assert items[0].sha256 == hashlib.sha256(image).hexdigest()
    assert items[1].sha256 == hashlib.sha256(amr).hexdigest()
    with world.runtime.store.open(items[1].sha256 or "") as kept:
        assert kept.read() == amr  # the voice note as WeCom gave it, not transcoded
    assert "郑州市某茶楼" in (items[3].text or "") and "https://example.com/a" in (items[4].text or "")
    await world.door.drain()
    items = await world.evidence()
    assert all(e.receipt_message_id for e in items)
    assert {e.update_id < 0 for e in items} == {True}  # WeCom's namespace in the inbox


async def test_an_expired_media_id_is_said_and_the_message_kept(world: World) -> None:
    judge = await world.confirmed("j001")
    world.sandbox.fail_next("media/get", 40007)
    await judge.send_voice(b"#!AMR\n" + bytes(40))
    receipt = await judge.wait_for("已留存证据")
    assert texts.FAILED in receipt.text
    [evidence] = await world.evidence()
    assert evidence.state == EvidenceState.FAILED.value and evidence.message_sha256


async def test_a_media_download_that_fails_for_now_is_retried_and_the_judge_told(world: World) -> None:
    judge = await world.confirmed("j001")
    world.sandbox.fail_next("media/get", -1, times=RETRIES + 1)  # WeCom busy through every retry
    image = _jpeg()
    await judge.send_image(image)
    receipt = await judge.wait_for("已留存证据")
    assert texts.PENDING in receipt.text
    [evidence] = await world.evidence()
    assert evidence.state == EvidenceState.PENDING.value
    await world.door.retry_media()
    await judge.wait_for("文件已取得")
    [evidence] = await world.evidence()
    assert evidence.state == EvidenceState.STORED.value
    assert evidence.sha256 == hashlib.sha256(image).hexdigest()


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


async def test_a_draft_left_unfinished_is_reminded_on_wecom_once(world: World) -> None:
    """seed 002 §4, seed 004 §16: recorded within the deadline — the recorder on WeCom is reminded of the
    draft half-way there, once."""
    from datetime import timedelta

    from liuhen.wecom import signing

    judge = await world.confirmed("j001")
    await judge.send_text("庭外有人打招呼，稍后补充")
    await judge.wait_for("已留存证据")
    assert await signing.draft_reminders(world.door) == 0  # too early
    world.clock.set(world.clock.now() + timedelta(hours=32))
    assert await signing.draft_reminders(world.door) == 1
    await judge.wait_for("提醒：记录尚未完成")
    assert await signing.draft_reminders(world.door) == 0  # once
