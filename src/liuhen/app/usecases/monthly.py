"""Monthly reports and zero reports by chat prompt (seed 003 §13, §20) — the use cases.

The broadcast is a table of rows, one per (person, month, kind), planned before anything is sent. The
sender (bot/broadcast.py) takes a pending row, marks it ``sending`` in a committed transaction right before
the HTTP request, and records the outcome after it. A row found in ``sending`` after a restart has an
unknown outcome: it becomes ``unknown`` and is never sent again (at most once; docs/architecture.md says
why). Reminders go only to people who have neither answered nor recorded anything for the month, so a
person whose prompt was lost in a crash is still asked, by the reminder.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from liuhen.app.ports import UnitOfWork
from liuhen.app.usecases.access import AccessDenied, read_summary
from liuhen.app.usecases.deadlines import calendar_for
from liuhen.app.usecases.intake import issue_button
from liuhen.domain.access import may_read_summary
from liuhen.domain.answers import Answers
from liuhen.domain.casenumber import NOT_YET_FILED
from liuhen.domain.model import Role, Staff
from liuhen.domain.monthly import (
    Answer,
    Flag,
    Kind,
    Month,
    MonthlyAnswer,
    NewPrompt,
    Person,
    PersonHistory,
    Policy,
    Prompt,
    PromptState,
    Schedule,
    Status,
    case_count,
    record_month,
    report_month,
    schedule,
    status_of,
    suspicious,
)
from liuhen.domain.records import Record, RecordStatus

ACTION = "monthly"  # callbacks.action of the answer buttons
SYSTEM = "system"


class Choice:
    ZERO = Answer.ZERO.value  # [没有，零报告]
    HAS = Answer.HAS.value  # [有，去记录]
    RECORDS = Answer.RECORDS.value  # [确认，共N件]


# --------------------------------------------------------------------------------------------- helpers


async def month_schedule(
    uow: UnitOfWork, *, court_id: int, month: Month, tz: tzinfo, policy: Policy
) -> Schedule:
    """The schedule of ``month`` with this court's working-day calendar (call inside an open uow)."""
    return schedule(month, policy, await calendar_for(uow, court_id), tz)


@dataclass(frozen=True)
class RecordLine:
    """One of a person's own records of the month, as the prompt lists it."""

    number: str
    status: str  # RecordStatus
    day: date
    record_type: str | None  # the catalogue's key (catalogue.RECORD_TYPES)


def _month_of(r: Record, tz: tzinfo) -> Month:
    """The month a record counts in (when it happened, else when it was recorded)."""
    return record_month(r.given.intervention_time, r.created_at, tz)


def _reported(records: Sequence[Record]) -> list[Record]:
    """Records that count for the monthly report: everything submitted (drafts are not a report yet)."""
    return [r for r in records if r.status != RecordStatus.DRAFT.value]


@dataclass(frozen=True)
class _Counted:
    """What the monthly report reads of a submitted record: whose it is, the month it counts in, its case."""

    recorder_id: int
    month: str
    case_number: str | None


async def _records_about(uow: UnitOfWork, court_id: int, first: Month, tz: tzinfo) -> list[_Counted]:
    """The court's submitted records that can count in ``first`` or a later month: those changed since it
    began. A record counts in the month of its intervention, typed (never in the future) before the record's
    last change, or else of its making; so the query stays small however many years the court has. Only
    their recorder, making, intervention time and case number are read, each answer as ``Answers`` reads it:
    the monthly report needs no chain and no other answer."""
    since = datetime.combine(first.first_day, time.min, tz) - timedelta(days=1)
    out = []
    for recorder_id, created_at, happened, case in await uow.records.reported_since(court_id, since):
        month = record_month(Answers.read("intervention_time", happened), created_at, tz)
        out.append(_Counted(recorder_id, str(month), Answers.read("case_number", case)))
    return out


def _records_by_month(records: Sequence[_Counted]) -> dict[tuple[int, str], list[_Counted]]:
    by: dict[tuple[int, str], list[_Counted]] = {}
    for r in records:
        by.setdefault((r.recorder_id, r.month), []).append(r)
    return by


def _record_line(r: Record, tz: tzinfo) -> RecordLine:
    happened = r.given.intervention_time
    day = happened.astimezone(tz).date() if happened else None
    kind = r.given.record_type
    return RecordLine(
        r.number,
        r.status,
        day or r.created_at.astimezone(tz).date(),
        kind if isinstance(kind, str) and kind else None,
    )


async def _month_records(
    uow: UnitOfWork, staff_pk: int, court_id: int, month: Month, tz: tzinfo
) -> list[Record]:
    mine = await uow.records.list(court_id=court_id, recorder_id=staff_pk)
    return [r for r in _reported(mine) if _month_of(r, tz) == month]


# -------------------------------------------------------------------------------------------- planning


async def recover(
    uow: UnitOfWork,
    *,
    court_id: int,
    now: datetime,
    busy: Collection[int] = (),
    alive: Collection[str] = (),
    wires: Mapping[str, Collection[int]] | None = None,
) -> tuple[int, int]:
    """Rows left ``sending`` by a sender that stopped mid-request. ``busy`` is this process's live set of
    rows being sent (a row enters it before it is marked ``sending`` and leaves it after its outcome is
    committed; it is read after the rows, so a row being sent right now is never taken for an orphan);
    ``alive`` the senders known to be running (another instance: its rows are its own business).
    ``wires`` maps a sender id to the rows whose request had left that sender (its wire log, bot/broadcast):
    a row whose sender is known and whose request never left cannot have reached Telegram — it is pending
    again and is sent; any other (left, or marked by a sender whose log is not here: another instance,
    another boot) is ``unknown`` and never sent again (at most once). Returns (sent again, unknown)."""
    again = unknown = 0
    known = wires or {}
    async with uow:
        for p in await uow.monthly.sending(court_id):
            if p.id in busy or p.sender in alive:
                continue  # being sent right now, here or by another live sender
            left = p.sender not in known or p.id in known[p.sender or ""]
            state = PromptState.UNKNOWN if left else PromptState.PENDING
            if not await uow.monthly.resolve(
                p.id, state.value, at=now, error="unknown" if left else "not_sent"
            ):
                continue  # finished meanwhile
            again, unknown = again + (not left), unknown + left
            await uow.ledger.append(
                actor=SYSTEM,
                action="monthly.outcome_unknown" if left else "monthly.not_sent",
                object_type="monthly_prompt",
                object_id=str(p.id),
                payload={"month": p.month, "kind": p.kind, "staff_pk": p.staff_pk, "sender": p.sender},
            )
        await uow.commit()
    return again, unknown


async def _plan_prompts(
    uow: UnitOfWork, *, court_id: int, month: Month, people: Sequence[Person], now: datetime
) -> int:
    """Every active person of the roster: enrolled ones to be sent, the others listed as unreachable.
    A person enrolled after the planning is planned again (until the deadline: the caller decides)."""
    kind = Kind.PROMPT.value
    states = await uow.monthly.prompt_states(court_id, str(month), kind)
    new = [
        NewPrompt(
            court_id,
            p.pk,
            str(month),
            kind,
            PromptState.PENDING.value if p.chat_id is not None else PromptState.UNREACHABLE.value,
            p.chat_id,
            now,
            None if p.chat_id is not None else "not_enrolled",
        )
        for p in people
        if p.active and p.pk not in states
    ]
    added = await uow.monthly.add_prompts(new)
    enrolled_since = [
        p.pk
        for p in people
        if p.active and p.chat_id is not None and states.get(p.pk) == PromptState.UNREACHABLE.value
    ]
    added += await uow.monthly.reopen(court_id, str(month), kind, enrolled_since)
    return added


async def _plan_reminders(
    uow: UnitOfWork,
    *,
    court_id: int,
    month: Month,
    kind: Kind,
    moment: datetime,
    people: Sequence[Person],
    now: datetime,
    tz: tzinfo,
) -> int:
    """Only people who were asked before ``moment``, have not answered and have no record of the month.
    Everyone else decided once gets a ``skipped`` row, so later runs look at nobody twice."""
    prompts = {p.staff_pk: p for p in await uow.monthly.prompts(court_id, [str(month)]) if p.kind == "prompt"}
    done = await uow.monthly.prompt_states(court_id, str(month), kind.value)
    answered = {a.staff_pk for a in await uow.monthly.answers(court_id, [str(month)])}
    candidates = [
        p
        for p in people
        if p.pk not in done
        and p.pk in prompts
        and prompts[p.pk].state in (PromptState.SENT.value, PromptState.UNKNOWN.value)
    ]
    if not candidates:
        return 0
    records = _records_by_month(await _records_about(uow, court_id, month, tz))
    rows: list[NewPrompt] = []
    for p in candidates:
        asked_at = prompts[p.pk].attempted_at or prompts[p.pk].created_at
        skip = (
            "answered"
            if p.pk in answered
            else "records"
            if records.get((p.pk, str(month)))
            else "asked_late"
            if asked_at >= moment
            else "left"
            if not p.active or p.chat_id is None
            else None
        )
        rows.append(
            NewPrompt(
                court_id,
                p.pk,
                str(month),
                kind.value,
                PromptState.SKIPPED.value if skip else PromptState.PENDING.value,
                p.chat_id,
                now,
                skip,
            )
        )
    await uow.monthly.add_prompts(rows)
    return sum(1 for r in rows if r.state == PromptState.PENDING.value)


async def _plan_notice(
    uow: UnitOfWork, *, court_id: int, month: Month, people: Sequence[Person], now: datetime
) -> int:
    """The compliance notice for the discipline office, once the month has been asked at all."""
    if str(month) not in await uow.monthly.months(court_id):
        return 0
    kind = Kind.NOTICE.value
    states = await uow.monthly.prompt_states(court_id, str(month), kind)
    rows = [
        NewPrompt(court_id, p.pk, str(month), kind, PromptState.PENDING.value, p.chat_id, now)
        for p in people
        if p.active and p.role == Role.DISCIPLINE.value and p.chat_id is not None and p.pk not in states
    ]
    return await uow.monthly.add_prompts(rows)


async def plan(
    uow: UnitOfWork, *, court_id: int, month: Month, kind: Kind, now: datetime, tz: tzinfo, policy: Policy
) -> int:
    """Plan one kind of message for ``month`` now, whatever the schedule says (tests, benchmarks, an
    administrator starting a month by hand). Returns how many rows are to be sent."""
    async with uow:
        people = await uow.monthly.people(court_id)
        if kind is Kind.PROMPT:
            added = await _plan_prompts(uow, court_id=court_id, month=month, people=people, now=now)
        elif kind is Kind.NOTICE:
            added = await _plan_notice(uow, court_id=court_id, month=month, people=people, now=now)
        else:
            added = await _plan_reminders(
                uow, court_id=court_id, month=month, kind=kind, moment=now, people=people, now=now, tz=tz
            )
        if added:
            await _ledger_plan(uow, month, kind, added)
        await uow.commit()
    return added


async def _ledger_plan(uow: UnitOfWork, month: Month, kind: Kind, count: int) -> None:
    await uow.ledger.append(
        actor=SYSTEM,
        action="monthly.plan",
        object_type="monthly",
        object_id=str(month),
        payload={"kind": kind.value, "rows": count},
    )


async def plan_due(
    uow: UnitOfWork, *, court_id: int, now: datetime, tz: tzinfo, policy: Policy
) -> dict[str, int]:
    """What the schedule says is due now for the month being reported (the previous local month):
    the prompt, the reminders (once the day-before reminder is due the earlier one is no longer planned),
    the notice. Idempotent: rebuilt from the database on every run, so nothing lives only in memory."""
    month = report_month(now, tz)
    planned: dict[str, int] = {}
    async with uow:
        sched = await month_schedule(uow, court_id=court_id, month=month, tz=tz, policy=policy)
        due = sched.due(now)
        if not due:
            return planned
        if Kind.FINAL in due and Kind.REMIND in due:
            due.remove(Kind.REMIND)
        people = await uow.monthly.people(court_id)
        for kind in due:
            if kind is Kind.PROMPT:
                added = await _plan_prompts(uow, court_id=court_id, month=month, people=people, now=now)
            elif kind is Kind.NOTICE:
                added = await _plan_notice(uow, court_id=court_id, month=month, people=people, now=now)
            else:
                added = await _plan_reminders(
                    uow,
                    court_id=court_id,
                    month=month,
                    kind=kind,
                    moment=sched.at(kind),
                    people=people,
                    now=now,
                    tz=tz,
                )
            if added:
                planned[kind.value] = added
                await _ledger_plan(uow, month, kind, added)
        await uow.commit()
    return planned


async def schedule_of(
    uow: UnitOfWork, *, court_id: int, month: Month, tz: tzinfo, policy: Policy
) -> Schedule:
    async with uow:
        return await month_schedule(uow, court_id=court_id, month=month, tz=tz, policy=policy)


async def pending(uow: UnitOfWork, *, court_id: int, limit: int = 500, wecom: bool = False) -> list[Prompt]:
    """The prompts to send now by one chat door (``wecom``: the WeCom door's people)."""
    async with uow:
        return await uow.monthly.pending(court_id, limit=limit, wecom=wecom)


# ------------------------------------------------------------------------------------------- sending

RELEASED = "not_sent"  # a row's error after its sender stopped before its request (pending again)


@dataclass(frozen=True)
class Outgoing:
    """A message the sender may now send (its row is ``sending``, committed)."""

    prompt_id: int
    chat_id: int
    kind: Kind
    month: Month
    deadline: datetime
    records: tuple[RecordLine, ...] = ()
    buttons: tuple[tuple[str, str], ...] = ()  # (choice, token), in display order
    compliance: Compliance | None = None


async def begin_send(
    uow: UnitOfWork,
    *,
    prompt_id: int,
    now: datetime,
    tz: tzinfo,
    policy: Policy,
    court_name: str = "",
    sender: str | None = None,
    known: Schedule | None = None,
) -> Outgoing | None:
    """Mark one pending row ``sending`` and return what to send, or None when it is no longer to be sent
    (someone else took it; the person left, answered, recorded, or the deadline passed for a reminder).
    The commit happens before the caller's HTTP request: that is the durable order."""
    found = await begin_send_many(
        uow,
        prompt_ids=[prompt_id],
        now=now,
        tz=tz,
        policy=policy,
        court_name=court_name,
        sender=sender,
        known=known,
    )
    return found[0] if found else None


async def begin_send_many(
    uow: UnitOfWork,
    *,
    prompt_ids: Sequence[int],
    now: datetime,
    tz: tzinfo,
    policy: Policy,
    court_name: str = "",
    sender: str | None = None,
    known: Schedule | None = None,
) -> list[Outgoing]:
    """:func:`begin_send` for several rows of one court and month in one transaction (the broadcast's
    workers take a few rows at a time: one commit instead of one per message). The rows no longer to be
    sent are left out, the others come back in order; a row begun and then not sent (the sender stopped
    first) goes back with :func:`release`, or after a crash by the wire log (bot/broadcast.py)."""
    begun: list[Outgoing] = []
    async with uow:
        for prompt_id in prompt_ids:
            o = await _begin_one(uow, prompt_id, now, tz, policy, court_name, sender, known)
            if o is not None:
                begun.append(o)
        await uow.commit()
    return begun


async def _begin_one(
    uow: UnitOfWork,
    prompt_id: int,
    now: datetime,
    tz: tzinfo,
    policy: Policy,
    court_name: str,
    sender: str | None,
    known: Schedule | None,
) -> Outgoing | None:
    p = await uow.monthly.get_prompt(prompt_id)
    if p is None or p.state != PromptState.PENDING.value:
        return None
    staff = await uow.staff.get(p.staff_pk)
    month, kind = Month.parse(p.month), Kind(p.kind)
    if known is not None and known.month == month:
        sched = known  # the sender keeps the schedule of the month for a while: one query less
    else:
        sched = await month_schedule(uow, court_id=p.court_id, month=month, tz=tz, policy=policy)
    skip = await _why_not(uow, p, staff, kind, month, sched, now, tz)
    if skip is not None:
        state, reason = skip
        await uow.monthly.finish(p.id, state.value, at=now, error=reason)
        return None
    assert staff is not None and staff.id is not None and staff.chat_id is not None
    if not await uow.monthly.begin(p.id, now, sender):
        return None  # another sender took it meanwhile
    records: tuple[RecordLine, ...] = ()
    buttons: list[tuple[str, str]] = []
    compliance = None
    if kind.asks:
        mine = await _month_records(uow, staff.id, p.court_id, month, tz)
        records = tuple(_record_line(r, tz) for r in mine)
        choices = [Choice.RECORDS, Choice.HAS] if mine else [Choice.ZERO, Choice.HAS]
        for choice in choices:
            token = await issue_button(
                uow, staff_pk=staff.id, action=ACTION, now=now, arg=f"{month}:{choice}:{kind.value}"
            )
            buttons.append((choice, token))
    else:
        compliance = await _compliance(
            uow, court_id=p.court_id, month=month, now=now, tz=tz, policy=policy, court_name=court_name
        )
    return Outgoing(p.id, staff.chat_id, kind, month, sched.deadline, records, tuple(buttons), compliance)


async def _why_not(
    uow: UnitOfWork,
    p: Prompt,
    staff: Staff | None,
    kind: Kind,
    month: Month,
    sched: Schedule,
    now: datetime,
    tz: tzinfo,
) -> tuple[PromptState, str] | None:
    if staff is None or not staff.active:
        return PromptState.SKIPPED, "left"
    if not staff.reachable:
        return PromptState.UNREACHABLE, "not_enrolled"
    if kind in (Kind.REMIND, Kind.FINAL, Kind.NUDGE):
        assert staff.id is not None
        if now >= sched.deadline:
            return PromptState.SKIPPED, "deadline"
        if kind is Kind.REMIND and Kind.FINAL in dict(sched.reminders) and now >= sched.at(Kind.FINAL):
            return PromptState.SKIPPED, "superseded"
        if await uow.monthly.answer(staff.id, str(month)) is not None:
            return PromptState.SKIPPED, "answered"
        if await _month_records(uow, staff.id, p.court_id, month, tz):
            return PromptState.SKIPPED, "records"
    return None


async def delivered(uow: UnitOfWork, *, prompt_id: int, message_id: int, now: datetime) -> None:
    await delivered_many(uow, sent=[(prompt_id, message_id)], now=now)


async def delivered_many(uow: UnitOfWork, *, sent: Sequence[tuple[int, int]], now: datetime) -> None:
    """Telegram took the rows' messages: (row, message id) each, in one transaction."""
    if not sent:
        return
    async with uow:
        for prompt_id, message_id in sent:
            await uow.monthly.finish(prompt_id, PromptState.SENT.value, at=now, message_id=message_id)
        await uow.commit()


async def release(uow: UnitOfWork, *, prompt_ids: Sequence[int], now: datetime) -> None:
    """Rows begun by a sender that stopped before making their requests: pending again (their requests
    never left, so nobody has the message)."""
    if not prompt_ids:
        return
    async with uow:
        for prompt_id in prompt_ids:
            await uow.monthly.resolve(prompt_id, PromptState.PENDING.value, at=now, error=RELEASED)
        await uow.commit()


async def retry_later(uow: UnitOfWork, *, prompt_id: int, now: datetime, error: str) -> None:
    """Telegram certainly did not take the message (429, no connection): pending again."""
    async with uow:
        await uow.monthly.finish(prompt_id, PromptState.PENDING.value, at=now, error=error)
        await uow.commit()


async def undeliverable(
    uow: UnitOfWork, *, prompt_id: int, state: PromptState, reason: str, now: datetime
) -> None:
    """A definite refusal: blocked (403), unknown chat, or another refusal. Not retried this month; the
    person is listed as unreachable in the notice (blocked, unknown chat) or as not sent (failed)."""
    async with uow:
        p = await uow.monthly.get_prompt(prompt_id)
        await uow.monthly.finish(prompt_id, state.value, at=now, error=reason)
        if p is not None:
            await uow.ledger.append(
                actor=SYSTEM,
                action=f"monthly.{state.value}",
                object_type="monthly_prompt",
                object_id=str(prompt_id),
                payload={"month": p.month, "kind": p.kind, "staff_pk": p.staff_pk, "reason": reason},
            )
        await uow.commit()


async def outcome_unknown(uow: UnitOfWork, *, prompt_id: int, now: datetime, error: str) -> None:
    """The request went out and no answer came back (timeout, broken connection): it may have been
    delivered. Like a crash mid-request: never sent again."""
    async with uow:
        await uow.monthly.finish(prompt_id, PromptState.UNKNOWN.value, at=now, error=error)
        await uow.ledger.append(
            actor=SYSTEM,
            action="monthly.outcome_unknown",
            object_type="monthly_prompt",
            object_id=str(prompt_id),
            payload={"error": error[:200]},
        )
        await uow.commit()


# ------------------------------------------------------------------------------------------- answers


class PressOutcome:
    OK = "ok"
    ALREADY = "already"  # answered before: the first answer stands
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class PressResult:
    outcome: str
    choice: str | None = None
    month: Month | None = None
    answer: MonthlyAnswer | None = None  # the answer that stands
    late: bool = False


async def press(
    uow: UnitOfWork, *, staff: Staff, token: str, now: datetime, tz: tzinfo, policy: Policy
) -> PressResult:
    """One tap answers (seed 003 §13): stored with its time and a ledger entry. [有，去记录] also makes the
    next thing the person sends open a fresh draft (intake)."""
    async with uow:
        callback = await uow.callbacks.get(token)
        if callback is None or callback.staff_pk != staff.id or callback.action != ACTION or not callback.arg:
            return PressResult(PressOutcome.FORBIDDEN)
        assert staff.id is not None
        month_text, choice, via = [*callback.arg.split(":"), "", ""][:3]
        month = Month.parse(month_text)
        if choice == Choice.HAS:
            conversation = await uow.conversations.get(staff.id)
            conversation.force_new_draft = True
        existing = await uow.monthly.answer(staff.id, str(month))
        if existing is not None:
            await uow.commit()
            return PressResult(PressOutcome.ALREADY, choice, month, existing)
        count = len(await _month_records(uow, staff.id, staff.court_id, month, tz))
        answer = MonthlyAnswer(staff.court_id, staff.id, str(month), choice, count, now, via or "prompt")
        await uow.monthly.add_answer(answer)
        callback.used_at = now
        sched = await month_schedule(uow, court_id=staff.court_id, month=month, tz=tz, policy=policy)
        await uow.ledger.append(
            actor=f"staff:{staff.staff_id}",
            action="monthly.answer",
            object_type="staff",
            object_id=staff.staff_id,
            payload={"month": str(month), "answer": choice, "records": count, "via": answer.via},
        )
        await uow.commit()
        return PressResult(PressOutcome.OK, choice, month, answer, late=now > sched.deadline)


# ---------------------------------------------------------------------------------------- compliance


@dataclass(frozen=True)
class PersonLine:
    staff_id: str
    name: str
    position: str
    status: Status
    records: int
    answered_at: datetime | None = None
    late: bool = False
    delivery: str | None = None  # why unreachable, or that delivery is unconfirmed (texts/labels.DELIVERY)


@dataclass(frozen=True)
class DepartmentLines:
    name: str  # "" for a department no longer known
    people: tuple[PersonLine, ...]

    def with_status(self, status: Status) -> list[PersonLine]:
        return [p for p in self.people if p.status is status]

    def counts(self) -> dict[Status, int]:
        return {s: len(self.with_status(s)) for s in Status}


@dataclass(frozen=True)
class Compliance:
    """月报告执行情况 of one month (seed 003 §13), per department, and the seed 003 §20 flags."""

    court_name: str
    month: Month
    deadline: datetime
    as_of: datetime
    departments: tuple[DepartmentLines, ...]
    flags: tuple[Flag, ...] = ()
    policy: Policy = field(default_factory=Policy)
    counts_only: bool = False  # trial management sees figures, not names (domain/access.py)

    def totals(self) -> dict[Status, int]:
        totals = dict.fromkeys(Status, 0)
        for d in self.departments:
            for status, n in d.counts().items():
                totals[status] += n
        return totals

    @property
    def people(self) -> int:
        return sum(len(d.people) for d in self.departments)

    @property
    def final(self) -> bool:
        """After the deadline: the figures are the month's result, not a snapshot."""
        return self.as_of > self.deadline


def _reach(prompt: Prompt | None) -> tuple[bool, str | None]:
    if prompt is None:
        return True, None
    state = PromptState(prompt.state)
    if state in (PromptState.BLOCKED, PromptState.UNREACHABLE):
        reason = "blocked" if state is PromptState.BLOCKED else (prompt.error or "not_enrolled")
        return False, reason
    if state is PromptState.FAILED:
        return True, "failed"
    if state is PromptState.UNKNOWN:
        return True, "unknown"
    return True, None


def _month_status(
    pk: int,
    month: str,
    records: Mapping[tuple[int, str], list[_Counted]],
    answers: Mapping[tuple[int, str], MonthlyAnswer],
    prompt: Prompt | None,
) -> Status:
    reachable, _ = _reach(prompt)
    answer = answers.get((pk, month))
    return status_of(
        records=len(records.get((pk, month), [])),
        answer=answer.answer if answer else None,
        reachable=reachable,
    )


async def _cases(
    uow: UnitOfWork, court_id: int, months: Sequence[Month], records: Sequence[_Counted], tz: tzinfo
) -> dict[int, int]:
    """Distinct case numbers per person in the window: in their per-case zero reports and in their records
    (the proxy for "handling many cases" when the roster carries no case count)."""
    window = {str(m) for m in months}
    cases: dict[int, set[str]] = {}
    for r in records:
        number = r.case_number
        if number and number != NOT_YET_FILED and r.month in window:
            cases.setdefault(r.recorder_id, set()).add(str(number))
    for z in await uow.case_zero.list(court_id):
        if str(Month.of(z.created_at.astimezone(tz).date())) in window:
            cases.setdefault(z.officer_pk, set()).add(z.case_number)
    return {pk: len(numbers) for pk, numbers in cases.items()}


async def _compliance(
    uow: UnitOfWork,
    *,
    court_id: int,
    month: Month,
    now: datetime,
    tz: tzinfo,
    policy: Policy,
    court_name: str = "",
    departments: set[int] | None = None,
    flags: bool = True,
    counts_only: bool = False,
) -> Compliance:
    """Who was due (the people the prompt was planned for; the active roster if the month was never
    asked), and where each stands. ``departments`` limits the view (a department head's)."""
    sched = await month_schedule(uow, court_id=court_id, month=month, tz=tz, policy=policy)
    window = month.back(policy.suspicious_months) if flags else [month]
    names = [str(m) for m in window]
    people = {p.pk: p for p in await uow.monthly.people(court_id)}
    dept_names = {d.id: d.name for d in await uow.departments.list(court_id)}
    prompts: dict[tuple[int, str], Prompt] = {
        (p.staff_pk, p.month): p for p in await uow.monthly.prompts(court_id, names) if p.kind == "prompt"
    }
    answers = {(a.staff_pk, a.month): a for a in await uow.monthly.answers(court_id, names)}
    all_records = await _records_about(uow, court_id, min(window), tz)
    records = _records_by_month(all_records)

    def due(m: str) -> list[int]:
        asked = [pk for (pk, mm), p in prompts.items() if mm == m and p.state != PromptState.SKIPPED.value]
        if asked or m != str(month):
            return asked
        return [pk for pk, p in people.items() if p.active]

    lines: dict[int, list[PersonLine]] = {}
    for pk in due(str(month)):
        person = people.get(pk)
        if person is None or (departments is not None and person.department_id not in departments):
            continue
        prompt = prompts.get((pk, str(month)))
        status = _month_status(pk, str(month), records, answers, prompt)
        answer = answers.get((pk, str(month)))
        _, delivery = _reach(prompt)
        lines.setdefault(person.department_id, []).append(
            PersonLine(
                person.staff_id,
                person.name,
                person.position,
                status,
                len(records.get((pk, str(month)), [])),
                answer.answered_at if answer else None,
                bool(answer and answer.answered_at > sched.deadline),
                delivery if status in (Status.MISSED, Status.UNREACHABLE) else None,
            )
        )
    order = sorted(lines, key=lambda d: list(dept_names).index(d) if d in dept_names else 10**9)
    depts = tuple(DepartmentLines(dept_names.get(d, ""), tuple(lines[d])) for d in order)
    found: list[Flag] = []
    if flags:
        cases = await _cases(uow, court_id, window, all_records, tz)
        histories = []
        for pk, person in people.items():
            if not person.active:
                continue
            history: list[Status | None] = []
            for m in names:
                asked = (pk, m) in prompts and prompts[(pk, m)].state != PromptState.SKIPPED.value
                history.append(
                    _month_status(pk, m, records, answers, prompts.get((pk, m))) if asked else None
                )
            rostered = case_count(person.extra)  # the roster's own figure wins over the proxy
            histories.append(
                PersonHistory(
                    person.staff_id,
                    person.name,
                    dept_names.get(person.department_id, ""),
                    tuple(history),
                    rostered if rostered is not None else cases.get(pk, 0),
                )
            )
        found = suspicious(histories, policy)
    return Compliance(court_name, month, sched.deadline, now, depts, tuple(found), policy, counts_only)


async def compliance(
    uow: UnitOfWork,
    *,
    court_id: int,
    month: Month,
    now: datetime,
    tz: tzinfo,
    policy: Policy,
    court_name: str = "",
) -> Compliance:
    """The whole court's compliance for ``month`` (CLI reports; the caller is an operator)."""
    async with uow:
        result = await _compliance(
            uow, court_id=court_id, month=month, now=now, tz=tz, policy=policy, court_name=court_name
        )
        await uow.ledger.append(
            actor="cli",
            action="summary.read",
            object_type="summary",
            object_id=f"monthly:{month}",
            payload={},
        )
        await uow.commit()
        return result


async def missed_report(
    uow: UnitOfWork, *, court_id: int, now: datetime, tz: tzinfo, policy: Policy
) -> tuple[Month, tuple[tuple[str, str], ...]]:
    """(name, department) of who did not report the latest month whose deadline has passed, as the
    compliance notice reckons it (seed 003 §13): offered to the discipline office as possible cases
    (seed 004 §28), never decided."""
    month = report_month(now, tz)
    async with uow:
        c = await _compliance(uow, court_id=court_id, month=month, now=now, tz=tz, policy=policy, flags=False)
        if c.deadline > now:
            month = month.previous()
            c = await _compliance(
                uow, court_id=court_id, month=month, now=now, tz=tz, policy=policy, flags=False
            )
    return month, tuple((p.name, d.name) for d in c.departments for p in d.with_status(Status.MISSED))


async def latest_month(uow: UnitOfWork, *, court_id: int, now: datetime, tz: tzinfo) -> Month:
    """The month /monthly shows by default: the latest one asked, else the one being reported now."""
    async with uow:
        months = await uow.monthly.months(court_id)
    return Month.parse(months[-1]) if months else report_month(now, tz)


#: Who reads the compliance without being a summary reader: a department head (their department) and the
#: administrator (the whole court).
OWN_VIEW_ROLES = (Role.DEPT_HEAD.value, Role.ADMIN.value)


def may_view(staff: Staff) -> bool:
    """Whether `/monthly` (and the desk's page) shows ``staff`` anything: what ``view`` allows."""
    return (staff.role in OWN_VIEW_ROLES and staff.active) or may_read_summary(staff)


async def view(
    uow: UnitOfWork,
    *,
    staff: Staff,
    month: Month,
    now: datetime,
    tz: tzinfo,
    policy: Policy,
    court_name: str = "",
) -> Compliance:
    """`/monthly`: department heads see their own department, administrators and the summary readers
    (discipline office, president, trial management: ``access.read_summary``) the whole court. Every view
    is in the ledger; a refusal raises AccessDenied (also in the ledger)."""
    async with uow:
        departments: set[int] | None = None
        what = f"monthly:{month}"
        if staff.role in OWN_VIEW_ROLES and staff.active:
            if staff.role == Role.DEPT_HEAD.value:
                departments = {staff.department_id}
                what += f":department:{staff.department_id}"
            await uow.ledger.append(
                actor=f"staff:{staff.staff_id}",
                action="summary.read",
                object_type="summary",
                object_id=what,
                payload={},
            )
        else:
            try:
                await read_summary(uow, staff=staff, what=what)
            except AccessDenied:
                await uow.commit()
                raise
        result = await _compliance(
            uow,
            court_id=staff.court_id,
            month=month,
            now=now,
            tz=tz,
            policy=policy,
            court_name=court_name,
            departments=departments,
            flags=departments is None and staff.role != Role.TRIAL_MANAGEMENT.value,
            counts_only=staff.role == Role.TRIAL_MANAGEMENT.value,
        )
        await uow.commit()
        return result


async def remind_now(uow: UnitOfWork, *, staff: Staff, month: Month, now: datetime, tz: tzinfo) -> int | None:
    """The compliance table's remind-now (seed 003 §13): everyone asked for ``month`` who has neither
    answered nor recorded anything is asked again now — once a month for each person, before the deadline. A
    department head reminds their department, the summary readers and the administrator the whole court;
    None for anyone else. How many are to be reminded (the chat doors send them)."""
    allowed = (staff.role in OWN_VIEW_ROLES and staff.active) or may_read_summary(staff)
    if not allowed:
        return None
    async with uow:
        people = await uow.monthly.people(staff.court_id)
        if staff.role == Role.DEPT_HEAD.value:
            people = [p for p in people if p.department_id == staff.department_id]
        added = await _plan_reminders(
            uow,
            court_id=staff.court_id,
            month=month,
            kind=Kind.NUDGE,
            moment=now,
            people=people,
            now=now,
            tz=tz,
        )
        await uow.ledger.append(
            actor=f"staff:{staff.staff_id}",
            action="monthly.nudge",
            object_type="monthly",
            object_id=str(month),
            payload={"rows": added},
        )
        await uow.commit()
    return added
