"""Repositories of ledger checkpoints, the files rows refer to, complaints."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from liuhen.domain.checkpoints import Checkpoint, EvidenceClaim, FileReference, Place, Where
from liuhen.domain.complaints import Complaint, ComplaintItem, ComplaintStatus
from liuhen.domain.records import EvidenceState
from liuhen.domain.seals import Kind, Row
from liuhen.storage import tables as t
from liuhen.storage.seals import read_rows


class SqlIntegrity:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def checkpoints(self) -> Sequence[Checkpoint]:
        c = t.checkpoints.c
        return (await self.session.scalars(select(Checkpoint).order_by(c.tree_size, c.id))).all()

    async def latest_checkpoint(self) -> Checkpoint | None:
        c = t.checkpoints.c
        stmt = select(Checkpoint).order_by(c.tree_size.desc(), c.id.desc()).limit(1)
        return (await self.session.scalars(stmt)).first()

    async def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        self.session.add(checkpoint)

    async def evidence_claims(self) -> list[EvidenceClaim]:
        e, r = t.evidence.c, t.records.c
        rows = await self.session.execute(
            select(e.seq, e.state, e.sha256, e.size, e.message_sha256, r.number)
            .join(t.records, r.id == e.record_id)
            .order_by(r.id, e.seq, e.id)
        )
        return [
            EvidenceClaim(
                Where(Place.EVIDENCE, row.number, row.seq),
                row.state == EvidenceState.STORED.value,
                row.sha256,
                row.size,
                row.message_sha256 or "",
            )
            for row in rows
        ]

    def sealed_rows(self, kind: Kind) -> AsyncIterator[list[Row]]:
        return read_rows(self.session, kind)

    async def file_references(self) -> Sequence[FileReference]:
        refs: list[FileReference] = []
        e, r = t.evidence.c, t.records.c
        rows = await self.session.execute(
            select(e.seq, e.state, e.sha256, e.size, e.message_sha256, e.inspection, r.number)
            .join(t.records, r.id == e.record_id)
            .order_by(r.id, e.seq, e.id)
        )
        for row in rows:
            if row.sha256 and row.state == EvidenceState.STORED.value:
                refs.append(FileReference(row.sha256, Where(Place.EVIDENCE, row.number, row.seq), row.size))
            if row.message_sha256 and row.message_sha256 != row.sha256:
                where = Where(Place.EVIDENCE_MESSAGE, row.number, row.seq)
                refs.append(FileReference(row.message_sha256, where))
            thumbnail = (row.inspection or {}).get("thumbnail_sha256")
            if isinstance(thumbnail, str) and thumbnail:
                refs.append(FileReference(thumbnail, Where(Place.EVIDENCE_THUMBNAIL, row.number, row.seq)))
        i, k = t.complaint_items.c, t.complaints.c
        rows = await self.session.execute(
            select(i.seq, i.state, i.sha256, i.size, i.message_sha256, k.number)
            .join(t.complaints, k.id == i.complaint_id)
            .order_by(k.id, i.seq)
        )
        for row in rows:
            if row.sha256 and row.state == EvidenceState.STORED.value:
                where = Where(Place.COMPLAINT_ITEM, row.number, row.seq)
                refs.append(FileReference(row.sha256, where, row.size))
            if row.message_sha256 and row.message_sha256 != row.sha256:
                where = Where(Place.COMPLAINT_MESSAGE, row.number, row.seq)
                refs.append(FileReference(row.message_sha256, where))
        return refs


class SqlComplaints:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, pk: int) -> Complaint | None:
        return await self.session.get(Complaint, pk)

    async def add(self, complaint: Complaint) -> None:
        self.session.add(complaint)

    async def open_for(self, complainant_id: int) -> Complaint | None:
        c = t.complaints.c
        stmt = (
            select(Complaint)
            .where(c.complainant_id == complainant_id, c.status == ComplaintStatus.OPEN.value)
            .order_by(c.id.desc())
            .limit(1)
        )
        return (await self.session.scalars(stmt)).first()

    async def open_for_many(self, complainant_ids: Collection[int]) -> dict[int, Complaint]:
        """The newest open complaint of each of these people (those without one are absent)."""
        c = t.complaints.c
        stmt = (
            select(Complaint)
            .where(c.complainant_id.in_(list(complainant_ids)), c.status == ComplaintStatus.OPEN.value)
            .order_by(c.id)
        )
        return {complaint.complainant_id: complaint for complaint in await self.session.scalars(stmt)}

    async def submitted(self, court_id: int) -> Sequence[Complaint]:
        c = t.complaints.c
        stmt = (
            select(Complaint)
            .where(c.court_id == court_id, c.status == ComplaintStatus.SUBMITTED.value)
            .order_by(c.id)
        )
        return (await self.session.scalars(stmt)).all()

    async def add_item(self, item: ComplaintItem) -> None:
        self.session.add(item)

    async def items(self, complaint_id: int) -> Sequence[ComplaintItem]:
        c = t.complaint_items.c
        stmt = select(ComplaintItem).where(c.complaint_id == complaint_id).order_by(c.seq)
        return (await self.session.scalars(stmt)).all()

    async def item_by_update(self, update_id: int) -> ComplaintItem | None:
        stmt = select(ComplaintItem).where(t.complaint_items.c.update_id == update_id)
        return (await self.session.scalars(stmt)).first()
