"""Repositories of the organisation and enrolment, over one AsyncSession."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, and_, bindparam, cast, func, literal, or_, select, text, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from liuhen.domain import ledger as rules
from liuhen.domain.access import forwarded_to
from liuhen.domain.desk import COUNT_CAP, RecordQuery
from liuhen.domain.ledger import LedgerEntry
from liuhen.domain.model import (
    Callback,
    Conversation,
    Court,
    Department,
    EnrolmentAttempt,
    EnrolmentCode,
    Role,
    Staff,
)
from liuhen.domain.records import Evidence, EvidenceState, Record, RecordStatus
from liuhen.domain.reporting import facts_of
from liuhen.domain.seals import Kind
from liuhen.storage import tables as t
from liuhen.storage import tallies
from liuhen.storage.seals import note_rows
from liuhen.storage.types import CaseNumberOf, InterventionTimeOf


class _Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session


class SqlCourtRepository(_Repo):
    async def get(self, pk: int) -> Court | None:
        return await self.session.get(Court, pk)

    async def many(self, pks: Collection[int]) -> dict[int, Court]:
        rows = await self.session.scalars(select(Court).where(t.courts.c.id.in_(list(pks))))
        return {c.id: c for c in rows if c.id is not None}

    async def by_code(self, code: str) -> Court | None:
        return (await self.session.scalars(select(Court).where(t.courts.c.code == code))).first()

    async def list(self) -> Sequence[Court]:
        return (await self.session.scalars(select(Court).order_by(t.courts.c.id))).all()

    async def add(self, court: Court) -> None:
        self.session.add(court)


class SqlDepartmentRepository(_Repo):
    async def get(self, pk: int) -> Department | None:
        return await self.session.get(Department, pk)

    async def many(self, pks: Collection[int]) -> dict[int, Department]:
        rows = await self.session.scalars(select(Department).where(t.departments.c.id.in_(list(pks))))
        return {d.id: d for d in rows if d.id is not None}

    async def list(self, court_id: int) -> Sequence[Department]:
        stmt = select(Department).where(t.departments.c.court_id == court_id).order_by(t.departments.c.id)
        return (await self.session.scalars(stmt)).all()

    async def add(self, department: Department) -> None:
        self.session.add(department)


class SqlStaffRepository(_Repo):
    async def get(self, pk: int) -> Staff | None:
        return await self.session.get(Staff, pk)

    async def by_staff_id(self, court_id: int, staff_id: str) -> Staff | None:
        stmt = select(Staff).where(t.staff.c.court_id == court_id, t.staff.c.staff_id == staff_id)
        return (await self.session.scalars(stmt)).first()

    async def by_telegram(self, telegram_user_id: int) -> Staff | None:
        stmt = select(Staff).where(t.staff.c.telegram_user_id == telegram_user_id)
        return (await self.session.scalars(stmt)).first()

    async def by_telegram_many(self, telegram_user_ids: Collection[int]) -> dict[int, Staff]:
        stmt = select(Staff).where(t.staff.c.telegram_user_id.in_(list(telegram_user_ids)))
        return {s.telegram_user_id: s for s in await self.session.scalars(stmt) if s.telegram_user_id}

    async def by_wecom_many(self, userids: Collection[str]) -> dict[str, Staff]:
        stmt = select(Staff).where(t.staff.c.wecom_userid.in_(list(userids)))
        return {s.wecom_userid: s for s in await self.session.scalars(stmt) if s.wecom_userid}

    async def list(self, court_id: int) -> Sequence[Staff]:
        stmt = select(Staff).where(t.staff.c.court_id == court_id).order_by(t.staff.c.id)
        return (await self.session.scalars(stmt)).all()

    async def names(self, court_id: int) -> dict[int, str]:
        c = t.staff.c
        rows = await self.session.execute(select(c.id, c.name).where(c.court_id == court_id))
        return {pk: name for pk, name in rows}

    async def add(self, staff: Staff) -> None:
        self.session.add(staff)


class SqlEnrolmentCodeRepository(_Repo):
    async def by_hash(self, code_hash: str) -> EnrolmentCode | None:
        stmt = select(EnrolmentCode).where(t.enrolment_codes.c.code_hash == code_hash)
        return (await self.session.scalars(stmt)).first()

    async def add(self, code: EnrolmentCode) -> None:
        self.session.add(code)

    async def unused_for(self, staff_pk: int) -> Sequence[EnrolmentCode]:
        c = t.enrolment_codes.c
        stmt = select(EnrolmentCode).where(c.staff_pk == staff_pk, c.used_at.is_(None)).order_by(c.id)
        return (await self.session.scalars(stmt)).all()


class SqlEnrolmentAttemptRepository(_Repo):
    async def count_since(self, telegram_user_id: int, since: datetime) -> int:
        c = t.enrolment_attempts.c
        stmt = select(func.count()).where(c.telegram_user_id == telegram_user_id, c.at >= since)
        return int((await self.session.execute(stmt)).scalar_one())

    async def count_in_range(self, low: int, high: int, since: datetime) -> int:
        c = t.enrolment_attempts.c
        stmt = select(func.count()).where(c.telegram_user_id >= low, c.telegram_user_id < high, c.at >= since)
        return int((await self.session.execute(stmt)).scalar_one())

    async def add(self, attempt: EnrolmentAttempt) -> None:
        self.session.add(attempt)


class SqlInbox(_Repo):
    """Update ids already handled (docs/architecture.md "Idempotency")."""

    def __init__(self, session: AsyncSession, now: Any) -> None:
        super().__init__(session)
        self._now = now

    async def claim(self, update_id: int, *, chat_id: int | None, kind: str) -> bool:
        values = {"update_id": update_id, "chat_id": chat_id, "kind": kind, "received_at": self._now()}
        stmt = (
            _insert_for(self.session)(t.inbox)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["update_id"])
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def claim_many(self, updates: Sequence[tuple[int, int | None]], *, kind: str) -> set[int]:
        """`claim` of several updates in one statement: the update ids claimed now (replays are absent)."""
        if not updates:
            return set()
        now = self._now()
        rows = [{"update_id": u, "chat_id": chat, "kind": kind, "received_at": now} for u, chat in updates]
        stmt = (
            _insert_for(self.session)(t.inbox)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(t.inbox.c.update_id)
        )
        return set((await self.session.execute(stmt)).scalars())


class SqlLedger(_Repo):
    """Appends hash-chained entries in the caller's transaction (domain/ledger.py has the rules)."""

    def __init__(self, session: AsyncSession, now: Any) -> None:
        super().__init__(session)
        self._now = now
        self._head: tuple[int, str] | None = None  # (seq, entry_hash) after this transaction's appends
        self._moved = False
        self._pending: list[LedgerEntry] = []
        self._actor = "system"

    async def append(
        self, *, actor: str, action: str, object_type: str, object_id: str, payload: dict[str, Any]
    ) -> None:
        prev_seq, prev_hash = await self.lock()
        seq, at = prev_seq + 1, self._now()
        digest = rules.payload_hash(payload)
        entry_hash = rules.entry_hash(
            prev_hash=prev_hash,
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            payload_digest=digest,
        )
        self._pending.append(
            LedgerEntry(
                seq, at, actor, action, object_type, object_id, payload, digest, prev_hash, entry_hash
            )
        )
        self._head, self._moved = (seq, entry_hash), True
        self._actor = actor

    def last_actor(self) -> str:
        """Who made this transaction's changes: the actor of its latest entry (a seal is theirs)."""
        return self._actor

    async def lock(self) -> tuple[int, str]:
        """Lock the head until the transaction ends (the first append does it; take it earlier to keep one
        lock order: head first, then a record counter). Returns (seq, entry_hash) as of now."""
        if self._head is None:
            row = (
                await self.session.execute(
                    select(t.ledger_head.c.seq, t.ledger_head.c.entry_hash)
                    .where(t.ledger_head.c.id == 1)
                    .with_for_update()
                )
            ).one()
            self._head = (int(row.seq), str(row.entry_hash))
        return self._head

    async def _write_pending(self) -> None:
        """The transaction's entries so far, in one statement (a batch of evidence appends dozens)."""
        if self._pending:
            rows, self._pending = [_row(t.ledger, e) for e in self._pending], []
            await self.session.execute(t.ledger.insert(), rows)

    async def before_commit(self) -> None:
        """Write the entries and the head once for all of the transaction's appends (the unit of work
        calls this)."""
        await self._write_pending()
        if self._moved and self._head is not None:
            seq, entry_hash = self._head
            await self.session.execute(
                update(t.ledger_head).where(t.ledger_head.c.id == 1).values(seq=seq, entry_hash=entry_hash)
            )
        self._actor = "system"
        self._head, self._moved = None, False  # the lock ends with the transaction: read it afresh

    async def entries(self, after: int = 0, limit: int = 10_000) -> Sequence[LedgerEntry]:
        await self._write_pending()
        stmt = select(LedgerEntry).where(t.ledger.c.seq > after).order_by(t.ledger.c.seq).limit(limit)
        return (await self.session.scalars(stmt)).all()

    async def recent(
        self,
        *,
        actions: Collection[str],
        actors: Collection[str],
        before: int | None = None,
        limit: int = 100,
    ) -> Sequence[LedgerEntry]:
        c = t.ledger.c
        stmt = select(LedgerEntry).where(c.action.in_(list(actions)), c.actor.in_(list(actors)))
        if before is not None:
            stmt = stmt.where(c.seq < before)
        return (await self.session.scalars(stmt.order_by(c.seq.desc()).limit(limit))).all()

    async def head(self) -> tuple[int, str] | None:
        if self._moved:
            return self._head
        c = t.ledger_head.c
        row = (await self.session.execute(select(c.seq, c.entry_hash).where(c.id == 1))).first()
        return (int(row.seq), str(row.entry_hash)) if row is not None else None


def _row(table: Any, obj: object) -> dict[str, Any]:
    """A mapped object's column values, for a Core INSERT of many rows at once."""
    return {column.name: getattr(obj, column.name) for column in table.columns}


def _postgresql(session: AsyncSession) -> int | None:
    """PostgreSQL's major version when ``session`` is bound to it (0 before its first connection); None on
    SQLite."""
    dialect = session.bind.dialect if session.bind is not None else None
    if dialect is None or dialect.name != "postgresql":
        return None
    version = dialect.server_version_info or (0,)
    return int(version[0])


def _insert_for(session: AsyncSession) -> Any:
    return pg_insert if _postgresql(session) is not None else sqlite_insert


def _own(records: Any, q: RecordQuery) -> Any:
    """The rows of the reader's own court in the desk's list (``records`` is the table or an alias of it):
    the court's submitted records and the reader's drafts, or for a reader who is not one of the whole
    court's the records of the chains they are in."""
    c, r = records.c, t.record_readers.c
    if q.readers is None:
        return and_(
            c.court_id == q.court_id,
            or_(c.status != RecordStatus.DRAFT.value, c.recorder_id == q.reader_pk),
        )
    # row by row along the court's newest records (a primary-key probe each), so a page and a capped count
    # stop early instead of gathering every record of the reader's chains first
    chains = select(r.record_id).where(r.staff_pk.in_(sorted(q.readers)), r.record_id == c.id).exists()
    return and_(c.court_id == q.court_id, or_(c.recorder_id == q.reader_pk, chains))


class SqlRecordRepository(_Repo):
    async def get(self, pk: int) -> Record | None:
        return await self.session.get(Record, pk)

    async def by_number(self, court_id: int, number: str) -> Record | None:
        c = t.records.c
        return (
            await self.session.scalars(select(Record).where(c.court_id == court_id, c.number == number))
        ).first()

    async def add(self, record: Record) -> None:
        self.session.add(record)

    async def latest_drafts(self, recorder_ids: Collection[int]) -> dict[int, Record]:
        """Each recorder's latest draft (the one new evidence joins), in one statement; none: absent."""
        c = t.records.c
        order = (c.last_evidence_at.desc(), c.id.desc())
        ranked = (
            select(c.id, func.row_number().over(partition_by=c.recorder_id, order_by=order).label("n"))
            .where(c.recorder_id.in_(list(recorder_ids)), c.status == RecordStatus.DRAFT.value)
            .subquery()
        )
        stmt = select(Record).join(ranked, c.id == ranked.c.id).where(ranked.c.n == 1)
        return {record.recorder_id: record for record in await self.session.scalars(stmt)}

    async def drafts(self, recorder_id: int) -> Sequence[Record]:
        c = t.records.c
        stmt = (
            select(Record)
            .where(c.recorder_id == recorder_id, c.status == RecordStatus.DRAFT.value, c.evidence_count > 0)
            .order_by(c.last_evidence_at.desc())
        )
        return (await self.session.scalars(stmt)).all()

    async def take_numbers(self, court_id: int, year: int, count: int) -> int:
        """The first of ``count`` consecutive numbers of the court and year; the counter row is locked for
        the rest of the transaction."""
        insert = _insert_for(self.session)
        await self.session.execute(
            insert(t.record_counters)
            .values(court_id=court_id, year=year, last=0)
            .on_conflict_do_nothing(index_elements=["court_id", "year"])
        )
        c = t.record_counters.c
        result = await self.session.execute(
            update(t.record_counters)
            .where(c.court_id == court_id, c.year == year)
            .values(last=c.last + count)
            .returning(c.last)
        )
        return int(result.scalar_one()) - count + 1

    async def save_version(self, record: Record, *, reason: str, actor: str, at: datetime) -> None:
        row = {
            "record_id": record.id,
            "version": record.version,
            "status": record.status,
            "answers": record.answers,
            "reason": reason,
            "actor": actor,
            "created_at": at,
        }
        note_rows(self.session, Kind.VERSION, [row])
        await self.session.execute(t.record_versions.insert().values(**row))

    async def versions(self, record_id: int) -> list[dict[str, Any]]:
        c = t.record_versions.c
        rows = await self.session.execute(
            select(t.record_versions).where(c.record_id == record_id).order_by(c.version)
        )
        return [dict(row._mapping) for row in rows]

    async def refresh_readers(self, record: Record) -> None:
        """The chain's readers of ``record`` (``Chain.people``) into ``record_readers``: the desk's index —
        and the discipline offices of the courts the report was forwarded on to (层报, ``forwarded_to``)."""
        if record.id is None:
            return
        r = t.record_readers.c
        chain = set(record.chain.people()) if record.chain is not None else set()
        further = forwarded_to(record)
        if further:
            s = t.staff.c
            found = await self.session.scalars(
                select(s.id).where(s.court_id.in_(sorted(further)), s.role == Role.DISCIPLINE.value)
            )
            chain |= set(found)
        people = sorted(chain)
        await self.session.execute(t.record_readers.delete().where(r.record_id == record.id))
        if people:
            await self.session.execute(
                t.record_readers.insert(), [{"staff_pk": pk, "record_id": record.id} for pk in people]
            )

    async def page(self, q: RecordQuery) -> tuple[Sequence[Record], int]:
        """One page of the desk's list, newest first, and how many rows the query has in all."""
        c, f, si = t.records.c, t.record_facts.c, t.record_special_items.c
        if (_postgresql(self.session) or 0) >= 12:
            # planned for the values asked each time: after five runs of a prepared statement PostgreSQL
            # may keep a plan made without them, and for an office with courts below that plan walked the
            # whole register (8.5 s a filtered page at a million records, against 0.07 s planned for them).
            # The setting exists from PostgreSQL 12 on.
            await self.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        where: list[Any] = []
        if q.lower_courts:
            # the office's own court, what the courts below reported upward, what was forwarded on to it
            # from further down (层报): each found by its own index, then the ids together. One condition
            # OR-ing the three would read the whole register (2 s at a province's million records).
            x, fx, r = t.records.alias("x"), t.record_facts.alias("fx"), t.record_readers.c
            below = sorted(q.lower_courts)
            ids = union_all(
                select(x.c.id).where(_own(x, q)),
                select(fx.c.record_id).where(fx.c.court_id.in_(below), fx.c.upward.is_(True)),
                select(r.record_id)
                .join(x, x.c.id == r.record_id)
                .where(r.staff_pk == q.reader_pk, x.c.court_id != q.court_id),
            )
            where.append(c.id.in_(ids))
        else:
            where.append(_own(t.records, q))
        if q.only_court is not None:
            where.append(c.court_id == q.only_court)
        if q.status:
            where.append(c.status == q.status)
        if q.overdue_at is not None:
            awaiting = [s.value for s in RecordStatus if s.value.startswith("awaiting_")]
            where += [c.level_deadline < q.overdue_at, c.status.in_(awaiting)]
        if q.special_item:
            where.append(c.id.in_(select(si.record_id).where(si.item == q.special_item)))
        facts: list[Any] = []
        if q.record_type:
            facts.append(f.record_type == q.record_type)
        if q.department_id is not None:
            facts.append(f.department_id == q.department_id)
        if q.since is not None:
            facts.append(f.submitted_at >= q.since)
        if q.until is not None:
            facts.append(f.submitted_at < q.until)
        if q.severe:
            facts.append(f.severe.is_(True))
        if facts and not q.lower_courts:
            # only this court's records can match: said of the facts too, so that their indexes by court
            # (by court and type, by court and time) are the way in, whatever the planner's statistics
            facts.append(f.court_id == q.court_id)
        typed = q.text.strip()
        # the facts are joined only when a filter or the search needs them (a count over records alone
        # is an index scan)
        needs_facts = bool(facts or typed)
        joined = t.records.outerjoin(t.record_facts, f.record_id == c.id) if needs_facts else t.records
        if typed:
            escaped = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            like = f"%{escaped}%"  # what was typed, literally: % and _ are characters here
            where.append(
                or_(
                    c.number.like(like, escape="\\"),
                    f.case_number.like(like, escape="\\"),
                    f.intervener_name.like(like, escape="\\"),
                )
            )
        stmt = select(Record).select_from(joined).where(*where, *facts)
        # counted up to COUNT_CAP + 1 only: beyond that the page says "more than", and stays fast
        counted = select(literal(1)).select_from(joined).where(*where, *facts).limit(COUNT_CAP + 1).subquery()
        total = await self.session.scalar(select(func.count()).select_from(counted))
        rows = (await self.session.scalars(stmt.order_by(c.id.desc()).offset(q.offset).limit(q.limit))).all()
        return rows, int(total or 0)

    async def forwarded_on(
        self, reader_pk: int, *, outside: Collection[int], per_court: int = 20
    ) -> Sequence[Record]:
        """Records of courts other than ``outside`` whose readers include ``reader_pk``: the reports forwarded
        on to the reader's office from further down (层报, ``refresh_readers``) — at most ``per_court`` of
        each court, the newest: enough to tell whether the reader may read any of that court's."""
        c, r = t.records.c, t.record_readers.c
        courts = select(c.court_id).join(t.record_readers, r.record_id == c.id)
        courts = courts.where(r.staff_pk == reader_pk, c.court_id.not_in(sorted(outside))).distinct()
        found: list[Record] = []
        for court_id in (await self.session.scalars(courts)).all():
            stmt = (
                select(Record)
                .join(t.record_readers, r.record_id == c.id)
                .where(r.staff_pk == reader_pk, c.court_id == court_id)
                .order_by(c.id.desc())
                .limit(per_court)
            )
            found += (await self.session.scalars(stmt)).all()
        return found

    async def list(
        self,
        *,
        court_id: int,
        status: str | None = None,
        recorder_id: int | None = None,
    ) -> Sequence[Record]:
        c = t.records.c
        stmt = select(Record).where(c.court_id == court_id)
        if status is not None:
            stmt = stmt.where(c.status == status)
        if recorder_id is not None:
            stmt = stmt.where(c.recorder_id == recorder_id)
        return (await self.session.scalars(stmt.order_by(c.id))).all()

    async def reported_since(
        self, court_id: int, changed_since: datetime
    ) -> Sequence[tuple[int, datetime, str | None, str | None]]:
        c = t.records.c
        stmt = (
            select(c.recorder_id, c.created_at, InterventionTimeOf(c.answers), CaseNumberOf(c.answers))
            .where(
                c.court_id == court_id,
                c.updated_at >= changed_since,
                c.status != RecordStatus.DRAFT.value,
            )
            .order_by(c.id)
        )
        return [(row[0], row[1], row[2], row[3]) for row in await self.session.execute(stmt)]

    async def count_submitted(self, court_id: int, since: datetime, until: datetime) -> int:
        c = t.records.c
        stmt = select(func.count()).where(
            c.court_id == court_id, c.submitted_at >= since, c.submitted_at < until
        )
        return int(await self.session.scalar(stmt) or 0)

    async def on_case(self, court_id: int, case_number: str) -> Sequence[tuple[str, int]]:
        c = t.records.c
        stmt = (
            select(c.number, c.recorder_id)
            .where(c.court_id == court_id, CaseNumberOf(c.answers) == case_number)
            .order_by(c.id)
        )
        return [(row[0], row[1]) for row in await self.session.execute(stmt)]

    async def refresh_facts(self, record: Record) -> None:
        """Write the record's row of `record_facts` (and its special items) from its answers and where the
        sign-off chain has it, for the quarterly summary (domain/reporting.py), and the difference to the
        summary's tallies (storage/tallies.py). Call it wherever a record is submitted, amended or moved
        along its chain; the period stays that of the first submission. An amendment (back to draft) calls
        it too: the row stays, uncounted."""
        if record.id is None or record.submitted_at is None:
            return
        f, si = t.record_facts.c, t.record_special_items.c
        # the rows replaced, as they were: what the tallies take away is exactly what is deleted
        gone_items = t.record_special_items.delete().where(si.record_id == record.id).returning(si.item)
        items = (await self.session.execute(gone_items)).scalars().all()
        gone = t.record_facts.delete().where(f.record_id == record.id).returning(*t.record_facts.c)
        old = [tallies.facts_from_row(row, items) for row in (await self.session.execute(gone)).mappings()]
        department = (
            await self.session.execute(
                select(t.staff.c.department_id).where(t.staff.c.id == record.recorder_id)
            )
        ).scalar()
        first = old[0].submitted_at if old else None
        facts = facts_of(record, department_id=department, first_submitted_at=first)
        row = {k: v for k, v in facts.__dict__.items() if k != "special_items"}
        await self.session.execute(t.record_facts.insert().values(**row))
        if facts.special_items:
            await self.session.execute(
                t.record_special_items.insert(),
                [
                    {
                        "record_id": record.id,
                        "item": item,
                        "court_id": record.court_id,
                        "submitted_at": facts.submitted_at,
                        "counted": facts.counted,
                    }
                    for item in facts.special_items
                ],
            )
        tallies.note(self.session, old=old, new=[facts])


class SqlEvidenceRepository(_Repo):
    async def get(self, pk: int, *, for_update: bool = False) -> Evidence | None:
        return await self.session.get(Evidence, pk, with_for_update=for_update or None)

    async def add(self, evidence: Evidence) -> None:
        self.session.add(evidence)

    async def by_update(self, update_id: int) -> Evidence | None:
        return (
            await self.session.scalars(select(Evidence).where(t.evidence.c.update_id == update_id))
        ).first()

    async def mark_receipts(self, receipts: Sequence[tuple[int, int]]) -> None:
        """(evidence id, receipt message id) pairs; a row keeps the first receipt it was given."""
        if not receipts:
            return
        c = t.evidence.c
        stmt = (
            update(t.evidence)
            .where(c.id == bindparam("pk"), c.receipt_message_id.is_(None))
            .values(receipt_message_id=bindparam("message"))
        )
        await self.session.execute(stmt, [{"pk": pk, "message": message} for pk, message in receipts])

    async def for_record(self, record_id: int) -> Sequence[Evidence]:
        c = t.evidence.c
        return (
            await self.session.scalars(select(Evidence).where(c.record_id == record_id).order_by(c.seq))
        ).all()

    async def in_group(self, recorder_chat_id: int, media_group_id: str) -> Sequence[Evidence]:
        c = t.evidence.c
        stmt = (
            select(Evidence)
            .where(c.chat_id == recorder_chat_id, c.media_group_id == media_group_id)
            .order_by(c.id)
        )
        return (await self.session.scalars(stmt)).all()

    async def for_records(self, record_ids: Sequence[int]) -> Sequence[Evidence]:
        if not record_ids:
            return []
        c = t.evidence.c
        stmt = select(Evidence).where(c.record_id.in_(list(record_ids))).order_by(c.record_id, c.seq)
        return (await self.session.scalars(stmt)).all()

    async def uninspected(self, before: datetime, limit: int) -> Sequence[Evidence]:
        c = t.evidence.c
        pending = cast(c.inspection, Text).like('%"ocr_pending": true%')
        stmt = (
            select(Evidence)
            .where(
                c.state == EvidenceState.STORED.value, c.media_type.like("image/%"), c.received_at < before
            )
            .where(or_(c.inspection.is_(None), cast(c.inspection, Text) == "null", pending))
            .order_by(c.id)
            .limit(limit)
        )
        return (await self.session.scalars(stmt)).all()

    async def unfinished(self, limit: int = 100, *, wecom: bool = False) -> Sequence[Evidence]:
        """Evidence whose file is still to be fetched, by the door it came through: WeCom's messages have
        negative update ids (wecom/parse.py), Telegram's positive ones."""
        c = t.evidence.c
        door = c.update_id < 0 if wecom else c.update_id >= 0
        stmt = (
            select(Evidence).where(c.state == EvidenceState.PENDING.value, door).order_by(c.id).limit(limit)
        )
        return (await self.session.scalars(stmt)).all()


class SqlConversationRepository(_Repo):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self._held: dict[int, Conversation] = {}

    async def get(self, staff_pk: int) -> Conversation:
        conversation = await self.session.get(Conversation, staff_pk)
        if conversation is None:
            conversation = Conversation(staff_pk=staff_pk)
            self.session.add(conversation)
        return conversation

    async def load(self, staff_pks: Collection[int]) -> dict[int, Conversation]:
        """The conversations that exist, in one read; `get` then finds them without another (they are held
        here: the session keeps a loaded object only while something refers to it)."""
        c = t.conversations.c
        rows = await self.session.scalars(select(Conversation).where(c.staff_pk.in_(list(staff_pks))))
        found = {conversation.staff_pk: conversation for conversation in rows}
        self._held.update(found)
        return found


class SqlCallbackRepository(_Repo):
    async def get(self, token: str) -> Callback | None:
        return await self.session.get(Callback, token)

    async def add(self, callback: Callback) -> None:
        self.session.add(callback)

    async def add_many(self, callbacks: Sequence[Callback]) -> None:
        """Several at once, in one statement and without the session's bookkeeping (a receipt has four)."""
        if not callbacks:
            return
        await self.session.execute(t.callbacks.insert(), [_row(t.callbacks, c) for c in callbacks])


class SqlCalendar(_Repo):
    """Administrators' working-day overrides per court (`liuhen calendar set`)."""

    def __init__(self, session: AsyncSession, now: Any) -> None:
        super().__init__(session)
        self._now = now

    async def overrides(self, court_id: int) -> dict[date, bool]:
        c = t.calendar_overrides.c
        rows = await self.session.execute(select(c.day, c.workday).where(c.court_id == court_id))
        return {row.day: bool(row.workday) for row in rows}

    async def set(self, court_id: int, day: date, workday: bool, actor: str) -> None:
        c = t.calendar_overrides.c
        await self.session.execute(t.calendar_overrides.delete().where(c.court_id == court_id, c.day == day))
        await self.session.execute(
            t.calendar_overrides.insert().values(
                court_id=court_id, day=day, workday=workday, set_by=actor, set_at=self._now()
            )
        )


def _door(wecom: bool) -> Any:
    """The outbox messages of one chat door's readers: WeCom's addresses are negative (Staff.chat_id)."""
    chat = t.notices.c.chat_id
    return chat < 0 if wecom else or_(chat.is_(None), chat >= 0)


class SqlNotices(_Repo):
    def __init__(self, session: AsyncSession, now: Any) -> None:
        super().__init__(session)
        self._now = now

    async def claim(self, key: str, chat_id: int | None) -> bool:
        """True the first time a notice key is claimed, ever."""
        stmt = (
            _insert_for(self.session)(t.notices)
            .values(key=key, chat_id=chat_id, created_at=self._now())
            .on_conflict_do_nothing(index_elements=["key"])
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_sent(self, key: str) -> None:
        await self.session.execute(
            update(t.notices).where(t.notices.c.key == key).values(sent_at=self._now())
        )

    async def release_unsent(self, prefix: str, older_than: datetime) -> int:
        """Forget claims that were never sent (a crash or a failed send) so they are decided again."""
        c = t.notices.c
        result = await self.session.execute(
            t.notices.delete().where(
                c.key.like(f"{prefix}%"),
                c.sent_at.is_(None),
                c.chat_id.is_not(None),
                c.created_at < older_than,
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def post(self, key: str, chat_id: int | None, payload: dict[str, Any]) -> bool:
        """An outbox message: stored once per key in the deciding transaction, sent after commit (by the
        handler that posted it, or later by the outbox job); False if the key exists already."""
        stmt = (
            _insert_for(self.session)(t.notices)
            .values(key=key, chat_id=chat_id, created_at=self._now(), payload=payload)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def outbox(
        self, prefix: str, posted_before: datetime, lease_expired_before: datetime, *, wecom: bool = False
    ) -> list[str]:
        """Keys of unsent outbox messages nobody is sending: posted before ``posted_before`` and never
        leased, or whose lease expired (the sender died or the send failed) — of one door's people."""
        c = t.notices.c
        rows = await self.session.execute(
            select(c.key)
            .where(c.key.like(f"{prefix}%"), c.sent_at.is_(None), c.payload.is_not(None), _door(wecom))
            .where(
                or_(
                    and_(c.leased_at.is_(None), c.created_at < posted_before),
                    c.leased_at < lease_expired_before,
                )
            )
            .order_by(c.created_at)
            .limit(500)
        )
        return [row.key for row in rows]

    async def take(
        self, key: str, lease_expired_before: datetime, *, wecom: bool = False
    ) -> tuple[int | None, dict[str, Any]] | None:
        """Lease one unsent outbox message for sending: only one process wins (a message never leased, or
        whose lease expired), and only a door that reaches its reader. Returns (chat_id, payload) or None."""
        c = t.notices.c
        result = await self.session.execute(
            update(t.notices)
            .where(c.key == key, c.sent_at.is_(None), _door(wecom))
            .where(or_(c.leased_at.is_(None), c.leased_at < lease_expired_before))
            .values(leased_at=self._now())
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return None
        row = (await self.session.execute(select(c.chat_id, c.payload).where(c.key == key))).one()
        return row.chat_id, dict(row.payload or {})

    async def unsent(self, prefix: str) -> list[tuple[str, int | None]]:
        c = t.notices.c
        rows = await self.session.execute(
            select(c.key, c.chat_id).where(c.key.like(f"{prefix}%"), c.sent_at.is_(None))
        )
        return [(row.key, row.chat_id) for row in rows]
