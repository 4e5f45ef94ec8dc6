"""What is on file about one case number (seed 003 §18: before a case goes to the 专业法官会议 or the
审判委员会, the presiding judge reports the interference recorded for it): the records whose answers name the
case, and the per-case zero reports made for it. The rows only; who may read which is the use case's question.

Case numbers are stored normalised (``domain/casenumber.py``), so equality finds them. The records' case
number lives in their answers' JSON, of drafts as of submitted records; an index on that expression
(``CaseNumberOf``) finds the few that name a case among a province's million.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from liuhen.domain.casezero import CaseZeroReport
from liuhen.domain.records import Record
from liuhen.storage import tables as t
from liuhen.storage.types import CaseNumberOf


class SqlCases:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def records(self, case_number: str) -> Sequence[Record]:
        """Every record, of every court of the deployment and in any status, that names ``case_number``."""
        c = t.records.c
        stmt = select(Record).where(CaseNumberOf(c.answers) == case_number).order_by(c.id)
        return (await self.session.scalars(stmt)).all()

    async def zero_reports(self, case_number: str) -> Sequence[CaseZeroReport]:
        """Every per-case zero report made for ``case_number``, of every court of the deployment."""
        c = t.case_zero_reports.c
        stmt = select(CaseZeroReport).where(c.case_number == case_number).order_by(c.id)
        return (await self.session.scalars(stmt)).all()
