"""What the documents share: who reads, how times and catalogue keys read in Chinese, errors."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select

from liuhen.app.usecases.access import AccessDenied
from liuhen.domain import catalogue as cat
from liuhen.domain.model import Staff
from liuhen.storage import tables as t
from liuhen.storage.uow import SqlUnitOfWork

__all__ = ["AccessDenied", "ReportError", "find_reader", "label_of", "local_time", "record_by_ref"]


class ReportError(Exception):
    """A document that cannot be made (unknown reader, bad period…); ``str(error)`` is Chinese."""


def local_time(at: datetime | str | None, tz: tzinfo, *, seconds: bool = False) -> str:
    """``2026-11-23 09:30`` in the court's zone; ``—`` for nothing."""
    if at is None or at == "":
        return "—"
    if isinstance(at, str):
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            return at
    else:
        moment = at
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def label_of(catalogue: Any, key: object) -> str:
    """The label of a stored key; an unknown (older) key is shown as it is, nothing as ``—``."""
    if key is None or key == "":
        return "—"
    return cat.label(catalogue, str(key), default=str(key))


async def find_reader(uow: SqlUnitOfWork, court_id: int, staff_id: str) -> Staff:
    """The roster person who reads (`--as STAFF_ID`); only active staff read anything."""
    person = await uow.staff.by_staff_id(court_id, staff_id.strip())
    if person is None or not person.active:
        raise ReportError(f"名册中没有工号为 {staff_id} 的在岗人员")
    return person


async def record_by_ref(uow: SqlUnitOfWork, court_id: int, ref: str) -> Any:
    """A record by its number (``LH-2026-0042``) or its database id; None when there is none."""
    ref = ref.strip()
    if ref.isdigit():
        record = await uow.records.get(int(ref))
        return record if record is not None and record.court_id == court_id else None
    return await uow.records.by_number(court_id, ref.upper())


async def staff_names(uow: SqlUnitOfWork, ids: set[int]) -> dict[int, Staff]:
    if not ids:
        return {}
    rows = await uow.session.scalars(select(Staff).where(t.staff.c.id.in_(sorted(ids))))
    return {s.id: s for s in rows if s.id is not None}
