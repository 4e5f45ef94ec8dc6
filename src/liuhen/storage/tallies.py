"""The quarterly analysis' tallies (seed 003 item 13; seed 001 实施办法 §6): `record_tallies`, summed per
court and UTC day from the facts rows (``domain/reporting.tallies``), and what a period's counts are read
from (docs/architecture.md, decision 72).

* **Kept with the facts.** ``refresh_facts`` tells ``note`` the facts row it deleted and the one it wrote;
  the difference waits in the session and is added at commit (``apply``, called by the unit of work after
  the ledger's head is locked, the keys in one order: two transactions never wait on each other's tallies
  the other way round). It is the transaction's own: rolled back with it, never seen before it commits.
* **Read by period.** A period's local bounds rarely fall on a UTC midnight: its whole UTC days are summed
  here (``sums``), and the parts of its first and last day are counted from `record_facts` itself with the
  same function the tallies are kept with (``ends``, ``end_items``) — exact in any time zone, and a handful
  of rows however large the register.
* **Rebuilt in SQL** (``rebuild``): the migration's backfill and the benchmarks' bulk loads; the tests hold
  it equal to what the transactions kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Date,
    Integer,
    Select,
    String,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from liuhen.domain import reporting as rp
from liuhen.domain.casefile import EXEMPT
from liuhen.domain.records import RecordStatus
from liuhen.storage import tables as t

_PENDING = "liuhen.tallies"
_FIELDS = tuple(f.name for f in fields(rp.RecordFacts) if f.name != "special_items")

Range = tuple[datetime, datetime]
Counts = Counter[tuple[int, str, str]]  # (court, dimension, value) → how many


def facts_from_row(row: Mapping[Any, Any], items: Iterable[str] = ()) -> rp.RecordFacts:
    """A `record_facts` row (and its special items) as the domain's facts."""
    return rp.RecordFacts(**{k: row[k] for k in _FIELDS if k in row}, special_items=tuple(items))


def note(session: AsyncSession, *, old: Iterable[rp.RecordFacts], new: Iterable[rp.RecordFacts]) -> None:
    """The facts rows a transaction replaced (``old``) by ``new``: their tallies' difference, added at
    commit."""
    pending: Counter[rp.Key] = session.info.setdefault(_PENDING, Counter())
    pending.update(rp.tally_keys(new))
    pending.subtract(rp.tally_keys(old))


async def apply(session: AsyncSession) -> None:
    """Add what this transaction's facts changed to `record_tallies` (the unit of work's commit)."""
    pending: Counter[rp.Key] | None = session.info.pop(_PENDING, None)
    rows = [
        {"court_id": court, "day": day, "dimension": dimension, "value": value, "n": n}
        for (court, day, dimension, value), n in sorted((pending or {}).items())
        if n
    ]
    if not rows:
        return
    make = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = make(t.record_tallies)
    stmt = stmt.on_conflict_do_update(
        index_elements=["court_id", "day", "dimension", "value"],
        set_={"n": t.record_tallies.c.n + stmt.excluded.n},
    )
    await session.execute(stmt, rows)


# ---------------------------------------------------------------------------------------------------------
# Reading a period


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def split(start: datetime, end: datetime) -> tuple[tuple[date, date] | None, list[Range]]:
    """[start, end) as its whole UTC days [first, last) and the parts before and after them."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first = start.date() if start == _midnight(start.date()) else start.date() + timedelta(days=1)
    last = end.date()
    if first >= last:
        return None, [(start, end)] if start < end else []
    ends = [(a, b) for a, b in ((start, _midnight(first)), (_midnight(last), end)) if a < b]
    return (first, last), ends


def _union(selects: Sequence[Select[Any]]) -> Any:
    return selects[0] if len(selects) == 1 else union_all(*selects)


def sums(court_ids: Sequence[int], ranges: Sequence[Range]) -> Any:
    """(period, court, dimension, value, n) over the whole UTC days of each period; None if none has any."""
    c = t.record_tallies.c
    selects = []
    for n, (start, end) in enumerate(ranges):
        days, _ = split(start, end)
        if days is None:
            continue
        selects.append(
            select(literal(n, Integer).label("period"), c.court_id, c.dimension, c.value, func.sum(c.n))
            .where(c.court_id.in_(court_ids), c.day >= days[0], c.day < days[1])
            .group_by(c.court_id, c.dimension, c.value)
        )
    return _union(selects) if selects else None


class End(NamedTuple):
    """A record at a period's end: the columns ``domain/reporting.tallies`` reads."""

    record_id: int
    court_id: int
    department_id: int | None
    record_type: str | None
    organ_category: str | None
    stage: str | None
    method: str | None
    late: bool
    principal_leader: bool
    counted: bool
    status: str
    disposition: str | None
    special_items: tuple[str, ...] = ()


_END = [t.record_facts.c[name] for name in End._fields if name != "special_items"]


def ends(court_ids: Sequence[int], ranges: Sequence[Range]) -> Any:
    """(period, the columns of ``End``) of the records in the parts of a day at each period's ends."""
    f = t.record_facts.c
    selects = [
        select(literal(n, Integer).label("period"), *_END).where(
            f.court_id.in_(court_ids), f.submitted_at >= a, f.submitted_at < b
        )
        for n, (start, end) in enumerate(ranges)
        for a, b in split(start, end)[1]
    ]
    return _union(selects) if selects else None


def end_items(court_ids: Sequence[int], ranges: Sequence[Range]) -> Any:
    """(record, special-report item) of the same records."""
    si = t.record_special_items.c
    selects = [
        select(si.record_id, si.item).where(
            si.court_id.in_(court_ids), si.submitted_at >= a, si.submitted_at < b
        )
        for start, end in ranges
        for a, b in split(start, end)[1]
    ]
    return _union(selects) if selects else None


async def counts(session: AsyncSession, court_ids: Sequence[int], ranges: Sequence[Range]) -> list[Counts]:
    """Per period of ``ranges``: {(court, dimension, value): n} over its records, n > 0 only."""
    out: list[Counts] = [Counter() for _ in ranges]
    ids = list(court_ids)
    stmt = sums(ids, ranges)
    if stmt is not None:
        for period, court, dimension, value, n in await session.execute(stmt):
            out[period][(court, dimension, value)] += int(n)
    stmt = ends(ids, ranges)
    if stmt is not None:
        rows = (await session.execute(stmt)).all()
        items: dict[int, list[str]] = {}
        if rows:
            for record_id, item in await session.execute(end_items(ids, ranges)):
                items.setdefault(record_id, []).append(item)
        for period, *columns in rows:
            end = End(*columns)
            if end.record_id in items:
                end = end._replace(special_items=tuple(items[end.record_id]))
            for dimension, value in rp.tallies(end):
                out[period][(end.court_id, dimension, value)] += 1
    return [Counter({k: n for k, n in period.items() if n}) for period in out]


# ---------------------------------------------------------------------------------------------------------
# Rebuilding from the facts


def _day(dialect: str, column: Any) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)  # SQLite keeps UTC as text: its date part


def _text(value: str) -> ColumnElement[str]:
    return literal_column("'" + value.replace("'", "''") + "'", String)


def _flag(column: Any) -> ColumnElement[str]:
    return case((column, _text("1")), else_=_text("0"))


def rebuild(conn: Connection) -> None:
    """`record_tallies` afresh from `record_facts` and `record_special_items`: ``domain/reporting.tallies``
    in SQL, one GROUP BY per dimension (the migration's backfill; bulk loads)."""
    f, si = t.record_facts.c, t.record_special_items.c
    dialect = conn.dialect.name
    none = _text(rp.NONE)
    slash = _text("/")
    by_facts: list[tuple[str, ColumnElement[Any], list[Any]]] = [
        (rp.TYPE, func.coalesce(f.record_type, none), [f.counted.is_(True)]),
        (rp.ORGAN, func.coalesce(f.organ_category, none), [f.counted.is_(True)]),
        (rp.STAGE, func.coalesce(f.stage, none), [f.counted.is_(True)]),
        (rp.METHOD, func.coalesce(f.method, none), [f.counted.is_(True)]),
        (rp.DEPARTMENT, func.coalesce(cast(f.department_id, String), none), [f.counted.is_(True)]),
        (rp.LATE, _flag(f.late), [f.counted.is_(True)]),
        (
            rp.STATE,
            f.status + slash + func.coalesce(f.disposition, none) + slash + _flag(f.principal_leader),
            [f.counted.is_(True)],
        ),
        (rp.EXEMPT_OPINION, none, [f.status != RecordStatus.DRAFT.value, f.disposition == EXEMPT]),
    ]
    columns = ["court_id", "day", "dimension", "value", "n"]
    conn.execute(delete(t.record_tallies))
    day = _day(dialect, f.submitted_at)
    for dimension, value, where in by_facts:
        grouped = [f.court_id, day] if value is none else [f.court_id, day, value]  # never by a constant
        query = (
            select(f.court_id, day, _text(dimension), value, func.count()).where(*where).group_by(*grouped)
        )
        conn.execute(insert(t.record_tallies).from_select(columns, query))
    day = _day(dialect, si.submitted_at)
    conn.execute(
        insert(t.record_tallies).from_select(
            columns,
            select(si.court_id, day, _text(rp.SPECIAL), si.item, func.count())
            .where(si.counted.is_(True))
            .group_by(si.court_id, day, si.item),
        )
    )
    conn.execute(
        insert(t.record_tallies).from_select(
            columns,
            select(si.court_id, day, _text(rp.SPECIAL_ANY), none, func.count(func.distinct(si.record_id)))
            .where(si.counted.is_(True))
            .group_by(si.court_id, day),
        )
    )
