"""The monthly report on WeCom (seed 003 §13, §20): the prompt with its one-tap answers, the reminders and
the discipline office's notice, for the people WeCom reaches — planned and recorded by the same use cases
as the Telegram door's broadcast; each door sends the rows of its own people."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import structlog

from liuhen.app.settings import policy_of
from liuhen.app.usecases import courts, monthly
from liuhen.app.usecases.enrolment import Member
from liuhen.app.usecases.monthly import Outgoing, PressOutcome
from liuhen.domain.monthly import Kind, PromptState
from liuhen.texts import monthly as texts
from liuhen.texts import wecom as wecom_words
from liuhen.wecom import cards
from liuhen.wecom.api import BUSY, NO_RECIPIENT, RATE_LIMITED, WeComError

if TYPE_CHECKING:
    from liuhen.wecom.door import WeComDoor

log = structlog.get_logger(__name__)


async def send_round(door: WeComDoor) -> int:
    """What the schedule says is due is planned, then the WeCom people's rows are sent; how many went."""
    rt = door.rt
    policy = policy_of(rt.settings)
    sent = 0
    for court_id in await courts.court_ids(rt.db.uow(read_only=True)):
        if rt.settings.monthly_auto:
            await monthly.plan_due(
                rt.db.uow(), court_id=court_id, now=rt.clock.now(), tz=rt.settings.tz, policy=policy
            )
        for prompt in await monthly.pending(rt.db.uow(read_only=True), court_id=court_id, wecom=True):
            assert prompt.id is not None
            outgoing = await monthly.begin_send(
                rt.db.uow(),
                prompt_id=prompt.id,
                now=rt.clock.now(),
                tz=rt.settings.tz,
                policy=policy,
                court_name=rt.court_name,
                sender="wecom",
            )
            if outgoing is not None:
                sent += await _send(door, outgoing)
    return sent


async def _send(door: WeComDoor, o: Outgoing) -> int:
    """One row: sent, refused for good, to be tried again, or of unknown outcome (never sent twice)."""
    rt = door.rt
    now = rt.clock.now
    async with rt.db.uow(read_only=True) as uow:
        person = await uow.staff.get(-o.chat_id)
    userid = person.wecom_userid if person is not None else None
    try:
        if userid is None:
            raise WeComError("message/send", NO_RECIPIENT, "left")
        message_id = await _deliver(door, userid, o)
    except WeComError as exc:
        if exc.errcode in (RATE_LIMITED, BUSY):  # WeCom did not take it: pending again
            await monthly.retry_later(rt.db.uow(), prompt_id=o.prompt_id, now=now(), error=str(exc.errcode))
            return 0
        state = PromptState.UNREACHABLE if exc.errcode == NO_RECIPIENT else PromptState.FAILED
        await monthly.undeliverable(
            rt.db.uow(), prompt_id=o.prompt_id, state=state, reason=str(exc.errcode), now=now()
        )
        return 0
    except aiohttp.ClientConnectionError as exc:  # may have reached WeCom: never sent again
        await monthly.outcome_unknown(rt.db.uow(), prompt_id=o.prompt_id, now=now(), error=repr(exc))
        return 0
    except TimeoutError as exc:
        await monthly.outcome_unknown(rt.db.uow(), prompt_id=o.prompt_id, now=now(), error=repr(exc))
        return 0
    await monthly.delivered(rt.db.uow(), prompt_id=o.prompt_id, message_id=message_id, now=now())
    return 1


async def _deliver(door: WeComDoor, userid: str, o: Outgoing) -> int:
    tz = door.rt.settings.tz
    if o.kind is Kind.NOTICE:
        assert o.compliance is not None
        parts = texts.compliance(o.compliance, tz, notice=True)
        first = await door.api.send_text(userid, parts[0])
        for part in parts[1:]:  # the rest is detail: the row stands or falls with the first part
            door.say(userid, part)
        return first.message_id
    text = texts.prompt(o, tz)
    if not o.buttons:
        return (await door.api.send_text(userid, text)).message_id
    pairs = [
        (texts.button_label(choice, len(o.records)), cards.MONTHLY + token) for choice, token in o.buttons
    ]
    card = cards.button_card(wecom_words.MONTHLY_TITLE.format(month=o.month), text, pairs, kind="m")
    return (await door.api.send_card(userid, card)).message_id


async def pressed(door: WeComDoor, userid: str, member: Member, token: str, code: str) -> None:
    """[没有，零报告] [有，去记录] [确认，共N件]: one tap answers; the card says the answer that stands."""
    rt = door.rt
    result = await monthly.press(
        rt.db.uow(),
        staff=member.staff,
        token=token,
        now=rt.clock.now(),
        tz=rt.settings.tz,
        policy=policy_of(rt.settings),
    )
    tz = rt.settings.tz
    if result.outcome == PressOutcome.FORBIDDEN:
        door.say(userid, texts.BUTTON_FORBIDDEN)
        return
    if result.outcome == PressOutcome.OK:
        door.close(userid, code, texts.answered_stamp(result, tz)[:40])
    door.say(
        userid, texts.answered(result, tz) if result.outcome == PressOutcome.OK else texts.already(result, tz)
    )
