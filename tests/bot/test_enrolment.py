"""Enrolment through the real bot and the sandbox Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from liuhen.app.usecases.enrolment import THROTTLE_MAX_FAILURES
from liuhen.app.usecases.roster import import_roster
from liuhen.domain.roster import REQUIRED_COLUMNS, parse_roster
from liuhen.texts import common as texts
from tests.bot.harness import Harness, start_harness
from tests.conftest import DEMO_ROSTER


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        yield harness


async def test_enrolment_greets_by_name_and_role_and_sets_the_menu(h: Harness) -> None:
    user = await h.user("张三的手机")
    code = await h.invite("j001")
    reply = await h.say(user, f"/start {code}")
    assert "张法官" in reply["text"] and "干警" in reply["text"] and "民事审判第一庭" in reply["text"]
    assert "转发" in reply["text"]  # how to record, in two lines
    commands = await h.sim.commands()
    assert "drafts" in str(commands) and "whoami" in str(commands)

    who = await h.say(user, "/whoami")
    assert "工号：j001" in who["text"] and "测试县人民法院" in who["text"]
    help_text = await h.say(user, "/help")
    assert "转发" in help_text["text"] and "/drafts" in help_text["text"]


async def test_a_code_typed_with_spaces_and_lower_case_works(h: Harness) -> None:
    user = await h.user()
    code = await h.invite("h001")
    typed = " ".join([code[:4], code[4:8], code[8:12], code[12:]]).lower()
    reply = await h.say(user, f"/start {typed}")
    assert "李庭长" in reply["text"] and "部门负责人" in reply["text"]


async def test_wrong_used_and_expired_codes_get_clear_answers(h: Harness) -> None:
    first, second = await h.user(), await h.user()
    assert (await h.say(first, "/start NOTAREALCODE2345"))["text"] == texts.ENROL_INVALID
    code = await h.invite("j002")
    assert "钱法官" in (await h.say(first, f"/start {code}"))["text"]
    assert (await h.say(second, f"/start {code}"))["text"] == texts.ENROL_USED

    late = await h.invite("h002")
    h.clock.set(h.clock.now() + timedelta(days=8))
    assert (await h.say(await h.user(), f"/start {late}"))["text"] == texts.ENROL_EXPIRED


async def test_repeated_failures_are_throttled(h: Harness) -> None:
    user = await h.user()
    for _ in range(THROTTLE_MAX_FAILURES):
        assert (await h.say(user, "/start AAAABBBBCCCCDDDD"))["text"] == texts.ENROL_INVALID
    good = await h.invite("j001")
    assert (await h.say(user, f"/start {good}"))["text"] == texts.ENROL_THROTTLED


async def test_unenrolled_people_are_served_nothing_and_nothing_is_stored(h: Harness) -> None:
    stranger = await h.user("陌生人")
    for text in ("你好", "/help", "/drafts", "/start"):
        assert (await h.say(stranger, text))["text"] == texts.NOT_ENROLLED
    sent = await h.sim.send_file(stranger, "photo", _png(), filename="shot.png")
    reply = await h.reply_after(stranger, sent["message"]["message_id"])
    assert reply["text"] == texts.NOT_ENROLLED
    async with h.runtime.db.uow(read_only=True) as uow:
        assert await uow.records.list(court_id=h.runtime.court_id) == []
    assert list(h.runtime.store.iter_all()) == []


async def test_deactivated_person_loses_access_and_cannot_re_enrol(h: Harness) -> None:
    user = await h.enrol("j002", "钱法官")
    rows = [
        line for line in DEMO_ROSTER.read_text(encoding="utf-8").splitlines() if not line.startswith("j002,")
    ]
    rt = h.runtime
    await import_roster(
        rt.db.uow(), court_id=rt.court_id, roster=parse_roster("\n".join(rows)), clock=h.clock, actor="test"
    )
    assert (await h.say(user, "/whoami"))["text"] == texts.NOT_ENROLLED
    from liuhen.app.usecases.enrolment import InviteError

    with pytest.raises(InviteError):
        await h.invite("j002")


async def test_replayed_start_update_sends_nothing_twice(h: Harness) -> None:
    user = await h.user()
    code = await h.invite("j001")
    sent = await h.sim.send_text(user, f"/start {code}")
    await h.reply_after(user, sent["message"]["message_id"])
    await h.sim.replay(sent["update_id"])
    marker = await h.say(user, "/whoami")  # processed after the replay (same chat, in order)
    assert "工号：j001" in marker["text"]
    greetings = [t for t in await h.bot_texts(user) if "已完成登记" in t]
    assert len(greetings) == 1
    assert texts.ENROL_USED not in await h.bot_texts(user)


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buf, "PNG")
    return buf.getvalue()


HEADER = ",".join(REQUIRED_COLUMNS)
