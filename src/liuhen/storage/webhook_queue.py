"""The webhook's queue (``webhook_updates``): an update is stored here, committed, and only then answered
200; it is handled from here, in order per chat, and deleted once handled. The deletions ride on the next
storing transaction (or a periodic one): a crash before them only means an update handled again, which
the inbox makes harmless."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from liuhen.storage import tables as t
from liuhen.storage.database import Database

MAX_ATTEMPTS = 5  # handlings that raised: after that the update waits for the operator (logged)


@dataclass(frozen=True)
class Queued:
    update_id: int
    chat_id: int  # 0: an update of no chat
    body: str  # the update's JSON as posted


class WebhookQueue:
    def __init__(self, database: Database, now: Callable[[], datetime]) -> None:
        self.database = database
        self._now = now

    async def put_many(self, items: list[Queued], *, forget: Collection[int] = ()) -> None:
        """Store the updates in one transaction (an update stored before — Telegram's retry of one whose
        answer was lost — is kept as it is), and delete the handled ones ``forget`` in the same."""
        c = t.webhook_updates.c
        now = self._now()
        rows = [
            {"update_id": q.update_id, "chat_id": q.chat_id, "body": q.body, "received_at": now}
            for q in items
        ]
        async with self.database.writing() as conn:
            if forget:
                await conn.execute(delete(t.webhook_updates).where(c.update_id.in_(sorted(forget))))
            if rows:  # one compiled statement whatever the count (executemany)
                dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
                insert = dialect_insert(t.webhook_updates)
                await conn.execute(insert.on_conflict_do_nothing(index_elements=["update_id"]), rows)

    async def failed(self, update_id: int) -> None:
        """A handling of the update raised: counted, the update stays for the next sweep."""
        c = t.webhook_updates.c
        async with self.database.writing() as conn:
            stmt = update(t.webhook_updates).where(c.update_id == update_id).values(attempts=c.attempts + 1)
            await conn.execute(stmt)

    async def pending(self, chat_id: int) -> list[Queued]:
        """The chat's stored updates, oldest first (those given up on left out)."""
        return (await self.pending_many([chat_id])).get(chat_id, [])

    async def pending_many(self, chat_ids: Collection[int]) -> dict[int, list[Queued]]:
        """The stored updates of these chats, in one statement: each chat's oldest first (those given up
        on left out); a chat with none is not in the answer."""
        c = t.webhook_updates.c
        stmt = (
            select(c.update_id, c.chat_id, c.body)
            .where(c.chat_id.in_(sorted(set(chat_ids))), c.attempts < MAX_ATTEMPTS)
            .order_by(c.update_id)
        )
        async with self.database.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        found: dict[int, list[Queued]] = {}
        for r in rows:
            found.setdefault(r.chat_id, []).append(Queued(r.update_id, r.chat_id, r.body))
        return found

    async def waiting(self, received_before: datetime) -> tuple[list[int], int]:
        """The chats with updates stored before ``received_before`` and not handled (what a crash or a
        failed handling left), and how many updates were given up on."""
        c = t.webhook_updates.c
        chats = select(c.chat_id).where(c.received_at < received_before, c.attempts < MAX_ATTEMPTS)
        stuck = select(func.count()).select_from(t.webhook_updates).where(c.attempts >= MAX_ATTEMPTS)
        async with self.database.engine.connect() as conn:
            found = list((await conn.scalars(chats.distinct())).all())
            given_up = int((await conn.execute(stuck)).scalar_one())
        return found, given_up
