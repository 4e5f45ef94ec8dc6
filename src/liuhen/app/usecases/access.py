"""Every read of a record goes through here: the need-to-know policy (``domain/access.py``) decides, the
ledger keeps the read — and the denial (seed 003 §12, seed 004 §15: 全程留痕).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date

from liuhen.app.ports import UnitOfWork
from liuhen.domain.access import Operator, may_read_record, may_read_summary
from liuhen.domain.model import Staff
from liuhen.domain.records import Record
from liuhen.domain.signoff import Chain, Delegation


class Denial(enum.StrEnum):
    """What was refused; the answer (``texts/access.py``) never says whether the record exists."""

    RECORD = "record"  # a record, its evidence, a document of it
    CASEZERO = "casezero"  # a per-case zero report
    SUMMARY = "summary"  # the quarterly summary, the monthly compliance
    NO_COURT = "no_court"  # a summary of a court the deployment does not have (``court``)
    OTHER_COURT = "other_court"  # a summary of a court that is neither the reader's nor below it


class AccessDenied(Exception):
    """The reader may not see this: ``denial`` says what was refused."""

    def __init__(self, denial: Denial = Denial.RECORD, *, court: str | None = None) -> None:
        super().__init__(denial.value)
        self.denial = denial
        self.court = court


def chain_of(record: Record) -> Chain | None:
    return record.chain


async def readable(uow: UnitOfWork, staff: Staff, record: Record, *, today: date | None = None) -> bool:
    """The policy alone (no ledger entry): for listing what a person may open."""
    return bool(await readable_many(uow, staff, [record], today=today))


async def readable_many(
    uow: UnitOfWork, staff: Staff, records: Sequence[Record], *, today: date | None = None
) -> list[Record]:
    """``readable`` of many records at once (a page of a list): each court's delegations (valid deputies
    read only with ``today``) and the court above another court's record read once."""
    delegations: dict[int, Sequence[Delegation]] = {}
    parents: dict[int, int | None] = {}
    out = []
    for record in records:
        court_id = record.court_id
        if court_id not in delegations:
            delegations[court_id] = await uow.signoff.delegations(court_id) if today is not None else []
        if staff.court_id != court_id and court_id not in parents:
            court = await uow.courts.get(court_id)
            parents[court_id] = court.parent_id if court is not None else None
        parent = parents.get(court_id) if staff.court_id != court_id else None
        if may_read_record(
            staff, record, chain_of(record), delegations[court_id], today=today, parent_court_id=parent
        ):
            out.append(record)
    return out


def actor_of(reader: Staff | Operator) -> str:
    return reader.actor if isinstance(reader, Operator) else f"staff:{reader.staff_id}"


async def read_record(
    uow: UnitOfWork, *, staff: Staff | Operator, record: Record | None, what: str, today: date | None = None
) -> Record:
    """Authorise ``staff`` to read ``record`` (``what``: card, full, evidence, form, export…) and append
    the read to the ledger in the caller's transaction; raise ``AccessDenied`` (also logged) otherwise.
    ``today`` (local date) lets valid deputies read. The caller commits, also after AccessDenied. The
    operator at the server reads every record (``Operator``), on the record as the operator."""
    actor = actor_of(staff)
    allowed = record is not None and (
        isinstance(staff, Operator) or await readable(uow, staff, record, today=today)
    )
    if record is None or not allowed:
        await uow.ledger.append(
            actor=actor,
            action="record.read_denied",
            object_type="record",
            object_id=record.number if record is not None else "?",
            payload={"what": what},
        )
        raise AccessDenied()
    await uow.ledger.append(
        actor=actor,
        action="record.read",
        object_type="record",
        object_id=record.number,
        payload={"what": what},
    )
    return record


async def read_summary(uow: UnitOfWork, *, staff: Staff | Operator, what: str) -> None:
    """Authorise a summary (quarterly, monthly notice…): discipline office, president, trial management
    (counts), and the operator at the server. Logged either way: the caller commits, also after
    AccessDenied."""
    allowed = isinstance(staff, Operator) or may_read_summary(staff)
    await uow.ledger.append(
        actor=actor_of(staff),
        action="summary.read" if allowed else "summary.read_denied",
        object_type="summary",
        object_id=what,
        payload={},
    )
    if not allowed:
        raise AccessDenied(Denial.SUMMARY)
