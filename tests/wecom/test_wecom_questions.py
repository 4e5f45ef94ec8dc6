"""The guided questions on WeCom's template cards: the receipt's [开始补充] opens them, each press updates
the card in place (its one-time response code consumed), typed answers get the next card, and the record
is submitted into the sign-off chain from the review card (seed 004 §13, 登记表: every field filled)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from liuhen.domain.records import RecordStatus
from tests.wecom.walk import fill_and_submit
from tests.wecom.world import World, wecom_world


@pytest.fixture
async def world(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    async with wecom_world(db_url, tmp_path) as w:
        yield w


async def test_a_judge_completes_and_submits_a_record_on_wecom(world: World) -> None:
    user = await world.confirmed("j001")
    judge, asked, review, said = await fill_and_submit(world, user)
    assert review.replaced_button == "已提交"  # the review card's buttons are gone: nothing pressed twice
    assert judge.taps + judge.typed <= 14, (judge.taps, judge.typed, asked)
    [record] = await _records(world)
    # a judge's record goes to the department head first (seed 004 §13)
    assert record.status == RecordStatus.AWAITING_DEPARTMENT_HEAD.value and record.number in said
    assert record.given.place == "本院第三法庭门口" and record.given.method


async def _records(world: World) -> list[Any]:
    from sqlalchemy import select

    from liuhen.domain.records import Record

    async with world.runtime.db.uow(read_only=True) as uow:
        return list(await uow.session.scalars(select(Record)))  # type: ignore[attr-defined]
