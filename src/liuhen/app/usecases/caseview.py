"""The case view (seed 003 §18): before a case goes to the 专业法官会议 or the 审判委员会, the presiding
judge first reports the interference recorded for it. `/case 案号` and `liuhen records case 案号` list what is
on file about one case number for the person asking.

Need-to-know (seed 003 §12, ``domain/access.py``): only the records this person may read are listed, and only
the per-case zero reports this person may see; the others are neither shown nor counted, so the answer never
reveals that a record exists which the person may not read. Every record and report shown is a read, in the
ledger like any other (``access.read_record``), and so is the look-up itself (全程留痕, seed 003 §12).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime

from liuhen.app.ports import UnitOfWork
from liuhen.app.usecases.access import actor_of, read_record, readable
from liuhen.domain.access import Operator, may_read_case_zero
from liuhen.domain.casenumber import NOT_YET_FILED, parse_case_answer
from liuhen.domain.casezero import CaseZeroReport
from liuhen.domain.model import Staff
from liuhen.domain.records import Record

#: What the ledger says was read (``record.read`` / ``casezero.read``, payload ``what``).
WHAT = "case"


class Problem(enum.StrEnum):
    """Why the input names no case to look up (nothing is read, nothing changes)."""

    MISSING = "missing"  # no case number given
    UNREADABLE = "unreadable"  # not a case number
    NOT_FILED = "not_filed"  # 尚未立案 and the like: a case without a number


class NotACase(Exception):
    """The input is not a case number: ``problem`` says why, ``text`` is what was given."""

    def __init__(self, problem: Problem, text: str = "") -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.text = text


@dataclass(frozen=True)
class RecordLine:
    """One record on the case, as the reader may see it."""

    number: str
    record_type: str | None  # catalogue key (seed 003 §11); None when not answered yet
    status: str  # a ``RecordStatus`` value
    intervener: str | None
    intervention_time: datetime | None
    gist: str | None  # the first line of the content
    recorder: str  # staff_id
    recorder_name: str


@dataclass(frozen=True)
class ZeroLine:
    """One per-case zero report on the case (seed 004 §16): who made it, who confirmed it and when."""

    number: str
    status: str  # a ``CaseZeroStatus`` value
    created_at: datetime
    officer: str  # staff_id
    officer_name: str
    reviewer: str | None
    reviewer_name: str | None
    reviewed_at: datetime | None


@dataclass(frozen=True)
class CaseView:
    case_number: str  # normalised
    records: tuple[RecordLine, ...]
    zero_reports: tuple[ZeroLine, ...]

    @property
    def empty(self) -> bool:
        return not self.records and not self.zero_reports


def case_of(text: str) -> str:
    """The normalised case number ``text`` gives (forgiving: brackets of any kind, spaces, 号 optional);
    ``NotACase`` otherwise."""
    if not text.strip():
        raise NotACase(Problem.MISSING)
    case = parse_case_answer(text)
    if case is None:
        raise NotACase(Problem.UNREADABLE, text.strip())
    if case == NOT_YET_FILED:
        raise NotACase(Problem.NOT_FILED, text.strip())
    return case


async def view_case(uow: UnitOfWork, *, reader: Staff | Operator, text: str, today: date) -> CaseView:
    """What ``reader`` may see on file about the case ``text`` names, each item's read in the ledger.
    ``today`` (the court's local date) lets valid deputies read. ``NotACase`` for bad input, before
    anything is read."""
    case = case_of(text)
    async with uow:
        records: list[Record] = []
        for record in await uow.cases.records(case):
            if isinstance(reader, Staff) and not await readable(uow, reader, record, today=today):
                continue  # neither shown nor counted, nor a denial in the ledger: it was not asked for
            records.append(await read_record(uow, staff=reader, record=record, what=WHAT, today=today))
        reports = [
            z
            for z in await uow.cases.zero_reports(case)
            if isinstance(reader, Operator) or may_read_case_zero(reader, z)
        ]
        actor = actor_of(reader)
        for z in reports:
            await uow.ledger.append(
                actor=actor,
                action="casezero.read",
                object_type="case_zero_report",
                object_id=z.number,
                payload={"what": WHAT},
            )
        people = await _people(uow, records, reports)
        records.sort(key=_when)
        view = CaseView(
            case,
            tuple(_record_line(r, people) for r in records),
            tuple(_zero_line(z, people) for z in reports),
        )
        await uow.ledger.append(
            actor=actor,
            action="case.view",
            object_type="case",
            object_id=case,
            payload={
                "records": [r.number for r in view.records],
                "zero_reports": [z.number for z in view.zero_reports],
            },
        )
        await uow.commit()
    return view


async def _people(uow: UnitOfWork, records: list[Record], reports: list[CaseZeroReport]) -> dict[int, Staff]:
    pks = {r.recorder_id for r in records} | {z.officer_pk for z in reports}
    pks |= {z.reviewer_pk for z in reports if z.reviewer_pk is not None}
    people: dict[int, Staff] = {}
    for pk in sorted(pks):
        person = await uow.staff.get(pk)
        if person is not None:
            people[pk] = person
    return people


def _when(record: Record) -> tuple[datetime, int]:
    """Oldest intervention first; a record without its time yet by when it was made."""
    moment = record.given.intervention_time or record.created_at
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC), record.id or 0)


def _record_line(record: Record, people: dict[int, Staff]) -> RecordLine:
    a = record.given
    recorder = people.get(record.recorder_id)
    gist = a.gist(1)
    return RecordLine(
        number=record.number,
        record_type=a.record_type,
        status=str(record.status),
        intervener=a.intervener_name,
        intervention_time=a.intervention_time,
        gist=gist[0] if gist else None,
        recorder=recorder.staff_id if recorder else "",
        recorder_name=recorder.name if recorder else "",
    )


def _zero_line(report: CaseZeroReport, people: dict[int, Staff]) -> ZeroLine:
    officer = people.get(report.officer_pk)
    reviewer = people.get(report.reviewer_pk) if report.reviewer_pk is not None else None
    return ZeroLine(
        number=report.number,
        status=report.status,
        created_at=report.created_at,
        officer=officer.staff_id if officer else "",
        officer_name=officer.name if officer else "",
        reviewer=reviewer.staff_id if reviewer else None,
        reviewer_name=reviewer.name if reviewer else None,
        reviewed_at=report.reviewed_at,
    )
