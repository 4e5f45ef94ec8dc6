"""Case-file tasks (``domain/casefile.py``): one per filed record or confirmed zero report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from liuhen.domain.casefile import CaseFileTask, Source
from liuhen.storage import tables as t


class SqlCaseFiles:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, task: CaseFileTask) -> None:
        self.session.add(task)

    async def get(self, pk: int) -> CaseFileTask | None:
        return await self.session.get(CaseFileTask, pk)

    async def for_source(self, source: Source, ref_id: int) -> CaseFileTask | None:
        c = t.case_file_tasks.c
        stmt = select(CaseFileTask).where(c.source == source.value, c.ref_id == ref_id)
        return (await self.session.scalars(stmt)).first()

    async def open_for(self, officer_pk: int) -> Sequence[CaseFileTask]:
        c = t.case_file_tasks.c
        stmt = select(CaseFileTask).where(c.officer_pk == officer_pk, c.done_at.is_(None)).order_by(c.due_at)
        return (await self.session.scalars(stmt)).all()

    async def needing_nudge(self, court_id: int, now: datetime) -> Sequence[CaseFileTask]:
        """Open tasks never announced, and open tasks past their deadline never reminded."""
        c = t.case_file_tasks.c
        stmt = (
            select(CaseFileTask)
            .where(c.court_id == court_id, c.done_at.is_(None))
            .where(or_(c.notified_at.is_(None), (c.due_at < now) & c.reminded_at.is_(None)))
            .order_by(c.id)
        )
        return (await self.session.scalars(stmt)).all()
