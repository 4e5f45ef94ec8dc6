"""The quarterly analysis' tallies (seed 003 item 13; seed 001 实施办法 §6): `record_tallies`, summed per
court and UTC day from the facts rows (``domain/reporting.tallies``), and what a period's counts are read
from (docs/architecture.md, decision 72).

* **Kept with the facts.** ``refresh_facts`` tells ``note`` the facts row it deleted and the one it wrote;
  the difference waits in the session and is added at commit (``apply``, called by the unit of work after
  the ledger's head is locked, the keys in one order: two transactions never wait on each other's tallies
  the other way round). It is the transaction's own: rolled back with it, never seen before it commits.
* **Read by period.** A period's local bounds rarely fall on a UTC midnight: its whole UTC days are summed
  here, and the parts of its first and last day are counted from `record_facts` itself by the
  same SQL the tallies are rebuilt with (``statement``, ``_grouped``) — exact in any time zone, a day's rows
  however large the register, grouped by the database: one statement reads a period.
* **Rebuilt in SQL** (``rebuild``): the migration's backfill and the benchmarks' bulk loads; the tests hold
  it equal to what the transactions kept.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Integer,
    String,
    bindparam,
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


Shape = tuple[tuple[bool, int], ...]  # per period: whether it has whole UTC days, how many parts of a day


def bounds(ranges: Sequence[Range]) -> tuple[Shape, dict[str, Any]]:
    """The shape of ``ranges`` (what ``statement`` is built for) and the values of its parameters: each
    period's whole UTC days (``d{n}a``, ``d{n}b``) and the parts of a day at its ends (``e{n}{k}a``…)."""
    shape: list[tuple[bool, int]] = []
    values: dict[str, Any] = {}
    for n, (start, end) in enumerate(ranges):
        days, parts = split(start, end)
        if days is not None:
            values[f"d{n}a"], values[f"d{n}b"] = days
        for k, (a, b) in enumerate(parts):
            values[f"e{n}{k}a"], values[f"e{n}{k}b"] = a, b
        shape.append((days is not None, len(parts)))
    return tuple(shape), values


# the columns of `record_facts` ``_grouped`` reads
_END = [
    *("record_id", "court_id", "department_id", "record_type", "organ_category", "stage", "method"),
    *("late", "principal_leader", "counted", "status", "disposition"),
]


@functools.lru_cache(maxsize=32)
def statement(shape: Shape) -> Any:
    """(period, court, dimension, value, n) of the periods of ``shape``, for the courts ``courts`` (a list):
    their whole UTC days summed from the tallies, and the records in the parts of a day at their ends
    counted from the facts by the same SQL ``rebuild`` fills the tallies with (``_grouped``) — a busy
    day's rows grouped by the database, none read one by one. Built once per shape (a time zone's periods
    have one or two), then only bound: the dashboard does not build a statement of sixty selects anew."""
    c, f, si = t.record_tallies.c, t.record_facts.c, t.record_special_items.c
    courts: Any = bindparam("courts", expanding=True)
    selects: list[Any] = [
        select(literal(n, Integer).label("period"), c.court_id, c.dimension, c.value, func.sum(c.n))
        .where(c.court_id.in_(courts), c.day >= bindparam(f"d{n}a"), c.day < bindparam(f"d{n}b"))
        .group_by(c.court_id, c.dimension, c.value)
        for n, (days, _) in enumerate(shape)
        if days
    ]
    parts: list[tuple[int, Any, Any]] = [
        (n, bindparam(f"e{n}{k}a"), bindparam(f"e{n}{k}b"))
        for n, (_, m) in enumerate(shape)
        for k in range(m)
    ]
    if not parts:
        return union_all(*selects) if len(selects) > 1 else selects[0]
    rows = union_all(
        *(
            select(literal(n, Integer).label("period"), *(f[name] for name in _END)).where(
                f.court_id.in_(courts), f.submitted_at >= a, f.submitted_at < b
            )
            for n, a, b in parts
        )
    ).cte("ended")
    items = union_all(
        *(
            select(literal(n, Integer).label("period"), si.court_id, si.record_id, si.item, si.counted).where(
                si.court_id.in_(courts), si.submitted_at >= a, si.submitted_at < b
            )
            for n, a, b in parts
        )
    ).cte("ended_items")
    e, i = rows.c, items.c
    selects += _grouped(e, [e.period, e.court_id], i, [i.period, i.court_id])
    return union_all(*selects)


async def counts(session: AsyncSession, court_ids: Sequence[int], ranges: Sequence[Range]) -> list[Counts]:
    """Per period of ``ranges``: {(court, dimension, value): n} over its records, n > 0 only — in one
    statement (``statement``)."""
    out: list[Counts] = [Counter() for _ in ranges]
    shape, values = bounds(ranges)
    if any(days or parts for days, parts in shape):
        rows = await session.execute(statement(shape), {"courts": list(court_ids), **values})
        for period, court, dimension, value, n in rows:
            out[period][(court, dimension, value)] += int(n)
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


def _grouped(f: Any, by_f: list[Any], si: Any, by_si: list[Any]) -> list[Any]:
    """``domain/reporting.tallies`` in SQL: one GROUP BY per dimension, over the facts ``f`` grouped by
    ``by_f`` and over the special items ``si`` grouped by ``by_si`` (the columns of `record_facts` and
    `record_special_items`, or of rows read from them); each selects its keys, the dimension, the value and
    how many. The rebuild groups by court and UTC day, a period's ends by period and court."""
    none, slash = _text(rp.NONE), _text("/")
    counted = f.counted.is_(True)
    by_value: list[tuple[str, ColumnElement[Any]]] = [
        (rp.TYPE, func.coalesce(f.record_type, none)),
        (rp.ORGAN, func.coalesce(f.organ_category, none)),
        (rp.STAGE, func.coalesce(f.stage, none)),
        (rp.METHOD, func.coalesce(f.method, none)),
        (rp.DEPARTMENT, func.coalesce(cast(f.department_id, String), none)),
        (rp.LATE, _flag(f.late)),
        (rp.STATE, f.status + slash + func.coalesce(f.disposition, none) + slash + _flag(f.principal_leader)),
    ]
    selects = [
        select(*by_f, _text(dimension), value, func.count()).where(counted).group_by(*by_f, value)
        for dimension, value in by_value
    ]
    # an exempt opinion counts apart, without a value: never grouped by a constant
    exempt = [f.status != RecordStatus.DRAFT.value, f.disposition == EXEMPT]
    selects.append(select(*by_f, _text(rp.EXEMPT_OPINION), none, func.count()).where(*exempt).group_by(*by_f))
    items = si.counted.is_(True)
    selects.append(
        select(*by_si, _text(rp.SPECIAL), si.item, func.count()).where(items).group_by(*by_si, si.item)
    )
    selects.append(
        select(*by_si, _text(rp.SPECIAL_ANY), none, func.count(func.distinct(si.record_id)))
        .where(items)
        .group_by(*by_si)
    )
    return selects


def rebuild(conn: Connection) -> None:
    """`record_tallies` afresh from `record_facts` and `record_special_items`: ``domain/reporting.tallies``
    in SQL, one GROUP BY per dimension (the migration's backfill; bulk loads)."""
    f, si = t.record_facts.c, t.record_special_items.c
    dialect = conn.dialect.name
    columns = ["court_id", "day", "dimension", "value", "n"]
    conn.execute(delete(t.record_tallies))
    by_f = [f.court_id, _day(dialect, f.submitted_at)]
    for query in _grouped(f, by_f, si, [si.court_id, _day(dialect, si.submitted_at)]):
        conn.execute(insert(t.record_tallies).from_select(columns, query))
