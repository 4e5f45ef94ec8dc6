"""Deadlines in working days, reminders for unfinished drafts, the calendar overrides.

Drafts get at most two reminders — half-way to the record deadline and the day before it (seed 002 §6,
seed 004 §7), moved out of the night to 08:00 — never after submission. What was sent is kept in the
database (`notices`), so reminders survive restarts and are never repeated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from liuhen.app.ports import UnitOfWork
from liuhen.app.usecases.courts import each_court
from liuhen.domain import questionnaire as q
from liuhen.domain.model import Role
from liuhen.domain.records import RecordStatus
from liuhen.domain.workdays import WorkCalendar, profile_named, record_deadline


async def calendar_for(uow: UnitOfWork, court_id: int) -> WorkCalendar:
    """The official calendar with this court's administrator overrides."""
    return WorkCalendar(await uow.calendar.overrides(court_id))


async def set_calendar_day(uow: UnitOfWork, *, court_id: int, day: date, workday: bool, actor: str) -> None:
    async with uow:
        await uow.calendar.set(court_id, day, workday, actor)
        await uow.ledger.append(
            actor=actor,
            action="calendar.set",
            object_type="court",
            object_id=str(court_id),
            payload={"day": day.isoformat(), "workday": workday},
        )
        await uow.commit()


RESEND_AFTER = timedelta(minutes=2)
DAY_STARTS, DAY_ENDS = 8, 21  # reminders are not sent at night (local time)


def _daytime(moment: datetime, tz: tzinfo) -> datetime:
    """The moment itself if it is daytime locally, else 08:00 of the next morning."""
    local = moment.astimezone(tz)
    if DAY_STARTS <= local.hour < DAY_ENDS:
        return moment
    morning = local.replace(hour=DAY_STARTS, minute=0, second=0, microsecond=0)
    if local.hour >= DAY_ENDS:
        morning += timedelta(days=1)
    return morning.astimezone(moment.tzinfo)


@dataclass(frozen=True)
class Reminder:
    key: str
    chat_id: int
    record_number: str
    missing: tuple[str, ...]  # the keys of the questions still unanswered (domain/questionnaire.py)
    deadline: datetime
    final: bool  # the day-before reminder


async def due_reminders(
    uow: UnitOfWork, *, court_id: int, now: datetime, tz: tzinfo, deadline_profile: str, wecom: bool = False
) -> list[Reminder]:
    """Claim the reminders due now in one court (each at most once, ever) of the recorders one chat door
    reaches (``wecom``: WeCom's) and return them to send; ``due_everywhere`` releases what was claimed and
    never sent."""
    profile = profile_named(deadline_profile)
    due: list[Reminder] = []
    async with uow:
        cal = await calendar_for(uow, court_id)
        for record in await uow.records.list(court_id=court_id, status=RecordStatus.DRAFT.value):
            if record.evidence_count == 0 or record.id is None:
                continue
            missing = q.missing(record.answers)
            if not missing:
                continue
            start = record.given.intervention_time or record.created_at
            deadline = record_deadline(start, profile, cal, tz)
            if now >= deadline:
                continue
            last = _daytime(deadline - timedelta(days=1), tz)
            half = _daytime(record.created_at + (deadline - record.created_at) / 2, tz)
            if half >= last:
                half = deadline  # no room for two: only the day-before reminder
            which = "last" if now >= last else ("half" if now >= half else None)
            if which is None:
                continue
            recorder = await uow.staff.get(record.recorder_id)
            chat = recorder.chat_id if recorder is not None else None
            if chat is None or (chat < 0) != wecom:
                continue  # nobody to tell, or the other door's recorder: that door tells them
            key = f"draft:{record.id}:{which}"
            if which == "last":
                await uow.notices.claim(f"draft:{record.id}:half", None)  # never a half-way one after it
            if await uow.notices.claim(key, chat):
                due.append(
                    Reminder(
                        key,
                        chat,
                        record.number,
                        tuple(f.key for f in missing),
                        deadline,
                        which == "last",
                    )
                )
        await uow.commit()
    return due


async def due_everywhere(
    uow_of: Callable[[], UnitOfWork],
    *,
    now: datetime,
    tz: tzinfo,
    deadline_profile: str,
    wecom: bool = False,
) -> list[Reminder]:
    """The reminders due now in every court of the deployment, for one chat door (what its reminders job
    sends every few minutes): each court's in a transaction of its own, after those claimed and never sent
    were released for all courts at once."""

    async def of_court(uow: UnitOfWork, court_id: int) -> list[Reminder]:
        return await due_reminders(
            uow, court_id=court_id, now=now, tz=tz, deadline_profile=deadline_profile, wecom=wecom
        )

    return await each_court(uow_of, of_court, prefix="draft:", claimed_before=now - RESEND_AFTER)


async def notice_sent(uow: UnitOfWork, key: str) -> None:
    async with uow:
        await uow.notices.mark_sent(key)
        await uow.commit()


@dataclass(frozen=True)
class CalendarWarning:
    key: str
    chat_ids: tuple[int, ...]
    year: int


async def calendar_warning(uow: UnitOfWork, *, court_id: int, today: date) -> CalendarWarning | None:
    """In December (or whenever the current year is unknown), tell administrators once a month that the
    official calendar of next year is missing and must be entered (`liuhen calendar set`)."""
    async with uow:
        cal = await calendar_for(uow, court_id)
        if not cal.needs_calendar_warning(today):
            return None
        year = today.year if not cal.knows_year(today.year) else today.year + 1
        key = f"calendar:{court_id}:{year}:{today:%Y-%m}"
        admins = tuple(
            s.telegram_chat_id
            for s in await uow.staff.list(court_id)
            if s.role == Role.ADMIN.value and s.enrolled and s.telegram_chat_id is not None
        )
        if not admins or not await uow.notices.claim(key, None):
            return None
        await uow.commit()
        return CalendarWarning(key, admins, year)
