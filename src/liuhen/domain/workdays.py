"""Chinese working days and deadline profiles (docs/domain.md "Deadlines"; docs/architecture.md "Time").

Working days follow the official calendar published each year by the State Council (holidays and the
adjusted workdays 调休, often a Saturday or Sunday), as shipped by the ``chinesecalendar`` package. Admins may
override single days; an override always wins. For a year the package does not know yet (it raises
``NotImplementedError``), the fallback is Monday to Friday plus the overrides, and ``needs_calendar_warning``
tells the bot to remind the admins — in December when next year is still unknown.

Periods are counted the way Chinese procedure counts them: the day the period starts is not counted (cf.
民事诉讼法 "期间开始的时和日，不计算在期间内"), and a period ends at the end of its last day in local time
(23:59:59.999 Asia/Shanghai). Deadlines are returned as aware UTC datetimes (stored UTC, shown local).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

import chinese_calendar

DEFAULT_TIMEZONE = "Asia/Shanghai"
END_OF_DAY = time(23, 59, 59, 999_000)
# No real calendar has this many non-working days in a row; reaching it means the overrides are broken.
_MAX_CONSECUTIVE_OFF_DAYS = 366


class WorkCalendar:
    """Is a day a working day? Admin overrides, else the official calendar, else Monday–Friday.

    ``overrides`` maps a date to True (working day, e.g. an adjusted workday not yet in the package) or
    False (holiday, e.g. a local holiday or next year's Spring Festival before the package knows it).
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides: dict[date, bool] = dict(overrides or {})
        self._known: dict[int, bool] = {}

    @property
    def overrides(self) -> Mapping[date, bool]:
        return dict(self._overrides)

    def with_overrides(self, overrides: Mapping[date, bool]) -> WorkCalendar:
        """A new calendar with these overrides added to (and winning over) the current ones."""
        return WorkCalendar({**self._overrides, **overrides})

    def knows_year(self, year: int) -> bool:
        """Whether the installed ``chinesecalendar`` has the official holidays of ``year``.

        Detected by asking the package (never hard-coded), and remembered per year.
        """
        if year not in self._known:
            try:
                chinese_calendar.is_workday(date(year, 1, 1))
                chinese_calendar.is_workday(date(year, 12, 31))
            except NotImplementedError:
                self._known[year] = False
            else:
                self._known[year] = True
        return self._known[year]

    def is_workday(self, day: date) -> bool:
        if isinstance(day, datetime):
            # A datetime's date depends on its zone: convert to local time and pass .date() explicitly.
            raise TypeError("is_workday takes a date, not a datetime")
        override = self._overrides.get(day)
        if override is not None:
            return override
        if self.knows_year(day.year):
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def needs_calendar_warning(self, today: date) -> bool:
        """True when admins should be told that the official calendar is missing: for the current year
        at any time, and for next year from December on (time to update the package or enter overrides)."""
        if not self.knows_year(today.year):
            return True
        return today.month == 12 and not self.knows_year(today.year + 1)


def _local_date(moment: datetime, tz: tzinfo) -> date:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("deadlines need an aware datetime (store UTC)")
    return moment.astimezone(tz).date()


def end_of_local_day(day: date, tz: tzinfo) -> datetime:
    """23:59:59.999 of ``day`` in ``tz``, as aware UTC."""
    return datetime.combine(day, END_OF_DAY, tzinfo=tz).astimezone(UTC)


def nth_workday_after(day: date, n: int, cal: WorkCalendar) -> date:
    """The n-th working day after ``day`` (``day`` itself not counted); ``day`` itself for n = 0."""
    if n < 0:
        raise ValueError("n must not be negative")
    current, counted, off_run = day, 0, 0
    while counted < n:
        current += timedelta(days=1)
        if cal.is_workday(current):
            counted += 1
            off_run = 0
        else:
            off_run += 1
            if off_run > _MAX_CONSECUTIVE_OFF_DAYS:
                raise ValueError(f"no working day for {off_run} days after {current - timedelta(off_run)}")
    return current


def add_workdays(start: datetime, n: int, cal: WorkCalendar, tz: tzinfo) -> datetime:
    """Deadline of "within n working days" from ``start``: the end (local) of the n-th working day after
    the local day of ``start``. n = 0 gives the end of that same local day. Returns aware UTC."""
    return end_of_local_day(nth_workday_after(_local_date(start, tz), n, cal), tz)


def same_workday(start: datetime, cal: WorkCalendar, tz: tzinfo) -> datetime:
    """The end of the working day ``start`` falls on, or of the next working day when it falls on a day off
    (一事一报 "立即报告": the same working day)."""
    day = _local_date(start, tz)
    return end_of_local_day(day if cal.is_workday(day) else nth_workday_after(day, 1, cal), tz)


def add_days(start: datetime, n: int, tz: tzinfo) -> datetime:
    """Deadline of "within n days" (calendar days, seed 002 §6, §7): the end (local) of the n-th day after
    the local day of ``start``; holidays are not skipped. Returns aware UTC."""
    if n < 0:
        raise ValueError("n must not be negative")
    return end_of_local_day(_local_date(start, tz) + timedelta(days=n), tz)


# ---------------------------------------------------------------------------------------------------------
# Deadline profiles: configuration, with the court and the procuratorate rules as presets.

Unit = Literal["days", "workdays"]


@dataclass(frozen=True)
class DeadlineProfile:
    """The deadlines of one organisation (docs/domain.md "Deadlines").

    - ``record_within`` / ``record_unit``: record an intervention within this many days or working days of
      receiving it; later needs a reason (补记理由, seed 004 §7).
    - ``copy_within_days``: copy the form to discipline inspection and trial management within this many
      calendar days of receiving the intervention (seed 002 §6); None where the profile has no such step.
    - ``signoff_workdays``: each sign-off level acts within this many working days of receiving the record
      (seed 004 §13).
    - ``defer_override_workdays``: when the discipline office investigates despite the recorder's defer
      suggestion, it tells the recorder within this many working days (seed 004 §18).
    - ``quarterly_days_after_quarter``: the quarterly summary is due this many calendar days after the
      quarter ends (seed 002 §7).
    """

    name: str
    record_within: int
    record_unit: Unit
    copy_within_days: int | None
    signoff_workdays: int
    defer_override_workdays: int
    quarterly_days_after_quarter: int

    def __post_init__(self) -> None:
        if self.record_unit not in ("days", "workdays"):
            raise ValueError(f"record_unit must be 'days' or 'workdays', not {self.record_unit!r}")
        numbers = {
            "record_within": self.record_within,
            "copy_within_days": self.copy_within_days,
            "signoff_workdays": self.signoff_workdays,
            "defer_override_workdays": self.defer_override_workdays,
            "quarterly_days_after_quarter": self.quarterly_days_after_quarter,
        }
        for field_name, value in numbers.items():
            if value is not None and value < 0:
                raise ValueError(f"{field_name} must not be negative")


COURT = DeadlineProfile(
    name="court",
    record_within=2,  # seed 002 §6: 收到过问材料二日内填写 … 录入
    record_unit="days",
    copy_within_days=3,  # seed 002 §6: 三日内将 … 复印件报送至纪检监察部门和审判管理部门
    signoff_workdays=3,  # seed 004 §13 (a procuratorate rule; the court seeds set no sign-off period)
    defer_override_workdays=3,  # seed 004 §18 (likewise borrowed)
    quarterly_days_after_quarter=5,  # seed 002 §7: 于每季度结束后五日内报 …
)

PROCURATORATE = DeadlineProfile(
    name="procuratorate",
    record_within=3,  # seed 004 §7: 应当在三个工作日内记录
    record_unit="workdays",
    copy_within_days=None,  # seed 004 has no copy step: the department head reports to discipline (§13)
    signoff_workdays=3,  # seed 004 §13: each receiver within 三个工作日
    defer_override_workdays=3,  # seed 004 §18: 并于三个工作日内告知检察人员
    quarterly_days_after_quarter=5,  # seed 004 §17(1), §34 say 按季度 without a day count; the court's 5
)

# Keyed like model.DeadlineProfile (the court's ``deadline_profile`` setting).
PROFILES: Mapping[str, DeadlineProfile] = {COURT.name: COURT, PROCURATORATE.name: PROCURATORATE}


def profile_named(name: str) -> DeadlineProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown deadline profile {name!r}; known: {', '.join(PROFILES)}") from None


def record_deadline(
    happened_at: datetime, profile: DeadlineProfile, cal: WorkCalendar, tz: tzinfo
) -> datetime:
    """When the record is due (seed 002 §6 for the court, seed 004 §7 for the procuratorate)."""
    if profile.record_unit == "workdays":
        return add_workdays(happened_at, profile.record_within, cal, tz)
    return add_days(happened_at, profile.record_within, tz)


def is_late(
    happened_at: datetime, recorded_at: datetime, profile: DeadlineProfile, cal: WorkCalendar, tz: tzinfo
) -> bool:
    """Recorded after the deadline: a late entry needing a reason (补记, seed 004 §7)."""
    return recorded_at > record_deadline(happened_at, profile, cal, tz)


def copy_deadline(happened_at: datetime, profile: DeadlineProfile, tz: tzinfo) -> datetime | None:
    """When the copy to discipline inspection and trial management is due (seed 002 §6), or None."""
    if profile.copy_within_days is None:
        return None
    return add_days(happened_at, profile.copy_within_days, tz)


def signoff_deadline(
    received_at: datetime, profile: DeadlineProfile, cal: WorkCalendar, tz: tzinfo
) -> datetime:
    """When one sign-off level must have acted on a record it received (seed 004 §13)."""
    return add_workdays(received_at, profile.signoff_workdays, cal, tz)


def defer_answer_deadline(
    received_at: datetime, profile: DeadlineProfile, cal: WorkCalendar, tz: tzinfo
) -> datetime:
    """When the discipline office must tell the recorder it investigates despite a defer suggestion
    (seed 004 §18), counted from its receipt of the record."""
    return add_workdays(received_at, profile.defer_override_workdays, cal, tz)


def quarter_end(year: int, quarter: int) -> date:
    """The last day of a quarter (1–4)."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1, 2, 3 or 4")
    if quarter == 4:
        return date(year, 12, 31)
    return date(year, 3 * quarter + 1, 1) - timedelta(days=1)


def quarter_summary_deadline(year: int, quarter: int, profile: DeadlineProfile, tz: tzinfo) -> datetime:
    """When the quarterly summary is due: calendar days after the quarter ends (seed 002 §7: 五日内)."""
    return end_of_local_day(
        quarter_end(year, quarter) + timedelta(days=profile.quarterly_days_after_quarter), tz
    )
