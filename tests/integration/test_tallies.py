"""The quarterly analysis' tallies (seed 003 item 13; seed 001 实施办法 §6; storage/tallies.py), kept with the
facts in each transaction: after any sequence of submissions, moves along the chain (dispositions,
returns), corrections, department changes and rolled-back transactions, on SQLite and PostgreSQL,

* the tallies the transactions kept equal the tallies rebuilt from the facts in SQL (the migration's
  backfill);
* a period's counts (its whole UTC days from the tallies, its ends from the facts) equal the records
  counted one by one in Python, for a quarter and a half-year, in time zones whose quarters begin at, and
  between, UTC midnights;
* the desk's dashboard shows exactly the figures of the documents (the XLSX).
"""

from __future__ import annotations

import asyncio
import io
import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import delete, select, update

from liuhen.app.usecases.roster import import_roster
from liuhen.domain import catalogue as cat
from liuhen.domain import reporting as rp
from liuhen.domain.answers import Answers
from liuhen.domain.casefile import EXEMPT
from liuhen.domain.clock import FixedClock
from liuhen.domain.model import Staff
from liuhen.domain.periods import Half, Period, Quarter
from liuhen.domain.records import Record
from liuhen.domain.roster import parse_roster
from liuhen.reports import quarterly
from liuhen.storage import tables as t
from liuhen.storage import tallies
from liuhen.storage.database import Database
from liuhen.storage.migrate import downgrade, upgrade
from tests.conftest import DEMO_ROSTER, premigrated

NOW = datetime(2027, 1, 20, 2, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
ZONES = (SHANGHAI, ZoneInfo("UTC"), ZoneInfo("Asia/Kathmandu"), ZoneInfo("America/St_Johns"))


# --- split ---------------------------------------------------------------------------------------------


def test_a_period_is_its_whole_utc_days_and_the_parts_of_a_day_at_its_ends() -> None:
    start, end = Quarter(2026, 4).bounds(SHANGHAI)  # 2026-09-30 16:00 UTC → 2026-12-31 16:00 UTC
    days, ends = tallies.split(start, end)
    assert days == (date(2026, 10, 1), date(2026, 12, 31))
    assert ends == [
        (start, datetime(2026, 10, 1, tzinfo=UTC)),
        (datetime(2026, 12, 31, tzinfo=UTC), end),
    ]
    days, ends = tallies.split(*Quarter(2026, 4).bounds(ZoneInfo("UTC")))
    assert days == (date(2026, 10, 1), date(2027, 1, 1)) and ends == []
    short = (datetime(2026, 10, 1, 3, tzinfo=UTC), datetime(2026, 10, 1, 9, tzinfo=UTC))
    assert tallies.split(*short) == (None, [short])  # less than a day: all of it from the facts


def test_a_tally_value_reads_back_as_the_summary_groups_it() -> None:
    f = rp.RecordFacts(
        record_id=1,
        court_id=1,
        department_id=7,
        submitted_at=datetime(2026, 11, 1, tzinfo=UTC),
        record_type="external",
        organ_category=None,
        stage="trial",
        method="phone",
        relation=None,
        late=True,
        principal_leader=True,
        retired=False,
        special_items=("plead", "seizure"),
        status="filed",
        disposition="transfer/x",  # a "/" in a disposition is read from both ends
    )
    read = {(d, rp.decode(d, v)) for d, v in rp.tallies(f)}
    assert read == {
        (rp.TYPE, "external"),
        (rp.ORGAN, None),
        (rp.STAGE, "trial"),
        (rp.METHOD, "phone"),
        (rp.DEPARTMENT, 7),
        (rp.LATE, True),
        (rp.STATE, ("filed", "transfer/x", True)),
        (rp.SPECIAL, "plead"),
        (rp.SPECIAL, "seizure"),
        (rp.SPECIAL_ANY, None),
    }
    exempt = rp.RecordFacts(**{**f.__dict__, "counted": False, "disposition": EXEMPT})
    assert rp.tallies(exempt) == [(rp.EXEMPT_OPINION, rp.NONE)]


# --- the property ----------------------------------------------------------------------------------------


QUARTERS = [Quarter(y, q) for y in (2025, 2026) for q in (1, 2, 3, 4)] + [Quarter(2027, 1)]
OFFSETS = [timedelta(microseconds=d) for d in (-1, 0, 1)]
OFFSETS += [timedelta(hours=h) for h in (-16, -8, -5, 5, 8, 16)] + [timedelta(days=45)]


def instants(tz: ZoneInfo) -> list[datetime]:
    """Submission instants where a mistake would show: at, just before and after, and hours around each
    quarter's local beginning in ``tz`` and its UTC midnight, and inside the quarters."""
    bounds = sorted({q.bounds(tz)[0] for q in QUARTERS} | {q.bounds(UTC)[0] for q in QUARTERS})
    return [b + d for b in bounds for d in OFFSETS]


ANSWERS = st.fixed_dictionaries(
    {
        "record_type": st.sampled_from([None, *(e.key for e in cat.RECORD_TYPES)]),
        "organ_category": st.sampled_from([None, "party", "police", "enterprise"]),
        "stage": st.sampled_from([None, "trial", "enforcement"]),
        "method": st.sampled_from([None, "phone", "wechat", "letter"]),
        "principal_leader": st.sampled_from([None, "yes", "no"]),
        "late_reason": st.sampled_from([None, "出差在外"]),
        "special_items": st.lists(st.sampled_from(["plead", "seizure", "other"]), max_size=3),
        "intervener_name": st.just("某某"),
    }
)
STATES = st.sampled_from(
    [
        ("awaiting_department_head", None),
        ("awaiting_vice_president", None),
        ("awaiting_discipline", None),
        ("returned", None),
        ("draft", None),  # an amendment of old, back to draft: not counted until submitted again
        *(("filed", d.key) for d in cat.DISPOSITIONS),
    ]
)


@dataclass(frozen=True)
class Submit:
    at: int  # index into the instants
    answers: dict[str, Any]
    recorder: int
    state: tuple[str, str | None]


@dataclass(frozen=True)
class Move:  # along the chain: a decision, a disposition (signoff._save)
    record: int
    state: tuple[str, str | None]


@dataclass(frozen=True)
class Correct:  # a correction or a resubmission: new answers, the quarter of the first submission kept
    record: int
    answers: dict[str, Any]
    resubmitted_at: int  # index into the instants


@dataclass(frozen=True)
class Reassign:  # the recorder moves department; the record's facts are written again
    record: int
    department: int


Op = Submit | Move | Correct | Reassign
OPS = st.one_of(
    st.builds(
        Submit,
        st.integers(0, 1000),
        ANSWERS,
        st.integers(0, 3),
        STATES,
    ),
    st.builds(Move, st.integers(0, 30), STATES),
    st.builds(Correct, st.integers(0, 30), ANSWERS, st.integers(0, 1000)),
    st.builds(Reassign, st.integers(0, 30), st.integers(0, 3)),
)
# transactions of one to three steps; some rolled back
TRANSACTIONS = st.lists(
    st.tuples(st.lists(OPS, min_size=1, max_size=3), st.booleans()), min_size=1, max_size=8
)


@dataclass
class World:
    db: Database
    court_id: int
    k001: Staff
    recorders: list[Staff]
    departments: list[int]


_MIGRATED: set[str] = set()


async def _world(url: str) -> World:
    """The court and its roster (once per database), without any record."""
    db = Database(url, now=FixedClock(NOW).now)
    if url not in _MIGRATED:
        await premigrated(url)
        await db.migrate()
        _MIGRATED.add(url)
    court = await db.ensure_court("t", "测试法院", "court")
    assert court.id is not None
    async with db.uow() as uow:
        people = list(await uow.staff.list(court.id))
    if not people:
        roster = parse_roster(DEMO_ROSTER.read_text(encoding="utf-8"))
        await import_roster(db.uow(), court_id=court.id, roster=roster, clock=FixedClock(NOW), actor="test")
    async with db.uow() as uow:
        people = list(await uow.staff.list(court.id))
        departments = [d.id for d in await uow.departments.list(court.id) if d.id is not None]
        for table in (t.record_special_items, t.record_facts, t.record_tallies, t.records):
            await uow.session.execute(delete(table))
        await uow.commit()
    by_id = {s.staff_id: s for s in people}
    recorders = [by_id[s] for s in ("j001", "j002", "h001", "h002")]
    return World(db, court.id, by_id["k001"], recorders, departments)


async def _apply(w: World, transactions: list[tuple[list[Op], bool]], tz: ZoneInfo) -> None:
    at_ = instants(tz)
    made: list[int] = []  # the records' ids, in the order they were submitted (and committed)
    numbers = itertools.count(1)
    for ops, commit in transactions:
        async with w.db.uow() as uow:
            new: list[int] = []
            for op in ops:
                ids = made + new
                if isinstance(op, Submit):
                    at = at_[op.at % len(at_)]
                    status, disposition = op.state
                    record = Record(
                        court_id=w.court_id,
                        number=f"LH-2026-{next(numbers):04d}",
                        recorder_id=w.recorders[op.recorder].id or 0,
                        status=status,
                        created_at=at,
                        updated_at=at,
                        last_evidence_at=at,
                        answers=op.answers,
                        submitted_at=at,
                        disposition=disposition,
                    )
                    await uow.records.add(record)
                    await uow.flush()
                    await uow.records.refresh_facts(record)
                    assert record.id is not None
                    new.append(record.id)
                    continue
                if not ids:
                    continue
                found = await uow.records.get(ids[op.record % len(ids)])
                assert found is not None
                if isinstance(op, Move):
                    found.status, found.disposition = op.state[0], op.state[1]
                elif isinstance(op, Correct):
                    found.answers = op.answers
                    found.submitted_at = at_[op.resubmitted_at % len(at_)]  # the facts keep the first
                else:
                    s = t.staff.c
                    department = w.departments[op.department % len(w.departments)]
                    await uow.session.execute(
                        update(t.staff).where(s.id == found.recorder_id).values(department_id=department)
                    )
                await uow.flush()
                await uow.records.refresh_facts(found)
            if commit:
                await uow.commit()
                made += new


async def _kept(db: Database) -> dict[tuple[Any, ...], int]:
    async with db.uow(read_only=True) as uow:
        c = t.record_tallies.c
        rows = await uow.session.execute(select(c.court_id, c.day, c.dimension, c.value, c.n))
        return {(court, day, dim, value): n for court, day, dim, value, n in rows if n}


async def _rebuilt(db: Database) -> dict[tuple[Any, ...], int]:
    async with db.uow() as uow:  # rebuilt and read in one transaction, rolled back
        await uow.session.run_sync(lambda s: tallies.rebuild(s.connection()))
        c = t.record_tallies.c
        rows = await uow.session.execute(select(c.court_id, c.day, c.dimension, c.value, c.n))
        return {(court, day, dim, value): n for court, day, dim, value, n in rows if n}


async def _one_by_one(w: World, ranges: list[tuple[datetime, datetime]]) -> list[Counter[tuple[str, object]]]:
    """Each record counted in Python from the record itself (its answers, status, disposition) and its
    facts row's first submission and department."""
    async with w.db.uow(read_only=True) as uow:
        f = t.record_facts.c
        facts = {
            rid: (at.astimezone(UTC), department)
            for rid, at, department in await uow.session.execute(
                select(f.record_id, f.submitted_at, f.department_id)
            )
        }
        records = await uow.records.list(court_id=w.court_id)
    out: list[Counter[tuple[str, object]]] = [Counter() for _ in ranges]
    for r in records:
        assert r.id in facts
        at, department = facts[r.id]
        a = Answers.of(r.answers)
        status = str(r.status)
        counted = status != "draft" and r.disposition != EXEMPT
        items = set(a.special_items)
        keys: list[tuple[str, object]] = []
        if counted:
            keys += [
                (rp.TYPE, a.record_type),
                (rp.ORGAN, a.organ_category),
                (rp.STAGE, a.stage),
                (rp.METHOD, a.method),
                (rp.DEPARTMENT, department),
                (rp.LATE, bool(a.late_reason)),
                (rp.STATE, (status, r.disposition, bool(a.principal_leader))),
                *((rp.SPECIAL, i) for i in items),
            ]
            if items:
                keys.append((rp.SPECIAL_ANY, None))
        if status != "draft" and r.disposition == EXEMPT:
            keys.append((rp.EXEMPT_OPINION, None))
        for n, (start, end) in enumerate(ranges):
            if start <= at < end:
                out[n].update(keys)
    return out


def _sheet(ws: Any) -> dict[str, list[object]]:
    rows = list(ws.iter_rows(values_only=True))
    return {str(r[0]): list(r[1:4]) for r in rows[2:] if r and r[0] is not None}


async def _check(w: World, period: Period, tz: ZoneInfo) -> None:
    assert await _kept(w.db) == await _rebuilt(w.db)
    ranges = [p.bounds(tz) for p in (period, period.previous(), period.year_before())]
    async with w.db.uow(read_only=True) as uow:
        read = await tallies.counts(uow.session, [w.court_id], ranges)
    got = [Counter({(d, rp.decode(d, v)): n for (_, d, v), n in c.items()}) for c in read]
    assert got == await _one_by_one(w, ranges)
    # the dashboard (web/views.quarterly_page) and the documents (the XLSX the desk and the chat send)
    common = {"reader": w.k001, "quarter": period, "now": NOW, "tz": tz, "court_name": "测试法院"}
    shown = await quarterly.load(w.db, **common, lists=False)
    documents = await quarterly.quarterly_documents(w.db, **common, formats=("xlsx",))
    book = load_workbook(io.BytesIO(documents["xlsx"]))
    summary = _sheet(book["概况"])
    assert {r.label: list(r.counts) for r in shown.key_figures} == summary
    assert summary["记录总数"] == list(shown.totals)
    for bd in shown.breakdowns:
        assert {r.label: list(r.counts) for r in bd.rows} == _sheet(book[bd.title.removeprefix("按")]), bd.key


@pytest.mark.postgres
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    transactions=TRANSACTIONS,
    period=st.sampled_from([Quarter(2026, 4), Quarter(2026, 1), Half(2026, 2)]),
    tz=st.sampled_from(ZONES),
)
def test_seed003_i13_the_tallies_kept_equal_the_records_counted_one_by_one(
    db_url: str, transactions: list[tuple[list[Op], bool]], period: Period, tz: ZoneInfo
) -> None:
    async def scenario() -> None:
        w = await _world(db_url)
        try:
            await _apply(w, transactions, tz)
            await _check(w, period, tz)
        finally:
            await w.db.dispose()

    with asyncio.Runner() as runner:
        runner.run(scenario())


async def test_the_migration_fills_in_the_tallies_of_the_records_already_there(db_url: str) -> None:
    """A register upgraded to the tallies: each facts row's status and disposition, and the tallies, are
    what the transactions would have kept (0023's backfill)."""
    w = await _world(db_url)
    try:
        answers = {"record_type": "external", "principal_leader": "yes", "special_items": ["plead"]}
        ops: list[Op] = [
            Submit(3, answers, 0, ("awaiting_discipline", None)),
            Submit(40, {"record_type": "internal", "late_reason": "出差"}, 1, ("filed", "immediate")),
            Submit(41, {}, 2, ("filed", EXEMPT)),
            Submit(77, {"stage": "trial"}, 3, ("returned", None)),
            Move(0, ("filed", "escalate")),
        ]
        await _apply(w, [(ops, True)], SHANGHAI)
        kept = await _kept(w.db)
        f = t.record_facts.c
        async with w.db.uow(read_only=True) as uow:
            states = set(await uow.session.execute(select(f.record_id, f.status, f.disposition)))
        assert len(kept) > 10 and ("filed", EXEMPT) in {(s, d) for _, s, d in states}
        await downgrade(w.db.engine, "0022")
        await upgrade(w.db.engine)
        assert await _kept(w.db) == kept
        async with w.db.uow(read_only=True) as uow:
            assert set(await uow.session.execute(select(f.record_id, f.status, f.disposition))) == states
    finally:
        _MIGRATED.discard(db_url)
        await w.db.dispose()
