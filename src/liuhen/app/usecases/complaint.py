"""`/complaint`: a recorder pressured or retaliated against reports straight to the discipline office
(seed 001 §6; seed 001 实施办法 §9; docs/domain.md "Confidentiality and protection").

The person writes the complaint as a few messages — text, screenshots, voice notes, files, stored like
evidence (bytes first, fsync'ed, hashed) — and chooses where it goes: the discipline office of the court
above (the first button: the own court's office may be the one complained about; seed 002 §11), of every
court above, or of the own court — there to nobody in the complainant's sign-off chain (department head,
vice-president in charge), whatever their role. A court with no court above in the deployment offers only
its own office, and says how to go upward outside the system. The person complained about is never told
anything.
Every step is in the ledger; a delivery is a read of the complaint by its recipient and is logged as such.

Deliveries are claimed once per complaint and recipient (``notices``) in the deciding transaction and
marked sent afterwards; unsent claims are released and delivered again by the bot's job, which also
delivers to discipline members who enrol later.
"""

from __future__ import annotations

import enum
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from liuhen.app.ports import UnitOfWork
from liuhen.app.usecases.courts import each_court
from liuhen.app.usecases.intake import StoredContent, issue_button
from liuhen.domain.clock import Clock
from liuhen.domain.complaints import (
    MAX_TEXT,
    Complaint,
    ComplaintItem,
    ComplaintStatus,
    Destination,
    complaint_number,
)
from liuhen.domain.model import Court, Role, Staff
from liuhen.domain.records import EvidenceKind, EvidenceState, IncomingEvidence

ACTION = "complaint"
SUBMIT, CANCEL = "submit", "cancel"
NOTICE_PREFIX = "complaint:"
RESEND_AFTER = timedelta(minutes=2)


def _actor(staff: Staff) -> str:
    return f"staff:{staff.staff_id}"


@dataclass(frozen=True)
class Buttons:
    submit: tuple[tuple[Destination, str], ...]  # the destinations offered, upward first, with their tokens
    cancel: str

    @property
    def upward(self) -> bool:
        """Whether a court above is in the deployment (otherwise only the own court's office is offered)."""
        return any(d is not Destination.OWN for d, _ in self.submit)


async def _courts_above(uow: UnitOfWork, court_id: int) -> list[Court]:
    """The courts above, nearest first (as far as the deployment reaches)."""
    above: list[Court] = []
    court = await uow.courts.get(court_id)
    while court is not None and court.parent_id is not None and len(above) < 10:
        court = await uow.courts.get(court.parent_id)
        if court is not None:
            above.append(court)
    return above


def _offered(above: list[Court]) -> tuple[Destination, ...]:
    if not above:
        return (Destination.OWN,)
    if len(above) == 1:  # one level above: "every court above" is the same as "the court above"
        return (Destination.ABOVE, Destination.OWN)
    return (Destination.ABOVE, Destination.CHAIN, Destination.OWN)


async def _buttons(uow: UnitOfWork, staff: Staff, complaint: Complaint, now: datetime) -> Buttons:
    assert staff.id is not None and complaint.id is not None

    async def token(arg: str) -> str:
        return await issue_button(uow, staff_pk=staff.id or 0, action=ACTION, now=now, arg=arg)

    offered = _offered(await _courts_above(uow, complaint.court_id))
    submit = tuple([(d, await token(f"{SUBMIT}:{d.value}:{complaint.id}")) for d in offered])
    return Buttons(submit, await token(f"{CANCEL}:{complaint.id}"))


@dataclass(frozen=True)
class Opened:
    number: str
    resumed: bool
    items: int
    buttons: Buttons


async def open_complaint(uow: UnitOfWork, *, staff: Staff, clock: Clock) -> Opened:
    """Start writing a complaint, or resume the one left open."""
    assert staff.id is not None
    async with uow:
        now = clock.now()
        complaint = await uow.complaints.open_for(staff.id)
        resumed = complaint is not None
        if complaint is None:
            complaint = Complaint(
                court_id=staff.court_id,
                complainant_id=staff.id,
                status=ComplaintStatus.OPEN.value,
                created_at=now,
                updated_at=now,
            )
            await uow.complaints.add(complaint)
            await uow.flush()
            assert complaint.id is not None
            complaint.number = complaint_number(now.year, complaint.id)
            await uow.ledger.append(
                actor=_actor(staff),
                action="complaint.open",
                object_type="complaint",
                object_id=complaint.number,
                payload={},
            )
        complaint.updated_at = now
        buttons = await _buttons(uow, staff, complaint, now)
        await uow.commit()
        return Opened(complaint.number, resumed, complaint.item_count, buttons)


class NotWriting(Exception):
    """No complaint is open any more: the message is evidence of a record after all."""


@dataclass(frozen=True)
class ItemAck:
    number: str
    item: ComplaintItem
    buttons: Buttons


async def add_item(
    uow: UnitOfWork, *, staff: Staff, incoming: IncomingEvidence, content: StoredContent, clock: Clock
) -> ItemAck | None:
    """One message of the complaint, already stored durably by the adapter. None for a replayed update
    (nothing is added or re-sent); NotWriting when no complaint is open any more (nothing is recorded)."""
    assert staff.id is not None
    async with uow:
        if not await uow.inbox.claim(incoming.update_id, chat_id=incoming.chat_id, kind="complaint"):
            return None
        complaint = await uow.complaints.open_for(staff.id)
        if complaint is None or complaint.id is None:
            raise NotWriting  # rolled back: the update is handled as evidence
        now = clock.now()
        complaint.item_count += 1
        complaint.updated_at = now
        item = ComplaintItem(
            complaint_id=complaint.id,
            seq=complaint.item_count,
            kind=incoming.kind.value,
            received_at=now,
            update_id=incoming.update_id,
            message_id=incoming.message_id,
            state=content.state.value,
            text=(incoming.text or None) and (incoming.text or "")[:MAX_TEXT],
            sha256=content.sha256,
            size=content.size
            if content.size is not None
            else (incoming.file.size if incoming.file else None),
            media_type=content.media_type or (incoming.file.mime_type if incoming.file else None),
            file_name=incoming.file.file_name if incoming.file else None,
            message_sha256=content.message_sha256 or None,
        )
        await uow.complaints.add_item(item)
        await uow.ledger.append(
            actor=_actor(staff),
            action="complaint.item",
            object_type="complaint",
            object_id=complaint.number,
            payload={
                "item": item.seq,
                "kind": item.kind,
                "state": item.state,
                "sha256": item.sha256,
                "size": item.size,
                "message_sha256": item.message_sha256,
            },
        )
        buttons = await _buttons(uow, staff, complaint, now)
        await uow.commit()
        return ItemAck(complaint.number, item, buttons)


@dataclass(frozen=True)
class Delivery:
    """The complaint, for one member of the discipline office."""

    key: str
    chat_id: int
    number: str
    complainant: Staff
    department: str
    submitted_at: datetime
    items: tuple[ComplaintItem, ...]
    court: str = ""  # the complainant's court, named when the complaint goes to a court above


def destination_of(complaint: Complaint) -> Destination:
    try:
        return Destination(complaint.destination or Destination.OWN.value)
    except ValueError:
        return Destination.OWN


def _reachable(p: Staff) -> bool:
    return p.role == Role.DISCIPLINE.value and p.reachable and p.active


async def receiving_courts(uow: UnitOfWork, complaint: Complaint) -> list[Court]:
    """The courts whose discipline offices receive the complaint, by its destination."""
    destination = destination_of(complaint)
    if destination is Destination.OWN:
        court = await uow.courts.get(complaint.court_id)
        return [court] if court is not None else []
    above = await _courts_above(uow, complaint.court_id)
    return above[:1] if destination is Destination.ABOVE else above


async def _recipients(uow: UnitOfWork, complaint: Complaint, *, upward: bool = False) -> list[Staff]:
    """Where the complainant sent it (seed 001 实施办法 §9, seed 002 §11: 可以向上一级人民法院提出控告):
    the discipline office of the court above (the default), of every court above, or of the own court —
    there minus the complainant and anyone in the complainant's chain; ``upward`` (setting
    ``LIUHEN_COMPLAINT_UPWARD``) adds the court above to a complaint sent to the own court."""
    destination = destination_of(complaint)
    if destination is not Destination.OWN:
        courts = await receiving_courts(uow, complaint)
        people = [p for c in courts if c.id is not None for p in await uow.staff.list(c.id)]
        return [p for p in people if _reachable(p) and p.id != complaint.complainant_id]
    people = list(await uow.staff.list(complaint.court_id))
    above: list[Staff] = []
    if upward:
        court = await uow.courts.get(complaint.court_id)
        if court is not None and court.parent_id is not None:
            above = [p for p in await uow.staff.list(court.parent_id) if p.role == Role.DISCIPLINE.value]
    complainant = next((p for p in people if p.id == complaint.complainant_id), None)
    chain: set[int | None] = {complaint.complainant_id}
    if complainant is not None:
        department = await uow.departments.get(complainant.department_id)
        if department is not None:
            chain.add(department.vice_president_id)
        chain |= {
            p.id
            for p in people
            if p.role == Role.DEPT_HEAD.value and p.department_id == complainant.department_id
        }
    return [p for p in [*people, *above] if _reachable(p) and p.id not in chain]


async def _claim_deliveries(
    uow: UnitOfWork, complaint: Complaint, *, upward: bool = False, wecom: bool = False
) -> list[Delivery]:
    """The deliveries one chat door makes (``wecom``: to the members it reaches; the other door claims its
    own), each claimed once."""
    assert complaint.id is not None
    deliveries: list[Delivery] = []
    recipients = await _recipients(uow, complaint, upward=upward)
    if not recipients:
        return []
    complainant = await uow.staff.get(complaint.complainant_id)
    assert complainant is not None
    department = await uow.departments.get(complainant.department_id)
    own = await uow.courts.get(complaint.court_id)
    items = tuple(await uow.complaints.items(complaint.id))
    for person in recipients:
        if person.chat_id is None or (person.chat_id < 0) != wecom:
            continue  # the other door's member: that door delivers it
        key = f"{NOTICE_PREFIX}{complaint.id}:{person.id}"
        if not await uow.notices.claim(key, person.chat_id):
            continue
        await uow.ledger.append(
            actor="system",
            action="complaint.deliver",
            object_type="complaint",
            object_id=complaint.number,
            payload={"to": person.staff_id},
        )
        assert complaint.submitted_at is not None
        deliveries.append(
            Delivery(
                key,
                person.chat_id,
                complaint.number,
                complainant,
                department.name if department else "",
                complaint.submitted_at,
                items,
                own.name if own is not None and destination_of(complaint) is not Destination.OWN else "",
            )
        )
    return deliveries


class PressOutcome(enum.StrEnum):
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"
    EMPTY = "empty"  # nothing written yet: nothing to submit
    STALE = "stale"  # submitted or cancelled already
    FORBIDDEN = "forbidden"  # not this person's button: reveal nothing


@dataclass(frozen=True)
class PressResult:
    outcome: PressOutcome
    number: str | None = None
    recipients: int = 0
    deliveries: tuple[Delivery, ...] = ()
    destination: Destination | None = None
    courts: tuple[str, ...] = ()  # the courts whose discipline offices receive it


async def press(
    uow: UnitOfWork, *, staff: Staff, token: str, clock: Clock, upward: bool = False, wecom: bool = False
) -> PressResult:
    """[提交控告] / [取消]: resolved and re-authorised on the server (docs/architecture.md "Callback
    data")."""
    async with uow:
        callback = await uow.callbacks.get(token)
        if callback is None or callback.staff_pk != staff.id or callback.action != ACTION:
            return PressResult(PressOutcome.FORBIDDEN)
        choice, _, rest = (callback.arg or "").partition(":")
        where, _, pk = rest.rpartition(":")  # "submit:above:12"; "cancel:12"
        complaint = await uow.complaints.get(int(pk)) if pk.isdigit() else None
        if complaint is None or complaint.complainant_id != staff.id:
            return PressResult(PressOutcome.FORBIDDEN)
        try:
            destination = Destination(where or Destination.OWN.value)
        except ValueError:
            return PressResult(PressOutcome.FORBIDDEN)
        if complaint.status != ComplaintStatus.OPEN.value:
            return PressResult(PressOutcome.STALE, complaint.number)
        now = clock.now()
        if choice == CANCEL:
            complaint.status = ComplaintStatus.CANCELLED.value
            complaint.updated_at = now
            callback.used_at = now
            await uow.ledger.append(
                actor=_actor(staff),
                action="complaint.cancel",
                object_type="complaint",
                object_id=complaint.number,
                payload={"items": complaint.item_count},
            )
            await uow.commit()
            return PressResult(PressOutcome.CANCELLED, complaint.number)
        if complaint.item_count == 0:
            return PressResult(PressOutcome.EMPTY, complaint.number)
        if destination not in _offered(await _courts_above(uow, complaint.court_id)):
            return PressResult(PressOutcome.FORBIDDEN)  # no court above in this deployment any more
        complaint.status = ComplaintStatus.SUBMITTED.value
        complaint.destination = destination.value
        complaint.submitted_at = complaint.updated_at = now
        callback.used_at = now
        assert complaint.id is not None
        items = await uow.complaints.items(complaint.id)
        await uow.ledger.append(
            actor=_actor(staff),
            action="complaint.submit",
            object_type="complaint",
            object_id=complaint.number,
            payload={
                "items": complaint.item_count,
                "sha256": [i.sha256 for i in items if i.sha256],
                "destination": destination.value,
            },
        )
        courts = tuple(c.name for c in await receiving_courts(uow, complaint))
        recipients = len(await _recipients(uow, complaint, upward=upward))
        deliveries = await _claim_deliveries(uow, complaint, upward=upward, wecom=wecom)
        await uow.commit()
        return PressResult(
            PressOutcome.SUBMITTED,
            complaint.number,
            recipients,
            tuple(deliveries),
            destination,
            courts,
        )


async def pending_everywhere(
    uow_of: Callable[[], UnitOfWork], *, clock: Clock, upward: bool = False, wecom: bool = False
) -> list[Delivery]:
    """Deliveries not yet made in every court, for one chat door (its scheduled round): the claims never
    sent released once for all courts, then each court's claimed in a transaction of its own."""

    async def of_court(uow: UnitOfWork, court_id: int) -> list[Delivery]:
        return await pending_deliveries(uow, court_id=court_id, clock=clock, upward=upward, wecom=wecom)

    return await each_court(uow_of, of_court, prefix=NOTICE_PREFIX, claimed_before=clock.now() - RESEND_AFTER)


async def pending_deliveries(
    uow: UnitOfWork, *, court_id: int, clock: Clock, upward: bool = False, wecom: bool = False
) -> list[Delivery]:
    """Deliveries not yet made in one court: to discipline members enrolled since, and those whose claim
    was released (``pending_everywhere``)."""
    async with uow:
        deliveries: list[Delivery] = []
        for complaint in await uow.complaints.submitted(court_id):
            deliveries += await _claim_deliveries(uow, complaint, upward=upward, wecom=wecom)
        await uow.commit()
        return deliveries


async def delivered(uow: UnitOfWork, key: str) -> None:
    async with uow:
        await uow.notices.mark_sent(key)
        await uow.commit()


def has_file(item: ComplaintItem) -> bool:
    """A file to hand over (for text the stored blob is the message itself; its text is in the item)."""
    return (
        item.state == EvidenceState.STORED.value
        and item.sha256 is not None
        and item.kind not in (EvidenceKind.TEXT.value, EvidenceKind.NOTE.value)
    )


def file_name(number: str, seq: int, media_type: str | None) -> str:
    """An item's file as the office receives it: named by the complaint and the item, never by the sender's
    file name (docs/architecture.md "Untrusted input")."""
    return f"{number}-{seq}{mimetypes.guess_extension(media_type or '') or '.bin'}"
