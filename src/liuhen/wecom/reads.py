"""What one reads on WeCom, as in the chat: `/whoami`, `/form NUMBER` (the registration form), `/case 案号`
(seed 003 §18: the interference recorded for a case, before it goes to the committee), `/quarterly [2026Q4]`
(the quarterly summary) and the discipline office's quarterly reminder (seed 002 §7) — every read authorised
and in the ledger by the same use cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from liuhen.app.settings import policy_of
from liuhen.app.usecases import caseview, courts, monthly, registers
from liuhen.app.usecases import quarterly as quarterly_service
from liuhen.app.usecases.enrolment import Member
from liuhen.domain.monthly import Month
from liuhen.domain.periods import BadPeriod, Quarter, last_completed
from liuhen.reports import quarterly, registration
from liuhen.reports.common import AccessDenied
from liuhen.texts import caseview as case_words
from liuhen.texts import common as texts
from liuhen.texts import labels
from liuhen.texts import monthly as monthly_words
from liuhen.texts import registers as register_words
from liuhen.texts.access import denied
from liuhen.texts.profile import voice
from liuhen.wecom.api import WeComError

if TYPE_CHECKING:
    from liuhen.wecom.door import WeComDoor

log = structlog.get_logger(__name__)


def whoami(door: WeComDoor, userid: str, member: Member) -> None:
    v = voice(door.rt.settings.deadline_profile)
    door.say(userid, texts.whoami(member.staff, member.department, member.court, v))


def _file(door: WeComDoor, userid: str, name: str, data: bytes, content_type: str, caption: str) -> None:
    async def send() -> None:
        media_id = await door.api.upload("file", name, data, content_type)
        await door.api.send_text(userid, caption)
        await door.api.send_file(userid, media_id)

    door.send(userid, send)


async def form(door: WeComDoor, userid: str, member: Member, args: list[str]) -> None:
    if not args:
        door.say(userid, texts.FORM_USAGE)
        return
    rt = door.rt
    door.say(userid, texts.FORM_WORKING)
    try:
        number, data = await registration.registration_pdf(
            rt.db,
            rt.store,
            reader=member.staff,
            ref=args[0],
            now=rt.clock.now(),
            tz=rt.settings.tz,
            court_name=rt.court_name,
            special_profile=rt.settings.special_items_profile,
        )
    except AccessDenied as exc:
        door.say(userid, denied(exc))
        return
    _file(door, userid, f"registration-{number}.pdf", data, "application/pdf", texts.form_caption(number))


async def case(door: WeComDoor, userid: str, member: Member, args: list[str]) -> None:
    rt = door.rt
    try:
        view = await caseview.view_case(
            rt.db.uow(),
            reader=member.staff,
            text=" ".join(args),
            today=rt.clock.now().astimezone(rt.settings.tz).date(),
        )
    except caseview.NotACase as exc:
        door.say(userid, case_words.usage(exc))
        return
    for text in case_words.view(view, rt.settings.tz, voice(rt.settings.deadline_profile)):
        door.say(userid, text)


async def quarterly_summary(door: WeComDoor, userid: str, member: Member, args: list[str]) -> None:
    rt = door.rt
    now = rt.clock.now()
    try:
        quarter = Quarter.parse(args[0]) if args else last_completed(now.astimezone(rt.settings.tz).date())
    except BadPeriod as exc:
        door.say(userid, f"⚠️ {labels.bad_period(exc)}")
        return
    door.say(userid, texts.QUARTERLY_WORKING)
    try:
        documents = await quarterly.quarterly_documents(
            rt.db,
            reader=member.staff,
            quarter=quarter,
            now=now,
            tz=rt.settings.tz,
            court_name=rt.court_name,
            special_profile=rt.settings.special_items_profile,
            voice=voice(rt.settings.deadline_profile),
        )
    except AccessDenied as exc:
        door.say(userid, denied(exc))
        return
    due = f"{quarter.summary_due:%Y年%m月%d日}"
    types = {
        "pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    for fmt, data in documents.items():
        caption = texts.quarterly_caption(labels.quarter(quarter), due, fmt)
        content_type = types.get(fmt, "application/octet-stream")
        _file(door, userid, f"quarterly-{quarter.key}.{fmt}", data, content_type, caption)


async def quarterly_reminders(door: WeComDoor) -> int:
    """The discipline office on WeCom is told to send the quarterly summary (seed 002 §7); how many were."""
    rt = door.rt
    sent = 0
    for court_id in await courts.court_ids(rt.db.uow(read_only=True)):
        due = await quarterly_service.due_quarterly_reminders(
            rt.db.uow(), court_id=court_id, now=rt.clock.now(), tz=rt.settings.tz, wecom=True
        )
        for reminder in due:
            async with rt.db.uow(read_only=True) as uow:
                person = await uow.staff.get(-reminder.chat_id)
            if person is None or person.wecom_userid is None:
                continue
            text = texts.quarterly_reminder(
                labels.quarter(reminder.quarter), f"{reminder.due:%Y年%m月%d日}", reminder.quarter.key
            )
            try:
                await door.api.send_text(person.wecom_userid, text)
            except (WeComError, OSError) as exc:
                log.warning("quarterly_reminder_failed", key=reminder.key, error=str(exc))
                continue  # released and decided again after a while
            async with rt.db.uow() as uow:
                await uow.notices.mark_sent(reminder.key)
                await uow.commit()
            sent += 1
    return sent


async def monthly_view(door: WeComDoor, userid: str, member: Member, args: list[str]) -> None:
    """/monthly [YYYY-MM] (seed 003 §13, §20): department heads their department; the discipline office,
    the leaders and the administrators the whole court."""
    rt = door.rt
    now, tz = rt.clock.now(), rt.settings.tz
    if args:
        try:
            month = Month.parse(" ".join(args))
        except ValueError:
            door.say(userid, monthly_words.MONTHLY_USAGE)
            return
    else:
        month = await monthly.latest_month(rt.db.uow(read_only=True), court_id=rt.court_id, now=now, tz=tz)
    try:
        status = await monthly.view(
            rt.db.uow(),
            staff=member.staff,
            month=month,
            now=now,
            tz=tz,
            policy=policy_of(rt.settings),
            court_name=rt.court_name,
        )
    except AccessDenied:
        door.say(userid, monthly_words.monthly_denied(voice(rt.settings.deadline_profile)))
        return
    for part in monthly_words.compliance(status, tz):
        door.say(userid, part)


async def registers_view(door: WeComDoor, userid: str, member: Member) -> None:
    """/registers (seed 003 items 15, 16, 22): for the discipline office and the chief; each view a logged
    read."""
    me = member.staff
    if not registers.may_read(me):
        door.say(userid, register_words.ONLY_OFFICE)
        return
    data = await registers.read_registers(
        door.rt.db.uow(), court_id=me.court_id, actor=f"staff:{me.staff_id}"
    )
    for chunk in register_words.listing(data):
        door.say(userid, chunk)
