"""Seals at the storage boundary (``domain/seals.py`` has the rules; seed 003 §12: 全程留痕).

Every session is a ``SealingSession``: after each flush it notes the sealed rows that were inserted or had a
sealed field changed; rows inserted with Core statements (decisions, record versions) are noted by the
repository that inserts them (``note_rows``). At commit the unit of work turns what was noted into ``seal``
entries in the same transaction (``take``), so no sealed row changes without the ledger saying so.
``read_rows`` reads the rows back for `liuhen verify`, in batches, with what to call each.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, event, inspect, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from liuhen.domain.casezero import CaseZeroReport
from liuhen.domain.complaints import Complaint, ComplaintItem
from liuhen.domain.ledger import entry_hash, payload_hash
from liuhen.domain.model import Staff
from liuhen.domain.records import Evidence, Record
from liuhen.domain.seals import BASELINE, SEALED, Kind, Row, field_digest, object_id, plain
from liuhen.storage import tables as t

_ORM = "liuhen.seal.orm"
_ROWS = "liuhen.seal.rows"

KINDS: Mapping[type, Kind] = {
    Record: Kind.RECORD,
    Evidence: Kind.EVIDENCE,
    Staff: Kind.STAFF,
    Complaint: Kind.COMPLAINT,
    ComplaintItem: Kind.COMPLAINT_ITEM,
    CaseZeroReport: Kind.CASE_ZERO,
}

TABLES: Mapping[Kind, Table] = {
    Kind.RECORD: t.records,
    Kind.EVIDENCE: t.evidence,
    Kind.DECISION: t.decisions,
    Kind.VERSION: t.record_versions,
    Kind.STAFF: t.staff,
    Kind.COMPLAINT: t.complaints,
    Kind.COMPLAINT_ITEM: t.complaint_items,
    Kind.CASE_ZERO: t.case_zero_reports,
}


class SealingSession(Session):
    """The ORM session of every unit of work (see the module's docstring)."""


def _changed(obj: object, kind: Kind) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in SEALED[kind].fields)


@event.listens_for(SealingSession, "after_flush")
def _collect(session: Session, _flush: UOWTransaction) -> None:
    # still the pre-flush state here: ``new`` and ``dirty`` and each attribute's history
    noted: dict[int, tuple[Kind, object]] = session.info.setdefault(_ORM, {})
    for obj in session.new:
        kind = KINDS.get(type(obj))
        if kind is not None:
            noted[id(obj)] = (kind, obj)
    for obj in session.dirty:
        kind = KINDS.get(type(obj))
        if kind is not None and id(obj) not in noted and _changed(obj, kind):
            noted[id(obj)] = (kind, obj)


@event.listens_for(SealingSession, "after_soft_rollback")
def _forget(session: Session, _previous: Any) -> None:
    session.info.pop(_ORM, None)
    session.info.pop(_ROWS, None)


def note_rows(session: AsyncSession, kind: Kind, rows: Iterable[Mapping[str, Any]]) -> None:
    """Rows a repository inserted with a Core statement (their values as inserted)."""
    session.info.setdefault(_ROWS, []).extend((kind, {k: plain(v) for k, v in r.items()}) for r in rows)


async def take(session: AsyncSession) -> list[tuple[Kind, str, dict[str, Any]]]:
    """What this transaction changed of sealed rows, once each, ready to seal: (kind, object id, values)."""
    await session.flush()
    orm: dict[int, tuple[Kind, object]] = session.info.pop(_ORM, {})
    rows: list[tuple[Kind, dict[str, Any]]] = session.info.pop(_ROWS, [])
    if not orm and not rows:
        return []

    def values(_sync: Session) -> list[tuple[Kind, dict[str, Any]]]:
        # in the session's own greenlet: an attribute expired by the flush is loaded, not refused
        out = [
            (kind, {n: getattr(obj, n) for n in {*SEALED[kind].key, *SEALED[kind].fields}})
            for kind, obj in orm.values()
        ]
        return out + rows

    taken: dict[tuple[Kind, str], dict[str, Any]] = {}
    for kind, vals in await session.run_sync(values):
        taken[(kind, object_id(kind, vals))] = vals
    return [
        (kind, oid, vals)
        for (kind, oid), vals in sorted(taken.items(), key=lambda i: (i[0][0].value, i[0][1]))
    ]


def _select(kind: Kind) -> Any:
    table = TABLES[kind]
    spec = SEALED[kind]
    columns = [table.c[n] for n in dict.fromkeys((*spec.key, *spec.fields))]
    r, c = t.records.c, t.complaints.c
    if kind is Kind.RECORD:
        return select(*columns).order_by(table.c.id)
    if kind in (Kind.EVIDENCE, Kind.DECISION, Kind.VERSION):
        return (
            select(*columns, r.number.label("label_number"))
            .select_from(table.outerjoin(t.records, r.id == table.c.record_id))
            .order_by(*[table.c[k] for k in spec.key])
        )
    if kind is Kind.COMPLAINT_ITEM:
        return (
            select(*columns, c.number.label("label_number"))
            .select_from(table.outerjoin(t.complaints, c.id == table.c.complaint_id))
            .order_by(table.c.id)
        )
    return select(*columns).order_by(*[table.c[k] for k in spec.key])


def _label(kind: Kind, row: Mapping[str, Any]) -> dict[str, Any]:
    if kind in (Kind.RECORD, Kind.COMPLAINT):
        return {"number": row["number"]}
    if kind is Kind.EVIDENCE or kind is Kind.DECISION or kind is Kind.COMPLAINT_ITEM:
        return {"number": row["label_number"] or "", "seq": row["seq"]}
    if kind is Kind.VERSION:
        return {"number": row["label_number"] or "", "seq": row["version"]}
    if kind is Kind.STAFF:
        return {"number": row["staff_id"]}
    return {"number": row.get("case_number", ""), "seq": row["id"]}


def _row(kind: Kind, values: dict[str, Any]) -> Row:
    return Row(kind, object_id(kind, values), values, _label(kind, values))


async def read_rows(session: AsyncSession, kind: Kind, batch: int = 2_000) -> AsyncIterator[list[Row]]:
    """The sealed rows of ``kind`` as the database holds them now, in batches."""
    result = await session.stream(_select(kind).execution_options(yield_per=batch))
    async for part in result.mappings().partitions():
        yield [_row(kind, dict(m)) for m in part]


def seal_baseline(connection: Connection, now: datetime) -> int:
    """Seal every row that exists, once, as the ledger's first word on it (the migration that starts
    sealing runs this on a deployment that has rows from before). Only the columns the database has at
    that point are sealed; verify compares each row on the fields its seal names. Returns the entries
    appended."""
    present = {name: {c["name"] for c in sa_inspect(connection).get_columns(name)} for name in _names()}
    head = connection.execute(select(t.ledger_head.c.seq, t.ledger_head.c.entry_hash)).first()
    if head is None:
        return 0
    seq, prev = int(head.seq), str(head.entry_hash)
    appended = 0
    for kind in Kind:
        table, spec = TABLES[kind], SEALED[kind]
        fields = tuple(n for n in spec.fields if n in present[table.name])
        columns = [table.c[n] for n in dict.fromkeys((*spec.key, *fields))]
        rows: list[dict[str, Any]] = []
        found = connection.execute(select(*columns).order_by(*[table.c[k] for k in spec.key]))
        for m in (dict(r) for r in found.mappings()):
            seq += 1
            payload = {"fields": {n: field_digest(kind, n, m[n]) for n in fields}}
            digest = payload_hash(payload)
            oid = object_id(kind, m)
            entry = entry_hash(
                prev_hash=prev,
                seq=seq,
                at=now,
                actor="system",
                action=BASELINE,
                object_type=kind.value,
                object_id=oid,
                payload_digest=digest,
            )
            rows.append(
                {
                    "seq": seq,
                    "at": now,
                    "actor": "system",
                    "action": BASELINE,
                    "object_type": kind.value,
                    "object_id": oid,
                    "payload": payload,
                    "payload_hash": digest,
                    "prev_hash": prev,
                    "entry_hash": entry,
                }
            )
            prev = entry
        if rows:
            connection.execute(t.ledger.insert(), rows)
            appended += len(rows)
    if appended:
        connection.execute(
            update(t.ledger_head).where(t.ledger_head.c.id == 1).values(seq=seq, entry_hash=prev)
        )
    return appended


def _names() -> list[str]:
    return [table.name for table in TABLES.values()]
