"""Monthly report rules (seed 003 §13 月报告 / 零报告, §20 "零记录""零报告"): which month, when it is
asked, reminded and due in Chinese working days, how a person stands, which zeros are suspicious."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liuhen.domain.answers import Answers
from liuhen.domain.monthly import (
    Answer,
    Kind,
    Month,
    PersonHistory,
    Policy,
    Status,
    case_count,
    department_only_zero,
    only_zero,
    record_month,
    report_month,
    schedule,
    status_of,
    suspicious,
)
from liuhen.domain.workdays import WorkCalendar
from liuhen.texts import labels

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def local(moment: datetime) -> datetime:
    return moment.astimezone(TZ)


def happened(answer: str | None) -> datetime | None:
    """The intervention time as the typed answers read it (an unreadable answer is no time)."""
    return Answers.of({"intervention_time": answer} if answer else {}).intervention_time


def test_month_parsing_and_arithmetic() -> None:
    assert Month.parse("2026-11") == Month(2026, 11) == Month.parse("2026年11月") == Month.parse(" 2026/11 ")
    assert str(Month(2026, 1)) == "2026-01" and labels.month(Month(2026, 1)) == "1月"
    assert Month(2026, 12).next() == Month(2027, 1) and Month(2027, 1).previous() == Month(2026, 12)
    assert Month(2026, 3).back(3) == [Month(2026, 1), Month(2026, 2), Month(2026, 3)]
    assert Month(2024, 2).last_day == date(2024, 2, 29)
    for bad in ("2026-13", "2026", "11月", "2026-00"):
        with pytest.raises(ValueError):
            Month.parse(bad)


@given(st.integers(min_value=1991, max_value=2099), st.integers(min_value=1, max_value=12))
def test_next_and_previous_are_inverse(year: int, month: int) -> None:
    m = Month(year, month)
    assert m.next().previous() == m and m.previous().next() == m
    assert m.next().first_day == m.last_day + timedelta(days=1)


def test_the_report_asked_in_december_is_about_november_in_beijing_time() -> None:
    # 2026-11-30 17:00 UTC is already 1 December in Beijing
    assert report_month(datetime(2026, 11, 30, 17, 0, tzinfo=UTC), TZ) == Month(2026, 11)
    assert report_month(datetime(2026, 11, 30, 15, 0, tzinfo=UTC), TZ) == Month(2026, 10)


def test_november_2026_default_schedule() -> None:
    """Seed 003 §13, the default policy: first working day of December 09:00, reminders three working days
    later and the day before the deadline (the 5th working day)."""
    s = schedule(Month(2026, 11), Policy(), CAL, TZ)
    assert local(s.prompt_at) == datetime(2026, 12, 1, 9, 0, tzinfo=TZ)  # Tuesday
    assert [(k, local(at).date()) for k, at in s.reminders] == [
        (Kind.REMIND, date(2026, 12, 4)),  # Friday: Tue + 3 working days
        (Kind.FINAL, date(2026, 12, 6)),  # Sunday: the day before Monday's deadline
    ]
    assert local(s.deadline).date() == date(2026, 12, 7) and local(s.deadline).time() >= time(23, 59)
    assert local(s.notice_at) == datetime(2026, 12, 8, 9, 0, tzinfo=TZ)  # the next working day
    assert s.due(s.prompt_at - timedelta(seconds=1)) == []
    assert s.due(s.prompt_at) == [Kind.PROMPT]
    assert s.due(s.at(Kind.FINAL)) == [Kind.PROMPT, Kind.REMIND, Kind.FINAL]
    assert s.due(s.deadline + timedelta(seconds=1)) == []  # nothing asked after the deadline …
    assert s.due(s.notice_at) == [Kind.NOTICE]  # … but the notice goes out


def test_national_day_moves_the_prompt_and_leaves_room_for_one_reminder() -> None:
    """October 2026: 1–7 are holidays, Saturday the 10th is an adjusted workday (调休)."""
    s = schedule(Month(2026, 9), Policy(), CAL, TZ)
    assert local(s.prompt_at).date() == date(2026, 10, 8)
    assert local(s.deadline).date() == date(2026, 10, 13)  # 8, 9, 10 (Sat), 12, 13
    # Oct 8 + 3 working days = Oct 12 = the day before the deadline: one reminder only
    assert [(k, local(at).date()) for k, at in s.reminders] == [(Kind.FINAL, date(2026, 10, 12))]


def test_court_overrides_move_the_prompt_for_a_year_the_calendar_does_not_know() -> None:
    """2027 is not in the calendar package yet: Monday–Friday, so New Year's Day (a Friday) would be the
    first working day — unless the court enters it as a holiday (`liuhen calendar set`)."""
    plain = schedule(Month(2026, 12), Policy(), CAL, TZ)
    assert local(plain.prompt_at).date() == date(2027, 1, 1)
    fixed = schedule(Month(2026, 12), Policy(), CAL.with_overrides({date(2027, 1, 1): False}), TZ)
    assert local(fixed.prompt_at).date() == date(2027, 1, 4)


def test_configured_policy() -> None:
    policy = Policy(prompt_workday=2, prompt_time=time(8, 30), remind_after_workdays=0, deadline_workday=10)
    s = schedule(Month(2026, 11), policy, CAL, TZ)
    assert local(s.prompt_at) == datetime(2026, 12, 2, 8, 30, tzinfo=TZ)
    assert [k for k, _ in s.reminders] == [Kind.FINAL]
    assert local(s.deadline).date() == date(2026, 12, 14)
    with pytest.raises(ValueError):
        Policy(prompt_workday=6, deadline_workday=5)


@given(
    st.integers(min_value=2026, max_value=2030),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=0, max_value=8),
    st.integers(min_value=0, max_value=6),
)
def test_schedule_is_ordered(year: int, month: int, prompt: int, remind: int, extra: int) -> None:
    policy = Policy(prompt_workday=prompt, remind_after_workdays=remind, deadline_workday=prompt + extra)
    s = schedule(Month(year, month), policy, CAL, TZ)
    moments = [s.prompt_at, *(at for _, at in s.reminders)]
    assert moments == sorted(moments) and len({local(m).date() for m in moments}) == len(moments)
    assert all(m < s.deadline < s.notice_at for m in moments)
    assert local(s.prompt_at).date() > Month(year, month).last_day  # asked in the following month
    assert CAL.is_workday(local(s.prompt_at).date()) and CAL.is_workday(local(s.deadline).date())


def test_records_win_then_the_answer_then_reachability() -> None:
    assert status_of(records=2, answer=None, reachable=False) is Status.RECORDS
    assert status_of(records=1, answer=Answer.ZERO, reachable=True) is Status.RECORDS
    assert status_of(records=0, answer=Answer.ZERO, reachable=True) is Status.ZERO
    assert status_of(records=0, answer=Answer.HAS, reachable=True) is Status.DECLARED
    assert status_of(records=0, answer=None, reachable=True) is Status.MISSED
    assert status_of(records=0, answer=None, reachable=False) is Status.UNREACHABLE


def test_a_record_belongs_to_the_month_of_the_intervention() -> None:
    created = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert record_month(
        Answers.of({"intervention_time": "2026-11-30T20:00:00+00:00"}).intervention_time, created, TZ
    ) == Month(2026, 12)
    assert record_month(
        Answers.of({"intervention_time": "2026-11-30T10:00:00+00:00"}).intervention_time, created, TZ
    ) == Month(2026, 11)
    assert record_month(happened(None), created, TZ) == Month(2026, 12)
    assert record_month(happened("昨天"), created, TZ) == Month(2026, 12)


def test_case_count_from_the_roster() -> None:
    assert case_count({"case_count": "37"}) == 37
    assert case_count({"办案数": " 12 "}) == 12
    assert case_count({"case_count": "许多"}) is None and case_count({}) is None


Z, R, M = Status.ZERO, Status.RECORDS, Status.MISSED


def test_only_zero_for_n_months() -> None:
    assert only_zero([Z] * 6, 6) and only_zero([R, Z, Z, Z, Z, Z, Z], 6)
    assert not only_zero([Z] * 5, 6)  # not asked long enough
    assert not only_zero([Z, Z, None, Z, Z, Z], 6)  # not asked one month
    assert not only_zero([Z, Z, M, Z, Z, Z], 6)


def test_department_only_zero() -> None:
    assert department_only_zero([[Z, Z], [M, Z]], 2)  # nobody recorded, someone filed zero every month
    assert not department_only_zero([[Z, Z], [R, Z]], 2)
    assert not department_only_zero([[M, Z], [M, Z]], 2)  # a month without any zero report: not asked
    assert not department_only_zero([], 2)


def test_suspicious_people_and_departments_need_many_cases() -> None:
    """Seed 003 §20: "零记录""零报告" with many cases; the case threshold keeps idle people off the list."""
    policy = Policy(suspicious_months=3, suspicious_cases=10)
    people = [
        PersonHistory("j1", "甲", "民一庭", (Z, Z, Z), 12),
        PersonHistory("j2", "乙", "民一庭", (Z, Z, Z), 3),
        PersonHistory("j3", "丙", "刑庭", (Z, R, Z), 40),
        PersonHistory("j4", "丁", "刑庭", (Z, Z, Z), 1),
    ]
    flags = {(f.kind, f.key) for f in suspicious(people, policy)}
    assert flags == {("person", "j1"), ("department", "民一庭")}
