"""`/complaint` on WeCom (seed 001 §6, 实施办法 §9): a judge writes a complaint of retaliation in a few
messages and sends it straight to the discipline office, which receives the text and the files on the door it
is on; the complainant's own chain never sees it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wecom.test_wecom_door import _jpeg
from tests.wecom.walk import key_of, labels
from tests.wecom.world import World, wecom_world


@pytest.fixture
async def world(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    async with wecom_world(db_url, tmp_path) as w:
        yield w


async def test_seed001_s6_a_complaint_written_on_wecom_reaches_the_discipline_office(world: World) -> None:
    judge = await world.confirmed("j001")
    head = await world.confirmed("h001")
    office = await world.confirmed("k001")
    for user in (head, office):
        user._begin()
    await judge.send_text("/complaint")
    intro = await judge.wait_for(lambda m: m.card is not None and "提交本院纪检监察部门" in labels(m))
    await judge.press(intro, key_of(intro, "提交本院纪检监察部门"))
    await judge.wait_for("还没有控告内容")  # nothing written yet: nothing submitted
    await judge.send_text("因我如实记录了院领导过问，被调离审判岗位。")
    await judge.wait_for(lambda m: m.card is not None and "第 1 项" in m.text)
    photo = _jpeg()
    await judge.send_image(photo)
    second = await judge.wait_for(lambda m: m.card is not None and "第 2 项" in m.text)
    assert await world.evidence() == []  # the complaint's messages are not evidence of a record
    await judge.press(second, key_of(second, "提交本院纪检监察部门"))
    await judge.wait_for("已提交")
    delivered = await office.wait_for("被调离审判岗位")
    assert "张法官" in delivered.text
    file = await office.wait_for(lambda m: m.msgtype == "file")
    assert world.sandbox.media_bytes(file.payload["media_id"]) == photo  # byte-exact
    assert not [m for m in head.messages if "调离" in m.text]  # the complainant's chain never sees it
