"""Staff present at an oral intervention confirm the record by signature (签字确认, seed 001 实施办法 §4).

The court's own staff named among the persons present get the record's gist with [确认属实] and
[有异议（说明）]; the answer is stored with its time as their signature. Outsiders are kept by name only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from liuhen.app.ports import UnitOfWork
from liuhen.app.usecases.intake import issue_button
from liuhen.app.usecases.outbox import OUTBOX
from liuhen.domain import catalogue as cat
from liuhen.domain.model import Staff
from liuhen.domain.records import Record

ACTION = "w"
CONFIRM, DISPUTE = "confirm", "dispute"
PENDING_DISPUTE = "_dispute:"


@dataclass(frozen=True)
class Gist:
    """What a person named as present is shown of the record to confirm it (seed 001 实施办法 §4)."""

    recorder: str
    intervener: str | None
    intervener_unit: str | None
    method: str | None  # the catalogue label
    place: str | None
    time: datetime | None


@dataclass(frozen=True)
class WitnessRequest:
    chat_id: int
    witness_name: str
    record_number: str
    recorder_name: str
    gist: Gist
    confirm_token: str
    dispute_token: str


def gist(record: Record, recorder: Staff) -> Gist:
    a = record.given
    return Gist(
        recorder.name,
        a.intervener_name,
        a.intervener_unit,
        cat.label(cat.METHODS, a.method, a.method) if a.method else None,
        a.place,
        a.intervention_time,
    )


async def requests_for(uow: UnitOfWork, record: Record, recorder: Staff, now: datetime) -> list[str]:
    """At submission: ask each colleague named as present to confirm — through the outbox, so that the door
    that reaches them sends it (and a crash between the commit and the send loses nothing). Returns the
    outbox keys to deliver after the commit."""
    names = record.given.people_present
    if not names:
        return []
    colleagues = {
        s.name: s for s in await uow.staff.list(record.court_id) if s.active and s.id != recorder.id
    }
    witnesses: dict[str, dict[str, object]] = {}
    keys: list[str] = []
    for name in names:
        person = colleagues.get(name)
        if person is None:
            continue  # an outsider: recorded by name only
        assert person.id is not None
        witnesses[person.staff_id] = {"name": name, "status": "pending", "at": None, "note": None}
        if not person.reachable:
            witnesses[person.staff_id]["status"] = "unreachable"
            continue
        tokens = []
        for choice in (CONFIRM, DISPUTE):
            token = await issue_button(
                uow, staff_pk=person.id, action=ACTION, now=now, record_id=record.id, arg=choice
            )
            tokens.append(token)
        key = f"{OUTBOX}{record.id}:witness:{person.id}"
        payload = {"t": "witness", "record": record.id, "staff": person.id, "name": name}
        if await uow.notices.post(
            key, person.chat_id, {**payload, "confirm": tokens[0], "dispute": tokens[1]}
        ):
            keys.append(key)
    record.answers = {**record.answers, "_witnesses": witnesses}
    return keys


def request_of(record: Record, recorder: Staff, chat_id: int, payload: dict[str, object]) -> WitnessRequest:
    """The request of an outbox message, as it is sent."""
    return WitnessRequest(
        chat_id,
        str(payload["name"]),
        record.number,
        recorder.name,
        gist(record, recorder),
        str(payload["confirm"]),
        str(payload["dispute"]),
    )


class Answered(enum.Enum):
    STALE = "stale"  # not this person's button, or unknown
    DONE = "done"  # answered before
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"  # the explanation is asked next


@dataclass(frozen=True)
class WitnessResult:
    notice: Answered
    record_number: str | None = None
    ask_note: bool = False
    witness_name: str | None = None
    status: str | None = None
    keys: tuple[str, ...] = ()  # the recorder's news, in the outbox: to deliver after the commit


async def answer(uow: UnitOfWork, *, staff: Staff, token: str, now: datetime) -> WitnessResult:
    async with uow:
        callback = await uow.callbacks.get(token)
        if callback is None or callback.staff_pk != staff.id or callback.action != ACTION:
            return WitnessResult(Answered.STALE)
        record = await uow.records.get(callback.record_id) if callback.record_id else None
        if record is None:
            return WitnessResult(Answered.STALE)
        entry = dict(record.answers.get("_witnesses", {}).get(staff.staff_id) or {})
        if entry.get("status") in ("confirmed", "disputed"):
            return WitnessResult(Answered.DONE, record.number)
        status = "confirmed" if callback.arg == CONFIRM else "disputed"
        entry.update(status=status, at=now.isoformat())
        witnesses = {**record.answers.get("_witnesses", {}), staff.staff_id: entry}
        record.answers = {**record.answers, "_witnesses": witnesses}
        callback.used_at = now
        await uow.ledger.append(
            actor=f"staff:{staff.staff_id}",
            action=f"witness.{status}",
            object_type="record",
            object_id=record.number,
            payload={},
        )
        if status == "disputed":
            conversation = await uow.conversations.get(staff.id or 0)
            conversation.pending_field = f"{PENDING_DISPUTE}{record.id}"
        recorder = await uow.staff.get(record.recorder_id)
        keys: tuple[str, ...] = ()
        if recorder is not None and recorder.active and recorder.reachable:  # told, by the door they are on
            key = f"{OUTBOX}{record.id}:witnessed:{staff.id}"
            payload = {"t": "witnessed", "record": record.id, "staff": recorder.id, "name": staff.name}
            if await uow.notices.post(key, recorder.chat_id, {**payload, "status": status}):
                keys = (key,)
        await uow.commit()
        return WitnessResult(
            Answered.CONFIRMED if status == "confirmed" else Answered.DISPUTED,
            record.number,
            status == "disputed",
            staff.name,
            status,
            keys,
        )


async def dispute_note(
    uow: UnitOfWork, *, staff: Staff, text: str, update_id: int, now: datetime
) -> str | None:
    """The explanation of a dispute; None when no dispute waits for one (then the text is evidence)."""
    async with uow:
        conversation = await uow.conversations.get(staff.id or 0)
        pending = conversation.pending_field or ""
        if not pending.startswith(PENDING_DISPUTE):
            return None
        if not await uow.inbox.claim(update_id, chat_id=staff.telegram_chat_id, kind="dispute"):
            return ""
        record = await uow.records.get(int(pending.removeprefix(PENDING_DISPUTE)))
        conversation.pending_field = None
        if record is None:
            await uow.commit()
            return None
        entry = dict(record.answers.get("_witnesses", {}).get(staff.staff_id) or {})
        entry["note"] = text.strip()[:1000]
        record.answers = {
            **record.answers,
            "_witnesses": {**record.answers.get("_witnesses", {}), staff.staff_id: entry},
        }
        await uow.ledger.append(
            actor=f"staff:{staff.staff_id}",
            action="witness.note",
            object_type="record",
            object_id=record.number,
            payload={"note": entry["note"]},
        )
        await uow.commit()
        return record.number
