"""Storage of the sign-off chain: decisions, lapses, delegations and the officers' cards.

The chain's state is the JSON on the record (``records.chain``); the rows here are append-only projections
that reports query (decisions = the rows of the 登记表, seed 004 §14; lapses = overdue sign-offs).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, or_, select, update

from liuhen.domain.records import Record
from liuhen.domain.seals import Kind
from liuhen.domain.signoff import LEVEL_STATUS, Decision, Delegation, Lapse
from liuhen.storage import tables as t
from liuhen.storage.repositories import _Repo
from liuhen.storage.seals import note_rows


class SqlSignoff(_Repo):
    async def add_decisions(self, record_id: int, first_seq: int, decisions: Sequence[Decision]) -> None:
        """Append decisions numbered from ``first_seq`` (their position in the chain, 1-based)."""
        if not decisions:
            return
        rows = [
            {
                "record_id": record_id,
                "round": d.round,
                "seq": first_seq + n,
                "kind": d.kind.value,
                "level": d.level.value if d.level is not None else None,
                "signer_id": d.signer_pk,
                "on_behalf_of": d.on_behalf_of,
                "at": d.at,
                "text": d.text,
                "disposition": d.disposition,
                "defer_answer": d.defer_answer.value if d.defer_answer is not None else None,
            }
            for n, d in enumerate(decisions)
        ]
        note_rows(self.session, Kind.DECISION, rows)
        await self.session.execute(t.decisions.insert(), rows)

    async def add_lapse(self, record_id: int, lapse: Lapse) -> None:
        await self.session.execute(
            t.signoff_lapses.insert().values(
                record_id=record_id,
                round=lapse.round,
                level=lapse.level.value,
                received_at=lapse.received_at,
                deadline=lapse.deadline,
                noticed_at=lapse.noticed_at,
            )
        )

    async def delegations(self, court_id: int) -> list[Delegation]:
        c = t.delegations.c
        rows = await self.session.execute(
            select(c.officer_id, c.deputy_id, c.until).where(c.court_id == court_id, c.revoked_at.is_(None))
        )
        return [Delegation(r.officer_id, r.deputy_id, r.until) for r in rows]

    async def add_delegation(
        self, *, court_id: int, officer_id: int, deputy_id: int, until: date, created_by: str, now: datetime
    ) -> None:
        c = t.delegations.c
        # A new delegation of the same officer replaces the earlier one (it is kept, marked revoked).
        await self.session.execute(
            update(t.delegations)
            .where(c.officer_id == officer_id, c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        await self.session.execute(
            t.delegations.insert().values(
                court_id=court_id,
                officer_id=officer_id,
                deputy_id=deputy_id,
                until=until,
                created_at=now,
                created_by=created_by,
            )
        )

    async def add_card(
        self,
        *,
        record_id: int,
        round_: int,
        level: str,
        staff_pk: int,
        chat_id: int,
        message_id: int,
        now: datetime,
    ) -> None:
        await self.session.execute(
            t.signoff_cards.insert().values(
                record_id=record_id,
                round=round_,
                level=level,
                staff_pk=staff_pk,
                chat_id=chat_id,
                message_id=message_id,
                sent_at=now,
            )
        )

    async def cards(self, record_id: int, round_: int, level: str) -> list[tuple[int, int]]:
        """(chat_id, message_id) of every card sent for one level of one round."""
        c = t.signoff_cards.c
        rows = await self.session.execute(
            select(c.chat_id, c.message_id).where(
                c.record_id == record_id, c.round == round_, c.level == level
            )
        )
        return [(r.chat_id, r.message_id) for r in rows]

    async def awaiting_for(
        self, court_id: int, *, readers: Collection[int], overdue_before: datetime | None, limit: int
    ) -> Sequence[Record]:
        """Records of the court waiting at some level whose chain names one of ``readers`` (the desk's index
        of a chain's people, ``record_readers``: every holder of every level is one), and with
        ``overdue_before`` also those waiting past their level's deadline; oldest deadline first, at most
        ``limit``. What one person's pending list can hold, without reading the court's other chains."""
        c, r = t.records.c, t.record_readers.c
        statuses = [s.value for s in LEVEL_STATUS.values()]
        # looked up for each waiting record in deadline order until the list is full: a chain's people
        # are few, while the records a person was ever named in (all of a court's, for its discipline
        # office) grow with the register
        which: ColumnElement[bool] = (
            select(r.record_id).where(r.record_id == c.id, r.staff_pk.in_(sorted(readers))).exists()
        )
        if overdue_before is not None:
            which = or_(which, c.level_deadline < overdue_before)
        result = await self.session.execute(
            select(Record)
            .where(c.court_id == court_id, c.status.in_(statuses), which)
            .order_by(c.level_deadline, c.id)
            .limit(limit)
        )
        return result.scalars().all()

    async def awaiting(self, court_id: int) -> Sequence[Record]:
        """Records waiting at some level of their chain, oldest deadline first."""
        c = t.records.c
        statuses = [s.value for s in LEVEL_STATUS.values()]
        result = await self.session.execute(
            select(Record)
            .where(c.court_id == court_id, c.status.in_(statuses))
            .order_by(c.level_deadline, c.id)
        )
        return result.scalars().all()
