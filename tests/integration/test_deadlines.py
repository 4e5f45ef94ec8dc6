"""The calendar warning for administrators: in December, when next year's official calendar is
unknown, once a month."""

from __future__ import annotations

from datetime import UTC, date, datetime

from liuhen.app.usecases import deadlines, enrolment
from liuhen.app.usecases.roster import import_roster
from liuhen.domain.clock import FixedClock
from liuhen.domain.roster import parse_roster
from liuhen.domain.workdays import WorkCalendar
from liuhen.storage.database import Database


async def test_admins_are_warned_once_a_month_when_next_year_is_unknown(
    db: Database, roster_csv: str
) -> None:
    court = await db.ensure_court("c", "法院", "court")
    assert court.id is not None
    clock = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
    await import_roster(db.uow(), court_id=court.id, roster=parse_roster(roster_csv), clock=clock, actor="t")
    inv = await enrolment.issue_invite(db.uow(), court_id=court.id, staff_id="a001", clock=clock, actor="t")
    await enrolment.redeem(
        db.uow(), code_text=inv.code, telegram_user_id=9, chat_id=9, update_id=1, clock=clock
    )
    cal = WorkCalendar()
    unknown = next(y for y in range(2026, 2100) if not cal.knows_year(y))  # 2027 with chinesecalendar 1.11
    december = date(unknown - 1, 12, 1)
    assert (
        await deadlines.calendar_warning(db.uow(), court_id=court.id, today=date(unknown - 1, 11, 23)) is None
    )
    warning = await deadlines.calendar_warning(db.uow(), court_id=court.id, today=december)
    assert warning is not None and warning.chat_ids == (9,) and warning.year == december.year + 1
    assert (
        await deadlines.calendar_warning(db.uow(), court_id=court.id, today=december.replace(day=15)) is None
    )
    # the administrator enters next year's holidays: the overrides are used from then on
    await deadlines.set_calendar_day(
        db.uow(), court_id=court.id, day=date(december.year + 1, 2, 8), workday=False, actor="t"
    )
    async with db.uow(read_only=True) as uow:
        assert not (await deadlines.calendar_for(uow, court.id)).is_workday(date(december.year + 1, 2, 8))
