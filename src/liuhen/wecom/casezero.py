"""Per-case zero reports on WeCom (逐案零报告, seed 004 §16): `/casezero [案号]`, the statement with its
buttons, the reviewer's confirmation or objection; the reviewer's card and the officer's news go through the
outbox (sent by the door that reaches each), the confirmed report as a PDF for the case file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from liuhen.app.usecases import casezero
from liuhen.app.usecases.casezero import Draft, Op
from liuhen.app.usecases.enrolment import Member
from liuhen.texts import monthly as texts
from liuhen.texts import wecom as wecom_words
from liuhen.wecom import cards
from liuhen.wecom.parse import Callback

if TYPE_CHECKING:
    from liuhen.wecom.door import WeComDoor

_LABELS = {Op.SUBMIT: texts.BUTTON_SUBMIT, Op.ACK: texts.BUTTON_ACK, Op.CANCEL: texts.BUTTON_CANCEL}


def _show(door: WeComDoor, userid: str, d: Draft) -> None:
    if d.kind == "duplicate":
        return
    text = {
        "invalid": texts.CASEZERO_INVALID,
        "not_filed": texts.CASEZERO_NOT_FILED,
        "cancelled": texts.CASEZERO_CANCELLED,
    }.get(d.kind) or texts.casezero_draft(d)
    if not d.buttons:
        door.say(userid, text)
        return
    pairs = [(_LABELS[op], cards.CASEZERO + token) for op, token in d.buttons]
    door.card(userid, cards.button_card(wecom_words.CASEZERO_TITLE, text, pairs, kind="z"))


def review_card(card: casezero.ReviewCard, text: str) -> cards.Json:
    """The reviewer's card: [确认] [有异议]."""
    pairs = [
        (texts.BUTTON_CONFIRM, cards.CASEZERO + card.confirm_token),
        (texts.BUTTON_DISPUTE, cards.CASEZERO + card.dispute_token),
    ]
    return cards.button_card(wecom_words.CASEZERO_TITLE, text, pairs, kind="z")


async def command(door: WeComDoor, userid: str, member: Member, args: list[str]) -> None:
    """/casezero [案号]"""
    rt = door.rt
    if not args:
        await casezero.begin(rt.db.uow(), staff=member.staff)
        door.say(userid, texts.CASEZERO_ASK)
        return
    draft = await casezero.case_given(
        rt.db.uow(), staff=member.staff, text=" ".join(args), now=rt.clock.now()
    )
    _show(door, userid, draft)


async def typed(door: WeComDoor, callback: Callback, member: Member) -> bool:
    """The case number after /casezero, or a reviewer's explanation of an objection; False when neither is
    awaited (the text is evidence then)."""
    from liuhen.wecom import signing

    rt, userid = door.rt, callback.userid
    what = await casezero.awaiting(rt.db.uow(read_only=True), staff=member.staff)
    if what == "case":
        draft = await door.words(callback, member, casezero.case_typed)
        if draft is None:
            return False
        _show(door, userid, draft)
        return True
    if what == "note":
        outcome = await door.words(callback, member, casezero.dispute_note)
        if outcome is None:
            return False
        if outcome.report is not None:
            door.say(userid, texts.casezero_noted(outcome.report.number))
            await signing.deliver(door, outcome.keys)
        return True
    return False


async def pressed(door: WeComDoor, userid: str, member: Member, token: str, code: str) -> None:
    from liuhen.wecom import casefile, signing

    rt = door.rt
    outcome = await casezero.press(
        rt.db.uow(), staff=member.staff, token=token, now=rt.clock.now(), tz=rt.settings.tz
    )
    if outcome.kind == "forbidden":
        door.say(userid, texts.BUTTON_FORBIDDEN)
        return
    if outcome.kind == "stale":
        door.say(userid, texts.CASEZERO_STALE)
        return
    door.close(userid, code, wecom_words.CLOSED_LABEL)
    if outcome.kind == "cancelled":
        door.say(userid, texts.CASEZERO_CANCELLED)
    elif outcome.kind in ("submitted", "no_reviewer"):
        door.say(userid, texts.casezero_submitted(outcome))
        await signing.deliver(door, outcome.keys)  # the reviewer's card, by the door they are on
    elif outcome.kind in ("confirmed", "disputed"):
        door.say(userid, texts.casezero_reviewed(outcome))
        await signing.deliver(door, outcome.keys)  # the officer told (the report, once confirmed)
        if outcome.kind == "confirmed":  # seed 004 §16: 确认后随案入卷 — the officer's task, at once
            await casefile.send_tasks(door, member.staff.court_id)
    else:  # done: submitted or reviewed before
        door.say(userid, texts.casezero_reviewed(outcome))
