"""Notices (通报; ``domain/notices.py`` has the rules): the discipline office issues a quarter's notice of
the violations found (investigations closed 属实 / 部分属实, accountability measures) or one notice for one
disposed record (一案一通报), to the distribution it ticks. The notice is numbered and kept, the issue is in
the ledger; the court's leaders and department heads (internal) and the discipline office of the court
above (a copy) receive it. The recorder is never named."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from liuhen.app.ports import UnitOfWork
from liuhen.app.usecases.access import AccessDenied, Denial, actor_of, read_record
from liuhen.app.usecases.intake import Button, issue_button
from liuhen.app.usecases.outbox import OUTBOX
from liuhen.app.usecases.pending import Waiting, awaited
from liuhen.domain.access import Operator
from liuhen.domain.accountability import Measure
from liuhen.domain.followup import Finding
from liuhen.domain.model import Role, Staff
from liuhen.domain.notices import Kind, Notice, Problem, Refused, To, distribution
from liuhen.domain.periods import BadPeriod, Quarter

ACTION = "nt"
PENDING_OTHER = "_notice_other:"  # + subject|ticked: the other organ's name is typed
#: The findings made known (seed 004 §19(1), §22): 属实 and 部分属实.
FOUND = frozenset({Finding.TRUE.value, Finding.PARTLY.value})
#: Who passes an internal notice on inside the court.
INTERNAL_ROLES = frozenset({Role.PRESIDENT, Role.VICE_PRESIDENT, Role.DEPT_HEAD})


@dataclass(frozen=True)
class Violation:
    number: str
    intervener: str
    unit: str
    gist: str
    finding: str | None  # ``Finding`` value
    outcome: str | None


@dataclass(frozen=True)
class MeasureLine:
    person: str
    ground: str  # catalogue key
    measure: str  # catalogue key
    record: str | None


@dataclass(frozen=True)
class Issued:
    notice: Notice
    violations: tuple[Violation, ...]
    measures: tuple[MeasureLine, ...]
    recipients: tuple[int, ...]  # staff keys of those a chat door reaches: internal and the level above


def subject_of(text: str) -> tuple[Kind, str]:
    """``2026Q4`` (a quarter) or ``LH-2026-0001`` (a record): which notice, about what."""
    s = text.strip().upper()
    if s.startswith("LH-"):
        return Kind.CASE, s
    try:
        return Kind.PERIODIC, Quarter.parse(text).key
    except BadPeriod:
        raise Refused(Problem.UNKNOWN_RECORD) from None


def may_issue(person: Staff | Operator) -> bool:
    return isinstance(person, Operator) or (person.role == Role.DISCIPLINE and person.active)


async def _violation(uow: UnitOfWork, record_id: int) -> Violation | None:
    record = await uow.records.get(record_id)
    if record is None:
        return None
    followup = await uow.followups.for_record(record_id)
    a = record.given
    return Violation(
        record.number,
        a.intervener_name or "",
        a.intervener_unit or "",
        (a.gist(1) or ("",))[0],
        followup.finding if followup else None,
        followup.outcome if followup else None,
    )


async def issue(
    uow: UnitOfWork,
    *,
    issuer: Staff | Operator,
    subject: str,
    ticked: Iterable[str],
    other_organ: str | None,
    now: datetime,
    tz: tzinfo,
) -> Issued:
    """Issue the notice: ``Refused`` with the problem (nothing changes), ``AccessDenied`` for a reader who may
    not issue or read the record."""
    if not may_issue(issuer):
        raise AccessDenied(Denial.SUMMARY)
    kind, key = subject_of(subject)
    chosen = distribution(ticked, other_organ)
    async with uow:
        court_id = issuer.court_id
        today = now.astimezone(tz).date()
        record_ids, measures = await _found(uow, court_id, kind, key, tz)
        if kind is Kind.CASE:  # the one record is read to be made known: a read, authorised and logged
            await read_record(
                uow, staff=issuer, record=await uow.records.get(record_ids[0]), what="notice", today=today
            )
        violations = [v for pk in record_ids if (v := await _violation(uow, pk)) is not None]
        year = now.astimezone(tz).year
        notice = Notice(
            court_id,
            kind.value,
            key,
            year,
            await uow.notices_issued.next_seq(court_id, year),
            chosen,
            (other_organ or "").strip() or None,
            now,
            actor_of(issuer),
        )
        await uow.notices_issued.add(notice)
        await uow.ledger.append(
            actor=actor_of(issuer),
            action="notice.issue",
            object_type="notice",
            object_id=f"{year}-{notice.seq}",
            payload={"kind": kind.value, "subject": key, "distribution": chosen, "other": notice.other_organ},
        )
        recipients = await _recipients(uow, court_id, chosen, issuer)
        await uow.commit()
    lines = tuple(MeasureLine(m.person_name, m.ground, m.measure, m.record_number) for m in measures)
    return Issued(notice, tuple(violations), lines, recipients)


async def _recipients(
    uow: UnitOfWork, court_id: int, chosen: Sequence[str], issuer: Staff | Operator
) -> tuple[int, ...]:
    people: list[Staff] = []
    if To.INTERNAL.value in chosen:
        people += [p for p in await uow.staff.list(court_id) if p.role in INTERNAL_ROLES]
    court = await uow.courts.get(court_id)
    if To.ABOVE.value in chosen and court is not None and court.parent_id is not None:
        people += [p for p in await uow.staff.list(court.parent_id) if p.role == Role.DISCIPLINE]
    mine = issuer.id if isinstance(issuer, Staff) else None
    return tuple(
        sorted({p.id for p in people if p.active and p.reachable and p.id is not None and p.id != mine})
    )


async def distribute(uow: UnitOfWork, *, issued: Issued, sha256: str, name: str, reference: str) -> list[str]:
    """The notice's PDF as issued (already in the evidence store) to its distribution, through the outbox:
    each recipient gets it from the door that reaches them, and a crash between the commit and the sends
    loses nothing (seed 004 §22–§24: 通报 sent to those concerned). The outbox keys to deliver."""
    notice_id = issued.notice.id
    assert notice_id is not None
    keys: list[str] = []
    async with uow:
        notice = await uow.notices_issued.get(notice_id)
        if notice is None:
            return []
        notice.pdf_sha256 = sha256
        for pk in issued.recipients:
            person = await uow.staff.get(pk)
            if person is None or person.chat_id is None:
                continue
            key = f"{OUTBOX}notice:{notice_id}:{pk}"
            payload = {"t": "notice", "notice": notice_id, "staff": pk, "sha256": sha256}
            payload.update(name=name, reference=reference)
            if await uow.notices.post(key, person.chat_id, payload):
                keys.append(key)
        await uow.commit()
    return keys


# --- the office's card: the distribution ticked on buttons ---------------------------------------------


class Act(enum.Enum):
    TICK = "tick"  # ``shows``: a ``To`` value, ticked or not (``CHECKED`` below)
    ISSUE = "issue"


@dataclass(frozen=True)
class Card:
    kind: Kind
    subject: str
    ticked: tuple[str, ...]
    rows: tuple[tuple[Button, ...], ...]


async def _found(
    uow: UnitOfWork, court_id: int, kind: Kind, key: str, tz: tzinfo
) -> tuple[list[int], list[Measure]]:
    """What a notice makes known: the records (ids) and the accountability measures — the one disposed
    record and its measures, or the quarter's follow-ups closed 属实 / 部分属实 and its measures; ``Refused``
    when there is no such record, it is not disposed of yet, or there is nothing to make known."""
    measures = list(await uow.accountability.in_court(court_id))
    if kind is Kind.CASE:
        record = await uow.records.by_number(court_id, key)
        if record is None or record.id is None:
            raise Refused(Problem.UNKNOWN_RECORD)
        if record.filed_at is None:
            raise Refused(Problem.NOT_FILED)
        return [record.id], [m for m in measures if m.record_number == key]
    start, end = Quarter.parse(key).bounds(tz)
    record_ids = [
        f.record_id
        for f in await uow.followups.in_court(court_id)
        if f.finding in FOUND and f.closed_at is not None and start <= f.closed_at < end
    ]
    measures = [m for m in measures if start <= m.decided_at < end]
    if not record_ids and not measures:
        raise Refused(Problem.NOTHING)
    return record_ids, measures


async def card(
    uow: UnitOfWork, *, staff: Staff, subject: str, ticked: Sequence[str], now: datetime, tz: tzinfo
) -> Card:
    """The distribution card for ``subject`` (``Refused`` when it names nothing to make known)."""
    kind, key = subject_of(subject)
    assert staff.id is not None
    async with uow:
        await _found(uow, staff.court_id, kind, key, tz)  # refused before anything is ticked
        rows: list[tuple[Button, ...]] = []
        for to in To:
            on = to.value in ticked
            next_ticked = [t for t in ticked if t != to.value] if on else [*ticked, to.value]
            arg = f"t|{key}|{','.join(next_ticked)}"
            token = await issue_button(uow, staff_pk=staff.id, action=ACTION, now=now, arg=arg)
            rows.append((Button(Act.TICK, token, f"{'1' if on else '0'}{to.value}"),))
        token = await issue_button(
            uow, staff_pk=staff.id, action=ACTION, now=now, arg=f"i|{key}|{','.join(ticked)}"
        )
        rows.append((Button(Act.ISSUE, token),))
        await uow.commit()
    return Card(kind, key, tuple(ticked), tuple(rows))


@dataclass(frozen=True)
class Pressed:
    card: Card | None = None  # ticked: the card again
    ask_other: bool = False  # the other organ is to be named now
    issued: Issued | None = None
    problem: Problem | None = None
    forbidden: bool = False


async def press(uow: UnitOfWork, *, staff: Staff, token: str, now: datetime, tz: tzinfo) -> Pressed:
    """A tick changes the card; [发布通报] issues once (the button is spent), or asks for the other organ."""
    if not may_issue(staff):
        return Pressed(forbidden=True)
    async with uow:
        callback = await uow.callbacks.get(token)
        if callback is None or callback.staff_pk != staff.id or callback.action != ACTION:
            return Pressed(forbidden=True)
        op, key, ticked_text = [*(callback.arg or "").split("|"), "", ""][:3]
        ticked = [t for t in ticked_text.split(",") if t]
        if op not in ("t", "i"):
            return Pressed(forbidden=True)
        if op == "i":
            if callback.used_at is not None:
                return Pressed(forbidden=True)  # issued already: a second press issues nothing
            try:
                distribution(ticked, "-")  # the other organ is asked for next, when ticked
            except Refused as exc:
                return Pressed(problem=exc.problem)
            callback.used_at = now
            if To.OTHER.value in ticked:
                assert staff.id is not None
                conversation = await uow.conversations.get(staff.id)
                conversation.pending_field = f"{PENDING_OTHER}{key}|{','.join(ticked)}"
            await uow.commit()
    if op == "t":
        try:
            return Pressed(card=await card(uow, staff=staff, subject=key, ticked=ticked, now=now, tz=tz))
        except Refused as exc:
            return Pressed(problem=exc.problem)
    if To.OTHER.value in ticked:
        return Pressed(ask_other=True)
    try:
        issued = await issue(uow, issuer=staff, subject=key, ticked=ticked, other_organ=None, now=now, tz=tz)
    except Refused as exc:
        return Pressed(problem=exc.problem)
    return Pressed(issued=issued)


async def other_named(
    uow: UnitOfWork, *, staff: Staff, text: str, update_id: int, now: datetime, tz: tzinfo
) -> Pressed | None:
    """The other organ's name, typed; None when none is awaited."""
    async with uow:
        waiting = await awaited(uow, staff, PENDING_OTHER, update_id=update_id, kind="notice")
        if waiting is Waiting.NOTHING:
            return None
        if waiting is Waiting.DUPLICATE:
            return Pressed()
        conversation, arg = waiting
        if not text.strip():
            await uow.commit()
            return Pressed(problem=Problem.OTHER_UNNAMED)
        conversation.pending_field = None
        await uow.commit()
    key, _, ticked_text = arg.partition("|")
    try:
        issued = await issue(
            uow, issuer=staff, subject=key, ticked=ticked_text.split(","), other_organ=text, now=now, tz=tz
        )
    except Refused as exc:
        return Pressed(problem=exc.problem)
    return Pressed(issued=issued)


def waiting(pending_field: str | None) -> bool:
    return (pending_field or "").startswith(PENDING_OTHER)
