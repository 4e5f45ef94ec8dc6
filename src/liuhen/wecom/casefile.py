"""Into the case file on WeCom (入卷存查: seed 001 实施办法 §4, §5; seed 002 §4, §5; seed 004 §16): the case
officer on WeCom is told of a filed record or a confirmed zero report on a card with [已入卷，登记卷号],
types where the material went; `/casefile` lists what is still open; an overdue task is reminded once. The
same use cases as the Telegram door; each door tells its own officers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from liuhen.app.usecases import casefile, courts
from liuhen.app.usecases.casefile import Outcome, TaskView
from liuhen.app.usecases.enrolment import Member
from liuhen.texts import casefile as texts
from liuhen.texts import wecom as wecom_words
from liuhen.wecom import cards
from liuhen.wecom.parse import Callback

if TYPE_CHECKING:
    from liuhen.wecom.door import WeComDoor


def _card(door: WeComDoor, view: TaskView) -> cards.Json:
    pairs = [(texts.BUTTON_DONE, cards.CASEFILE + view.token)]
    text = texts.task(view, door.rt.settings.tz)
    return cards.button_card(wecom_words.CASEFILE_TITLE, text, pairs, kind="cf")


async def send_tasks(door: WeComDoor, court_id: int) -> int:
    """New tasks of the officers on WeCom, overdue ones reminded once; how many were told."""
    rt = door.rt
    views = await casefile.due_nudges(rt.db.uow(), court_id=court_id, now=rt.clock.now(), wecom=True)
    for view in views:
        async with rt.db.uow(read_only=True) as uow:
            officer = await uow.staff.get(-view.chat_id)
        if officer is not None and officer.wecom_userid:
            door.card(officer.wecom_userid, _card(door, view))
    return len(views)


async def send_all(door: WeComDoor) -> int:
    told = 0
    for court_id in await courts.court_ids(door.rt.db.uow(read_only=True)):
        told += await send_tasks(door, court_id)
    return told


async def command(door: WeComDoor, userid: str, member: Member) -> None:
    """/casefile: the open tasks, each with its button."""
    rt = door.rt
    views = await casefile.open_tasks(rt.db.uow(), staff=member.staff, now=rt.clock.now())
    if not views:
        door.say(userid, texts.NONE_OPEN)
        return
    door.say(userid, texts.open_count(len(views)))
    for view in views:
        door.card(userid, _card(door, view))


async def pressed(door: WeComDoor, userid: str, member: Member, token: str, code: str) -> None:
    rt = door.rt
    result = await casefile.press(rt.db.uow(), staff=member.staff, token=token, now=rt.clock.now())
    if result.outcome is Outcome.FORBIDDEN:
        door.say(userid, texts.FORBIDDEN)
        return
    if result.outcome is Outcome.ALREADY:
        door.say(userid, texts.ALREADY)
        return
    door.close(userid, code, wecom_words.FILING_LABEL)
    if result.task is not None:
        door.say(userid, texts.ask(result.task))


async def typed(door: WeComDoor, callback: Callback, member: Member) -> bool:
    """The file number or place, typed after the button; False when none is awaited."""
    rt = door.rt
    result = await door.words(callback, member, casefile.typed)
    if result is None:
        return False
    if result.outcome is not Outcome.DUPLICATE:
        door.say(callback.userid, texts.answer(result, rt.settings.tz))
    return True
