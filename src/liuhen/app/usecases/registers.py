"""The registers (台帐; ``domain/registers.py``): imported from CSV by the political department's
operator, all or nothing, each import replacing the court's register and in the ledger; read by the operator
(a logged read); and the cross-check on each first submission (seed 003 items 15, 16): a possible recusal is
told to the recorder's department head and the discipline office, and the recorder is reminded of the rule;
a departed staff member who practises law named in a record is told to the discipline office."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from liuhen.app.ports import UnitOfWork
from liuhen.app.usecases.outbox import OUTBOX
from liuhen.domain.casezero import CaseZeroReport
from liuhen.domain.model import Role, Staff
from liuhen.domain.records import Record
from liuhen.domain.registers import (
    Conflict,
    DepartedStaff,
    LawyerRelative,
    LineError,
    conflicts,
    parse_departed,
    parse_relatives,
)


class RegisterInvalid(Exception):
    """The file has bad lines: nothing was imported."""

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(len(errors))
        self.errors = errors


class Which(enum.StrEnum):
    RELATIVES = "relatives"
    DEPARTED = "departed"


async def import_register(uow: UnitOfWork, *, court_id: int, which: Which, text: str, actor: str) -> int:
    """Replace the court's register with the file's rows; ``RegisterInvalid`` (nothing changed) otherwise."""
    async with uow:
        if which is Which.RELATIVES:
            staff = {s.staff_id: s.id for s in await uow.staff.list(court_id) if s.id is not None}
            relatives, errors = parse_relatives(text, court_id, staff)
            if errors:
                raise RegisterInvalid(errors)
            count = await uow.registers.replace_relatives(court_id, relatives)
        else:
            departed, errors = parse_departed(text, court_id)
            if errors:
                raise RegisterInvalid(errors)
            count = await uow.registers.replace_departed(court_id, departed)
        await uow.ledger.append(
            actor=actor,
            action=f"register.import.{which.value}",
            object_type="register",
            object_id=which.value,
            payload={"rows": count},
        )
        await uow.commit()
        return count


async def read_registers(uow: UnitOfWork, *, court_id: int, actor: str) -> dict[str, list[dict[str, object]]]:
    """Both registers for the operator (a logged read)."""
    async with uow:
        staff = {s.id: s for s in await uow.staff.list(court_id)}
        relatives: list[dict[str, object]] = [
            {
                "staff_id": staff[r.staff_pk].staff_id if r.staff_pk in staff else None,
                "staff_name": staff[r.staff_pk].name if r.staff_pk in staff else None,
                "name": r.name,
                "relation": r.relation,
                "law_firm": r.law_firm,
                "since": r.since.isoformat() if r.since else None,
            }
            for r in await uow.registers.relatives(court_id)
        ]
        departed: list[dict[str, object]] = [
            {
                "name": d.name,
                "staff_id": d.former_staff_id,
                "left_on": d.left_on.isoformat() if d.left_on else None,
                "went_to": d.went_to,
                "practises": d.practises,
                "law_firm": d.law_firm,
            }
            for d in await uow.registers.departed(court_id)
        ]
        await uow.ledger.append(
            actor=actor, action="register.read", object_type="register", object_id="all", payload={}
        )
        await uow.commit()
        return {"relatives": relatives, "departed": departed}


class Told(enum.StrEnum):
    RECORDER = "recorder"  # reminded of the recusal rule
    HEAD = "head"  # the recorder's department head: a possible recusal
    OFFICE = "office"  # the discipline office: a possible recusal, or a departed staff member


@dataclass(frozen=True)
class Alert:
    chat_id: int
    told: Told
    number: str
    conflict: Conflict
    recorder_name: str
    case: str = ""  # a per-case zero report's case number (its ``number`` is the report's)


CASE = "register_case"  # the outbox kind of an alert about a per-case zero report (about no record)


async def cross_check(uow: UnitOfWork, record: Record, recorder: Staff) -> list[str]:
    """Inside the submission's transaction: who is to be told what the record names of the registers —
    outbox messages (``t: register``), sent by the door that reaches each person after the commit. Returns
    their keys."""
    assert record.id is not None
    a = record.given
    texts = (a.intervener_name, a.intervener_unit, a.content, a.persons_present, a.special_notes)
    return await _alerts(
        uow,
        recorder,
        texts,
        key=f"{OUTBOX}{record.id}:register",
        about={"t": "register", "record": record.id},
        ledger=("record", record.number),
    )


async def cross_check_case(
    uow: UnitOfWork, report: CaseZeroReport, officer: Staff, counsel: str
) -> list[str]:
    """The same check when a judge enters a case with its counsel (代理律师、律所) in a per-case zero report
    (seed 003 items 15, 16: 任职回避): the officer's relatives who practise law, the departed staff who do."""
    assert report.id is not None
    return await _alerts(
        uow,
        officer,
        (counsel,),
        key=f"{OUTBOX}casezero:{report.id}:register",
        about={"t": CASE, "number": report.number, "case": report.case_number},
        ledger=("case_zero_report", report.number),
    )


async def _alerts(
    uow: UnitOfWork,
    recorder: Staff,
    texts: Iterable[str | None],
    *,
    key: str,
    about: dict[str, Any],
    ledger: tuple[str, str],
) -> list[str]:
    assert recorder.id is not None
    court_id = recorder.court_id
    found = conflicts(
        [t for t in texts if t],
        recorder.id,
        await uow.registers.relatives(court_id, recorder.id),
        await uow.registers.departed(court_id),
    )
    if not found:
        return []
    people = [p for p in await uow.staff.list(court_id) if p.active and p.reachable]
    heads = [p for p in people if p.role == Role.DEPT_HEAD and p.department_id == recorder.department_id]
    office = [p for p in people if p.role == Role.DISCIPLINE]
    keys: list[str] = []
    for n, c in enumerate(found):
        targets: list[tuple[Staff, Told]] = [(p, Told.OFFICE) for p in office]
        if c.relative is not None:
            targets += [(p, Told.HEAD) for p in heads if p.id != recorder.id]
            if recorder.reachable:
                targets.append((recorder, Told.RECORDER))
        named = {  # what the alert shows, kept as it was at submission (a register may be replaced)
            "relative": {
                "name": c.relative.name,
                "relation": c.relative.relation,
                "law_firm": c.relative.law_firm,
            }
            if c.relative
            else None,
            "departed": {"name": c.departed.name, "law_firm": c.departed.law_firm} if c.departed else None,
        }
        for person, told in targets:
            payload = {**about, "staff": person.id, "told": told.value}
            payload.update(recorder_name=recorder.name, **named)
            if await uow.notices.post(f"{key}:{n}:{person.id}", person.chat_id, payload):
                keys.append(f"{key}:{n}:{person.id}")
        await uow.ledger.append(
            actor="system",
            action="register.conflict",
            object_type=ledger[0],
            object_id=ledger[1],
            payload={
                "relative": c.relative.id if c.relative else None,
                "departed": c.departed.id if c.departed else None,
            },
        )
    return keys


def alert_of(number: str, chat_id: int, payload: Mapping[str, Any]) -> Alert:
    """The alert of an outbox message, as it is sent."""
    relative, departed = payload.get("relative"), payload.get("departed")
    conflict = Conflict(
        LawyerRelative(0, 0, relative["name"], relative["relation"], relative["law_firm"])
        if relative
        else None,
        DepartedStaff(0, departed["name"], law_firm=departed["law_firm"]) if departed else None,
    )
    return Alert(
        chat_id,
        Told(payload["told"]),
        number,
        conflict,
        str(payload.get("recorder_name") or ""),
        str(payload.get("case") or ""),
    )


def may_read(person: Staff) -> bool:
    """The registers are for the discipline office and the court's chief (seed 003 items 15, 16, 22: the
    political department keeps them; the supervising office checks them)."""
    return person.active and person.role in (Role.DISCIPLINE, Role.PRESIDENT)
