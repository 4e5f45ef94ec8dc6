"""Ports the use cases are written against (DESIGN.md: use cases take a unit of work and ports).

The storage layer implements them on SQLAlchemy; tests may use the real storage on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from liuhen.domain.model import Court, Department, EnrolmentAttempt, EnrolmentCode, Staff


class CourtRepository(Protocol):
    async def get(self, pk: int) -> Court | None: ...
    async def by_code(self, code: str) -> Court | None: ...
    async def list(self) -> Sequence[Court]: ...
    async def add(self, court: Court) -> None: ...


class DepartmentRepository(Protocol):
    async def get(self, pk: int) -> Department | None: ...
    async def list(self, court_id: int) -> Sequence[Department]: ...
    async def add(self, department: Department) -> None: ...


class StaffRepository(Protocol):
    async def get(self, pk: int) -> Staff | None: ...
    async def by_staff_id(self, court_id: int, staff_id: str) -> Staff | None: ...
    async def by_telegram(self, telegram_user_id: int) -> Staff | None: ...
    async def list(self, court_id: int) -> Sequence[Staff]: ...
    async def add(self, staff: Staff) -> None: ...


class EnrolmentCodeRepository(Protocol):
    async def by_hash(self, code_hash: str) -> EnrolmentCode | None: ...
    async def add(self, code: EnrolmentCode) -> None: ...


class EnrolmentAttemptRepository(Protocol):
    async def count_since(self, telegram_user_id: int, since: datetime) -> int: ...
    async def add(self, attempt: EnrolmentAttempt) -> None: ...


class Inbox(Protocol):
    async def claim(self, update_id: int, *, chat_id: int | None, kind: str) -> bool:
        """Record an update as handled; False if it was already (a replay: do nothing, send nothing)."""
        ...


class Ledger(Protocol):
    async def append(
        self, *, actor: str, action: str, object_type: str, object_id: str, payload: dict[str, Any]
    ) -> None:
        """Append a hash-chained audit entry in the current transaction (DESIGN.md "Nothing is deleted")."""
        ...


class UnitOfWork(Protocol):
    courts: CourtRepository
    departments: DepartmentRepository
    staff: StaffRepository
    codes: EnrolmentCodeRepository
    attempts: EnrolmentAttemptRepository
    inbox: Inbox
    ledger: Ledger

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    async def commit(self) -> None: ...
    async def flush(self) -> None: ...
