"""What one reads on WeCom, as in the chat, each read authorised and in the ledger: `/whoami`, `/form`
(the registration form, seed 004 登记表), `/case` (seed 003 §18), `/quarterly` (seed 002 §7) — and a judge
is refused the court's summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wecom.walk import fill_and_submit
from tests.wecom.world import World, wecom_world


@pytest.fixture
async def world(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    async with wecom_world(db_url, tmp_path) as w:
        yield w


async def test_whoami_form_case_and_quarterly_on_wecom(world: World) -> None:
    judge = await world.confirmed("j001")
    office = await world.confirmed("k001")
    await judge.send_text("/whoami")
    assert "张法官" in (await judge.wait_for("民事审判第一庭")).text
    await fill_and_submit(world, judge)
    async with world.runtime.db.uow(read_only=True) as uow:
        record = await uow.records.by_number(world.runtime.court_id, "LH-2026-0001")
    assert record is not None
    await judge.send_text("/form LH-2026-0001")
    form = await judge.wait_for(lambda m: m.msgtype == "file")
    data = world.sandbox.media_bytes(form.payload["media_id"])
    assert data is not None and data.startswith(b"%PDF")
    await judge.send_text("/case （2026）豫0825民初1187号")
    assert "LH-2026-0001" in (await judge.wait_for("LH-2026-0001")).text
    await judge.send_text("/quarterly 2026Q4")
    await judge.wait_for("无权查看")  # a judge: not the court's summary
    assert len([m for m in judge.messages if m.msgtype == "file"]) == 1  # the form only
    await office.send_text("/quarterly 2026Q4")
    await office.wait_for(lambda m: m.msgtype == "file")
    async with world.runtime.db.uow(read_only=True) as uow:
        reads = [e.payload.get("what") for e in await uow.ledger.entries() if e.action == "record.read"]
    assert "form" in reads


async def test_monthly_and_registers_views_on_wecom_by_role(world: World) -> None:
    """/monthly (seed 003 §13) and /registers (seed 003 items 15, 16): the office reads them, a judge is
    refused — each read in the ledger."""
    judge = await world.confirmed("j001")
    office = await world.confirmed("k001")
    await office.send_text("/monthly 2026-11")
    await office.wait_for("月报告")
    await judge.send_text("/registers")
    await judge.wait_for("纪检监察部门和院长可在此查看")
    await office.send_text("/registers")
    listing = await office.wait_for("【干警亲属从事律师职业】")
    assert "台帐为空" in listing.text
    await office.send_text("/monthly 2026-13")
    await office.wait_for("用法：/monthly")
