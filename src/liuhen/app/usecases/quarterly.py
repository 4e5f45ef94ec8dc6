"""Reminding the discipline office to send the quarterly summary.

Seed 002 §7: the summary analysis goes to the court above "within five days after the quarter ends"
(每季度结束后五日内); seed 004 §34: the discipline office summarises every quarter. From the first day after
the quarter until the fifth, each enrolled member of the discipline office is told once (in daytime), with
the command that produces the documents. The `notices` table makes it once per person and quarter, even
across restarts (docs/architecture.md 15).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from liuhen.app.ports import UnitOfWork
from liuhen.domain.model import Role
from liuhen.domain.periods import Quarter, last_completed

PREFIX = "quarterly:"
RESEND_AFTER = timedelta(minutes=2)
DAY_STARTS, DAY_ENDS = 8, 21  # local hours: no reminder at night


@dataclass(frozen=True)
class QuarterlyReminder:
    key: str
    chat_id: int
    quarter: Quarter
    due: date  # the last local day to send the summary


async def due_quarterly_reminders(
    uow: UnitOfWork, *, court_id: int, now: datetime, tz: tzinfo, wecom: bool = False
) -> list[QuarterlyReminder]:
    """Claim the reminders due now (each at most once per person and quarter) of the officers one chat door
    reaches (``wecom``: WeCom's) and return them to send."""
    local = now.astimezone(tz)
    quarter = last_completed(local.date())
    if local.date() > quarter.summary_due or not DAY_STARTS <= local.hour < DAY_ENDS:
        return []
    due: list[QuarterlyReminder] = []
    async with uow:
        await uow.notices.release_unsent(PREFIX, now - RESEND_AFTER)
        for person in await uow.staff.list(court_id):
            chat = person.chat_id
            if person.role != Role.DISCIPLINE.value or chat is None or (chat < 0) != wecom:
                continue
            key = f"{PREFIX}{court_id}:{quarter.key}:{person.id}"
            if await uow.notices.claim(key, chat):
                due.append(QuarterlyReminder(key, chat, quarter, quarter.summary_due))
        await uow.commit()
    return due
