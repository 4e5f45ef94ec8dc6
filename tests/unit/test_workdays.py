"""Working days and deadlines (docs/domain.md "Deadlines"; docs/architecture.md "Time").

The expected dates below are what the official calendar says, as shipped by ``chinesecalendar`` (checked
with ``chinese_calendar.is_workday`` / ``get_holiday_detail`` when these tests were written):

- Spring Festival 2026: holidays Sun 15 Feb – Mon 23 Feb (nine days); adjusted workdays (调休上班) are
  Sat 14 Feb and Sat 28 Feb.
- New Year 2026: holidays Thu 1 – Sat 3 Jan; Sun 4 Jan is an adjusted workday.
- National Day and Mid-autumn 2026: holidays Thu 1 – Wed 7 Oct; Sun 20 Sep and Sat 10 Oct are adjusted
  workdays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liuhen.domain.workdays import (
    COURT,
    PROCURATORATE,
    PROFILES,
    DeadlineProfile,
    WorkCalendar,
    add_days,
    add_workdays,
    copy_deadline,
    defer_answer_deadline,
    is_late,
    nth_workday_after,
    profile_named,
    quarter_end,
    quarter_summary_deadline,
    record_deadline,
    signoff_deadline,
)

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def end_of(y: int, m: int, d: int) -> datetime:
    """23:59:59.999 local on that day, as UTC."""
    return datetime(y, m, d, 23, 59, 59, 999_000, tzinfo=SH).astimezone(UTC)


class WeekendOnly(WorkCalendar):
    """The fallback calendar for every year: Monday–Friday plus overrides."""

    def knows_year(self, year: int) -> bool:
        return False


class KnowsOnly(WorkCalendar):
    """A calendar package that knows exactly the given years."""

    def __init__(self, years: set[int]) -> None:
        super().__init__()
        self.years = years

    def knows_year(self, year: int) -> bool:
        return year in self.years


# ---------------------------------------------------------------------------------------------------------
# The official calendar


def test_the_installed_calendar_knows_2026() -> None:
    assert CAL.knows_year(2026)


def test_spring_festival_2026_official_days() -> None:
    """15–23 Feb 2026 are holidays although 16–20 and 23 Feb are weekdays; Sat 14 and Sat 28 Feb are
    adjusted workdays."""
    holidays = [date(2026, 2, 15) + timedelta(days=i) for i in range(9)]
    assert not any(CAL.is_workday(d) for d in holidays)
    assert CAL.is_workday(date(2026, 2, 14))  # Saturday, 调休上班
    assert CAL.is_workday(date(2026, 2, 28))  # Saturday, 调休上班
    assert CAL.is_workday(date(2026, 2, 24))
    assert not CAL.is_workday(date(2026, 3, 1))  # an ordinary Sunday


def test_procuratorate_record_deadline_across_spring_festival_2026() -> None:
    """seed 004 §7: record within 3 working days. Intervention on Fri 13 Feb 2026: Sat 14 Feb (adjusted
    workday) is day 1, 15–23 Feb are holidays, Tue 24 is day 2, Wed 25 is day 3."""
    happened = local(2026, 2, 13, 16, 0)
    deadline = record_deadline(happened, PROCURATORATE, CAL, SH)
    assert deadline == end_of(2026, 2, 25)
    assert deadline == datetime(2026, 2, 25, 15, 59, 59, 999_000, tzinfo=UTC)
    assert deadline.tzinfo == UTC
    # Counting Monday–Friday only would have said Wed 18 Feb, in the middle of the holiday.
    assert record_deadline(happened, PROCURATORATE, WeekendOnly(), SH) == end_of(2026, 2, 18)


def test_adjusted_saturday_workday_counts() -> None:
    """Sat 28 Feb 2026 is an adjusted workday: one working day after Fri 27 Feb is that Saturday; and Sun
    4 Jan 2026 is one: one working day after the New Year holiday's Sat 3 Jan is that Sunday."""
    assert add_workdays(local(2026, 2, 27, 9), 1, CAL, SH) == end_of(2026, 2, 28)
    assert add_workdays(local(2026, 1, 3, 9), 1, CAL, SH) == end_of(2026, 1, 4)
    assert nth_workday_after(date(2026, 2, 27), 2, CAL) == date(2026, 3, 2)


def test_signoff_deadline_across_national_day_2026() -> None:
    """seed 004 §13: each level within 3 working days. Received Wed 30 Sep 2026: 1–7 Oct are holidays,
    Thu 8 and Fri 9 Oct are days 1 and 2, Sat 10 Oct (adjusted workday) is day 3."""
    received = local(2026, 9, 30, 10)
    assert signoff_deadline(received, PROCURATORATE, CAL, SH) == end_of(2026, 10, 10)
    assert signoff_deadline(received, COURT, CAL, SH) == end_of(2026, 10, 10)
    assert defer_answer_deadline(received, PROCURATORATE, CAL, SH) == end_of(2026, 10, 10)


def test_counting_starts_the_day_after_in_the_local_zone() -> None:
    """17:30 UTC on Fri 13 Feb is 01:30 on Sat 14 Feb in Shanghai: counting starts on Sun 15 Feb."""
    start = datetime(2026, 2, 13, 17, 30, tzinfo=UTC)
    assert add_workdays(start, 1, CAL, SH) == end_of(2026, 2, 24)
    assert add_days(start, 1, SH) == end_of(2026, 2, 15)
    assert add_workdays(start, 0, CAL, SH) == end_of(2026, 2, 14)


# ---------------------------------------------------------------------------------------------------------
# Court profile: plain days (seed 002)


def test_court_record_deadline_counts_plain_days_seed_002_article_6() -> None:
    """seed 002 §6: 收到过问材料二日内 — two calendar days, holidays included; the copy within three."""
    received = local(2026, 2, 14, 10)
    assert record_deadline(received, COURT, CAL, SH) == end_of(2026, 2, 16)
    assert copy_deadline(received, COURT, SH) == end_of(2026, 2, 17)
    assert not is_late(received, local(2026, 2, 16, 23, 59), COURT, CAL, SH)
    assert is_late(received, local(2026, 2, 17, 0, 0), COURT, CAL, SH)
    assert copy_deadline(received, PROCURATORATE, SH) is None


def test_procuratorate_late_entry_seed_004_article_7() -> None:
    happened = local(2026, 2, 13, 16)
    assert not is_late(happened, end_of(2026, 2, 25), PROCURATORATE, CAL, SH)
    assert is_late(happened, end_of(2026, 2, 25) + timedelta(milliseconds=1), PROCURATORATE, CAL, SH)


def test_quarterly_summary_deadline_seed_002_article_7() -> None:
    """seed 002 §7: 于每季度结束后五日内 — five calendar days after the quarter's last day."""
    assert quarter_summary_deadline(2026, 1, COURT, SH) == end_of(2026, 4, 5)
    assert quarter_summary_deadline(2026, 2, COURT, SH) == end_of(2026, 7, 5)
    assert quarter_summary_deadline(2026, 3, COURT, SH) == end_of(2026, 10, 5)
    assert quarter_summary_deadline(2026, 4, COURT, SH) == end_of(2027, 1, 5)
    assert [quarter_end(2024, q) for q in (1, 2, 3, 4)] == [
        date(2024, 3, 31),
        date(2024, 6, 30),
        date(2024, 9, 30),
        date(2024, 12, 31),
    ]
    with pytest.raises(ValueError):
        quarter_end(2026, 5)


def test_profiles_are_configuration() -> None:
    assert PROFILES == {"court": COURT, "procuratorate": PROCURATORATE}
    assert profile_named("court") is COURT
    assert (COURT.record_within, COURT.record_unit, COURT.copy_within_days) == (2, "days", 3)
    assert (PROCURATORATE.record_within, PROCURATORATE.record_unit) == (3, "workdays")
    assert PROCURATORATE.signoff_workdays == PROCURATORATE.defer_override_workdays == 3
    with pytest.raises(ValueError):
        profile_named("tribunal")
    custom = DeadlineProfile("strict", 1, "workdays", None, 2, 2, 3)
    assert record_deadline(local(2026, 2, 13, 9), custom, CAL, SH) == end_of(2026, 2, 14)
    with pytest.raises(ValueError):
        DeadlineProfile("bad", 1, "weeks", None, 2, 2, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        DeadlineProfile("bad", -1, "days", None, 2, 2, 3)


# ---------------------------------------------------------------------------------------------------------
# Unknown years and overrides


def test_unknown_year_falls_back_to_weekends_and_overrides() -> None:
    """2099 is not in any chinesecalendar release: Monday–Friday are workdays, unless overridden."""
    cal = WorkCalendar({date(2099, 1, 1): False, date(2099, 1, 3): True})
    assert not cal.knows_year(2099)
    assert not cal.is_workday(date(2099, 1, 1))  # a Thursday, overridden: New Year's Day
    assert cal.is_workday(date(2099, 1, 2))  # Friday
    assert cal.is_workday(date(2099, 1, 3))  # Saturday, overridden: adjusted workday
    assert not cal.is_workday(date(2099, 1, 4))  # Sunday
    assert cal.is_workday(date(2099, 1, 5))  # Monday
    # Wed 31 Dec 2098 + 3 working days: Fri 2, Sat 3 (override), Mon 5 Jan.
    assert add_workdays(local(2098, 12, 31, 12), 3, cal, SH) == end_of(2099, 1, 5)


def test_overrides_win_over_the_official_calendar() -> None:
    """An admin marks Mon 16 Feb 2026 (official holiday) a workday and Tue 24 Feb (official workday) a
    local holiday; each override wins over the official calendar and moves the deadline accordingly."""
    cal = WorkCalendar({date(2026, 2, 16): True, date(2026, 2, 24): False})
    assert cal.is_workday(date(2026, 2, 16))
    assert not cal.is_workday(date(2026, 2, 24))
    # Sat 14 (day 1), Mon 16 (day 2, override), Tue 24 off (override), Wed 25 (day 3).
    assert record_deadline(local(2026, 2, 13, 16), PROCURATORATE, cal, SH) == end_of(2026, 2, 25)
    only_16 = WorkCalendar({date(2026, 2, 16): True})  # Sat 14, Mon 16, Tue 24
    assert record_deadline(local(2026, 2, 13, 16), PROCURATORATE, only_16, SH) == end_of(2026, 2, 24)
    cal2 = CAL.with_overrides({date(2026, 2, 24): False})
    assert record_deadline(local(2026, 2, 13, 16), PROCURATORATE, cal2, SH) == end_of(2026, 2, 26)
    assert CAL.overrides == {}


def test_december_warning_when_next_year_is_unknown() -> None:
    cal = KnowsOnly({2026})
    assert not cal.needs_calendar_warning(date(2026, 11, 30))
    assert cal.needs_calendar_warning(date(2026, 12, 1))
    assert cal.needs_calendar_warning(date(2027, 3, 1))  # the current year itself is unknown
    assert not KnowsOnly({2026, 2027}).needs_calendar_warning(date(2026, 12, 15))
    assert CAL.needs_calendar_warning(date(2099, 6, 1))


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        add_workdays(datetime(2026, 2, 13, 9), 1, CAL, SH)  # naive
    with pytest.raises(ValueError):
        add_workdays(local(2026, 2, 13, 9), -1, CAL, SH)
    with pytest.raises(ValueError):
        add_days(local(2026, 2, 13, 9), -1, SH)
    with pytest.raises(TypeError):
        CAL.is_workday(datetime(2026, 2, 13, 9, tzinfo=SH))


def test_overrides_that_close_every_day_are_detected() -> None:
    closed = {date(2099, 1, 1) + timedelta(days=i): False for i in range(400)}
    with pytest.raises(ValueError, match="no working day"):
        add_workdays(local(2098, 12, 31, 9), 1, WorkCalendar(closed), SH)


# ---------------------------------------------------------------------------------------------------------
# Properties

starts = st.datetimes(min_value=datetime(2004, 1, 1), max_value=datetime(2098, 12, 1), timezones=st.just(UTC))
known_starts = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2026, 10, 1), timezones=st.just(UTC)
)
WEEKENDS = WeekendOnly()


@given(starts, st.integers(1, 40))
def test_deadline_is_after_start_on_a_workday(start: datetime, n: int) -> None:
    deadline = add_workdays(start, n, CAL, SH)
    assert deadline > start
    assert deadline.tzinfo == UTC
    day = deadline.astimezone(SH).date()
    assert CAL.is_workday(day)
    first = start.astimezone(SH).date() + timedelta(days=1)
    between = [first + timedelta(days=i) for i in range((day - first).days + 1)]
    assert sum(CAL.is_workday(d) for d in between) == n


@given(starts, st.integers(0, 30), st.integers(0, 30))
def test_adding_n_then_m_workdays_equals_adding_n_plus_m_in_the_weekend_fallback(
    start: datetime, n: int, m: int
) -> None:
    once = add_workdays(start, n + m, WEEKENDS, SH)
    twice = add_workdays(add_workdays(start, n, WEEKENDS, SH), m, WEEKENDS, SH)
    assert once == twice


@given(st.data())
def test_weekend_fallback_five_workdays_is_one_week(data: st.DataObject) -> None:
    start = data.draw(starts.filter(lambda s: s.astimezone(SH).weekday() < 5))
    assert add_workdays(start, 5, WEEKENDS, SH) == add_days(start, 7, SH)


@given(known_starts, st.integers(0, 20), st.integers(0, 20))
def test_adding_n_then_m_workdays_equals_n_plus_m_on_the_official_calendar(
    start: datetime, n: int, m: int
) -> None:
    once = add_workdays(start, n + m, CAL, SH)
    assert add_workdays(add_workdays(start, n, CAL, SH), m, CAL, SH) == once
