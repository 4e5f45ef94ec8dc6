"""Monthly reports and zero reports (月报告 / 零报告), as pure rules (docs/domain.md "Zero reports").

Seed 003 §13: every staff member reports each month what they met — interventions, inquiries, contacts
with parties and lawyers — and when there was nothing, a zero report (零报告); compliance is notified
monthly inside the court (月报告执行情况通报). Seed 003 §20: units with prominent "zero records, zero
reports" get checked.

The report for month M is asked in month M+1: by default on its first working day at 09:00 local time,
reminded three working days later and on the day before the deadline, the deadline being the end of the
fifth working day. Working days come from ``workdays.WorkCalendar`` (official calendar with 调休 and the
court's overrides). Everything here is pure: no I/O, times are aware datetimes (returned in UTC).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from liuhen.domain.grammar import CASE_COUNT_COLUMNS, MONTH
from liuhen.domain.workdays import WorkCalendar, end_of_local_day, nth_workday_after

# ------------------------------------------------------------------------------------------------ months

_MONTH = re.compile(MONTH)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, written ``2026-11``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} outside 1..12")
        if not 1990 <= self.year <= 2100:
            raise ValueError(f"year {self.year} outside 1990..2100")

    @classmethod
    def parse(cls, text: str) -> Month:
        """``2026-11``, ``2026/11``, ``2026年11月`` (``grammar.MONTH``); ValueError otherwise."""
        m = _MONTH.match(text)
        if m is None:
            raise ValueError(f"not a month: {text!r}")
        return cls(int(m[1]), int(m[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def back(self, n: int) -> list[Month]:
        """The n months ending with this one, oldest first."""
        months = [self]
        for _ in range(n - 1):
            months.append(months[-1].previous())
        return months[::-1]


def report_month(now: datetime, tz: tzinfo) -> Month:
    """The month whose report is asked now: the previous local month."""
    return Month.of(now.astimezone(tz).date()).previous()


def month_of(moment: datetime, tz: tzinfo) -> Month:
    return Month.of(moment.astimezone(tz).date())


# -------------------------------------------------------------------------------------------- schedule


class Kind(enum.StrEnum):
    """What a row of the broadcast is: the prompt, a reminder, or the compliance notice."""

    PROMPT = "prompt"
    REMIND = "remind"  # three working days after the prompt
    FINAL = "final"  # the day before the deadline
    NUDGE = "nudge"  # asked again by the office, by hand (once a month for each person)
    NOTICE = "notice"  # 月报告执行情况通报 to the discipline office, after the deadline

    @property
    def asks(self) -> bool:
        """Whether the message asks for the report (carries the answer buttons)."""
        return self is not Kind.NOTICE


@dataclass(frozen=True)
class Policy:
    """When the report is asked and how zero reports are judged (settings ``LIUHEN_MONTHLY_*``).

    - ``prompt_workday``: the prompt goes out on this working day of the following month (1 = the first);
    - ``prompt_time``: local time of the prompt and of the reminders;
    - ``remind_after_workdays``: the first reminder this many working days after the prompt (0: none);
    - ``final_reminder``: a reminder on the (calendar) day before the deadline day;
    - ``deadline_workday``: the report is due by the end of this working day of the following month;
    - ``suspicious_months`` / ``suspicious_cases``: seed 003 §20 flags (see :func:`suspicious`).
    """

    prompt_workday: int = 1
    prompt_time: time = time(9, 0)
    remind_after_workdays: int = 3
    final_reminder: bool = True
    deadline_workday: int = 5
    suspicious_months: int = 6
    suspicious_cases: int = 10

    def __post_init__(self) -> None:
        if self.prompt_workday < 1 or self.deadline_workday < self.prompt_workday:
            raise ValueError("the deadline must not come before the prompt (1 ≤ prompt ≤ deadline)")
        if self.remind_after_workdays < 0 or self.suspicious_months < 1 or self.suspicious_cases < 0:
            raise ValueError("monthly policy numbers must not be negative")


@dataclass(frozen=True)
class Schedule:
    """The moments of one month's report, aware UTC; ``reminders`` maps a kind to its moment."""

    month: Month
    prompt_at: datetime
    reminders: tuple[tuple[Kind, datetime], ...]
    deadline: datetime
    notice_at: datetime

    def at(self, kind: Kind) -> datetime:
        if kind is Kind.PROMPT:
            return self.prompt_at
        if kind is Kind.NOTICE:
            return self.notice_at
        return dict(self.reminders)[kind]

    def kinds(self) -> list[Kind]:
        return [Kind.PROMPT, *(k for k, _ in self.reminders), Kind.NOTICE]

    def due(self, now: datetime) -> list[Kind]:
        """What should have been planned by ``now``. Prompts and reminders only before the deadline (a
        reminder after it is pointless; a person enrolled late still gets the prompt until then); the notice
        from its moment on."""
        kinds: list[Kind] = []
        if self.prompt_at <= now < self.deadline:
            kinds.append(Kind.PROMPT)
        kinds += [k for k, at in self.reminders if at <= now < self.deadline]
        if now >= self.notice_at:
            kinds.append(Kind.NOTICE)
        return kinds


def _at(day: date, clock: time, tz: tzinfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def nth_workday_of(month: Month, n: int, cal: WorkCalendar) -> date:
    """The n-th working day of ``month`` (n ≥ 1), the 1st counted if it is one."""
    return nth_workday_after(month.first_day - timedelta(days=1), n, cal)


def schedule(month: Month, policy: Policy, cal: WorkCalendar, tz: tzinfo) -> Schedule:
    """The prompt, reminders, deadline and notice of the report of ``month`` (asked in the next month).

    Reminders never fall on the prompt's day or later than the deadline day; when the first reminder
    would come on or after the day-before-the-deadline reminder, only the latter is kept (one reminder
    where there is no room for two, as for draft reminders).
    """
    asked_in = month.next()
    prompt_day = nth_workday_of(asked_in, policy.prompt_workday, cal)
    deadline_day = nth_workday_of(asked_in, policy.deadline_workday, cal)
    reminders: list[tuple[Kind, date]] = []
    if policy.remind_after_workdays:
        first = nth_workday_after(prompt_day, policy.remind_after_workdays, cal)
        if first <= deadline_day:
            reminders.append((Kind.REMIND, first))
    if policy.final_reminder:
        final = deadline_day - timedelta(days=1)
        if final > prompt_day:
            reminders = [(k, d) for k, d in reminders if d < final]
            reminders.append((Kind.FINAL, final))
    return Schedule(
        month=month,
        prompt_at=_at(prompt_day, policy.prompt_time, tz),
        reminders=tuple((k, _at(d, policy.prompt_time, tz)) for k, d in reminders),
        deadline=end_of_local_day(deadline_day, tz),
        notice_at=_at(nth_workday_after(deadline_day, 1, cal), policy.prompt_time, tz),
    )


# ---------------------------------------------------------------------------------- prompts and answers


class PromptState(enum.StrEnum):
    """A row of the broadcast. The order that makes it crash-safe (docs/architecture.md):
    ``pending`` (planned, never tried) → ``sending`` (committed just before the HTTP request) → ``sent``
    with the message id, or a definite failure. A ``sending`` row found after a restart has an unknown
    outcome and becomes ``unknown``: it is never sent again (at most once)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    UNKNOWN = "unknown"  # the process died (or the network failed) between request and answer
    BLOCKED = "blocked"  # 403: the person blocked the bot — unreachable, not retried this month
    UNREACHABLE = "unreachable"  # never enrolled, or Telegram does not know the chat
    FAILED = "failed"  # Telegram refused the message for another reason
    SKIPPED = "skipped"  # no longer needed (answered before a reminder went out, left the roster)

    @property
    def final(self) -> bool:
        return self not in (PromptState.PENDING, PromptState.SENDING)


#: Where a message may have reached the person.
DELIVERED_OR_MAYBE = frozenset({PromptState.SENT, PromptState.UNKNOWN, PromptState.SENDING})


@dataclass(frozen=True)
class Prompt:
    """One row of the broadcast: unique per (person, month, kind)."""

    id: int
    court_id: int
    staff_pk: int
    month: str
    kind: str
    state: str
    chat_id: int | None
    created_at: datetime
    attempted_at: datetime | None = None
    sent_at: datetime | None = None
    message_id: int | None = None
    error: str | None = None
    sender: str | None = None  # which sender process (its wire log) marked it `sending`


@dataclass(frozen=True)
class NewPrompt:
    """A row to plan; ``state`` is ``pending`` to send, or a final state for who cannot be asked."""

    court_id: int
    staff_pk: int
    month: str
    kind: str
    state: str
    chat_id: int | None
    created_at: datetime
    error: str | None = None


class Answer(enum.StrEnum):
    """What a person answered to the prompt (one tap)."""

    ZERO = "zero"  # [没有，零报告]
    RECORDS = "records"  # [确认，共N件]: the records of the month are the report
    HAS = "has"  # [有，去记录]: something to record, a draft is opened


@dataclass(frozen=True)
class MonthlyAnswer:
    court_id: int
    staff_pk: int
    month: str
    answer: str
    record_count: int
    answered_at: datetime
    via: str  # the kind of message whose button was pressed


@dataclass(frozen=True)
class Person:
    """What the broadcast needs to know of a person of the roster (read without loading whole rows)."""

    pk: int
    staff_id: str
    name: str
    department_id: int
    position: str
    role: str
    active: bool
    chat_id: int | None  # None: never enrolled (or the binding was removed)
    extra: Mapping[str, Any]


# --------------------------------------------------------------------------------------------- statuses


class Status(enum.StrEnum):
    """A person's standing for a month in the compliance notice (seed 003 §13)."""

    RECORDS = "records"  # reported records (有记录)
    ZERO = "zero"  # filed a zero report (零报告)
    DECLARED = "declared"  # said there is something to record, no record yet (称有待记，尚无记录)
    MISSED = "missed"  # asked, did not answer (未报告)
    UNREACHABLE = "unreachable"  # blocked the bot or never enrolled (无法送达)


def status_of(*, records: int, answer: str | None, reachable: bool) -> Status:
    """Records of the month are a report in themselves (seed 003 §13: 依托记录报告平台建立月报告制度), so
    they win over everything; then the answer; then whether the person could be asked at all."""
    if records > 0:
        return Status.RECORDS
    if answer == Answer.ZERO:
        return Status.ZERO
    if answer in (Answer.HAS, Answer.RECORDS):
        return Status.DECLARED
    return Status.MISSED if reachable else Status.UNREACHABLE


def record_month(happened: datetime | None, created_at: datetime, tz: tzinfo) -> Month:
    """The month a record belongs to: when the intervention happened ("X月是否遇到…"), else when it was
    recorded."""
    if happened is not None and happened.tzinfo is not None:
        return month_of(happened, tz)
    return month_of(created_at, tz)


# --------------------------------------------------------------------------------- suspicious zeros


@dataclass(frozen=True)
class Flag:
    """A person or department with only zero reports for N months while handling many cases (seed 003
    §20: "零记录""零报告"问题突出的 … 部门，适时组织专项检查和重点督办)."""

    kind: str  # "person" | "department"
    key: str  # staff_id or department name
    name: str
    department: str
    months: int
    cases: int


def case_count(extra: Mapping[str, Any]) -> int | None:
    """A case count carried by the roster (extra column ``case_count`` or ``办案数``), if any."""
    for column in CASE_COUNT_COLUMNS:
        value = str(extra.get(column) or "").strip()
        if value.isdigit():
            return int(value)
    return None


def only_zero(history: Sequence[Status | None], months: int) -> bool:
    """Zero reports, and nothing else, in each of the last ``months`` months (None: not asked that month)."""
    return len(history) >= months and all(s is Status.ZERO for s in history[-months:])


def department_only_zero(members: Sequence[Sequence[Status | None]], months: int) -> bool:
    """For each of the last ``months`` months: nobody in the department reported a record or declared one,
    and at least one member filed a zero report (a department that was never asked is not flagged)."""
    if not members or any(len(h) < months for h in members):
        return False
    for i in range(1, months + 1):
        column = [h[-i] for h in members]
        if any(s in (Status.RECORDS, Status.DECLARED) for s in column) or Status.ZERO not in column:
            return False
    return True


@dataclass(frozen=True)
class PersonHistory:
    staff_id: str
    name: str
    department: str
    statuses: tuple[Status | None, ...]  # oldest first, one per month; None: not asked that month
    cases: int


def suspicious(people: Sequence[PersonHistory], policy: Policy) -> list[Flag]:
    """People with only zero reports for ``suspicious_months`` months and at least ``suspicious_cases``
    cases; departments where that holds for the department as a whole (cases summed)."""
    n, threshold = policy.suspicious_months, policy.suspicious_cases
    flags = [
        Flag("person", p.staff_id, p.name, p.department, n, p.cases)
        for p in people
        if only_zero(p.statuses, n) and p.cases >= threshold
    ]
    by_dept: dict[str, list[PersonHistory]] = {}
    for p in people:
        by_dept.setdefault(p.department, []).append(p)
    for dept, members in by_dept.items():
        cases = sum(p.cases for p in members)
        if department_only_zero([p.statuses for p in members], n) and cases >= threshold:
            flags.append(Flag("department", dept, dept, dept, n, cases))
    return flags
