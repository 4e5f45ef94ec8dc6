"""Accountability (责任追究; ``domain/accountability.py`` has the rules): the discipline office records a
measure against a person — ground, person, measure, and the record and a note where there are some — on
buttons and typed words; the seed 004 §27 counts come back as warnings; records entered late are offered as
possible cases, never decided. Every measure is in the ledger; only the discipline office (and the operator)
see them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, tzinfo

from liuhen.app.ports import UnitOfWork
from liuhen.app.usecases.intake import Button, issue_button
from liuhen.app.usecases.monthly import missed_report
from liuhen.app.usecases.pending import Waiting, awaited
from liuhen.domain import catalogue as cat
from liuhen.domain.accountability import Measure, Warning, clean, warnings, warnings_as_recorded
from liuhen.domain.grammar import NOTHING_WORDS
from liuhen.domain.model import Role, Staff
from liuhen.domain.monthly import Month, Policy

ACTION = "ac"
PENDING_PERSON = "_acct_person:"  # + ground
PENDING_NOTE = "_acct_note:"  # + the measure's id


class Act(enum.Enum):
    START = "start"  # 登记责任追究
    GROUND = "ground"  # ``shows``: the ground's key
    MEASURE = "measure"  # ``shows``: the measure's key


class Outcome(enum.StrEnum):
    GROUNDS = "grounds"  # choose the ground
    ASK_PERSON = "ask_person"  # type who
    MEASURES = "measures"  # choose the measure
    ASK_NOTE = "ask_note"  # the measure is recorded; type the record number and a note, or 无
    RECORDED = "recorded"  # the note is kept too
    UNKNOWN_STAFF = "unknown_staff"  # the ground concerns own staff, and nobody on the roster is called so
    EMPTY = "empty"  # nothing typed
    FORBIDDEN = "forbidden"  # not the discipline office, or not this person's button
    DUPLICATE = "duplicate"  # a replayed update


@dataclass(frozen=True)
class Line:
    measure: Measure
    warnings: tuple[Warning, ...] = ()


@dataclass(frozen=True)
class Overview:
    """`/accountability`: this year's measures and the records entered late (possible cases)."""

    year: int
    lines: tuple[Line, ...]
    late: tuple[tuple[str, str], ...]  # (record number, recorder's name): 未在规定期限内报告 (seed 004 §28)
    start: Button | None
    month: Month | None = None  # the latest month whose report deadline has passed
    missed: tuple[
        tuple[str, str], ...
    ] = ()  # (name, department) who did not report that month (seed 003 §13)


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    rows: tuple[tuple[Button, ...], ...] = ()
    ground: str = ""
    person: str = ""
    line: Line | None = None


def _office(staff: Staff) -> bool:
    return staff.role == Role.DISCIPLINE and staff.active


async def _button(
    uow: UnitOfWork, staff: Staff, act: Act, arg: str, now: datetime, shows: str = ""
) -> Button:
    assert staff.id is not None
    token = await issue_button(uow, staff_pk=staff.id, action=ACTION, now=now, arg=f"{act.value}|{arg}")
    return Button(act, token, shows)


async def overview(
    uow: UnitOfWork,
    *,
    staff: Staff,
    now: datetime,
    tz: tzinfo,
    policy: Policy | None = None,
    buttons: bool = True,
) -> Overview | None:
    """None when the person is not of the discipline office; the read is in the ledger. With the monthly
    ``policy``, the people who missed the latest month's report are offered too (possible cases only)."""
    if not _office(staff):
        return None
    month, missed = (
        (None, ())
        if policy is None
        else await missed_report(uow, court_id=staff.court_id, now=now, tz=tz, policy=policy)
    )
    async with uow:
        year = now.astimezone(tz).year
        start = datetime(year, 1, 1, tzinfo=tz)
        measures = list(await uow.accountability.in_court(staff.court_id))
        lines = tuple(
            Line(m, tuple(w))
            for m, w in zip(measures, warnings_as_recorded(measures), strict=True)
            if m.decided_at >= start
        )
        late = tuple(await uow.accountability.late_records(staff.court_id, start))
        button = await _button(uow, staff, Act.START, "", now) if buttons else None
        await uow.ledger.append(
            actor=f"staff:{staff.staff_id}",
            action="summary.read",
            object_type="summary",
            object_id=f"accountability:{year}",
            payload={},
        )
        await uow.commit()
        return Overview(year, lines, late, button, month, missed)


async def press(uow: UnitOfWork, *, staff: Staff, token: str, now: datetime) -> Result:
    async with uow:
        callback = await uow.callbacks.get(token)
        if (
            callback is None
            or callback.staff_pk != staff.id
            or callback.action != ACTION
            or not _office(staff)
        ):
            return Result(Outcome.FORBIDDEN)
        act, _, arg = (callback.arg or "").partition("|")
        assert staff.id is not None
        conversation = await uow.conversations.get(staff.id)
        if act == Act.START.value:
            rows = [
                (await _button(uow, staff, Act.GROUND, g.key, now, g.key),)
                for g in cat.ACCOUNTABILITY_GROUNDS
            ]
            await uow.commit()
            return Result(Outcome.GROUNDS, tuple(rows))
        if act == Act.GROUND.value and arg in cat.keys(cat.ACCOUNTABILITY_GROUNDS):
            conversation.pending_field = f"{PENDING_PERSON}{arg}"
            await uow.commit()
            return Result(Outcome.ASK_PERSON, ground=arg)
        if act == Act.MEASURE.value:
            result = await _record(uow, staff, arg, now)
            await uow.commit()
            return result
        return Result(Outcome.FORBIDDEN)


async def typed(uow: UnitOfWork, *, staff: Staff, text: str, update_id: int, now: datetime) -> Result | None:
    """Who (after a ground), or the record number and note (after a measure); None when nothing waits."""
    async with uow:
        for prefix in (PENDING_PERSON, PENDING_NOTE):
            waiting = await awaited(uow, staff, prefix, update_id=update_id, kind="accountability")
            if waiting is Waiting.DUPLICATE:
                return Result(Outcome.DUPLICATE)
            if waiting is Waiting.NOTHING:
                continue
            conversation, arg = waiting
            words = clean(text)
            if words is None:
                await uow.commit()
                return Result(Outcome.EMPTY)
            if prefix == PENDING_PERSON:
                result = await _person(uow, staff, arg, words, now)
                if result.outcome is Outcome.MEASURES:
                    conversation.pending_field = None
            else:
                conversation.pending_field = None
                result = await _note(uow, staff, int(arg or 0), words)
            await uow.commit()
            return result
        return None


async def _who(uow: UnitOfWork, staff: Staff, ground: str, words: str) -> tuple[str, Staff | None] | None:
    """Who a measure is against: one of the court's staff (by id or name), or an outsider by name; None when
    the ground concerns own staff (seed 004 §26, §27) and nobody on the roster is called so."""
    people = [p for p in await uow.staff.list(staff.court_id) if p.active]
    found = next((p for p in people if words in (p.staff_id, p.name)), None)
    if found is None and ground in cat.STAFF_ONLY_GROUNDS:
        return None
    return (f"staff:{found.id}" if found is not None else f"name:{words[:40]}"), found


async def _person(uow: UnitOfWork, staff: Staff, ground: str, words: str, now: datetime) -> Result:
    who_found = await _who(uow, staff, ground, words)
    if who_found is None:
        return Result(Outcome.UNKNOWN_STAFF, ground=ground, person=words)  # asked again; nothing kept
    who, found = who_found
    rows = []
    for m in cat.ACCOUNTABILITY_MEASURES:
        rows.append((await _button(uow, staff, Act.MEASURE, f"{ground}|{who}|{m.key}", now, m.key),))
    return Result(Outcome.MEASURES, tuple(rows), ground, found.name if found else words)


async def _record(uow: UnitOfWork, staff: Staff, arg: str, now: datetime) -> Result:
    ground, who, measure = [*arg.split("|"), "", "", ""][:3]
    if ground not in cat.keys(cat.ACCOUNTABILITY_GROUNDS) or measure not in cat.keys(
        cat.ACCOUNTABILITY_MEASURES
    ):
        return Result(Outcome.FORBIDDEN)
    person: Staff | None = None
    name = who.removeprefix("name:")
    if who.startswith("staff:"):
        person = await uow.staff.get(int(who.removeprefix("staff:")))
        if person is None or person.court_id != staff.court_id:
            return Result(Outcome.FORBIDDEN)
        name = person.name
    m = Measure(
        staff.court_id,
        ground,
        measure,
        name,
        now,
        staff.staff_id,
        staff_pk=person.id if person else None,
        department_id=person.department_id if person else None,
    )
    earlier = list(await uow.accountability.in_court(staff.court_id))
    await uow.accountability.add(m)
    await uow.flush()
    await uow.ledger.append(
        actor=f"staff:{staff.staff_id}",
        action="accountability.record",
        object_type="accountability",
        object_id=str(m.id),
        payload={"ground": ground, "measure": measure, "person": person.staff_id if person else name},
    )
    assert staff.id is not None
    (await uow.conversations.get(staff.id)).pending_field = f"{PENDING_NOTE}{m.id}"
    return Result(Outcome.ASK_NOTE, line=Line(m, tuple(warnings(m, earlier))))


async def _note(uow: UnitOfWork, staff: Staff, pk: int, words: str) -> Result:
    measures = {m.id: m for m in await uow.accountability.in_court(staff.court_id)}
    m = measures.get(pk)
    if m is None:
        return Result(Outcome.FORBIDDEN)
    if words not in NOTHING_WORDS:
        number = next((w.upper() for w in words.split() if w.upper().startswith("LH-")), None)
        m.record_number, m.note = number, words
        await uow.ledger.append(
            actor=f"staff:{staff.staff_id}",
            action="accountability.note",
            object_type="accountability",
            object_id=str(m.id),
            payload={"record": number},
        )
    earlier = [e for e in measures.values() if (e.id or 0) < pk]
    return Result(Outcome.RECORDED, line=Line(m, tuple(warnings(m, earlier))))


async def register(
    uow: UnitOfWork, *, staff: Staff, ground: str, person: str, measure: str, note: str, now: datetime
) -> Result:
    """A measure registered at the desk in one form (seed 004 §25–§29): the same checks, the same row and
    ledger entries and the same warnings as the chat's steps; nothing left waiting in the chat."""
    async with uow:
        if not _office(staff) or staff.id is None:
            return Result(Outcome.FORBIDDEN)
        words = clean(person)
        if words is None or ground not in cat.keys(cat.ACCOUNTABILITY_GROUNDS):
            return Result(Outcome.EMPTY)
        who_found = await _who(uow, staff, ground, words)
        if who_found is None:
            return Result(Outcome.UNKNOWN_STAFF, ground=ground, person=words)
        result = await _record(uow, staff, f"{ground}|{who_found[0]}|{measure}", now)
        conversation = await uow.conversations.get(staff.id)
        conversation.pending_field = None  # the note comes with the form, not as the chat's next message
        if result.outcome is Outcome.ASK_NOTE and result.line is not None:
            assert result.line.measure.id is not None
            words = clean(note)
            result = (
                await _note(uow, staff, result.line.measure.id, words)
                if words is not None
                else Result(Outcome.RECORDED, line=result.line)
            )
        await uow.commit()
        return result


def waiting(pending_field: str | None) -> bool:
    return (pending_field or "").startswith((PENDING_PERSON, PENDING_NOTE))


async def list_measures(uow: UnitOfWork, *, court_id: int) -> list[dict[str, object]]:
    """For the operator's `liuhen accountability list`: every measure, oldest first, with its warnings; the
    read is in the ledger."""
    async with uow:
        people = {s.id: s for s in await uow.staff.list(court_id)}
        measures = list(await uow.accountability.in_court(court_id))
        rows: list[dict[str, object]] = [
            {
                "decided_at": m.decided_at.isoformat(),
                "person": people[m.staff_pk].staff_id if m.staff_pk in people else None,
                "person_name": m.person_name,
                "ground": m.ground,
                "measure": m.measure,
                "record": m.record_number,
                "note": m.note,
                "decided_by": m.decided_by,
                "warnings": [w.value for w in found],
            }
            for m, found in zip(measures, warnings_as_recorded(measures), strict=True)
        ]
        await uow.ledger.append(
            actor="cli", action="summary.read", object_type="summary", object_id="accountability", payload={}
        )
        await uow.commit()
        return rows
