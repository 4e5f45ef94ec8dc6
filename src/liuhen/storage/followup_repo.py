"""Follow-ups of dispositions (``domain/followup.py``): one per record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from liuhen.domain.followup import FollowUp, State
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
