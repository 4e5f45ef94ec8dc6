"""The desk console's sign-in links and sessions (domain/desk.py), kept by their tokens' hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from liuhen.domain.desk import DeskSession
from liuhen.storage import tables as t


class SqlDesk:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_link(self, token_hash: str, staff_pk: int, now: datetime, expires_at: datetime) -> None:
        await self.session.execute(
            insert(t.desk_links).values(
                token_hash=token_hash, staff_pk=staff_pk, created_at=now, expires_at=expires_at
            )
        )

    async def use_link(self, token_hash: str, now: datetime) -> int | None:
        """The link's staff member, marking it used — once: a second use, or a late one, finds nothing."""
        c = t.desk_links.c
        staff_pk = await self.session.scalar(
            select(c.staff_pk).where(c.token_hash == token_hash, c.used_at.is_(None), c.expires_at > now)
        )
        if staff_pk is None:
            return None
        result = await self.session.execute(
            update(t.desk_links).where(c.token_hash == token_hash, c.used_at.is_(None)).values(used_at=now)
        )
        assert isinstance(result, CursorResult)
        return int(staff_pk) if result.rowcount == 1 else None  # two opened it at once: one wins

    async def add_session(self, token_hash: str, staff_pk: int, now: datetime) -> None:
        await self.session.execute(
            insert(t.desk_sessions).values(
                token_hash=token_hash, staff_pk=staff_pk, created_at=now, last_seen_at=now
            )
        )

    async def find_session(self, token_hash: str) -> DeskSession | None:
        c = t.desk_sessions.c
        row = (
            await self.session.execute(
                select(c.staff_pk, c.created_at, c.last_seen_at, c.ended_at).where(c.token_hash == token_hash)
            )
        ).first()
        return DeskSession(row.staff_pk, row.created_at, row.last_seen_at, row.ended_at) if row else None

    async def touch(self, token_hash: str, now: datetime) -> None:
        c = t.desk_sessions.c
        await self.session.execute(
            update(t.desk_sessions).where(c.token_hash == token_hash).values(last_seen_at=now)
        )

    async def end(self, token_hash: str, now: datetime) -> bool:
        c = t.desk_sessions.c
        result = await self.session.execute(
            update(t.desk_sessions)
            .where(c.token_hash == token_hash, c.ended_at.is_(None))
            .values(ended_at=now)
        )
        assert isinstance(result, CursorResult)
        return result.rowcount == 1

    async def end_all(
        self, staff_pk: int, now: datetime, *, seen_after: datetime, created_after: datetime
    ) -> int:
        """End every session of ``staff_pk``; how many of them were still alive (used since ``seen_after``,
        begun since ``created_after``)."""
        c = t.desk_sessions.c
        open_ = (c.staff_pk == staff_pk, c.ended_at.is_(None))
        alive = await self.session.scalar(
            select(func.count()).where(*open_, c.last_seen_at > seen_after, c.created_at > created_after)
        )
        await self.session.execute(update(t.desk_sessions).where(*open_).values(ended_at=now))
        return int(alive or 0)
