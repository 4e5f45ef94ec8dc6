"""Reporting periods: quarters for the quarterly summary (seed 002 §7, seed 004 §34, seed 003 §13).

A quarter is a calendar quarter in the court's local time (Asia/Shanghai by default); its bounds are
turned into UTC instants for the queries, because everything is stored in UTC (docs/architecture.md "Time").
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from liuhen.domain.grammar import (
    HALF_NUMERALS,
    HALF_SHORT,
    HALF_WORDS,
    QUARTER_NUMERALS,
    QUARTER_SHORT,
    QUARTER_WORDS,
)

#: The summary goes out "within five days after the quarter ends" (seed 002 §7 每季度结束后五日内).
SUMMARY_DAYS_AFTER_QUARTER = 5

_QUARTER_RE = re.compile(QUARTER_SHORT)
_QUARTER_WORDS_RE = re.compile(QUARTER_WORDS)
_HALF_RE = re.compile(HALF_SHORT)
_HALF_WORDS_RE = re.compile(HALF_WORDS)


class PeriodProblem(enum.StrEnum):
    QUARTER_RANGE = "quarter_range"  # not 1 to 4
    YEAR_RANGE = "year_range"  # not 2000 to 2999
    UNREADABLE = "unreadable"  # not a way of writing a quarter


class BadPeriod(ValueError):
    """A period that cannot be read: ``problem``, about ``value`` (``texts/labels.py`` explains it)."""

    def __init__(self, problem: PeriodProblem, value: object) -> None:
        super().__init__(f"{problem.value}: {value}")
        self.problem = problem
        self.value = value


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    def __post_init__(self) -> None:
        if not 1 <= self.q <= 4:
            raise BadPeriod(PeriodProblem.QUARTER_RANGE, self.q)
        if not 2000 <= self.year <= 2999:
            raise BadPeriod(PeriodProblem.YEAR_RANGE, self.year)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``2026Q4``, ``2026q4``, ``2026-Q4``, ``2026-4`` or ``2026年第四季度``."""
        s = text.strip()
        m = _QUARTER_WORDS_RE.fullmatch(s)
        if m:
            q = QUARTER_NUMERALS.get(m.group(2)) or int(m.group(2))
            return cls(int(m.group(1)), q)
        m = _QUARTER_RE.match(s)
        if not m:
            raise BadPeriod(PeriodProblem.UNREADABLE, text)
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    def year_before(self) -> Quarter:
        return Quarter(self.year - 1, self.q)

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """[start, end) of the quarter in local time ``tz``, as UTC instants."""
        start = datetime.combine(self.first_day, time(0), tz).astimezone(UTC)
        end = datetime.combine(self.next().first_day, time(0), tz).astimezone(UTC)
        return start, end

    @property
    def summary_due(self) -> date:
        """The last local day on which the summary is on time (seed 002 §7)."""
        return self.last_day + timedelta(days=SUMMARY_DAYS_AFTER_QUARTER)

    @property
    def months(self) -> list[str]:
        """``YYYY-MM`` of its months."""
        return [f"{self.year}-{m:02d}" for m in range(3 * self.q - 2, 3 * self.q + 1)]


@dataclass(frozen=True, order=True)
class Half:
    """A half-year (seed 001 实施办法 §6: 每半年报送一次): the same questions as a ``Quarter`` asks of a
    period, so the summary reads either."""

    year: int
    h: int

    def __post_init__(self) -> None:
        if self.h not in (1, 2):
            raise BadPeriod(PeriodProblem.UNREADABLE, f"{self.year}H{self.h}")
        if not 2000 <= self.year <= 2999:
            raise BadPeriod(PeriodProblem.YEAR_RANGE, self.year)

    @classmethod
    def parse(cls, text: str) -> Half:
        """``2026H2``, ``2026-h1``, ``2026年下半年``."""
        m = _HALF_WORDS_RE.fullmatch(text.strip())
        if m:
            return cls(int(m.group(1)), HALF_NUMERALS[m.group(2)])
        m = _HALF_RE.match(text)
        if not m:
            raise BadPeriod(PeriodProblem.UNREADABLE, text)
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def key(self) -> str:
        return f"{self.year}H{self.h}"

    @property
    def quarters(self) -> tuple[Quarter, Quarter]:
        return Quarter(self.year, 2 * self.h - 1), Quarter(self.year, 2 * self.h)

    @property
    def first_day(self) -> date:
        return self.quarters[0].first_day

    @property
    def last_day(self) -> date:
        return self.quarters[1].last_day

    def previous(self) -> Half:
        return Half(self.year - 1, 2) if self.h == 1 else Half(self.year, 1)

    def year_before(self) -> Half:
        return Half(self.year - 1, self.h)

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        return self.quarters[0].bounds(tz)[0], self.quarters[1].bounds(tz)[1]

    @property
    def summary_due(self) -> date:
        return self.last_day + timedelta(days=SUMMARY_DAYS_AFTER_QUARTER)

    @property
    def months(self) -> list[str]:
        return [m for q in self.quarters for m in q.months]


#: What a summary covers: a quarter (seed 002 §7) or a half-year (seed 001 实施办法 §6).
Period = Quarter | Half


def last_completed(today: date) -> Quarter:
    """The most recent quarter that has ended by ``today`` (local date)."""
    return Quarter.of(today).previous()


def local_day(at: datetime, tz: tzinfo) -> date:
    return at.astimezone(tz).date()
