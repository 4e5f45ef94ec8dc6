"""A whole province on PostgreSQL: 150 courts × 100 staff, three years of records.

    .venv/bin/python bench/scale.py [--rate-multipliers 1,100] [--courts 150] [--staff-per-court 100]
                                    [--server-url postgresql://postgres@127.0.0.1:5432/postgres] [--keep]

A fresh database ``liuhen_bench_scale_<random>`` is created on the server (dropped at the end unless
``--keep``) and built through the real command line where that is what an administrator does:
``liuhen init`` (migrations; the high court is the deployment's court), ``liuhen org add-court`` for the
first intermediate court and the same use case (``app/usecases/courts.add_court``) in process for the
others (1 high → 17 intermediate → county courts), and one ``liuhen org import`` of a roster file with the
``court`` column (the demo roster's roles repeated: president, two vice-presidents with ``oversees``, two
discipline officers, trial management, an administrator, a head for each of eight trial departments, judges).

Records over the three years ending 2026-12 are bulk-loaded with asyncpg's COPY, at the realistic rate (about
2 submitted records per court per month: 150 × 36 × 2 ≈ 10,800) and then topped up to each further multiple
of it (100×: ≈ 1.08 M), each with its ``record_facts`` / ``record_special_items`` rows computed by
``domain.reporting.facts_of`` (what ``refresh_facts`` writes at submission) and its sign-off ``decisions``.
Thirty-five months of monthly-report prompts and answers are loaded once for everybody.

At each rate, in the same run, it prints (never asserts):

1. the high court's quarterly roll-up as a whole command, ``liuhen report quarterly 2026Q4 --court HIGH
   --with-lower --as k001 -o F.pdf`` (and ``.xlsx``) as a subprocess — target ≤ 4 s at 100× — beside the
   baseline: the machine's ``psql`` running the same GROUP BY queries over the three compared quarters for
   the courts' ids on the same database, as a ratio;
2. the monthly broadcast's planning for every court: ``app.usecases.monthly.plan_due`` (what the monthly
   job runs: who must be prompted for December 2026, with the database, nothing sent) at the moment the
   prompt is due, then at the first reminder's moment once the prompts count as sent;
3. the desk console (served in this process, asked over HTTP) for the high court's discipline office and a
   county court's: the list, a page filtered by type and quarter, a record's page and the quarter's
   dashboard, p50 / p95 beside every SELECT each request runs, replayed bare with asyncpg;
4. intake throughput with two instances relative to one: bench/instances.py measures it (two `liuhen run
   --webhook` processes behind a proxy fed by the sandbox); the line printed here says so.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))  # runnable without an install
sys.path.insert(0, str(ROOT))

from bench.web import measure, selects_of  # noqa: E402
from bench.web import p as percentile  # noqa: E402

from liuhen.domain import catalogue as cat  # noqa: E402
from liuhen.domain import signoff as sign  # noqa: E402
from liuhen.domain.answers import Answers  # noqa: E402
from liuhen.domain.monthly import Kind, Month, Policy  # noqa: E402
from liuhen.domain.periods import Quarter  # noqa: E402
from liuhen.domain.records import record_number  # noqa: E402
from liuhen.domain.reporting import facts_of  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
ROLLUP_S = 4.0  # the province roll-up at 100×, as a whole command
QUARTER = Quarter(2026, 4)
FIRST_MONTH, MONTHS = Month(2024, 1), 36  # 2024-01 … 2026-12
PLANNED = Month(2026, 12)  # the month whose report the planning is timed for (asked in January 2027)
BASE_RATE = 2.0  # submitted records per court per month at 1×
HIGH = "hn-gy"
READER = "k001"
BATCH = 20_000
TELEGRAM_BASE = 7_000_000_000
TRIAL_DEPARTMENTS = (
    "立案庭",
    "刑事审判庭",
    "民事审判第一庭",
    "民事审判第二庭",
    "行政审判庭",
    "审判监督庭",
    "执行局",
    "综合审判庭",
)
console = Console(width=None if sys.stdout.isatty() else 150)


# --------------------------------------------------------------------------------------------- the province


@dataclass(frozen=True)
class CourtSpec:
    code: str
    name: str
    parent: str | None


def province(n: int) -> list[CourtSpec]:
    """1 high court, 17 intermediate courts (fewer in a smaller province), the rest county courts shared out
    among the intermediate ones."""
    high = CourtSpec(HIGH, "河南省高级人民法院", None)
    if n <= 1:
        return [high]
    n_mid = max(1, min(17, round((n - 1) * 17 / 149)))
    mids = [CourtSpec(f"hn-zy{i:02d}", f"第{i}中级人民法院", HIGH) for i in range(1, n_mid + 1)]
    counties = [
        CourtSpec(f"hn-jc{i:03d}", f"第{i}基层人民法院", mids[(i - 1) % n_mid].code)
        for i in range(1, n - n_mid)
    ]
    return [high, *mids, *counties]


def roster_csv(courts: Sequence[CourtSpec], per_court: int) -> str:
    """The demo roster's roles (sandbox/demo/roster.csv), scaled to ``per_court`` people a court; staff
    ids repeat from court to court (they are unique per court)."""
    half = len(TRIAL_DEPARTMENTS) // 2
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["staff_id", "name", "department", "position", "role", "phone", "oversees", "court"])
    phone = 13_900_000_000
    for c in courts:
        rows = [
            ("p001", "周院长", "院领导", "院长", "president", ""),
            ("v001", "王副院长", "院领导", "副院长", "vice_president", ";".join(TRIAL_DEPARTMENTS[:half])),
            ("v002", "陈副院长", "院领导", "副院长", "vice_president", ";".join(TRIAL_DEPARTMENTS[half:])),
            ("k001", "赵主任", "纪检监察室", "主任", "discipline", ""),
            ("k002", "冯干事", "纪检监察室", "干事", "discipline", ""),
            ("m001", "吴统计", "审判管理办公室", "统计员", "trial_management", ""),
            ("a001", "郑管理员", "办公室", "信息管理员", "admin", ""),
        ]
        rows += [
            (f"h{i + 1:03d}", f"庭长{i + 1}", d, "庭长", "dept_head", "")
            for i, d in enumerate(TRIAL_DEPARTMENTS)
        ]
        rows += [
            (
                f"j{i:03d}",
                f"法官{i:03d}",
                TRIAL_DEPARTMENTS[i % len(TRIAL_DEPARTMENTS)],
                "审判员",
                "staff",
                "",
            )
            for i in range(1, per_court - len(rows) + 1)
        ]
        for staff_id, name, dept, position, role, oversees in rows:
            phone += 1
            w.writerow([staff_id, name, dept, position, role, str(phone), oversees, c.code])
    return buf.getvalue()


# ------------------------------------------------------------------------------------------ command line


@dataclass
class Bench:
    server_url: str
    database: str
    work: Path
    figures: dict[str, float] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Plain ``postgresql://`` (what an administrator writes in LIUHEN_DATABASE_URL; psql reads it)."""
        return make_url(self.server_url).set(database=self.database).render_as_string(hide_password=False)

    @property
    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "LIUHEN_DATABASE_URL": self.url,
            "LIUHEN_DATA_DIR": str(self.work / "data"),
            "LIUHEN_COURT_CODE": HIGH,
            "LIUHEN_COURT_NAME": "河南省高级人民法院",
            "PYTHONPATH": str(ROOT / "src"),
        }
        env.pop("LIUHEN_TELEGRAM_TOKEN", None)
        return env

    def liuhen(self, *args: str) -> float:
        return timed([sys.executable, "-m", "liuhen", *args], env=self.env)


def timed(argv: list[str], *, stdin: str | None = None, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, input=stdin, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:6])} … failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return elapsed


async def admin(server_url: str, sql: str) -> None:
    conn = await asyncpg.connect(make_url(server_url).render_as_string(hide_password=False))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


# ------------------------------------------------------------------------------------------------ courts


async def add_courts(bench: Bench, courts: Sequence[CourtSpec]) -> None:
    """The first intermediate court through `liuhen org add-court` (one command's time), the rest through the
    same use case in this process, each with its ledger entry."""
    from liuhen.app.usecases.courts import add_court
    from liuhen.domain.clock import SystemClock
    from liuhen.storage.database import Database

    rest = [c for c in courts if c.parent is not None]
    if not rest:
        return
    first = rest[0]
    assert first.parent is not None
    bench.figures["add_court_cli"] = bench.liuhen(
        "org", "add-court", first.code, first.name, "--parent", first.parent
    )
    db = Database(bench.url)
    started = time.perf_counter()
    try:
        with progress() as bar:
            task = bar.add_task("添加法院（add_court）", total=len(rest) - 1)
            for c in rest[1:]:
                await add_court(
                    db.uow(),
                    code=c.code,
                    name=c.name,
                    parent_code=c.parent,
                    deadline_profile="court",
                    clock=SystemClock(),
                    actor="bench",
                )
                bar.advance(task)
    finally:
        await db.dispose()
    bench.figures["add_courts"] = time.perf_counter() - started


# ------------------------------------------------------------------------------------------------- records


@dataclass
class Person:
    pk: int
    court_id: int
    department_id: int
    role: str
    staff_id: str


@dataclass
class Org:
    court_ids: list[int]
    recorders: dict[int, list[Person]]  # court → judges and department heads
    head_of: dict[int, int]  # department → its head's pk
    vp_of: dict[int, int]  # department → the vice-president in charge
    discipline: dict[int, int]  # court → k001's pk
    everyone: list[Person]


async def read_org(conn: asyncpg.Connection) -> Org:
    people = [
        Person(r["id"], r["court_id"], r["department_id"], r["role"], r["staff_id"])
        for r in await conn.fetch("SELECT id, court_id, department_id, role, staff_id FROM staff ORDER BY id")
    ]
    vps = {
        r["id"]: r["vice_president_id"]
        for r in await conn.fetch("SELECT id, vice_president_id FROM departments")
    }
    org = Org(
        court_ids=[r["id"] for r in await conn.fetch("SELECT id FROM courts ORDER BY id")],
        recorders={},
        head_of={},
        vp_of={d: vp for d, vp in vps.items() if vp is not None},
        discipline={},
        everyone=people,
    )
    for p in people:
        if p.role in ("staff", "dept_head"):
            org.recorders.setdefault(p.court_id, []).append(p)
        if p.role == "dept_head":
            org.head_of[p.department_id] = p.pk
        if p.staff_id == READER:
            org.discipline[p.court_id] = p.pk
    return org


def month_bounds(m: Month) -> tuple[datetime, datetime]:
    start = datetime(m.year, m.month, 1, tzinfo=TZ)
    nxt = m.next()
    return start.astimezone(UTC), datetime(nxt.year, nxt.month, 1, tzinfo=TZ).astimezone(UTC)


def months() -> list[Month]:
    out, m = [], FIRST_MONTH
    for _ in range(MONTHS):
        out.append(m)
        m = m.next()
    return out


STATUSES = (
    ("filed", 0.92),
    ("awaiting_discipline", 0.03),
    ("awaiting_vice_president", 0.02),
    ("awaiting_department_head", 0.02),
    ("submitted", 0.01),
)
DISPOSITIONS = [d.key for d in cat.DISPOSITIONS]
DISPOSITION_WEIGHTS = [
    0.85 if d == "quarterly" else 0.15 / max(1, len(DISPOSITIONS) - 1) for d in DISPOSITIONS
]


class Generator:
    """Records of one rate step, in COPY-ready row batches."""

    def __init__(self, org: Org, seed: int) -> None:
        self.org, self.rnd = org, random.Random(seed)
        self.types = [c.key for c in cat.RECORD_TYPES]
        self.methods = [c.key for c in cat.METHODS]
        self.organs = [c.key for c in cat.ORGAN_CATEGORIES]
        self.stages = [c.key for c in cat.STAGES]
        self.items = [i.key for i in cat.SPECIAL_ITEMS_COURT]
        self.statuses = [s for s, _ in STATUSES]
        self.weights = [w for _, w in STATUSES]

    def plan(self, rate: float) -> list[tuple[int, Month, int]]:
        """(court, month, how many) with about ``rate`` records per court and month, month by month: the
        records' ids rise with time across the courts, as a register's do (a page of the desk's list, newest
        first, finds a court's records among every court's of the last weeks)."""
        out = []
        for m in months():
            for court_id in self.org.court_ids:
                n = max(0, round(self.rnd.gauss(rate, math.sqrt(rate))))
                if n and court_id in self.org.recorders:
                    out.append((court_id, m, n))
        return out

    def rows(
        self, court_id: int, m: Month, n: int, next_id: int, counters: dict[tuple[int, int], int]
    ) -> tuple[list[tuple[Any, ...]], ...]:
        """The records' rows, their facts, special items, decisions and chain readers (``record_readers``)."""
        rnd, org = self.rnd, self.org
        start, end = month_bounds(m)
        span = (end - start).total_seconds()
        records, facts, specials, decisions, readers = [], [], [], [], []
        for k in range(n):
            rid = next_id + k
            submitted = start + timedelta(seconds=rnd.random() * span)
            created = submitted - timedelta(minutes=rnd.randint(2, 180))
            recorder = rnd.choice(org.recorders[court_id])
            kind = rnd.choice(self.types)
            organ = rnd.choice(self.organs) if kind in ("external", "internal") else None
            chosen = rnd.sample(self.items, rnd.randint(1, 2)) if rnd.random() < 0.05 else []
            late = rnd.random() < 0.1
            principal = kind == "external" and rnd.random() < 0.02
            status = rnd.choices(self.statuses, self.weights)[0]
            answers = {
                "record_type": kind,
                "intervention_time": (created - timedelta(hours=rnd.randint(1, 72))).isoformat(),
                "method": rnd.choice(self.methods),
                "intervener_name": f"过问人{rid % 977}",
                "intervener_unit": "某县某局 副局长",
                "organ_category": organ,
                "principal_leader": "yes" if principal else "no",
                "case_number": f"（{m.year}）豫0825民初{rid % 9999}号",
                "case_cause": "民间借贷纠纷",
                "stage": rnd.choice(self.stages),
                "case_officer": "承办法官",
                "content": "请求对案件予以关照，并询问审理进度。" * 3,
                "response": "refused",
                "special_items": chosen,
                **({"late_reason": "出差在外，返院后补记"} if late else {}),
            }
            # the sign-off chain (seed 004 §13): submit, then each level a day or two later
            signers: list[tuple[str, str | None, int]] = [("submit", None, recorder.pk)]
            reached = {"submitted": 0, "awaiting_department_head": 0, "awaiting_vice_president": 1}
            levels = [
                ("approve", "department_head", org.head_of.get(recorder.department_id, recorder.pk)),
                ("approve", "vice_president", org.vp_of.get(recorder.department_id, recorder.pk)),
                ("dispose", "discipline", org.discipline.get(court_id, recorder.pk)),
            ]
            try:
                route = sign.Route(
                    recorder_pk=recorder.pk,
                    steps=tuple(sign.Step(sign.Level(level), None if dkind == "dispose" else officer)
                                for dkind, level, officer in levels),
                    discipline=frozenset({org.discipline.get(court_id, recorder.pk)}),
                )  # fmt: skip
            except ValueError:  # the recorder would sign his own record (a court without that officer)
                status = "submitted"
            signers += levels[: reached.get(status, 2 if status == "awaiting_discipline" else 3)]
            disposition = rnd.choices(DISPOSITIONS, DISPOSITION_WEIGHTS)[0] if status == "filed" else None
            at = submitted
            chain_decisions = []
            for seq, (dkind, level, signer) in enumerate(signers, start=1):
                if seq > 1:
                    at = at + timedelta(hours=rnd.randint(4, 60))
                text = "提交" if dkind == "submit" else ("同意" if dkind == "approve" else "纳入季度汇总")
                disp = disposition if dkind == "dispose" else None
                decisions.append((rid, 1, seq, dkind, level, signer, None, at, text, disp, None))
                chain_decisions.append(
                    {"kind": dkind, "level": level, "signer": signer, "at": at.isoformat(), "text": text,
                     "round": 1, "on_behalf_of": None, "disposition": disp, "defer_answer": None}
                )  # fmt: skip
            waiting = status not in ("filed", "submitted")
            chain = {
                "status": status,
                "route": sign.route_to_json(route) if status != "submitted" else None,
                "round": 1,
                "received_at": at.isoformat() if waiting else None,
                "deadline": (at + timedelta(days=3)).isoformat() if waiting else None,
                "defer_suggested": False,
                "defer_tell_by": None,
                "decisions": chain_decisions,
                "lapses": [],
            }
            year = created.astimezone(TZ).year
            seq_no = counters[(court_id, year)] = counters.get((court_id, year), 0) + 1
            record = SimpleNamespace(
                id=rid,
                court_id=court_id,
                submitted_at=submitted,
                answers=answers,
                given=Answers.of(answers),
                status=status,
                disposition=disposition,
            )
            fact = facts_of(record, department_id=recorder.department_id)  # type: ignore[arg-type]
            records.append(
                (rid, court_id, record_number(year, seq_no), recorder.pk, status, created, at, created, 0,
                 json.dumps(answers, ensure_ascii=False), 1, False, submitted,
                 json.dumps(chain, ensure_ascii=False), at + timedelta(days=3) if waiting else None,
                 at if status == "filed" else None, disposition)
            )  # fmt: skip
            facts.append(
                (fact.record_id, fact.court_id, fact.department_id, fact.submitted_at, fact.record_type,
                 fact.organ_category, fact.stage, fact.method, fact.relation, fact.late,
                 fact.principal_leader, fact.retired, fact.counted, fact.status, fact.disposition,
                 fact.case_number, fact.intervener_name, fact.severe, fact.upward)
            )  # fmt: skip
            # the desk's index of the chain's readers (refresh_readers): the recorder and the route's people
            people = {recorder.pk} | ({o for _, _, o in levels} if status != "submitted" else set())
            readers += [(pk, rid) for pk in sorted(people)]
            specials += [
                (rid, item, court_id, fact.submitted_at, fact.counted) for item in fact.special_items
            ]
        return records, facts, specials, decisions, readers


RECORD_COLUMNS = (
    "id", "court_id", "number", "recorder_id", "status", "created_at", "updated_at", "last_evidence_at",
    "evidence_count", "answers", "version", "direct_to_discipline", "submitted_at", "chain", "level_deadline",
    "filed_at", "disposition",
)  # fmt: skip
FACT_COLUMNS = (
    "record_id", "court_id", "department_id", "submitted_at", "record_type", "organ_category", "stage",
    "method", "relation", "late", "principal_leader", "retired", "counted", "status", "disposition",
    "case_number", "intervener_name", "severe", "upward",
)  # fmt: skip
SPECIAL_COLUMNS = ("record_id", "item", "court_id", "submitted_at", "counted")
DECISION_COLUMNS = (
    "record_id", "round", "seq", "kind", "level", "signer_id", "on_behalf_of", "at", "text", "disposition",
    "defer_answer",
)  # fmt: skip


def batches(plan: list[tuple[int, Month, int]]) -> Iterator[list[tuple[int, Month, int]]]:
    chunk: list[tuple[int, Month, int]] = []
    size = 0
    for item in plan:
        chunk.append(item)
        size += item[2]
        if size >= BATCH:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


async def load_records(
    conn: asyncpg.Connection, url: str, gen: Generator, rate: float, counters: dict[tuple[int, int], int]
) -> int:
    """Records at ``rate`` per court and month on top of what is there; returns how many were added."""
    plan = gen.plan(rate)
    total = sum(n for _, _, n in plan)
    next_id = int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM records")) + 1
    with progress() as bar:
        task = bar.add_task(f"生成并写入 {total:,} 条记录（COPY）", total=total)
        for chunk in batches(plan):
            records: list[tuple[Any, ...]] = []
            facts: list[tuple[Any, ...]] = []
            specials: list[tuple[Any, ...]] = []
            decisions: list[tuple[Any, ...]] = []
            readers: list[tuple[Any, ...]] = []
            for court_id, m, n in chunk:
                r, f, s, d, who = gen.rows(court_id, m, n, next_id, counters)
                next_id += n
                records += r
                facts += f
                specials += s
                decisions += d
                readers += who
            async with conn.transaction():
                await conn.copy_records_to_table("records", records=records, columns=RECORD_COLUMNS)
                await conn.copy_records_to_table("record_facts", records=facts, columns=FACT_COLUMNS)
                await conn.copy_records_to_table(
                    "record_special_items", records=specials, columns=SPECIAL_COLUMNS
                )
                await conn.copy_records_to_table("decisions", records=decisions, columns=DECISION_COLUMNS)
                await conn.copy_records_to_table(
                    "record_readers", records=readers, columns=("staff_pk", "record_id")
                )
            bar.advance(task, len(records))
    await conn.executemany(
        "INSERT INTO record_counters (court_id, year, last) VALUES ($1, $2, $3)"
        " ON CONFLICT (court_id, year) DO UPDATE SET last = excluded.last",
        [(c, y, n) for (c, y), n in counters.items()],
    )
    for table in ("records", "decisions"):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
        )
    await rebuild_tallies(url)  # the summary's tallies, as the migration fills them in
    await conn.execute("ANALYZE")
    return total


async def rebuild_tallies(url: str) -> None:
    from liuhen.storage import tallies
    from liuhen.storage.database import Database

    db = Database(url)
    try:
        async with db.engine.begin() as sa_conn:
            await sa_conn.run_sync(tallies.rebuild)
    finally:
        await db.dispose()


# --------------------------------------------------------------------------------- people and monthly history


async def enrol_everybody(conn: asyncpg.Connection, org: Org, seed: int) -> None:
    """97 % of the staff enrolled (a Telegram chat bound), as after a roll-out."""
    rnd = random.Random(seed)
    chosen = [p.pk for p in org.everyone if rnd.random() < 0.97]
    await conn.execute(
        "UPDATE staff SET telegram_user_id = $1::bigint + id, telegram_chat_id = $1::bigint + id,"
        " enrolled_at = now()"
        " WHERE id = ANY($2::int[])",
        TELEGRAM_BASE,
        chosen,
    )


async def monthly_history(conn: asyncpg.Connection, org: Org, seed: int) -> int:
    """The prompts and answers of the 35 months before December 2026 (tables), so that the
    roll-up's monthly-report section and the planning's lookups meet a realistic table."""
    rnd = random.Random(seed)
    enrolled = {
        r["id"]: r["telegram_chat_id"] for r in await conn.fetch("SELECT id, telegram_chat_id FROM staff")
    }
    prompts: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []
    for m in months():
        if m == PLANNED:
            continue
        asked, _ = month_bounds(m.next())
        asked += timedelta(hours=1, minutes=rnd.randint(0, 30))
        for p in org.everyone:
            chat = enrolled.get(p.pk)
            state = "sent" if chat is not None else "unreachable"
            prompts.append(
                (p.court_id, p.pk, str(m), "prompt", state, chat, asked, asked if chat else None,
                 asked if chat else None, (p.pk * 37 + m.month) % 100_000 if chat else None,
                 None if chat else "not_enrolled")
            )  # fmt: skip
            roll = rnd.random()
            if chat is not None and roll < 0.95:
                answer, count = ("zero", 0) if roll < 0.9 else ("records", 1)
                at = asked + timedelta(minutes=rnd.randint(1, 4000))
                answers.append((p.pk, str(m), p.court_id, answer, count, at, "prompt"))
    with progress() as bar:
        task = bar.add_task("月报告历史（COPY）", total=len(prompts) + len(answers))
        for start in range(0, len(prompts), 100_000):
            chunk = prompts[start : start + 100_000]
            await conn.copy_records_to_table(
                "monthly_prompts",
                records=chunk,
                columns=("court_id", "staff_pk", "month", "kind", "state", "chat_id", "created_at",
                         "attempted_at", "sent_at", "message_id", "error"),
            )  # fmt: skip
            bar.advance(task, len(chunk))
        for start in range(0, len(answers), 100_000):
            chunk = answers[start : start + 100_000]
            await conn.copy_records_to_table(
                "monthly_answers",
                records=chunk,
                columns=("staff_pk", "month", "court_id", "answer", "record_count", "answered_at", "via"),
            )
            bar.advance(task, len(chunk))
    return len(prompts) + len(answers)


# ---------------------------------------------------------------------------------------------- measuring


def pg_time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def baseline_sql(court_ids: Sequence[int]) -> str:
    """The GROUP BYs `reports/quarterly.py` runs (`_Query`), over the three compared quarters, for the
    courts' ids — by record type first, then the other dimensions, the join for status and disposition, the
    special items and the per-court split of a roll-up."""
    ids = ", ".join(str(i) for i in court_ids)
    dims = ["record_type", "organ_category", "stage", "method", "department_id", "court_id", "late"]
    sql = []
    for q in (QUARTER, QUARTER.previous(), QUARTER.year_before()):
        a, b = (pg_time(x) for x in q.bounds(TZ))
        where = f"court_id IN ({ids}) AND submitted_at >= '{a}' AND submitted_at < '{b}' AND counted"
        sql += [f"SELECT {d}, count(*) FROM record_facts WHERE {where} GROUP BY {d};" for d in dims]  # noqa: S608
        sql.append(
            "SELECT r.status, r.disposition, f.principal_leader, count(*) FROM record_facts f"  # noqa: S608
            f" JOIN records r ON r.id = f.record_id WHERE f.court_id IN ({ids})"
            f" AND f.submitted_at >= '{a}' AND f.submitted_at < '{b}' AND f.counted AND r.status != 'draft'"
            " GROUP BY r.status, r.disposition, f.principal_leader;"
        )
        sql += [
            f"SELECT item, count(*) FROM record_special_items WHERE {where} GROUP BY item;",  # noqa: S608
            f"SELECT count(DISTINCT record_id) FROM record_special_items WHERE {where};",  # noqa: S608
        ]
    return "\n".join(sql)


async def in_quarter(conn: asyncpg.Connection) -> int:
    """The records the quarter's 记录总数 counts (an exempt opinion is not one: seed 001 实施办法 §5)."""
    a, b = QUARTER.bounds(TZ)
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM record_facts WHERE submitted_at >= $1 AND submitted_at < $2 AND counted",
            a,
            b,
        )
    )


def xlsx_total(path: Path) -> int | None:
    """This quarter's 记录总数 as the roll-up's XLSX states it (a check that it covered every court)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        for row in wb["概况"].iter_rows(values_only=True):
            if row and row[0] == "记录总数":
                return int(str(row[1]))
    finally:
        wb.close()
    return None


def time_rollup(bench: Bench, court_ids: Sequence[int], rounds: int, psql: str) -> dict[str, float]:
    out: dict[str, float] = {}
    with progress() as bar:
        task = bar.add_task("季度汇总（整条命令）与 psql 基线", total=3 * rounds)
        for fmt in ("pdf", "xlsx"):
            best = math.inf
            for _ in range(rounds):
                target = str(bench.work / f"q.{fmt}")
                args = ("report", "quarterly", QUARTER.key, "--court", HIGH, "--with-lower", "--as", READER)
                best = min(best, bench.liuhen(*args, "-o", target))
                bar.advance(task)
            out[fmt] = best
        sql = baseline_sql(court_ids)
        best = math.inf
        for _ in range(rounds):
            best = min(
                best,
                timed([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", os.devnull, bench.url], stdin=sql),
            )
            bar.advance(task)
        out["psql"] = best
    return out


async def time_planning(bench: Bench, court_ids: Sequence[int]) -> dict[str, Any]:
    """`monthly.plan_due` for every court, as the monthly job would run it, at the moment December's prompt is
    due and at the first reminder's (prompts marked sent in between); December's rows are removed after."""
    from liuhen.app.usecases import monthly
    from liuhen.storage.database import Database

    db = Database(bench.url)
    policy = Policy()
    out: dict[str, Any] = {}
    try:
        sched = await monthly.schedule_of(
            db.uow(read_only=True), court_id=court_ids[0], month=PLANNED, tz=TZ, policy=policy
        )
        # December's report is asked in January: with the holidays there may be room for the final reminder
        # only (domain/monthly.py schedule); the first reminder of the schedule is the one timed.
        first_kind, first_at = sched.reminders[0]
        moments = {
            "prompt": (Kind.PROMPT, sched.prompt_at + timedelta(minutes=1)),
            "remind": (first_kind, first_at + timedelta(minutes=1)),
        }
        counts: dict[str, int] = {}
        with progress() as bar:
            for label, (kind, now) in moments.items():
                task = bar.add_task(f"月报告计划 plan_due（{label}）", total=len(court_ids))
                started = time.perf_counter()
                planned = 0
                for court_id in court_ids:
                    got = await monthly.plan_due(db.uow(), court_id=court_id, now=now, tz=TZ, policy=policy)
                    planned += got.get(kind.value, 0)
                    bar.advance(task)
                out[label] = time.perf_counter() - started
                counts[label] = planned
                if label == "prompt":
                    async with db.uow() as uow:
                        await uow.session.execute(
                            _sql("UPDATE monthly_prompts SET state = 'sent', attempted_at = :at,"
                                 " sent_at = :at WHERE month = :m AND state = 'pending'"),
                            {"at": sched.prompt_at, "m": str(PLANNED)},
                        )  # fmt: skip
                        await uow.commit()
        async with db.uow() as uow:
            await uow.session.execute(
                _sql("DELETE FROM monthly_prompts WHERE month = :m"), {"m": str(PLANNED)}
            )
            await uow.commit()
    finally:
        await db.dispose()
    out["prompt_rows"], out["remind_rows"] = counts["prompt"], counts["remind"]
    out["remind_kind"] = first_kind.value
    return out


DESK_NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)  # in the quarter the desk's requests ask about


async def time_desk(bench: Bench, requests: int) -> list[dict[str, Any]]:
    """The desk console on the province's register, served in this process and asked over HTTP as
    bench/web.py does: the high court's discipline office (its own records and what the courts below reported
    upward) and a county court's. Beside each request, every SELECT it runs, captured from one request as
    the driver receives it and run again bare with asyncpg on the same database (the view's ledger entry, a
    write, is not in it)."""
    import aiohttp

    from liuhen.app.runtime import open_runtime
    from liuhen.app.settings import Settings
    from liuhen.app.usecases import desk
    from liuhen.domain.clock import FixedClock
    from liuhen.web.server import serving

    settings = Settings(_env_file=None, data_dir=bench.work / "data", database_url=bench.url, court_code=HIGH)
    rt = await open_runtime(settings, clock=FixedClock(DESK_NOW))
    # the bare SQL as a stranger runs it: planned for its values every time (no statement kept prepared)
    conn = await asyncpg.connect(bench.url, statement_cache_size=0)
    results: list[dict[str, Any]] = []
    clients: list[aiohttp.ClientSession] = []
    try:
        high = await conn.fetchval("SELECT id FROM courts WHERE code = $1", HIGH)
        county = await conn.fetchval(
            "SELECT c.id FROM courts c WHERE c.parent_id IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM courts d WHERE d.parent_id = c.id) ORDER BY c.id LIMIT 1"
        )

        async def replay(statements: list[tuple[str, tuple[Any, ...]]]) -> list[float]:
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                for text, params in statements:
                    await conn.fetch(text, *params)
                times.append(time.perf_counter() - started)
            return times

        async with serving(rt, "127.0.0.1", 0) as runner:
            base = f"http://127.0.0.1:{runner.addresses[0][1]}"
            plan = []
            for who, court_id in (("高院纪检监察（含下级层报）", high), ("基层法院纪检监察", county)):
                async with rt.db.uow(read_only=True) as uow:
                    office = await uow.staff.by_staff_id(court_id, READER)
                assert office is not None
                token = await desk.issue_link(rt.db.uow(), staff=office, now=DESK_NOW)
                http = aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True))
                clients.append(http)
                async with http.post(f"/signin/{token}", allow_redirects=False) as r:
                    assert r.status == 303, await r.text()
                number = await conn.fetchval(
                    "SELECT number FROM records WHERE court_id = $1 AND status = 'filed'"
                    " ORDER BY id DESC LIMIT 1 OFFSET 10",
                    court_id,
                )
                plan += [
                    (who, "列表第 1 页", http, "/records"),
                    (
                        who,
                        "按类型和季度筛选，第 3 页",
                        http,
                        f"/records?type=external&quarter={QUARTER.key}&page=3",
                    ),
                    (who, "记录页", http, f"/records/{number}"),
                    (who, "季度汇总看板", http, f"/quarterly?q={QUARTER.key}"),
                ]
            with progress() as bar:
                task = bar.add_task("网页工作台", total=len(plan))
                for who, what, http, path in plan:

                    async def call(http: aiohttp.ClientSession = http, path: str = path) -> None:
                        async with http.get(path) as r:
                            assert r.status == 200, (path, r.status)
                            await r.read()

                    captured = await selects_of(rt.db.engine, call)
                    times = await measure(requests, call)
                    results.append({"who": who, "what": what, "times": times, "sql": await replay(captured)})
                    bar.advance(task)
    finally:
        for http in clients:
            await http.close()
        await conn.close()
        await rt.close()
    return results


def _sql(text: str) -> Any:
    from sqlalchemy import text as sa_text

    return sa_text(text)


# --------------------------------------------------------------------------------------------------- main


async def run(args: argparse.Namespace) -> None:
    multipliers = sorted({float(x) for x in args.rate_multipliers.split(",") if x.strip()})
    if not multipliers or multipliers[0] <= 0:
        raise SystemExit("--rate-multipliers: positive numbers, e.g. 1,100")
    if args.staff_per_court < len(TRIAL_DEPARTMENTS) + 8:
        raise SystemExit(f"--staff-per-court: at least {len(TRIAL_DEPARTMENTS) + 8}")
    psql = shutil.which("psql")
    if psql is None:
        raise SystemExit("psql not found (Debian package postgresql-client)")
    database = f"liuhen_bench_scale_{uuid.uuid4().hex[:10]}"
    work = Path(tempfile.mkdtemp(prefix="liuhen-bench-scale-"))
    bench = Bench(args.server_url, database, work)
    await admin(args.server_url, f'CREATE DATABASE "{database}"')
    console.print(f"database {database} on {make_url(args.server_url).host}; work dir {work}")
    results: list[dict[str, Any]] = []
    try:
        courts = province(args.courts)
        started = time.perf_counter()
        bench.figures["init"] = bench.liuhen("init")
        await add_courts(bench, courts)
        roster = work / "roster.csv"
        roster.write_text(roster_csv(courts, args.staff_per_court), encoding="utf-8")
        bench.figures["import"] = bench.liuhen("org", "import", str(roster))
        conn = await asyncpg.connect(bench.url)
        try:
            org = await read_org(conn)
            await enrol_everybody(conn, org, args.seed)
            t0 = time.perf_counter()
            history = await monthly_history(conn, org, args.seed)
            bench.figures["history"] = time.perf_counter() - t0
            console.print(
                f"{len(org.court_ids)} courts, {len(org.everyone):,} staff, {history:,} monthly-report rows;"
                f" set up in {time.perf_counter() - started:.0f} s"
            )
            gen = Generator(org, args.seed)
            counters: dict[tuple[int, int], int] = {}
            done = 0.0
            total = 0
            for m in multipliers:
                t0 = time.perf_counter()
                total += await load_records(conn, bench.url, gen, BASE_RATE * (m - done), counters)
                done = m
                load_s = time.perf_counter() - t0
                quarter_n = await in_quarter(conn)
                size = int(await conn.fetchval("SELECT pg_database_size(current_database())"))
                console.print(
                    f"{m:g}×: {total:,} records ({quarter_n:,} in {QUARTER.key}), loaded in {load_s:.0f} s"
                )
                roll = time_rollup(bench, org.court_ids, args.rounds, psql)
                stated = xlsx_total(work / "q.xlsx")
                check = "✓" if stated == quarter_n else "✗ MISMATCH"
                console.print(
                    f"roll-up XLSX 记录总数 {stated} vs the database's {quarter_n:,} in {QUARTER.key}:"
                    f" {check}"
                )
                plan = await time_planning(bench, org.court_ids)
                desk = await time_desk(bench, args.desk_requests)
                results.append(
                    {"m": m, "records": total, "quarter": quarter_n, "load": load_s, "size": size, **roll,
                     **{f"plan_{k}": v for k, v in plan.items()}, "desk": desk}
                )  # fmt: skip
        finally:
            await conn.close()
    finally:
        if args.keep:
            console.print(f"kept: database {database} ({bench.url}), work dir {work}")
        else:
            await admin(args.server_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            shutil.rmtree(work, ignore_errors=True)
    report(bench, results, args, len(org.court_ids), len(org.everyone))


def report(
    bench: Bench, results: list[dict[str, Any]], args: argparse.Namespace, n_courts: int, n_staff: int
) -> None:
    f = bench.figures
    setup = Table(title=f"省级部署：{n_courts} 个法院，{n_staff:,} 名人员（PostgreSQL）")
    setup.add_column("what")
    setup.add_column("seconds", justify="right")
    setup.add_row("liuhen init (migrations, the high court)", f"{f['init']:.2f}")
    if "add_court_cli" in f:
        setup.add_row("liuhen org add-court (one court, whole command)", f"{f['add_court_cli']:.2f}")
        setup.add_row(f"add_court use case × {n_courts - 2} (in process)", f"{f['add_courts']:.2f}")
    setup.add_row(
        f"liuhen org import ({n_staff:,} people, one file with the court column)", f"{f['import']:.2f}"
    )
    setup.add_row("monthly-report history (35 months, COPY)", f"{f['history']:.2f}")
    console.print(setup)
    table = Table(
        title=f"季度汇总 {QUARTER.key} --court {HIGH} --with-lower（best of {args.rounds}）与月报告计划"
    )
    table.add_column("rate")
    table.add_column("what")
    table.add_column("seconds", justify="right")
    table.add_column("× psql", justify="right")
    table.add_column("target")
    for r in results:
        size = f"{r['size'] / 2**30:.1f} GiB"
        rate = f"{r['m']:g}× ({r['records']:,} records, {r['quarter']:,} in {QUARTER.key}, {size})"
        base = r["psql"]
        for label, key in (
            ("report quarterly → PDF (whole command)", "pdf"),
            ("report quarterly → XLSX (whole command)", "xlsx"),
        ):
            target = (f"≤ {ROLLUP_S:g} s " + ("✓" if r[key] <= ROLLUP_S else "✗")) if r["m"] >= 100 else ""
            table.add_row(rate, label, f"{r[key]:.2f}", f"{r[key] / base:.1f}", target)
            rate = ""
        table.add_row(
            "", f"psql: the same GROUP BYs for the {n_courts} court ids (baseline)", f"{base:.2f}", "1.0", ""
        )
        table.add_row(
            "",
            f"monthly.plan_due × {n_courts} courts at the prompt's moment"
            f" ({int(r['plan_prompt_rows']):,} prompts planned)",
            f"{r['plan_prompt']:.2f}",
            "",
            "",
        )
        table.add_row(
            "",
            f"monthly.plan_due × {n_courts} courts at the first reminder ({r['plan_remind_kind']};"
            f" {int(r['plan_remind_rows']):,} reminders planned)",
            f"{r['plan_remind']:.2f}",
            "",
            "",
        )
        table.add_row("", "records loaded (generation + COPY)", f"{r['load']:.1f}", "", "", end_section=True)
    console.print(table)
    desk = Table(title=f"网页工作台（{args.desk_requests} 次请求；PostgreSQL）")
    columns = ("rate", "who", "what", "p50 ms", "p95 ms", "all its SELECTs p50 ms", "× all", "p95 ≤ 300 ms")
    for column in columns:
        desk.add_column(column, justify="left" if column in ("rate", "who", "what") else "right")
    for r in results:
        rate = f"{r['m']:g}× ({r['records']:,} records)"
        for row in r["desk"]:
            p50, p95 = (percentile(row["times"], q) * 1000 for q in (50, 95))
            sql = statistics.median(row["sql"]) * 1000
            desk.add_row(
                rate, row["who"], row["what"], f"{p50:.1f}", f"{p95:.1f}", f"{sql:.2f}", f"{p50 / sql:.1f}",
                "✓" if p95 <= 300 else "✗",
            )  # fmt: skip
            rate = ""
    console.print(desk)
    console.print(
        "planning: `app.usecases.monthly.plan_due` is the function the monthly job"
        " (bot/handlers/monthly.py) calls to decide who must be prompted (and reminded) for the month; it is"
        " timed here for every court in turn, with the database, nothing sent."
    )
    console.print(
        "intake throughput with two instances relative to one: `python bench/instances.py` (two `liuhen run"
        " --webhook` processes behind a round-robin proxy fed by the sandbox, one and two backends back to"
        " back in each round). On two cores shared with PostgreSQL and the load generator it measured 1.21×;"
        " a host with cores to spare shows the scaling."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--rate-multipliers", default="1,100", help="multiples of ≈2 records per court and month"
    )
    parser.add_argument("--courts", type=int, default=150)
    parser.add_argument("--staff-per-court", type=int, default=100)
    parser.add_argument("--server-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rounds", type=int, default=3, help="best of N runs of each roll-up timing")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--desk-requests", type=int, default=20, help="timed requests of each desk page")
    parser.add_argument("--keep", action="store_true", help="keep the database and the work directory")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
