"""The desk console's use cases: sign-in through the bot, the sessions, and the reads the console shows —
each through the same need-to-know policy as the chat (``app/usecases/access.py``; seed 003 §12) and each in
the ledger (seed 004 §15: 全程留痕). The web door renders; no rule lives there.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any, NoReturn

from liuhen.app.ports import UnitOfWork
from liuhen.app.usecases import accountability, casefile, followup, notices, signoff
from liuhen.app.usecases.access import AccessDenied, Denial, read_record, readable_many
from liuhen.domain.access import SEVERE, WHOLE_COURT_ROLES, Operator
from liuhen.domain.casefile import CaseFileTask
from liuhen.domain.checkpoints import Checkpoint
from liuhen.domain.clock import Clock
from liuhen.domain.desk import COUNT_CAP, IDLE_TIMEOUT, LINK_TTL, MAX_AGE, RecordQuery, digest
from liuhen.domain.followup import FollowUp, Step
from liuhen.domain.ledger import LedgerEntry
from liuhen.domain.model import Court, Role, Staff
from liuhen.domain.monthly import Policy
from liuhen.domain.notices import Notice
from liuhen.domain.periods import BadPeriod, Quarter
from liuhen.domain.questionnaire import FIELDS
from liuhen.domain.records import Evidence, Record, RecordStatus
from liuhen.domain.signoff import Chain


class Refusal(enum.StrEnum):
    """Why a sign-in link did not sign anyone in; the page says only that the link is not valid."""

    UNKNOWN = "unknown"  # no such link, used already, or older than two minutes
    INACTIVE = "inactive"  # the person left the roster after asking for it


class SignInRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


@dataclass(frozen=True)
class SignedIn:
    token: str  # the session's secret, for the cookie only
    staff: Staff


def _actor(staff: Staff) -> str:
    return f"staff:{staff.staff_id}"


async def _logged(uow: UnitOfWork, staff: Staff, action: str, **payload: Any) -> None:
    """A sign-in step of ``staff`` in the ledger (seed 004 §15: 全程留痕)."""
    await uow.ledger.append(
        actor=_actor(staff), action=action, object_type="staff", object_id=staff.staff_id, payload=payload
    )


async def issue_link(uow: UnitOfWork, *, staff: Staff, now: datetime) -> str:
    """`/desk` in the chat: a one-time sign-in token for ``staff`` (only its hash is kept)."""
    assert staff.id is not None
    token = secrets.token_urlsafe(32)
    async with uow:
        await uow.desk.add_link(digest(token), staff.id, now, now + LINK_TTL)
        await _logged(uow, staff, "desk.link")
        await uow.commit()
    return token


async def sign_in(uow: UnitOfWork, *, token: str, now: datetime, client: str) -> SignedIn:
    """Open the link: a new session for its staff member, or ``SignInRefused`` (in the ledger either way)."""
    async with uow:
        staff_pk = await uow.desk.use_link(digest(token), now)
        staff = await uow.staff.get(staff_pk) if staff_pk is not None else None
        refusal = Refusal.UNKNOWN if staff is None else None if staff.active else Refusal.INACTIVE
        if staff is None or refusal is not None:
            await uow.ledger.append(
                actor=_actor(staff) if staff is not None else "web",
                action="desk.sign_in_refused",
                object_type="staff",
                object_id=staff.staff_id if staff is not None else "?",
                payload={"why": (refusal or Refusal.UNKNOWN).value, "client": client},
            )
            await uow.commit()
            raise SignInRefused(refusal or Refusal.UNKNOWN)
        assert staff.id is not None
        session = secrets.token_urlsafe(32)
        await uow.desk.add_session(digest(session), staff.id, now)
        await _logged(uow, staff, "desk.sign_in", client=client)
        await uow.commit()
        return SignedIn(session, staff)


async def current(uow: UnitOfWork, *, token: str, now: datetime, writing: UnitOfWork) -> Staff | None:
    """The staff member of a live session, or None (ended, idle, too old, or the person deactivated: their
    sessions end at once, since each request asks the roster). ``uow`` reads (every request: it never
    waits for a writer); ``writing`` notes the session as seen, only once every few minutes."""
    async with uow:
        session = await uow.desk.find_session(digest(token))
        if session is None or not session.alive(now):
            return None
        staff = await uow.staff.get(session.staff_pk)
        if staff is None or not staff.active:
            return None
        stale = session.needs_touch(now)
    if stale:
        async with writing:
            await writing.desk.touch(digest(token), now)
            await writing.commit()
    return staff


async def sign_out(uow: UnitOfWork, *, token: str, staff: Staff, now: datetime) -> None:
    async with uow:
        if await uow.desk.end(digest(token), now):
            await _logged(uow, staff, "desk.sign_out")
        await uow.commit()


async def sign_out_everywhere(uow: UnitOfWork, *, staff: Staff, now: datetime) -> int:
    """From the chat: every browser of ``staff`` signed out; how many were open."""
    assert staff.id is not None
    async with uow:
        ended = await uow.desk.end_all(
            staff.id, now, seen_after=now - IDLE_TIMEOUT, created_after=now - MAX_AGE
        )
        await _logged(uow, staff, "desk.sign_out_all", sessions=ended)
        await uow.commit()
        return ended


# ---------------------------------------------------------------------------------------------------------
# What the console shows


@dataclass(frozen=True)
class Row:
    """One line of the record list."""

    number: str
    status: str
    record_type: str | None
    recorder: str
    intervener: str | None
    case_number: str | None
    created_at: datetime
    submitted_at: datetime | None
    severe: bool
    court: str | None = None  # a court below's code, when the record is one of its (reported upward)
    court_name: str = ""


@dataclass(frozen=True)
class Page:
    rows: Sequence[Row]
    total: int  # of the records this reader may see under the filters (at most COUNT_CAP + 1)
    page: int
    pages: int
    courts: Sequence[Court] = ()  # what the court filter offers: the courts whose records the list shows them

    @property
    def many(self) -> bool:
        """More than COUNT_CAP: the page says "more than", and asks for a filter."""
        return self.total > COUNT_CAP


@dataclass(frozen=True)
class Filters:
    """The list's filters as the page sends them (unknown values are ignored, never an error)."""

    status: str | None = None
    text: str = ""  # a record number, a case number or a name, as typed
    record_type: str | None = None
    department_id: int | None = None
    quarter: str | None = None  # "2026Q4": first submitted in it
    special_item: str | None = None
    severe: bool = False
    overdue: bool = False
    court: str | None = None  # a court's code, one the list offers (Page.courts): this court's records only
    page: int = 1


PAGE_SIZE = 50


async def record_list(
    uow: UnitOfWork,
    *,
    reader: Staff,
    filters: Filters,
    today: date,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> Page:
    """The records ``reader`` may read, newest first, filtered and paginated; the listing is in the ledger.
    The database narrows the rows (the chains the reader is in, the filters, one page); the need-to-know
    policy (``access.readable_many``) decides each row shown: a page never holds what they may not see."""
    assert reader.id is not None
    statuses = {s.value for s in RecordStatus}
    status = filters.status if filters.status in statuses else None
    text = filters.text.strip()[:100]
    since = until = None
    if filters.quarter and tz is not None:
        try:
            since, until = Quarter.parse(filters.quarter).bounds(tz)
        except BadPeriod:
            since = until = None
    async with uow:
        readers = None
        every = await uow.courts.list()
        lower: dict[int, Court] = {}
        if reader.role == Role.DISCIPLINE.value:  # the courts directly below report upward to this office
            lower = {c.id: c for c in every if c.parent_id == reader.court_id and c.id}
        offered = await _courts_offered(uow, reader, every, lower, today)
        only = None
        if filters.court:  # one of those offered; any other code lists nothing
            chosen = next((c for c in offered if c.code == filters.court), None)
            only = chosen.id if chosen is not None and chosen.id is not None else -1
        if reader.role not in WHOLE_COURT_ROLES:  # the others: the chains they are in
            officers = {
                d.officer_pk
                for d in await uow.signoff.delegations(reader.court_id)
                if d.deputy_pk == reader.id and d.valid_on(today)
            }
            readers = frozenset({reader.id, *officers})
        query = RecordQuery(
            court_id=reader.court_id,
            reader_pk=reader.id,
            readers=readers,
            lower_courts=frozenset(lower),
            only_court=only,
            status=status,
            text=text,
            record_type=filters.record_type or None,
            department_id=filters.department_id,
            since=since,
            until=until,
            special_item=filters.special_item or None,
            severe=filters.severe,
            overdue_at=now if filters.overdue else None,
            offset=(max(1, filters.page) - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
        rows, total = await uow.records.page(query)
        shown = await readable_many(uow, reader, rows, today=today)
        # rows of the courts below, those further down forwarded on to this office too (层报): named and
        # addressed by their court
        below = {c.id: c for c in every if c.id is not None and c.id != reader.court_id}
        staff = await uow.staff.names(reader.court_id)
        pages = max(1, -(-total // PAGE_SIZE))
        await uow.ledger.append(
            actor=_actor(reader),
            action="desk.list",
            object_type="record",
            object_id="*",
            payload={"filters": _filters_json(filters), "shown": [r.number for r in shown]},
        )
        await uow.commit()
        return Page(
            [_row(r, staff, below) for r in shown],
            total,
            min(max(1, filters.page), pages),
            pages,
            offered,
        )


def _row(r: Record, staff: Mapping[int, str], below: Mapping[int, Court]) -> Row:
    given = r.given  # the typed answers, read once per row
    court = below.get(r.court_id) if r.court_id is not None else None
    return Row(
        r.number,
        r.status,
        given.record_type,
        staff.get(r.recorder_id, ""),
        given.intervener_name,
        given.case_number,
        r.created_at,
        r.submitted_at,
        bool(r.answers.get(SEVERE)),
        court.code if court is not None else None,
        court.name if court is not None else "",
    )


async def _courts_offered(
    uow: UnitOfWork, reader: Staff, every: Sequence[Court], lower: dict[int, Court], today: date
) -> list[Court]:
    """The courts whose records the list may show ``reader``: their own; for the discipline office, the
    courts directly below (``lower``: what those report upward, seed 001 实施办法 §6, seed 004 §17(2)), and
    the courts further down with a report forwarded on to this office (层报, seed 001 §7) that the
    need-to-know policy lets the reader read (seed 003 §12) — never a court of which they may read nothing.
    Own court first, then the hierarchy's order: each court followed by the courts below it."""
    assert reader.id is not None
    offered = {reader.court_id, *lower}
    if lower:  # the office of a court with courts below: the list shows what was forwarded on to it then
        forwarded = await uow.records.forwarded_on(reader.id, outside=offered)
        offered |= {r.court_id for r in await readable_many(uow, reader, forwarded, today=today)}
    return [c for c in _in_hierarchy(every, reader.court_id) if c.id in offered]


def _in_hierarchy(courts: Sequence[Court], top: int) -> list[Court]:
    """``courts`` from ``top`` down, each followed by the courts below it (in the order they were added);
    any not below ``top`` after them."""
    below: dict[int | None, list[Court]] = {}
    for court in courts:
        below.setdefault(court.parent_id, []).append(court)
    ordered: list[Court] = []
    seen: set[int | None] = set()
    stack = [c for c in courts if c.id == top]
    while stack:
        court = stack.pop()
        if court.id in seen:  # a loop in the courts' links: each court once
            continue
        seen.add(court.id)
        ordered.append(court)
        stack.extend(reversed(below.get(court.id, [])))
    return ordered + [c for c in courts if c.id not in seen]


def _filters_json(filters: Filters) -> dict[str, Any]:
    return {k: v for k, v in filters.__dict__.items() if v not in (None, "", False)}


@dataclass(frozen=True)
class Version:
    """An earlier version of a record, and what the next one changed (seed 004 §15: 全程留痕)."""

    version: int
    at: datetime
    actor: str
    reason: str
    changes: Sequence[tuple[str, Any, Any]]  # (field key, in this version, in the next)


@dataclass(frozen=True)
class RecordPage:
    record: Record
    chain: Chain | None
    evidence: Sequence[Evidence]
    versions: Sequence[Version]
    names: dict[int, str] = field(default_factory=dict)
    sign: signoff.SignNow | None = None  # what the reader may decide on it now, if anything
    followup: FollowUp | None = None  # its follow-through (分流处理), once disposed of
    steps: tuple[Step, ...] = ()  # what the reader may do on the follow-up now (its owner; the chief)


def _versions(rows: Sequence[dict[str, Any]], current: dict[str, Any]) -> list[Version]:
    out = []
    for i, row in enumerate(rows):
        then = row.get("answers") or {}
        after = rows[i + 1].get("answers") or {} if i + 1 < len(rows) else current
        changes = [
            (f.key, then.get(f.key), after.get(f.key)) for f in FIELDS if then.get(f.key) != after.get(f.key)
        ]
        out.append(
            Version(int(row["version"]), row["created_at"], str(row["actor"]), str(row["reason"]), changes)
        )
    return out


async def record_page(
    uow: UnitOfWork,
    *,
    reader: Staff | Operator,
    number: str,
    court_id: int,
    today: date,
    now: datetime | None = None,
    config: signoff.Config | None = None,
) -> RecordPage:
    """One record for the desk: authorised and in the ledger (``AccessDenied`` otherwise, also logged)."""
    async with uow:
        record = await uow.records.by_number(court_id, number)
        try:
            await read_record(uow, staff=reader, record=record, what="desk", today=today)
        except AccessDenied:
            await uow.commit()
            raise
        assert record is not None and record.id is not None
        evidence = await uow.evidence.for_record(record.id)
        versions = _versions(await uow.records.versions(record.id), record.answers)
        names = await uow.staff.names(record.court_id)
        sign = None
        if isinstance(reader, Staff) and now is not None and config is not None:
            sign = await signoff.sign_now(uow, staff=reader, record=record, now=now, config=config)
        f = await uow.followups.for_record(record.id)
        steps: tuple[Step, ...] = ()
        if f is not None and isinstance(reader, Staff):
            if reader.id == f.owner_pk:
                steps = f.next_steps()
            elif reader.role == Role.PRESIDENT.value:
                steps = f.chief_steps()
            elif await followup.office_above(uow, f, reader):  # 报上一级: its result (seed 004 §17(2))
                steps = tuple(s for s in f.next_steps() if s is Step.FEEDBACK)
        await uow.commit()
        return RecordPage(record, record.chain, tuple(evidence), versions, names, sign, f, steps)


async def evidence_item(
    uow: UnitOfWork, *, reader: Staff, number: str, seq: int, court_id: int, today: date, what: str
) -> Evidence:
    """One evidence item to download or preview: the record authorised, the view in the ledger."""
    async with uow:
        record = await uow.records.by_number(court_id, number)
        try:
            await read_record(uow, staff=reader, record=record, what=f"evidence:{what}", today=today)
        except AccessDenied:
            await uow.commit()
            raise
        assert record is not None and record.id is not None
        items = {e.seq: e for e in await uow.evidence.for_record(record.id)}
        item = items.get(seq)
        if item is None:
            await uow.commit()
            raise LookupError(seq)
        await uow.ledger.append(
            actor=_actor(reader),
            action="evidence.view",
            object_type="evidence",
            object_id=f"{record.number}#{seq}",
            payload={"sha256": item.sha256, "how": what},
        )
        await uow.commit()
        return item


@dataclass(frozen=True)
class Tasks:
    """My tasks, overdue first: the sign-offs waiting for me (and, for the discipline office and the
    president, every overdue one of the court: seed 004 §13), and the discipline office's open follow-ups
    with their deadlines (seed 004 §17–§20)."""

    signoffs: Sequence[signoff.PendingItem]
    followups: Sequence[FollowUp]
    case_files: Sequence[CaseFileTask] = ()  # 入卷存查: the record or zero report into the case file
    more_signoffs: bool = False  # more sign-offs wait than the page lists (the oldest deadlines are on it)


#: The sign-offs "my tasks" lists at most, the oldest deadlines first; the record list filters the rest.
DESK_PENDING_LIMIT = 200


async def tasks(uow: UnitOfWork, *, reader: Staff, clock: Clock, config: signoff.Config) -> Tasks:
    found = await signoff.pending(
        uow, staff=reader, clock=clock, config=config, buttons=False, limit=DESK_PENDING_LIMIT
    )
    items = sorted(found.items, key=lambda i: (not i.overdue, not i.mine, i.deadline or clock.now()))
    followups: Sequence[FollowUp] = ()
    if reader.role == Role.DISCIPLINE.value:
        async with uow:  # a unit of work opens a fresh session each time
            followups = await uow.followups.open_in(reader.court_id)
    return Tasks(items, followups, await casefile.open_of(uow, staff=reader), more_signoffs=found.more)


async def _refused(uow: UnitOfWork, reader: Staff, what: str) -> NoReturn:
    """A summary the reader may not see: the refusal in the ledger (committed), then AccessDenied."""
    await uow.ledger.append(
        actor=_actor(reader), action="summary.read_denied", object_type="summary", object_id=what, payload={}
    )
    await uow.commit()
    raise AccessDenied(Denial.SUMMARY)


#: The reads and sign-ins the audit log shows (seed 004 §15: 全程留痕; seed 003 §12: who saw what).
AUDITED = (
    "record.read",
    "record.read_denied",
    "evidence.view",
    "case.view",
    "summary.read",
    "summary.read_denied",
    "desk.sign_in",
    "desk.sign_in_refused",
    "desk.list",
    "desk.audit",
)


@dataclass(frozen=True)
class Audit:
    entries: Sequence[LedgerEntry]
    names: dict[str, str]  # actor → name
    checkpoint: Checkpoint | None  # the latest signed checkpoint
    verified: LedgerEntry | None  # the latest recorded `liuhen verify` run
    more: int | None  # the ``before`` of the next page, if any


async def audit(uow: UnitOfWork, *, reader: Staff, before: int | None = None, limit: int = 100) -> Audit:
    """Who viewed what in the reader's court, newest first, with the ledger's state: the discipline office
    only (a refusal raises AccessDenied and is logged); the view itself is logged."""
    async with uow:
        if reader.role != Role.DISCIPLINE.value or not reader.active:
            await _refused(uow, reader, "audit")
        people = {f"staff:{s.staff_id}": s.name for s in await uow.staff.list(reader.court_id)}
        entries = await uow.ledger.recent(actions=AUDITED, actors=people, before=before, limit=limit + 1)
        verified = await uow.ledger.recent(actions=("integrity.verify",), actors=("cli", "demo"), limit=1)
        checkpoint = await uow.integrity.latest_checkpoint()
        await uow.ledger.append(
            actor=_actor(reader), action="desk.audit", object_type="summary", object_id="audit", payload={}
        )
        await uow.commit()
        more = entries[limit - 1].seq if len(entries) > limit else None
        return Audit(entries[:limit], people, checkpoint, verified[0] if verified else None, more)


@dataclass(frozen=True)
class Book:
    """The discipline office's own register at the desk: this year's accountability measures with their
    warnings, the possible cases offered (never decided), and the notices issued."""

    overview: accountability.Overview
    notices: Sequence[Notice]


async def office_book(
    uow: UnitOfWork, *, reader: Staff, now: datetime, tz: tzinfo, policy: Policy | None = None
) -> Book:
    """责任追究 and 通报 (seed 001 §8–§10; seed 004 §22–§30): the discipline office only (AccessDenied
    otherwise, logged); the read is in the ledger."""
    found = await accountability.overview(uow, staff=reader, now=now, tz=tz, policy=policy, buttons=False)
    if found is None:
        async with uow:
            await _refused(uow, reader, "accountability")
    async with uow:
        notices = await uow.notices_issued.in_court(reader.court_id)
    return Book(found, tuple(reversed(notices)))


async def notice_file(uow: UnitOfWork, *, reader: Staff, notice_id: int) -> Notice | None:
    """A notice's PDF as issued, for the discipline office of its court (seed 004 §22–§24); the download is
    in the ledger. AccessDenied (logged) for a reader not of the office; None for a notice of another court
    or one issued before its PDF was kept."""
    async with uow:
        if not notices.may_issue(reader):
            await _refused(uow, reader, "notice")
        notice = await uow.notices_issued.get(notice_id)
        if notice is None or notice.court_id != reader.court_id or notice.pdf_sha256 is None:
            return None
        await uow.ledger.append(
            actor=f"staff:{reader.staff_id}",
            action="notice.read",
            object_type="notice",
            object_id=f"{notice.year}-{notice.seq}",
            payload={},
        )
        await uow.commit()
        return notice
