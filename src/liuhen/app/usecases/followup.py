"""The discipline office's follow-through (``domain/followup.py`` has the rules): a disposition that asks for
action (移送、报上一级、调查、不实记录) opens a follow-up owned by the officer who disposed of it, with its
deadline in working days; the owner takes its steps on buttons (some ask for typed words); the recorder is
told the outcome (seed 004 §19(1)); it is reminded before it lapses and escalated to the office's head and
then the chief when it has. Every step is in the ledger."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from liuhen.app.ports import UnitOfWork
from liuhen.app.usecases.intake import Button, issue_button
from liuhen.app.usecases.outbox import OUTBOX
from liuhen.app.usecases.pending import Waiting, awaited
from liuhen.domain.access import reported_upward
from liuhen.domain.followup import (
    BY_DISPOSITION,
    CHIEF_AFTER_WORKDAYS,
    DUE_WORKDAYS,
    Finding,
    FollowUp,
    Kind,
    Refused,
    State,
    Step,
)
from liuhen.domain.grammar import OFFICE_HEAD_POSITIONS
from liuhen.domain.model import Role, Staff
from liuhen.domain.records import Record
from liuhen.domain.signoff import Chain, Decision, DecisionKind, DeferAnswer
from liuhen.domain.workdays import WorkCalendar, add_workdays

ACTION = "fu"
PENDING = "_followup:"


def _actor(staff: Staff) -> str:
    return f"staff:{staff.staff_id}"


def _disposal(chain: Chain) -> Decision | None:
    return next((d for d in reversed(chain.decisions) if d.kind is DecisionKind.DISPOSE), None)


async def open_for_record(uow: UnitOfWork, record: Record, chain: Chain, now: datetime, tz: tzinfo) -> None:
    """When a record is disposed of with a disposition that asks for action (inside the filing transaction);
    once per record."""
    kind = BY_DISPOSITION.get(record.disposition or "")
    disposal = _disposal(chain)
    if kind is None or disposal is None or record.id is None:
        return
    owner = disposal.signer_pk
    if await uow.followups.for_record(record.id) is not None:
        return
    days = {
        **DUE_WORKDAYS,
        Kind.INVESTIGATE: chain.terms.investigation_workdays,
        Kind.FALSE_RECORD: chain.terms.clarification_workdays,
    }
    due = add_workdays(now, days[kind], chain.terms.calendar, tz)
    followup = FollowUp(record.court_id, record.id, record.number, kind.value, owner, now, due)
    if disposal.defer_answer is DeferAnswer.OVERRIDE:
        # the recorder suggested deferring and the office did not accept it: the chief approves first
        # (seed 004 §18: 确需调查或分流、通报的，报院长/检察长批准)
        followup.state = State.AWAITING_CHIEF.value
    await uow.followups.add(followup)
    await uow.ledger.append(
        actor="system",
        action="followup.open",
        object_type="record",
        object_id=record.number,
        payload={"kind": kind.value, "owner": owner, "due": due.isoformat(), "state": followup.state},
    )


SYSTEM = "system"


async def reached_above(uow: UnitOfWork, record: Record, now: datetime) -> list[str]:
    """报上一级 (seed 004 §17(2)) where the level above is in the deployment: the record has just reached its
    discipline office through the system (the upward report), so the follow-up is sent, to it, at once; that
    office registers the result on its card (seed 004 §19: 处理结果反馈), which closes the follow-up and tells
    the recorder and the owner. The owner may still register a result that came back on paper. Inside the
    filing transaction; returns the outbox keys of the cards for the office above."""
    f = await uow.followups.for_record(record.id) if record.id is not None else None
    if f is None or f.kind != Kind.ESCALATE.value or f.state != State.OPEN.value:
        return []
    court = await uow.courts.get(record.court_id)
    above = await uow.courts.get(court.parent_id) if court is not None and court.parent_id else None
    if above is None or above.id is None:
        return []
    f.apply(Step.SEND, now, SYSTEM, text=above.name)
    await uow.ledger.append(
        actor=SYSTEM,
        action=f"followup.{Step.SEND.value}",
        object_type="record",
        object_id=f.number,
        payload={"text": above.name, "through": SYSTEM},
    )
    keys: list[str] = []
    for officer in await uow.staff.list(above.id):
        if officer.role == Role.DISCIPLINE and officer.active:
            key = await _post_card(uow, f, officer, now, Nudge.ABOVE)
            keys += [key] if key else []
    return keys


async def office_above(uow: UnitOfWork, f: FollowUp, staff: Staff) -> bool:
    """Whether ``staff`` is of the discipline office a 报上一级 went to, which registers its result."""
    if f.kind != Kind.ESCALATE.value or staff.role != Role.DISCIPLINE or not staff.active:
        return False
    court = await uow.courts.get(f.court_id)
    return court is not None and court.parent_id is not None and court.parent_id == staff.court_id


# --- what the owner sees ----------------------------------------------------------------------


class Act(enum.Enum):
    """The buttons of a follow-up card (``Button.shows`` carries the finding or the yes/no)."""

    SEND = "send"  # 已发出，登记接收单位
    ACKNOWLEDGE = "ack"  # 对方已签收
    TYPICAL = "typical"  # 列为典型案例
    FEEDBACK = "feedback"  # 登记反馈结果
    FIND = "find"  # a finding of the investigation
    CAUSE = "cause"  # not true: made up on purpose, or not
    APPROVE = "approve"  # the chief: approve overriding the defer suggestion, or not


class Nudge(enum.StrEnum):
    NEW = "new"  # just opened: the owner's card
    LIST = "list"  # asked for with /followup
    DUE_SOON = "due_soon"  # the last day before the deadline: the owner reminded
    OVERDUE = "overdue"  # lapsed: the owner reminded
    HEAD = "head"  # lapsed: the office's head told
    CHIEF = "chief"  # lapsed three working days ago: the chief told
    ABOVE = "above"  # 报上一级: the office above, to register the result (its button only)
    APPROVAL = "approval"  # the chief asked to approve overriding the recorder's defer suggestion


@dataclass(frozen=True)
class Card:
    followup: FollowUp
    chat_id: int
    nudge: Nudge
    rows: tuple[tuple[Button, ...], ...] = ()
    owner: str = ""  # the owner's name, for the head and the chief
    below: str = ""  # the court that reported it, for the office above


_ACTS = {
    Step.SEND: Act.SEND,
    Step.ACKNOWLEDGE: Act.ACKNOWLEDGE,
    Step.FEEDBACK: Act.FEEDBACK,
    Step.TYPICAL: Act.TYPICAL,
}


async def _rows(
    uow: UnitOfWork, f: FollowUp, owner: Staff, now: datetime, *, above: bool = False
) -> tuple[tuple[Button, ...], ...]:
    assert owner.id is not None and f.id is not None

    async def button(act: Act, step: Step, arg: str = "") -> Button:
        token = await issue_button(
            uow,
            staff_pk=owner.id or 0,
            action=ACTION,
            now=now,
            record_id=f.record_id,
            arg=f"{f.id}|{step}|{arg}",
        )
        return Button(act, token, arg)

    rows: list[tuple[Button, ...]] = []
    if above:  # the office a 报上一级 went to: its result
        return ((await button(Act.FEEDBACK, Step.FEEDBACK),),) if Step.FEEDBACK in f.next_steps() else ()
    if owner.id != f.owner_pk:  # the chief's card
        if f.chief_steps():
            rows.append(
                (
                    await button(Act.APPROVE, Step.APPROVE, "yes"),
                    await button(Act.APPROVE, Step.APPROVE, "no"),
                )
            )
        return tuple(rows)
    for step in f.next_steps():
        if step is Step.FIND:
            rows.append(tuple([await button(Act.FIND, step, finding.value) for finding in Finding]))
        elif step is Step.CAUSE:
            rows.append((await button(Act.CAUSE, step, "yes"), await button(Act.CAUSE, step, "no")))
        else:
            rows.append((await button(_ACTS[step], step),))
    return tuple(rows)


async def card(uow: UnitOfWork, f: FollowUp, person: Staff, now: datetime, nudge: Nudge) -> Card | None:
    """The card ``person`` is shown of ``f`` (its buttons issued now); None when no door reaches them."""
    if not person.active or person.chat_id is None:
        return None
    if person.court_id != f.court_id and await office_above(uow, f, person):
        court = await uow.courts.get(f.court_id)
        rows = await _rows(uow, f, person, now, above=True)
        return Card(f, person.chat_id, Nudge.ABOVE, rows, below=court.name if court else "")
    if nudge in (Nudge.HEAD, Nudge.CHIEF):
        owner = await uow.staff.get(f.owner_pk)
        return Card(f, person.chat_id, nudge, owner=owner.name if owner else "")
    return Card(f, person.chat_id, nudge, await _rows(uow, f, person, now))


async def _post_card(uow: UnitOfWork, f: FollowUp, person: Staff, now: datetime, nudge: Nudge) -> str | None:
    """A card for someone else than the one acting, through the outbox: the door that reaches them sends
    it (the buttons are issued then). The key, or None when no door reaches them."""
    if not person.active or person.chat_id is None or person.id is None or f.id is None:
        return None
    key = f"{OUTBOX}followup:{f.id}:{len(f.steps)}:{nudge.value}:{person.id}:{int(now.timestamp())}"
    payload = {"t": "followup", "followup": f.id, "staff": person.id, "nudge": nudge.value}
    return key if await uow.notices.post(key, person.chat_id, payload) else None


def heads_office(staff: Staff) -> bool:
    """A discipline officer whose roster position is the office head's (主任, 组长)."""
    return staff.role == Role.DISCIPLINE and staff.active and staff.position in OFFICE_HEAD_POSITIONS


def _office_head(people: list[Staff], owner_pk: int) -> Staff | None:
    """The head of the discipline office, other than the owner; None when the owner is the head or nobody
    is."""
    heads = [s for s in people if heads_office(s)]
    return None if any(s.id == owner_pk for s in heads) else next(iter(heads), None)


async def due_nudges(
    uow: UnitOfWork, *, court_id: int, now: datetime, tz: tzinfo, calendar: WorkCalendar | None = None
) -> list[str]:
    """New follow-ups to their owners, reminders the last day before the deadline, and once lapsed the
    office's head and, three working days later, the chief; each marked as sent in the same transaction and
    posted to the outbox, which the door that reaches each person sends (/followup lists every open one).
    Returns the outbox keys."""
    async with uow:
        cal = WorkCalendar(await uow.calendar.overrides(court_id)) if calendar is None else calendar
        cards: list[str] = []
        people = list(await uow.staff.list(court_id))
        by_pk = {s.id: s for s in people}
        chief = next((s for s in people if s.role == Role.PRESIDENT and s.active), None)
        for f in await uow.followups.open_in(court_id):
            owner = by_pk.get(f.owner_pk)
            if owner is None:
                continue
            nudges: list[tuple[Staff, Nudge]] = []
            if f.state == State.AWAITING_CHIEF.value:
                if f.notified_at is None:  # the chief's card; the owner's says it waits for the answer
                    f.notified_at = now
                    nudges.append((owner, Nudge.NEW))
                    if chief is not None:
                        nudges.append((chief, Nudge.APPROVAL))
                await _nudge(uow, f, nudges, now, cards)
                continue
            last_day = now >= f.due_at - timedelta(days=1)
            if f.notified_at is None:
                f.notified_at = now
                f.reminded_at = now if last_day else None
                nudges.append((owner, Nudge.OVERDUE if f.overdue(now) else Nudge.NEW))
            elif f.reminded_at is None and last_day:
                f.reminded_at = now
                nudges.append((owner, Nudge.OVERDUE if f.overdue(now) else Nudge.DUE_SOON))
            if f.overdue(now) and f.head_told_at is None:
                f.head_told_at = now
                head = _office_head(people, f.owner_pk)
                if head is not None:
                    nudges.append((head, Nudge.HEAD))
                elif chief is not None:  # the owner heads the office: the chief is told at once
                    f.chief_told_at = now
                    nudges.append((chief, Nudge.CHIEF))
            if f.chief_told_at is None and now > add_workdays(f.due_at, CHIEF_AFTER_WORKDAYS, cal, tz):
                f.chief_told_at = now
                if chief is not None:
                    nudges.append((chief, Nudge.CHIEF))
            await _nudge(uow, f, nudges, now, cards)
        await uow.commit()
        return cards


async def _nudge(
    uow: UnitOfWork, f: FollowUp, nudges: list[tuple[Staff, Nudge]], now: datetime, keys: list[str]
) -> None:
    for person, nudge in nudges:
        key = await _post_card(uow, f, person, now, nudge)
        if key is not None:
            keys.append(key)
            await uow.ledger.append(
                actor="system",
                action=f"followup.{nudge.value}",
                object_type="record",
                object_id=f.number,
                payload={"to": person.staff_id},
            )


async def open_cards(uow: UnitOfWork, *, staff: Staff, now: datetime) -> list[Card]:
    """`/followup`: the person's open follow-ups, overdue first (the earliest deadline first), each with its
    buttons; the discipline office's head sees the whole office's."""
    assert staff.id is not None
    async with uow:
        if staff.role != Role.DISCIPLINE:
            return []
        followups = list(
            await uow.followups.open_in(staff.court_id, None if heads_office(staff) else staff.id)
        )
        for below in await uow.courts.list():  # 报上一级 from the courts just below: their results
            if below.parent_id == staff.court_id and below.id is not None:
                followups += [
                    f
                    for f in await uow.followups.open_in(below.id)
                    if f.kind == Kind.ESCALATE.value and Step.FEEDBACK in f.next_steps()
                ]
        cards = []
        # the head reads the others' as a head is told of them: who, and where it stands
        for f in sorted(followups, key=lambda f: (f.due_at, f.id or 0)):
            shown = await card(uow, f, staff, now, Nudge.LIST if f.owner_pk == staff.id else Nudge.HEAD)
            if shown is not None:
                cards.append(shown)
        await uow.commit()
        return cards


# --- the owner's steps ----------------------------------------------------------------------


class Outcome(enum.StrEnum):
    ASK = "ask"  # type the words the step needs now
    DONE = "done"  # the step is taken; ``card`` shows what comes next (or that it is closed)
    CLOSED = "closed"  # closed before
    EMPTY = "empty"  # nothing typed: asked again, nothing changed
    FORBIDDEN = "forbidden"  # not this person's follow-up or button
    STALE = "stale"  # a step that no longer fits (taken by then)
    DUPLICATE = "duplicate"  # a replayed update


@dataclass(frozen=True)
class Told:
    """Someone told of the outcome: the recorder (seed 004 §19(1): 结果反馈记录人), or the head of the
    intervener's own department where the intervener is the court's own staff. Never the intervener, and
    nobody is told who recorded."""

    chat_id: int
    followup: FollowUp
    recorder: bool
    above: str = ""  # the court below's name, when told to the discipline office of the court above
    overridden: bool = False  # not the outcome: the chief approved overriding the recorder's suggestion
    owner: bool = False  # the owner, told the result the office above registered (报上一级)


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    followup: FollowUp | None = None
    step: Step | None = None
    arg: str = ""
    card: Card | None = None
    told: tuple[Told, ...] = ()
    document: bool = False  # a 移送函 or a clarification is to be sent to the owner
    keys: tuple[str, ...] = ()  # the outbox messages posted (those told), sent after the commit


def _parse(arg: str | None) -> tuple[int, Step, str] | None:
    parts = (arg or "").split("|")
    try:
        return int(parts[0]), Step(parts[1]), parts[2] if len(parts) > 2 else ""
    except (ValueError, IndexError):
        return None


async def press(uow: UnitOfWork, *, staff: Staff, token: str, now: datetime) -> Result:
    """A follow-up button: 对方已签收 is taken at once; the others ask for their words."""
    async with uow:
        callback = await uow.callbacks.get(token)
        parsed = _parse(callback.arg) if callback is not None else None
        if callback is None or callback.staff_pk != staff.id or callback.action != ACTION or parsed is None:
            return Result(Outcome.FORBIDDEN)
        pk, step, arg = parsed
        f = await uow.followups.get(pk)
        chief = step is Step.APPROVE and staff.role == Role.PRESIDENT
        if f is None or not await _may_take(uow, f, staff, step, chief):
            return Result(Outcome.FORBIDDEN)
        if step not in (f.chief_steps() if chief else f.next_steps()):
            return Result(Outcome.CLOSED if not f.open else Outcome.STALE, f)
        if step in (Step.APPROVE, Step.TYPICAL):
            return await _take(uow, staff, f, step, now, text=None, arg=arg)
        if step is Step.ACKNOWLEDGE:
            return await _take(uow, staff, f, step, now, text=None, arg=None)
        assert staff.id is not None
        (await uow.conversations.get(staff.id)).pending_field = f"{PENDING}{f.id}|{step}|{arg}"
        await uow.commit()
        return Result(Outcome.ASK, f, step, arg)


async def _may_take(uow: UnitOfWork, f: FollowUp, staff: Staff, step: Step, chief: bool) -> bool:
    """The owner takes the steps, the chief approves, and the office a 报上一级 went to registers its
    result (seed 004 §17(2), §19)."""
    if f.court_id == staff.court_id and (f.owner_pk == staff.id or chief):
        return True
    return step is Step.FEEDBACK and await office_above(uow, f, staff)


#: The steps that need words: the receiving body, the feedback, the measures, the cause.
WORDED = (Step.SEND, Step.FEEDBACK, Step.FIND, Step.CAUSE)


async def act(
    uow: UnitOfWork,
    *,
    staff: Staff,
    number: str,
    step: Step,
    text: str,
    arg: str,
    now: datetime,
    court_id: int | None = None,
) -> Result:
    """A step taken at the desk, in one form (the words with it): the same checks and the same ``_take`` as
    the chat's buttons and typed words (seed 004 §17–§20). ``court_id``: the record's court, when it is a
    court below's (the office a 报上一级 went to registers its result)."""
    async with uow:
        record = await uow.records.by_number(court_id or staff.court_id, number)
        f = (
            await uow.followups.for_record(record.id)
            if record is not None and record.id is not None
            else None
        )
        chief = step is Step.APPROVE and staff.role == Role.PRESIDENT
        if f is None or not await _may_take(uow, f, staff, step, chief):
            return Result(Outcome.FORBIDDEN)
        if step not in (f.chief_steps() if chief else f.next_steps()):
            return Result(Outcome.CLOSED if not f.open else Outcome.STALE, f)
        choices = {
            Step.FIND: {x.value for x in Finding},
            Step.CAUSE: {"yes", "no"},
            Step.APPROVE: {"yes", "no"},
        }
        if (step in WORDED and not " ".join(text.split())) or (step in choices and arg not in choices[step]):
            return Result(Outcome.EMPTY, f, step, arg)
        return await _take(uow, staff, f, step, now, text=text if step in WORDED else None, arg=arg or None)


async def for_record(uow: UnitOfWork, *, record_id: int) -> FollowUp | None:
    async with uow:
        return await uow.followups.for_record(record_id)


async def typed(uow: UnitOfWork, *, staff: Staff, text: str, update_id: int, now: datetime) -> Result | None:
    """The words a step asked for; None when none are awaited (the text is something else)."""
    async with uow:
        waiting = await awaited(uow, staff, PENDING, update_id=update_id, kind="followup")
        if waiting is Waiting.NOTHING:
            return None
        if waiting is Waiting.DUPLICATE:
            return Result(Outcome.DUPLICATE)
        conversation, arg = waiting
        parsed = _parse(arg)
        f = await uow.followups.get(parsed[0]) if parsed is not None else None
        if parsed is None or f is None:
            conversation.pending_field = None
            await uow.commit()
            return Result(Outcome.FORBIDDEN)
        _, step, arg = parsed
        if not await _may_take(uow, f, staff, step, chief=False):
            conversation.pending_field = None
            await uow.commit()
            return Result(Outcome.FORBIDDEN)
        if not f.open or step not in f.next_steps():
            conversation.pending_field = None
            await uow.commit()
            return Result(Outcome.CLOSED if not f.open else Outcome.STALE, f)
        if not " ".join(text.split()):
            await uow.commit()  # the update is claimed; the question stays open
            return Result(Outcome.EMPTY, f, step, arg)
        conversation.pending_field = None
        return await _take(uow, staff, f, step, now, text=text, arg=arg or None)


async def _take(
    uow: UnitOfWork,
    staff: Staff,
    f: FollowUp,
    step: Step,
    now: datetime,
    *,
    text: str | None,
    arg: str | None,
) -> Result:
    try:
        f.apply(step, now, staff.staff_id, text=text, arg=arg)
    except (Refused, ValueError):
        await uow.commit()
        return Result(Outcome.STALE, f)
    await uow.ledger.append(
        actor=_actor(staff),
        action=f"followup.{step.value}",
        object_type="record",
        object_id=f.number,
        payload={k: v for k, v in f.steps[-1].items() if k not in ("at", "by")},
    )
    told: list[Told] = []
    if not f.open and step is not Step.TYPICAL:
        told = await _tell_outcome(uow, f, staff)
    elif step is Step.APPROVE and f.chief_approved:
        told = await _tell_overridden(uow, f)
    keys: list[str] = []
    for i, t in enumerate(told):  # through the outbox: nothing told is lost to a crash, whichever door
        key = f"{OUTBOX}told:{f.id}:{len(f.steps)}:{i}"
        payload = {
            "t": "told",
            "record": f.record_id,
            "followup": f.id,
            "recorder": t.recorder,
            "above": t.above,
            "overridden": t.overridden,
            "owner": t.owner,
        }
        if await uow.notices.post(key, t.chat_id, payload):
            keys.append(key)
    shown = await card(uow, f, staff, now, Nudge.LIST)
    if step is Step.APPROVE:  # approved: the owner's card, to start (by the door that reaches the owner)
        owner = await uow.staff.get(f.owner_pk)
        shown = None
        posted = await _post_card(uow, f, owner, now, Nudge.NEW) if owner is not None and f.open else None
        keys += [posted] if posted else []
    await uow.commit()
    document = (step is Step.SEND and f.kind == Kind.TRANSFER.value) or step is Step.CAUSE
    return Result(Outcome.DONE, f, step, arg or "", shown, tuple(told), document, tuple(keys))


async def _tell_overridden(uow: UnitOfWork, f: FollowUp) -> list[Told]:
    """The chief approved not following the recorder's suggestion to defer: the recorder is told now (seed
    004 §18: 经检察长批准同意，并于三个工作日内告知检察人员), never before the approval."""
    record = await uow.records.get(f.record_id)
    recorder = await uow.staff.get(record.recorder_id) if record is not None else None
    if recorder is None or not recorder.active or recorder.chat_id is None:
        return []
    await uow.ledger.append(
        actor="system",
        action="followup.override_told",
        object_type="record",
        object_id=f.number,
        payload={},
    )
    return [Told(recorder.chat_id, f, True, overridden=True)]


async def _tell_outcome(uow: UnitOfWork, f: FollowUp, actor: Staff) -> list[Told]:
    record = await uow.records.get(f.record_id)
    if record is None:
        return []
    told: list[Told] = []
    recorder = await uow.staff.get(record.recorder_id)
    if recorder is not None and recorder.active and recorder.chat_id is not None:
        told.append(Told(recorder.chat_id, f, True))
    owner = await uow.staff.get(f.owner_pk) if actor.id != f.owner_pk else None
    if owner is not None and owner.active and owner.chat_id is not None and owner.id != record.recorder_id:
        # the office above registered the result of what the owner reported to it (seed 004 §19)
        told.append(Told(owner.chat_id, f, False, owner=True))
    if f.kind == Kind.INVESTIGATE.value:
        # the intervener is the court's own staff: the head of their department is told the outcome
        name = (record.given.intervener_name or "").strip()
        people = list(await uow.staff.list(record.court_id))
        intervener = next((s for s in people if s.active and name and s.name == name), None)
        if intervener is not None:
            for head in people:
                if (
                    head.role == Role.DEPT_HEAD
                    and head.active
                    and head.department_id == intervener.department_id
                    and head.id not in (intervener.id, record.recorder_id)
                    and head.chat_id is not None
                ):
                    told.append(Told(head.chat_id, f, False))
    court = await uow.courts.get(record.court_id)
    if reported_upward(record) and court is not None and court.parent_id is not None:
        # the level above had the record (seed 001 实施办法 §6; 层报): it gets the result (seed 004 §19)
        for officer in await uow.staff.list(court.parent_id):
            if (
                officer.role == Role.DISCIPLINE
                and officer.active
                and officer.chat_id is not None
                and officer.id != actor.id  # the office above told what it registered itself: no
            ):
                told.append(Told(officer.chat_id, f, False, above=court.name))
    for t in told:
        await uow.ledger.append(
            actor="system",
            action="followup.outcome_told",
            object_type="record",
            object_id=f.number,
            payload={"recorder": t.recorder},
        )
    return told


def waiting_for_words(pending_field: str | None) -> bool:
    return (pending_field or "").startswith(PENDING)


async def list_followups(
    uow: UnitOfWork, *, court_id: int, now: datetime, closed: bool = False
) -> list[dict[str, Any]]:
    """For the operator's `liuhen followup list`: every follow-up (open ones unless ``closed``), the earliest
    deadline first, without the record's content (numbers, kinds, owners, deadlines, states)."""
    async with uow:
        people = {s.id: s for s in await uow.staff.list(court_id)}
        rows = await uow.followups.in_court(court_id) if closed else await uow.followups.open_in(court_id)
        return [
            {
                "number": f.number,
                "kind": f.kind,
                "state": f.state,
                "owner": people[f.owner_pk].staff_id if f.owner_pk in people else None,
                "owner_name": people[f.owner_pk].name if f.owner_pk in people else None,
                "opened_at": f.opened_at.isoformat(),
                "due_at": f.due_at.isoformat(),
                "overdue": f.overdue(now),
                "receiver": f.receiver,
                "finding": f.finding,
                "closed_at": f.closed_at.isoformat() if f.closed_at else None,
            }
            for f in sorted(rows, key=lambda f: (f.due_at, f.id or 0))
        ]
