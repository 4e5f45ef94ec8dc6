"""The monthly report on WeCom (seed 003 §13: every month, a zero report when nothing happened): the
prompt reaches the people WeCom reaches, one tap answers and the card says so, a second tap changes
nothing; WeCom's refusals are kept apart from messages whose fate is unknown (never sent twice)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from liuhen.app.usecases import monthly
from liuhen.domain.monthly import Kind, Month, Policy
from liuhen.wecom import monthly as wecom_monthly
from tests.wecom.walk import key_of
from tests.wecom.world import World, wecom_world

BEIJING = ZoneInfo("Asia/Shanghai")
NOVEMBER = Month(2026, 11)


@pytest.fixture
async def world(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    async with wecom_world(db_url, tmp_path) as w:
        yield w


async def plan_prompts(world: World) -> None:
    rt = world.runtime
    world.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING))
    await monthly.plan(
        rt.db.uow(),
        court_id=rt.court_id,
        month=NOVEMBER,
        kind=Kind.PROMPT,
        now=world.clock.now(),
        tz=rt.settings.tz,
        policy=Policy(),
    )


async def states(world: World) -> Counter[str]:
    async with world.runtime.db.uow(read_only=True) as uow:
        prompts = await uow.monthly.prompts(world.runtime.court_id, [str(NOVEMBER)])
    return Counter(p.state for p in prompts)


async def test_seed003_s13_the_monthly_prompt_on_wecom_and_a_one_tap_zero_report(world: World) -> None:
    judge = await world.confirmed("j001")  # on WeCom; nobody else of the court is reachable anywhere
    await plan_prompts(world)
    assert await wecom_monthly.send_round(world.door) == 1
    prompt = await judge.wait_for("没有，零报告")
    assert await wecom_monthly.send_round(world.door) == 0  # sent once, never again
    await judge.press(prompt, key_of(prompt, "没有，零报告"))
    await judge.wait_for_update(prompt)
    assert prompt.replaced_button  # the card says the answer that stands, no buttons left
    await judge.wait_for("零报告")
    async with world.runtime.db.uow(read_only=True) as uow:
        staff = await uow.staff.by_staff_id(world.runtime.court_id, "j001")
        assert staff is not None and staff.id is not None
        answer = await uow.monthly.answer(staff.id, str(NOVEMBER))
    assert answer is not None and answer.answer == "zero"
    # the others of the roster are on no door: the Telegram door's rows, marked unreachable there
    assert (await states(world))["sent"] == 1


async def test_wecom_busy_is_retried_and_a_member_gone_from_wecom_is_unreachable(world: World) -> None:
    await world.confirmed("j001")
    await world.confirmed("h001")
    await plan_prompts(world)
    world.sandbox.fail_next("message/send", 45009, times=5)  # the rate limit through every retry
    world.sandbox.fail_next("message/send", 81013, times=1)  # then: not a member of the enterprise any more
    sent = await wecom_monthly.send_round(world.door)
    assert sent == 0
    assert (await states(world))["pending"] >= 1 and (await states(world))["unreachable"] >= 1
    assert await wecom_monthly.send_round(world.door) == 1  # the throttled one, next round


async def test_seed003_s13_remind_now_asks_again_once_those_who_have_not_answered(world: World) -> None:
    """The compliance table's [立即提醒未答复人员]: the department head reminds their department, the
    office the whole court; each person once a month; the answered are left alone; a judge may not."""
    rt = world.runtime
    judge = await world.confirmed("j001")
    await world.confirmed("h001")
    await plan_prompts(world)
    await wecom_monthly.send_round(world.door)
    await judge.wait_for("没有，零报告")
    async with rt.db.uow(read_only=True) as uow:
        staff = {s.staff_id: s for s in await uow.staff.list(rt.court_id)}
    tz = rt.settings.tz
    world.clock.set(world.clock.now() + timedelta(hours=2))
    now = world.clock.now()
    assert await monthly.remind_now(rt.db.uow(), staff=staff["j001"], month=NOVEMBER, now=now, tz=tz) is None
    # the head's department: the judge and the head (both asked, neither answered)
    assert await monthly.remind_now(rt.db.uow(), staff=staff["h001"], month=NOVEMBER, now=now, tz=tz) == 2
    assert await wecom_monthly.send_round(world.door) == 2
    again = await judge.wait_for("请及时答复")
    assert "没有，零报告" in str(again.card)
    # once a month for each person: the office's reminder finds nobody left to ask again
    assert await monthly.remind_now(rt.db.uow(), staff=staff["k001"], month=NOVEMBER, now=now, tz=tz) == 0
    async with rt.db.uow(read_only=True) as uow:
        nudges = [e for e in await uow.ledger.entries() if e.action == "monthly.nudge"]
    assert [e.actor for e in nudges] == ["staff:h001", "staff:k001"]
