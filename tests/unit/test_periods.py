"""Quarters of the quarterly summary (seed 002 §7: due within five days after the quarter ends)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liuhen.domain.periods import BadPeriod, Quarter, last_completed
from liuhen.texts.labels import bad_period
from liuhen.texts.labels import quarter as quarter_label

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "text", ["2026Q4", "2026q4", "2026-Q4", "2026-4", " 2026 Q4 ", "2026年第四季度", "2026第4季度"]
)
def test_the_ways_people_write_a_quarter(text: str) -> None:
    assert Quarter.parse(text) == Quarter(2026, 4)


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "Q4", "2026", "2026-13", "abc", ""])
def test_a_bad_quarter_is_explained_in_chinese(text: str) -> None:
    with pytest.raises(BadPeriod) as error:
        Quarter.parse(text)
    assert "季度" in bad_period(error.value)


def test_bounds_are_local_midnights_in_utc_and_the_summary_is_due_on_the_fifth() -> None:
    q = Quarter(2026, 4)
    start, end = q.bounds(SHANGHAI)
    assert start == datetime(2026, 9, 30, 16, tzinfo=UTC) and end == datetime(2026, 12, 31, 16, tzinfo=UTC)
    assert q.summary_due == date(2027, 1, 5)
    assert q.previous() == Quarter(2026, 3) and q.year_before() == Quarter(2025, 4)
    assert Quarter(2026, 1).previous() == Quarter(2025, 4) and quarter_label(q) == "2026年第四季度"
    assert last_completed(date(2027, 1, 2)) == q


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2998, 12, 31)))
def test_every_day_falls_in_exactly_its_quarter(day: date) -> None:
    q = Quarter.of(day)
    assert q.first_day <= day <= q.last_day
    assert (q.next().first_day - q.last_day).days == 1 and q.first_day.day == 1
    assert Quarter.parse(q.key) == q
