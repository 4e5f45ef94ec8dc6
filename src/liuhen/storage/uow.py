"""The unit of work: one transaction, the repositories over it, commit or roll back (docs/architecture.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from liuhen.domain.seals import SEAL, seal_payload
from liuhen.storage import seals, tallies
from liuhen.storage.casefile_repo import SqlCaseFiles
from liuhen.storage.caseview_repo import SqlCases
from liuhen.storage.desk_repo import SqlDesk
from liuhen.storage.engine import READ_ONLY
from liuhen.storage.followup_repo import SqlAccountability, SqlFollowUps, SqlNoticesIssued, SqlRegisters
from liuhen.storage.integrity_repo import SqlComplaints, SqlIntegrity
from liuhen.storage.monthly_repo import SqlCaseZero, SqlMonthly
from liuhen.storage.repositories import (
    SqlCalendar,
    SqlCallbackRepository,
    SqlConversationRepository,
    SqlCourtRepository,
    SqlDepartmentRepository,
    SqlEnrolmentAttemptRepository,
    SqlEnrolmentCodeRepository,
    SqlEvidenceRepository,
    SqlInbox,
    SqlLedger,
    SqlNotices,
    SqlRecordRepository,
    SqlStaffRepository,
)
from liuhen.storage.signoff_repo import SqlSignoff


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SqlUnitOfWork:
    """Use as ``async with uow:``; leaving without ``commit()`` rolls back. Not reentrant."""

    session: AsyncSession

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        now: Callable[[], datetime] = _utcnow,
        *,
        read_only: bool = False,
        writer_lock: Callable[[], asyncio.Lock | None] | None = None,
    ) -> None:
        self._factory = session_factory
        self._now = now
        self.read_only = read_only
        self._writer_lock = None if read_only else writer_lock
        self._writer: asyncio.Lock | None = None

    async def __aenter__(self) -> Self:
        self._writer = self._writer_lock() if self._writer_lock is not None else None
        if self._writer is not None:  # SQLite: writers queue here, not on the file lock (no "locked")
            await self._writer.acquire()
        self.session = self._factory()
        if self.read_only:
            await self.session.connection(execution_options={READ_ONLY: True})
        s = self.session
        self.courts = SqlCourtRepository(s)
        self.departments = SqlDepartmentRepository(s)
        self.staff = SqlStaffRepository(s)
        self.codes = SqlEnrolmentCodeRepository(s)
        self.attempts = SqlEnrolmentAttemptRepository(s)
        self.inbox = SqlInbox(s, self._now)
        self.ledger = SqlLedger(s, self._now)
        self.records = SqlRecordRepository(s)
        self.evidence = SqlEvidenceRepository(s)
        self.conversations = SqlConversationRepository(s)
        self.callbacks = SqlCallbackRepository(s)
        self.calendar = SqlCalendar(s, self._now)
        self.notices = SqlNotices(s, self._now)
        self.signoff = SqlSignoff(s)
        self.integrity = SqlIntegrity(s)
        self.complaints = SqlComplaints(s)
        self.monthly = SqlMonthly(s)
        self.case_zero = SqlCaseZero(s)
        self.case_files = SqlCaseFiles(s)
        self.followups = SqlFollowUps(s)
        self.accountability = SqlAccountability(s)
        self.notices_issued = SqlNoticesIssued(s)
        self.registers = SqlRegisters(s)
        self.cases = SqlCases(s)
        self.desk = SqlDesk(s)
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() rolls back what was not committed and detaches the objects without expiring them,
        # so results stay readable after the block.
        try:
            await self.session.close()
        finally:
            if self._writer is not None:
                self._writer.release()

    async def commit(self) -> None:
        # what this transaction made of sealed rows, sealed in the same transaction (domain/seals.py)
        for kind, oid, values in await seals.take(self.session):
            await self.ledger.append(
                actor=self.ledger.last_actor(),
                action=SEAL,
                object_type=kind.value,
                object_id=oid,
                payload=seal_payload(kind, values),
            )
        await self.ledger.before_commit()
        # the summary's tallies last: after the ledger's head, in one order (storage/tallies.py)
        await tallies.apply(self.session)
        await self.session.commit()

    async def flush(self) -> None:
        await self.session.flush()
