"""The discipline office's own tools on WeCom (seed 001 §8–§10; seed 004 §22–§30): `/accountability` shows
this year's measures and registers one; `/notice` ticks the distribution on a card and issues the numbered
PDF, which reaches the distribution through the outbox; a judge may do neither."""

from __future__ import annotations

from pathlib import Path

import pytest

from liuhen.domain.accountability import Measure
from tests.wecom.walk import labels, press_label
from tests.wecom.world import START, World, wecom_world

INTERNAL = "本院内部（院领导、各部门负责人）"


@pytest.fixture
async def world(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    async with wecom_world(db_url, tmp_path) as w:
        yield w


async def test_seed004_s22_s25_accountability_and_a_notice_on_wecom(world: World) -> None:
    judge = await world.confirmed("j001")
    office = await world.confirmed("k001")
    president = world.sandbox.user("zhouyuanzhang")
    async with world.runtime.db.uow() as uow:  # the president on WeCom too (the roster's account, confirmed)
        chief = await uow.staff.by_staff_id(world.runtime.court_id, "p001")
        assert chief is not None
        chief.wecom_userid, chief.wecom_confirmed_at = "zhouyuanzhang", START
        await uow.accountability.add(
            Measure(
                chief.court_id,
                "not_recorded",
                "criticism",
                "钱法官",
                START,
                "k001",
                record_number="LH-2026-0003",
            )
        )
        await uow.commit()
    await judge.send_text("/accountability")
    await judge.wait_for("纪检监察")
    await judge.send_text("/notice 2026Q4")
    await judge.wait_for("由纪检监察部门发布")

    await office.send_text("/accountability")
    overview = await office.wait_for("钱法官")
    assert "故意不记录" in overview.text
    await office.send_text("/notice 2026Q4")
    card = await office.wait_for(lambda m: m.card is not None and "发布通报" in labels(m))
    await press_label(office, card, "发布通报")
    await office.wait_for("请至少选择一个发送范围")  # nothing issued
    await press_label(office, card, f"☐ {INTERNAL}")
    await office.wait_for_update(card)
    ticked = await office.wait_for(lambda m: m.card is not None and f"☑ {INTERNAL}" in labels(m))
    await press_label(office, ticked, "发布通报")
    issued = await office.wait_for(lambda m: m.msgtype == "file")
    data = world.sandbox.media_bytes(issued.payload["media_id"])
    assert data is not None and data.startswith(b"%PDF")
    await office.wait_for("纪通〔2026〕1号")
    got = await president.wait_for(lambda m: m.msgtype == "file")  # the distribution, on WeCom
    assert world.sandbox.media_bytes(got.payload["media_id"]) == data  # the PDF as issued, byte for byte
