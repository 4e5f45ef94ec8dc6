"""The discipline office's own tools on WeCom, as in the chat: `/accountability` (责任追究: seed 001 §9,
§10; seed 004 §25–§30) — this year's measures with the warnings, and registering one step by step — and
`/notice` (通报: seed 001 §8; seed 004 §22–§24) — the distribution ticked on a card, the PDF made once and
sent through the outbox."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from liuhen.app.settings import policy_of
from liuhen.app.usecases import accountability, notices
from liuhen.app.usecases.accountability import Outcome
from liuhen.app.usecases.enrolment import Member
from liuhen.app.usecases.intake import Button
from liuhen.app.usecases.notices import Pressed
from liuhen.domain.notices import Refused
from liuhen.reports import notices as documents
from liuhen.texts import accountability as accountability_words
from liuhen.texts import notices as notice_words
from liuhen.texts import wecom as wecom_words
from liuhen.wecom import cards
from liuhen.wecom.parse import Callback

if TYPE_CHECKING:
    from liuhen.wecom.door import WeComDoor


def _show(
    door: WeComDoor, userid: str, title: str, text: str, options: list[tuple[str, str]], prefix: str
) -> None:
    if options:
        door.card(userid, cards.choices(title, text, options, prefix=prefix, kind=prefix.rstrip(":")))
    else:
        door.say(userid, text)


def _accountability_options(rows: Iterable[Iterable[Button]]) -> list[tuple[str, str]]:
    return [(accountability_words.button_label(b), b.token) for row in rows for b in row]


def _accountability(door: WeComDoor, userid: str, text: str, rows: Iterable[Iterable[Button]]) -> None:
    options = _accountability_options(rows)
    _show(door, userid, wecom_words.ACCOUNTABILITY_TITLE, text, options, cards.ACCOUNTABILITY)


async def accountability_command(door: WeComDoor, userid: str, member: Member) -> None:
    rt = door.rt
    seen = await accountability.overview(
        rt.db.uow(), staff=member.staff, now=rt.clock.now(), tz=rt.settings.tz, policy=policy_of(rt.settings)
    )
    if seen is None:
        door.say(userid, accountability_words.ONLY_DISCIPLINE)
        return
    rows = ((seen.start,),) if seen.start is not None else ()
    _accountability(door, userid, accountability_words.overview(seen, rt.settings.tz), rows)


async def accountability_pressed(door: WeComDoor, userid: str, member: Member, token: str, code: str) -> None:
    rt = door.rt
    result = await accountability.press(rt.db.uow(), staff=member.staff, token=token, now=rt.clock.now())
    if result.outcome is not Outcome.FORBIDDEN:
        door.close(userid, code, wecom_words.CLOSED_LABEL)
    _accountability(door, userid, accountability_words.result(result, rt.settings.tz), result.rows)


async def accountability_typed(door: WeComDoor, callback: Callback, member: Member) -> bool:
    """Who (after a ground), or the record number and note (after a measure); False when none is awaited."""
    result = await door.words(callback, member, accountability.typed)
    if result is None:
        return False
    if result.outcome is not Outcome.DUPLICATE:
        _accountability(
            door, callback.userid, accountability_words.result(result, door.rt.settings.tz), result.rows
        )
    return True


def _notice_card(door: WeComDoor, userid: str, card: notices.Card) -> None:
    options = [(notice_words.button_label(b), b.token) for row in card.rows for b in row]
    _show(door, userid, wecom_words.NOTICE_TITLE, notice_words.card(card), options, cards.NOTICE)


async def notice_command(door: WeComDoor, userid: str, member: Member, args: list[str]) -> None:
    rt = door.rt
    if not notices.may_issue(member.staff):
        door.say(userid, notice_words.ONLY_DISCIPLINE)
        return
    if not args:
        door.say(userid, notice_words.USAGE)
        return
    try:
        card = await notices.card(
            rt.db.uow(),
            staff=member.staff,
            subject=" ".join(args),
            ticked=(),
            now=rt.clock.now(),
            tz=rt.settings.tz,
        )
    except Refused as exc:
        door.say(userid, notice_words.PROBLEMS[exc.problem])
        return
    _notice_card(door, userid, card)


async def _notice_answer(door: WeComDoor, userid: str, result: Pressed) -> None:
    from liuhen.wecom import signing

    rt = door.rt
    if result.card is not None:
        _notice_card(door, userid, result.card)
    elif result.ask_other:
        door.say(userid, notice_words.ASK_OTHER)
    elif result.problem is not None:
        door.say(userid, notice_words.PROBLEMS[result.problem])
    elif result.issued is not None:
        issued = result.issued
        pdf, keys = await documents.publish(rt, issued)
        caption = notice_words.issued(issued, documents.reference(issued))
        name = documents.file_name(issued)

        async def send() -> None:
            media_id = await door.api.upload("file", name, pdf, "application/pdf")
            await door.api.send_text(userid, caption)
            await door.api.send_file(userid, media_id)

        door.send(userid, send)
        await signing.deliver(door, keys)  # the distribution on WeCom now; the others by their door


async def notice_pressed(door: WeComDoor, userid: str, member: Member, token: str, code: str) -> None:
    rt = door.rt
    result = await notices.press(
        rt.db.uow(), staff=member.staff, token=token, now=rt.clock.now(), tz=rt.settings.tz
    )
    if result.forbidden:
        door.say(userid, notice_words.FORBIDDEN)
        return
    if result.problem is None:
        door.close(userid, code, wecom_words.CLOSED_LABEL)
    await _notice_answer(door, userid, result)


async def notice_typed(door: WeComDoor, callback: Callback, member: Member) -> bool:
    """The other organ's name; False when none is awaited."""
    rt = door.rt
    result = await notices.other_named(
        rt.db.uow(),
        staff=member.staff,
        text=callback.get("Content"),
        update_id=callback.inbox_id,
        now=rt.clock.now(),
        tz=rt.settings.tz,
    )
    if result is None:
        return False
    await _notice_answer(door, callback.userid, result)
    return True
