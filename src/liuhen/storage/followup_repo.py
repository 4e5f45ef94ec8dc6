"""The discipline office's tables: follow-ups of dispositions (``domain/followup.py``), one per record;
accountability measures; notices as issued."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from liuhen.domain.accountability import Measure
from liuhen.domain.followup import FollowUp, State
from liuhen.domain.notices import Notice
from liuhen.domain.registers import DepartedStaff, LawyerRelative
from liuhen.storage import tables as t


class SqlFollowUps:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, followup: FollowUp) -> None:
        self.session.add(followup)

    async def get(self, pk: int) -> FollowUp | None:
        return await self.session.get(FollowUp, pk)

    async def for_record(self, record_id: int) -> FollowUp | None:
        stmt = select(FollowUp).where(t.followups.c.record_id == record_id)
        return (await self.session.scalars(stmt)).first()

    async def open_in(self, court_id: int, owner_pk: int | None = None) -> Sequence[FollowUp]:
        """Open follow-ups of a court (of one owner), the earliest deadline first."""
        c = t.followups.c
        stmt = select(FollowUp).where(c.court_id == court_id, c.state != State.CLOSED.value)
        if owner_pk is not None:
            stmt = stmt.where(c.owner_pk == owner_pk)
        return (await self.session.scalars(stmt.order_by(c.due_at, c.id))).all()

    async def in_court(self, court_id: int, since: datetime | None = None) -> Sequence[FollowUp]:
        c = t.followups.c
        stmt = select(FollowUp).where(c.court_id == court_id)
        if since is not None:
            stmt = stmt.where(c.opened_at >= since)
        return (await self.session.scalars(stmt.order_by(c.id))).all()


class SqlAccountability:
    """Accountability measures (``domain/accountability.py``)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, measure: Measure) -> None:
        self.session.add(measure)

    async def in_court(self, court_id: int, since: datetime | None = None) -> Sequence[Measure]:
        c = t.accountability.c
        stmt = select(Measure).where(c.court_id == court_id)
        if since is not None:
            stmt = stmt.where(c.decided_at >= since)
        return (await self.session.scalars(stmt.order_by(c.decided_at, c.id))).all()

    async def late_records(self, court_id: int, since: datetime, limit: int = 50) -> list[tuple[str, str]]:
        """(number, recorder's name) of the records entered after their deadline since ``since`` (补记)."""
        f, r, s = t.record_facts.c, t.records.c, t.staff.c
        stmt = (
            select(r.number, s.name)
            .select_from(
                t.record_facts.join(t.records, r.id == f.record_id).join(t.staff, s.id == r.recorder_id)
            )
            .where(f.court_id == court_id, f.late.is_(True), f.submitted_at >= since)
            .order_by(f.submitted_at)
            .limit(limit)
        )
        return [(row.number, row.name) for row in await self.session.execute(stmt)]


class SqlNoticesIssued:
    """Notices as issued (``domain/notices.py``)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, notice: Notice) -> None:
        self.session.add(notice)

    async def next_seq(self, court_id: int, year: int) -> int:
        c = t.notices_issued.c
        stmt = select(func.coalesce(func.max(c.seq), 0)).where(c.court_id == court_id, c.year == year)
        return int((await self.session.execute(stmt)).scalar_one()) + 1

    async def get(self, pk: int) -> Notice | None:
        return await self.session.get(Notice, pk)

    async def in_court(self, court_id: int) -> Sequence[Notice]:
        c = t.notices_issued.c
        stmt = select(Notice).where(c.court_id == court_id).order_by(c.issued_at, c.id)
        return (await self.session.scalars(stmt)).all()


class SqlRegisters:
    """The registers (``domain/registers.py``): each import replaces a court's register."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def replace_relatives(self, court_id: int, rows: Sequence[LawyerRelative]) -> int:
        await self.session.execute(
            delete(t.lawyer_relatives).where(t.lawyer_relatives.c.court_id == court_id)
        )
        self.session.add_all(rows)
        return len(rows)

    async def replace_departed(self, court_id: int, rows: Sequence[DepartedStaff]) -> int:
        await self.session.execute(delete(t.departed_staff).where(t.departed_staff.c.court_id == court_id))
        self.session.add_all(rows)
        return len(rows)

    async def relatives(self, court_id: int, staff_pk: int | None = None) -> Sequence[LawyerRelative]:
        c = t.lawyer_relatives.c
        stmt = select(LawyerRelative).where(c.court_id == court_id)
        if staff_pk is not None:
            stmt = stmt.where(c.staff_pk == staff_pk)
        return (await self.session.scalars(stmt.order_by(c.id))).all()

    async def departed(self, court_id: int) -> Sequence[DepartedStaff]:
        c = t.departed_staff.c
        stmt = select(DepartedStaff).where(c.court_id == court_id).order_by(c.id)
        return (await self.session.scalars(stmt)).all()
