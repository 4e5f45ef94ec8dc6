"""Evidence-first intake (docs/architecture.md "The one idea"; seed 002 §3, seed 001 实施办法 §4).

The adapter has already stored the bytes durably (evidence store: write, fsync, rename, fsync dir) when
it calls `receive`; `receive` commits the evidence row, the draft it joins, the inbox entry and the
ledger entry in one transaction. Only then may the receipt be sent.
"""

from __future__ import annotations

import enum
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count

from liuhen.app.ports import UnitOfWork
from liuhen.domain import inference, questionnaire
from liuhen.domain.clock import Clock
from liuhen.domain.model import Callback, Staff
from liuhen.domain.records import (
    Evidence,
    EvidenceKind,
    EvidenceState,
    IncomingEvidence,
    Record,
    RecordStatus,
    record_number,
)

DEFAULT_JOIN_WINDOW = timedelta(minutes=30)
PHOTO_HINT = "photo_compressed"


@dataclass(frozen=True)
class StoredContent:
    """What the adapter stored before calling `receive`."""

    state: EvidenceState
    message_sha256: str
    sha256: str | None = None
    size: int | None = None
    media_type: str | None = None


MESSAGE_MEDIA_TYPE = "application/vnd.telegram.message+json"  # the whole message, as Telegram gave it


def stored_content(
    message_sha256: str,
    message_size: int,
    file: StoredContent | None,
    media_type: str = MESSAGE_MEDIA_TYPE,
) -> StoredContent:
    """What was stored of one message: its JSON always (provenance, text, entities); the evidence is the
    JSON itself for a text, else the downloaded file (``file``, with its state)."""
    if file is None:
        return StoredContent(
            EvidenceState.STORED,
            message_sha256,
            sha256=message_sha256,
            size=message_size,
            media_type=media_type,
        )
    return StoredContent(
        file.state, message_sha256, sha256=file.sha256, size=file.size, media_type=file.media_type
    )


class ReceiptAction:
    FILL = "fill"
    LATER = "later"
    SPLIT = "split"
    DIRECT = "direct"


RECEIPT_ACTIONS = (ReceiptAction.FILL, ReceiptAction.LATER, ReceiptAction.SPLIT, ReceiptAction.DIRECT)


@dataclass(frozen=True)
class Receipt:
    record_id: int
    record_number: str
    record_status: str
    items: tuple[Evidence, ...]  # the evidence this receipt speaks for (several for an album)
    missing: int | None  # 还差 N 项; None on a later item of a draft (the count is the first receipt's)
    buttons: dict[str, str] = field(default_factory=dict)  # action → callback token
    edit_message_id: int | None = None  # edit this receipt (album) instead of sending a new one
    photo_hint: bool = False


@dataclass(frozen=True)
class Button:
    """A button to show: what it does (``act``, a member of a feature's act enum, which the doors' texts
    name), the data its label shows (a catalogue label, a record number — never a sentence), and the opaque
    token of its callback data."""

    act: enum.Enum
    token: str
    shows: str = ""


def new_token() -> str:
    return secrets.token_urlsafe(9)  # 12 characters, 72 bits


async def issue_button(
    uow: UnitOfWork,
    *,
    staff_pk: int,
    action: str,
    now: datetime,
    record_id: int | None = None,
    evidence_id: int | None = None,
    arg: str | None = None,
) -> str:
    """A fresh opaque token bound to the one person it is shown to (docs/architecture.md "Callback data")."""
    token = new_token()
    await uow.callbacks.add(
        Callback(
            token=token,
            staff_pk=staff_pk,
            action=action,
            created_at=now,
            record_id=record_id,
            evidence_id=evidence_id,
            arg=arg,
        )
    )
    return token


def _new_buttons(staff: Staff, record: Record, evidence: Evidence, now: datetime) -> list[Callback]:
    """The receipt's four buttons, each a fresh token bound to the recorder (docs/architecture.md "Callback
    data")."""
    assert staff.id is not None and record.id is not None
    return [
        Callback(new_token(), staff.id, action, now, record_id=record.id, evidence_id=evidence.id)
        for action in RECEIPT_ACTIONS
    ]


async def _new_draft(uow: UnitOfWork, staff: Staff, now: datetime) -> Record:
    return (await _new_drafts(uow, [staff], now))[0]


async def _new_drafts(uow: UnitOfWork, recorders: Sequence[Staff], now: datetime) -> list[Record]:
    """A new draft for each of ``recorders``, in order: the numbers of each court taken in one statement
    and the records written in one (fifty judges' first messages in one batch cost one draft's
    statements, not fifty)."""
    await uow.ledger.lock()  # the head before the counter, as everywhere (two instances never deadlock)
    wanted = Counter(staff.court_id for staff in recorders)
    numbers = {
        court: count(await uow.records.take_numbers(court, now.year, n)) for court, n in wanted.items()
    }
    records: list[Record] = []
    for staff in recorders:
        assert staff.id is not None
        records.append(
            Record(
                court_id=staff.court_id,
                number=record_number(now.year, next(numbers[staff.court_id])),
                recorder_id=staff.id,
                status=RecordStatus.DRAFT,
                created_at=now,
                updated_at=now,
                last_evidence_at=now,
            )
        )
    for record in records:
        await uow.records.add(record)
    await uow.flush()
    for staff, record in zip(recorders, records, strict=True):
        await uow.ledger.append(
            actor=f"staff:{staff.staff_id}",
            action="record.create",
            object_type="record",
            object_id=record.number,
            payload={"status": record.status},
        )
    return records


class _NewDraft:
    """A draft to be opened for a recorder in this batch (the items that join it wait for its number)."""

    def __init__(self, staff: Staff) -> None:
        self.staff = staff


_Target = Record | _NewDraft


async def _target_record(
    uow: UnitOfWork,
    staff: Staff,
    incoming: IncomingEvidence,
    now: datetime,
    window: timedelta,
    drafts: dict[int, _Target],
    albums: dict[tuple[int, str], tuple[_Target, list[Evidence]]],
) -> _Target:
    """The draft this item joins: its album's record, else the open draft within the window, else a new
    one. ``drafts`` holds each recorder's latest draft (read once for a batch) and learns the new ones;
    ``albums`` the albums of the batch, with their items stored before it."""
    assert staff.id is not None
    album = (incoming.chat_id, incoming.media_group_id) if incoming.media_group_id else None
    if album is not None:
        if album in albums:
            return albums[album][0]
        siblings = list(await uow.evidence.in_group(*album))
        if siblings:
            record = await uow.records.get(siblings[0].record_id)
            assert record is not None
            albums[album] = (record, siblings)
            return record
    conversation = await uow.conversations.get(staff.id)
    target = drafts.get(staff.id)
    if conversation.force_new_draft:
        conversation.force_new_draft = False
        target = None
    elif isinstance(target, Record) and target.last_evidence_at < now - window:
        target = None
    if target is None:
        drafts[staff.id] = target = _NewDraft(staff)
    if album is not None:  # the album's other items in this batch join it
        albums[album] = (target, [])
    return target


@dataclass(frozen=True)
class NewEvidence:
    """One piece of evidence for `receive_many`: who sent it, what Telegram said, what was stored."""

    staff: Staff
    incoming: IncomingEvidence
    content: StoredContent


async def receive(
    uow: UnitOfWork,
    *,
    staff: Staff,
    incoming: IncomingEvidence,
    content: StoredContent,
    clock: Clock,
    join_window: timedelta = DEFAULT_JOIN_WINDOW,
) -> Receipt | None:
    """Record one piece of evidence. Returns the receipt to send, or None for a replay already receipted."""
    item = NewEvidence(staff, incoming, content)
    return (await receive_many(uow, [item], clock=clock, join_window=join_window))[0]


async def receive_many(
    uow: UnitOfWork,
    items: Sequence[NewEvidence],
    *,
    clock: Clock,
    join_window: timedelta = DEFAULT_JOIN_WINDOW,
) -> list[Receipt | None]:
    """`receive` for several pieces of evidence (of different people, or one after another of the same
    person) in one transaction: the group commit of concurrent updates. Each gets what `receive`
    would have given it alone, in order."""
    async with uow:
        await uow.ledger.lock()  # first: batches of two instances queue here instead of crossing locks
        claimed = await uow.inbox.claim_many(
            [(a.incoming.update_id, a.incoming.chat_id) for a in items], kind="evidence"
        )
        staff_pks = {a.staff.id for a in items if a.staff.id is not None}
        await uow.conversations.load(staff_pks)  # `conversations.get` below reads no more
        drafts: dict[int, _Target] = dict(await uow.records.latest_drafts(staff_pks))
        albums: dict[tuple[int, str], tuple[_Target, list[Evidence]]] = {}
        now = clock.now()
        receipts: list[Receipt | None] = [None] * len(items)
        seen: set[int] = set()
        targets: list[tuple[int, NewEvidence, _Target]] = []
        for i, item in enumerate(items):
            if item.incoming.update_id in seen:  # the same update twice in a batch: one receipt
                continue
            seen.add(item.incoming.update_id)
            if item.incoming.update_id not in claimed:  # a replay: nothing new
                existing = await uow.evidence.by_update(item.incoming.update_id)
                if existing is not None and existing.receipt_message_id is None:  # crashed before the receipt
                    receipts[i] = await _receipt_for(uow, item.staff, existing, now)
                continue
            target = await _target_record(uow, item.staff, item.incoming, now, join_window, drafts, albums)
            targets.append((i, item, target))
        opening = list(dict.fromkeys(t for _, _, t in targets if isinstance(t, _NewDraft)))
        opened: dict[_NewDraft, Record] = {}
        if opening:
            opened = dict(zip(opening, await _new_drafts(uow, [n.staff for n in opening], now), strict=True))
        new: list[tuple[int, NewEvidence, Record, list[Evidence], Evidence]] = []
        for i, item, target in targets:
            record = opened[target] if isinstance(target, _NewDraft) else target
            group = item.incoming.media_group_id
            album = albums.get((item.incoming.chat_id, group)) if group else None
            siblings = list(album[1]) if album is not None else []
            evidence = await _add_evidence(uow, item, record, now)
            if album is not None:  # the album's next item in this batch counts this one among its own
                album[1].append(evidence)
            new.append((i, item, record, siblings, evidence))
        await uow.flush()  # one INSERT for the batch's evidence: the buttons name the rows
        buttons: list[Callback] = []
        for i, item, record, siblings, evidence in new:
            receipts[i] = await _receipt_for(
                uow, item.staff, evidence, now, siblings=siblings, record=record, pending=buttons
            )
        await uow.callbacks.add_many(buttons)
        await uow.commit()
        return receipts


async def _add_evidence(uow: UnitOfWork, item: NewEvidence, record: Record, now: datetime) -> Evidence:
    staff, incoming, content = item.staff, item.incoming, item.content
    assert record.id is not None
    record.evidence_count += 1
    record.last_evidence_at = record.updated_at = now
    origin = incoming.origin.as_json()
    origin["forwarded_at" if incoming.origin.forwarded else "sent_at"] = incoming.sent_at.isoformat()
    file = incoming.file
    evidence = Evidence(
        record_id=record.id,
        seq=record.evidence_count,
        kind=incoming.kind,
        state=content.state,
        received_at=now,
        chat_id=incoming.chat_id,
        message_id=incoming.message_id,
        update_id=incoming.update_id,
        origin=origin,
        sha256=content.sha256,
        size=content.size if content.size is not None else (file.size if file else None),
        media_type=content.media_type or (file.mime_type if file else None),
        text=incoming.text,
        entities=incoming.entities,
        file_name=file.file_name if file else None,
        telegram_file_id=file.file_id if file else None,
        telegram_file_unique_id=file.file_unique_id if file else None,
        media_group_id=incoming.media_group_id,
        message_sha256=content.message_sha256,
        photo_compressed=incoming.photo_compressed,
        download_attempts=1 if file else 0,
        stored_at=now if content.state is EvidenceState.STORED else None,
    )
    await uow.evidence.add(evidence)
    await uow.ledger.append(
        actor=f"staff:{staff.staff_id}",
        action="evidence.add",
        object_type="record",
        object_id=record.number,
        payload={
            "evidence": evidence.seq,
            "kind": evidence.kind,
            "sha256": evidence.sha256,
            "size": evidence.size,
            "state": evidence.state,
            "message_sha256": evidence.message_sha256,
            "origin": origin,
        },
    )
    return evidence


async def _receipt_for(
    uow: UnitOfWork,
    staff: Staff,
    evidence: Evidence,
    now: datetime,
    *,
    siblings: list[Evidence] | None = None,
    record: Record | None = None,
    pending: list[Callback] | None = None,
) -> Receipt:
    """The receipt of ``evidence``. Its buttons are stored now, or added to ``pending`` (a batch stores
    all of its receipts' buttons in one statement)."""
    assert staff.id is not None
    record = record or await uow.records.get(evidence.record_id)
    assert record is not None and record.id is not None
    if siblings is None and evidence.media_group_id:
        siblings = [
            e
            for e in await uow.evidence.in_group(evidence.chat_id, evidence.media_group_id)
            if e.id != evidence.id
        ]
    siblings = siblings or []
    edit = next((s.receipt_message_id for s in siblings if s.receipt_message_id), None)
    conversation = await uow.conversations.get(staff.id)
    hint = evidence.kind == EvidenceKind.PHOTO.value and PHOTO_HINT not in conversation.hints_shown
    if hint:
        conversation.hints_shown = [*conversation.hints_shown, PHOTO_HINT]
    buttons = _new_buttons(staff, record, evidence, now)
    if pending is None:
        await uow.callbacks.add_many(buttons)
    else:
        pending.extend(buttons)
    return Receipt(
        record_id=record.id,
        record_number=record.number,
        record_status=record.status,
        items=(*siblings, evidence),
        missing=await _left(uow, staff, record, [*siblings, evidence], now),
        buttons={c.action: c.token for c in buttons},
        edit_message_id=edit,
        photo_hint=hint,
    )


async def _left(
    uow: UnitOfWork, staff: Staff, record: Record, items: list[Evidence], now: datetime
) -> int | None:
    """还差 N 项 on a draft's first receipt (an album's items are one): what that evidence tells is not
    counted. A later item's receipt gives no count: more evidence only tells more, so the questions' own
    count can only be lower, and the receipt never reads the draft's evidence again (a receipt's work must
    not grow with the draft)."""
    if record.evidence_count > len(items):
        return None
    facts = inference.recorder_facts(items, staff)
    return questionnaire.left_after_inference(record.answers, facts, now=now)


async def receipt_sent(uow: UnitOfWork, *, evidence_ids: list[int], message_id: int) -> None:
    """Remember which chat message is the receipt (albums edit it; a crash before this re-sends it)."""
    await receipts_sent(uow, [(evidence_ids, message_id)])


async def receipts_sent(uow: UnitOfWork, sent: Sequence[tuple[Sequence[int], int]]) -> list[None]:
    """`receipt_sent` of several receipts in one transaction (the group commit)."""
    async with uow:
        await uow.evidence.mark_receipts(
            [(pk, message_id) for evidence_ids, message_id in sent for pk in evidence_ids]
        )
        await uow.commit()
    return [None] * len(sent)


class PressOutcome:
    OK = "ok"
    FORBIDDEN = "forbidden"  # unknown token, or a token shown to someone else: reveal nothing
    STALE = "stale"  # the record moved on (submitted, …)
    SUBMITTED = "submitted"  # [直接报告纪检] on a submitted record: the sign-off chain decides it


@dataclass(frozen=True)
class PressResult:
    outcome: str
    action: str | None = None
    record: Record | None = None
    moved: tuple[Evidence, ...] = ()
    receipt: Receipt | None = None


async def press(uow: UnitOfWork, *, staff: Staff, token: str, clock: Clock) -> PressResult:
    """A receipt button. The token is resolved and re-authorised here, never trusted."""
    async with uow:
        callback = await uow.callbacks.get(token)
        if callback is None or callback.staff_pk != staff.id or callback.action not in RECEIPT_ACTIONS:
            return PressResult(PressOutcome.FORBIDDEN)
        record = await uow.records.get(callback.record_id) if callback.record_id else None
        if record is None or record.recorder_id != staff.id:
            return PressResult(PressOutcome.FORBIDDEN)
        now = clock.now()
        if record.status != RecordStatus.DRAFT.value:
            # After submission a direct report moves the record in its chain (signoff.report_direct), or is
            # refused there; a flag alone would print a report that never happened on the form.
            outcome = (
                PressOutcome.SUBMITTED if callback.action == ReceiptAction.DIRECT else PressOutcome.STALE
            )
            return PressResult(outcome, callback.action, record)
        actor = f"staff:{staff.staff_id}"
        result = PressResult(PressOutcome.OK, callback.action, record)
        if callback.action == ReceiptAction.SPLIT:
            result = await _split(uow, staff, record, callback, now)
        elif callback.action == ReceiptAction.DIRECT and not record.direct_to_discipline:
            # seed 004 §13: any recorder may report directly to discipline inspection
            record.direct_to_discipline = True
            record.updated_at = now
            await uow.ledger.append(
                actor=actor, action="record.direct", object_type="record", object_id=record.number, payload={}
            )
        elif callback.action == ReceiptAction.FILL:
            conversation = await uow.conversations.get(staff.id or 0)
            conversation.current_record_id = record.id
        callback.used_at = now
        await uow.commit()
        return result


async def _split(
    uow: UnitOfWork, staff: Staff, record: Record, callback: Callback, now: datetime
) -> PressResult:
    """[这是另一件事]: the evidence of this receipt (all of its album) opens a new draft."""
    evidence = await uow.evidence.get(callback.evidence_id) if callback.evidence_id else None
    if evidence is None or evidence.record_id != record.id:
        return PressResult(PressOutcome.STALE, callback.action, record)
    items = [evidence]
    if evidence.media_group_id:
        items = [
            e
            for e in await uow.evidence.in_group(evidence.chat_id, evidence.media_group_id)
            if e.record_id == record.id
        ]
    if len(items) == record.evidence_count:  # already alone in its draft
        receipt = await _receipt_for(uow, staff, evidence, now, record=record)
        return PressResult(PressOutcome.OK, callback.action, record, receipt=receipt)
    new = await _new_draft(uow, staff, now)
    assert new.id is not None
    for seq, item in enumerate(items, start=1):
        item.record_id, item.seq = new.id, seq
    new.evidence_count = len(items)
    record.evidence_count -= len(items)
    for rest_seq, rest in enumerate(await uow.evidence.for_record(record.id or 0), start=1):
        if rest.record_id == record.id:
            rest.seq = rest_seq
    record.updated_at = now
    await uow.flush()
    await uow.ledger.append(
        actor=f"staff:{staff.staff_id}",
        action="evidence.move",
        object_type="record",
        object_id=new.number,
        payload={"from": record.number, "evidence_ids": [e.id for e in items]},
    )
    receipt = await _receipt_for(
        uow, staff, evidence, now, siblings=items[:-1] if len(items) > 1 else [], record=new
    )
    return PressResult(PressOutcome.OK, callback.action, new, moved=tuple(items), receipt=receipt)


async def start_new_draft(uow: UnitOfWork, *, staff: Staff) -> None:
    """`/new`: the next evidence opens a new draft, whatever the time since the last one."""
    assert staff.id is not None
    async with uow:
        conversation = await uow.conversations.get(staff.id)
        conversation.force_new_draft = True
        await uow.commit()


@dataclass(frozen=True)
class DraftSummary:
    number: str
    evidence_count: int
    last_evidence_at: datetime
    missing: tuple[str, ...]


async def open_drafts(uow: UnitOfWork, *, staff: Staff) -> list[DraftSummary]:
    assert staff.id is not None
    async with uow:
        return [
            DraftSummary(
                r.number,
                r.evidence_count,
                r.last_evidence_at,
                tuple(f.label for f in questionnaire.missing(r.answers)),
            )
            for r in await uow.records.drafts(staff.id)
        ]


@dataclass(frozen=True)
class Arrival:
    """A file that could not be downloaded at intake and has arrived (or finally failed)."""

    evidence: Evidence
    record_number: str
    chat_id: int


async def file_outcome(
    uow: UnitOfWork, *, evidence_id: int, content: StoredContent | None, clock: Clock, max_attempts: int
) -> Arrival | None:
    """Background retry result: stored, or one more failed attempt (FAILED after `max_attempts`). The row
    is locked: two instances retrying the same file file it once and tell the recorder once."""
    async with uow:
        evidence = await uow.evidence.get(evidence_id, for_update=True)
        if evidence is None or evidence.state != EvidenceState.PENDING.value:
            return None
        record = await uow.records.get(evidence.record_id)
        assert record is not None
        evidence.download_attempts += 1
        if content is not None and content.state is EvidenceState.STORED:
            evidence.state = EvidenceState.STORED
            evidence.sha256, evidence.size = content.sha256, content.size
            evidence.media_type = content.media_type or evidence.media_type
            evidence.stored_at = clock.now()
        elif evidence.download_attempts >= max_attempts:
            evidence.state = EvidenceState.FAILED
        else:
            await uow.commit()
            return None
        await uow.ledger.append(
            actor="system",
            action="evidence.file",
            object_type="record",
            object_id=record.number,
            payload={
                "evidence": evidence.seq,
                "state": evidence.state,
                "sha256": evidence.sha256,
                "size": evidence.size,
            },
        )
        await uow.commit()
        return Arrival(evidence, record.number, evidence.chat_id)


async def uninspected(uow: UnitOfWork, *, before: datetime, limit: int) -> list[tuple[int, str]]:
    """Stored images received before ``before`` whose inspection (or its OCR step) is still to do."""
    async with uow:
        return [
            (e.id, e.sha256)
            for e in await uow.evidence.uninspected(before, limit)
            if e.id is not None and e.sha256 is not None
        ]


async def record_inspection(uow: UnitOfWork, *, evidence_id: int, details: Mapping[str, object]) -> None:
    """Store what image inspection found (off the receipt path)."""
    async with uow:
        evidence = await uow.evidence.get(evidence_id)
        if evidence is None:
            return
        evidence.inspection = dict(details)
        await uow.commit()
