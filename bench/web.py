"""The desk console on a real register: the record list, the record page and the dashboard on a million
records, beside the bare SQL of the same query in the same run.

    python bench/web.py [--records 1000000] [--requests 40] [--keep DIR]

Builds a SQLite database with the project's migrations and the demo roster, makes one real record through
the sign-off (its chain is the template of every generated one), bulk-inserts the records with their
`record_facts` rows and the chain readers' index (`record_readers`) as the sign-off writes them, fills in
the summary's tallies as the migration does for records already there (`record_tallies`), then serves
the console in this process and asks it over HTTP, signed in as the discipline office (k001, every submitted
record) and as a department head (h001, the chains he is in):

* the list, page 1; filtered by type and quarter, page 3; a search by name; the head's list;
* a record's page; the quarter's dashboard. Its baseline is every SELECT the dashboard's request runs,
  captured from one request as the driver receives it (statement and parameters) and run again bare; the
  old baseline — every GROUP BY of the summary over `record_facts`, as bench/reports.py asks them of the
  sqlite3 CLI — is printed beside it for comparison.

Each is timed end to end (HTTP, session, need-to-know, ledger entry, template) and beside it the bare SQL of
the same rows with Python's sqlite3 on the same file, and every SELECT the request runs (captured from one
request, run again bare). Goal: p95 ≤ 300 ms and ≤ 3× the SQL. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))  # runnable without an install
sys.path.insert(0, str(ROOT))

from bench.reports import facts_sql, prepare, rebuild_tallies, sqlite_time, take_statistics  # noqa: E402

from liuhen.app.runtime import open_runtime  # noqa: E402
from liuhen.app.settings import Settings  # noqa: E402
from liuhen.app.usecases import desk, signoff  # noqa: E402
from liuhen.domain import catalogue as cat  # noqa: E402
from liuhen.domain.clock import FixedClock  # noqa: E402
from liuhen.domain.records import Record, RecordStatus  # noqa: E402
from liuhen.web.server import serving  # noqa: E402

NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
BATCH = 20_000
console = Console()


async def template_chain(data_dir: Path) -> tuple[str, int, list[int]]:
    """One record of j001 submitted through the sign-off: its chain JSON, the recorder and the readers."""
    settings = Settings(_env_file=None, data_dir=data_dir)
    rt = await open_runtime(settings, clock=FixedClock(NOW))
    try:
        async with rt.db.uow() as uow:
            people = {s.staff_id: s for s in await uow.staff.list(rt.court_id)}
            judge = people["j001"]
            assert judge.id is not None
            record = Record(
                court_id=rt.court_id,
                number="LH-2026-9999999",
                recorder_id=judge.id,
                status=RecordStatus.DRAFT,
                created_at=NOW,
                updated_at=NOW,
                last_evidence_at=NOW,
                answers={"intervener_name": "模板", "content": "模板"},
            )
            await uow.records.add(record)
            await uow.flush()
            record.submitted_at = NOW
            await signoff.submit(
                uow, record, judge, NOW, signoff.Config(ZoneInfo("Asia/Shanghai")), first=True
            )
            await uow.commit()
            rid = record.id
    finally:
        await rt.close()
    con = sqlite3.connect(data_dir / "liuhen.db")
    chain = con.execute("SELECT chain FROM records WHERE id = ?", (rid,)).fetchone()[0]
    readers = [r[0] for r in con.execute("SELECT staff_pk FROM record_readers WHERE record_id = ?", (rid,))]
    con.close()
    return chain, judge.id, readers


def generate(db: Path, n: int, chain: str, recorder: int, readers: list[int], seed: int = 8) -> None:
    rnd = random.Random(seed)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    court_id, department = con.execute(
        "SELECT court_id, department_id FROM staff WHERE id = ?", (recorder,)
    ).fetchone()
    first = (con.execute("SELECT max(id) FROM records").fetchone()[0] or 0) + 1
    end = NOW - timedelta(days=5)
    span = timedelta(days=365 * 5).total_seconds()
    types = [c.key for c in cat.RECORD_TYPES]
    statuses = ["awaiting_department_head", "awaiting_vice_president", "awaiting_discipline", "filed"]
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"生成 {n:,} 条记录", total=n)
        for start in range(first, first + n, BATCH):
            records, facts, index = [], [], []
            for rid in range(start, min(first + n, start + BATCH)):
                at = end - timedelta(seconds=rnd.random() * span)
                kind = rnd.choice(types)
                case = f"（{at.year}）豫0825民初{rid % 9999}号"
                name = f"过问人{rid % 977}"
                answers = {"record_type": kind, "intervener_name": name, "case_number": case,
                           "content": "请求对案件予以关照。", "response": "refused"}  # fmt: skip
                t = sqlite_time(at)
                status = rnd.choice(statuses)
                records.append(
                    (rid, court_id, f"LH-{at.year}-{rid:07d}", recorder, status, t, t, t, 1,
                     json.dumps(answers, ensure_ascii=False), 1, 0, t, chain)
                )  # fmt: skip
                facts.append(
                    (rid, court_id, department, t, kind, False, False, False, True, case, name, status)
                )
                index += [(pk, rid) for pk in readers]
            con.executemany(
                "INSERT INTO records (id, court_id, number, recorder_id, status, created_at, updated_at,"
                " last_evidence_at, evidence_count, answers, version, direct_to_discipline, submitted_at,"
                " chain) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                records,
            )
            con.executemany(
                "INSERT INTO record_facts (record_id, court_id, department_id, submitted_at, record_type,"
                " late, principal_leader, retired, counted, case_number, intervener_name, status)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                facts,
            )
            con.executemany("INSERT INTO record_readers (staff_pk, record_id) VALUES (?,?)", index)
            con.commit()
            progress.update(task, advance=len(records))
    con.close()
    rebuild_tallies(db)  # as the migration fills them in for the records already there
    take_statistics(db)  # as liuhen takes them at its first start


def sql_timer(db: Path) -> Callable[[str, tuple[object, ...]], float]:
    con = sqlite3.connect(db)

    def run(sql: str, params: tuple[object, ...]) -> float:
        start = time.perf_counter()
        con.execute(sql, params).fetchall()
        return time.perf_counter() - start

    return run


PAGE = (
    "SELECT r.* FROM records r LEFT JOIN record_facts f ON f.record_id = r.id WHERE r.court_id = 1 {where}"
    " ORDER BY r.id DESC LIMIT 50 OFFSET {offset}"
)
COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM records r LEFT JOIN record_facts f ON f.record_id = r.id"
    " WHERE r.court_id = 1 {where} LIMIT 10001)"
)


def list_sql(where: str, offset: int = 0) -> str:
    return PAGE.format(where=where, offset=offset) + ";" + COUNT.format(where=where)


async def measure(n: int, call: Callable[[], Awaitable[None]]) -> list[float]:
    await call()  # warm
    times = []
    for _ in range(n):
        start = time.perf_counter()
        await call()
        times.append(time.perf_counter() - start)
    return times


async def selects_of(
    engine: AsyncEngine, call: Callable[[], Awaitable[None]]
) -> list[tuple[str, tuple[Any, ...]]]:
    """Every SELECT ``call`` runs on ``engine``, as the driver receives it (statement and parameters): what
    the benches run again bare as a request's SQL."""
    captured: list[tuple[str, tuple[Any, ...]]] = []

    def capture(conn: object, cursor: object, statement: str, params: Any, *_: object) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            captured.append((statement, tuple(params or ())))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        await call()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    return captured


def p(times: list[float], q: float) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[int(q) - 1] if len(times) > 1 else times[0]


async def run(data_dir: Path, requests: int) -> list[tuple[str, list[float], list[float], list[float]]]:
    db = data_dir / "liuhen.db"
    settings = Settings(_env_file=None, data_dir=data_dir)
    rt = await open_runtime(settings, clock=FixedClock(NOW))
    sql = sql_timer(db)
    con = sqlite3.connect(db)
    count = con.execute("SELECT count(*) FROM records").fetchone()[0]
    number = con.execute(  # a record from the middle of the register
        "SELECT number FROM records ORDER BY id LIMIT 1 OFFSET ?", (count // 2,)
    ).fetchone()[0]
    head_pk = con.execute("SELECT id FROM staff WHERE staff_id = 'h001'").fetchone()[0]
    con.close()
    a, b = (
        sqlite_time(x)
        for x in (datetime(2026, 9, 30, 16, tzinfo=UTC), datetime(2026, 12, 31, 16, tzinfo=UTC))
    )
    results = []
    try:
        async with serving(rt, "127.0.0.1", 0) as runner:
            base = f"http://127.0.0.1:{runner.addresses[0][1]}"
            sessions = {}
            async with rt.db.uow(read_only=True) as uow:
                people = {s.staff_id: s for s in await uow.staff.list(rt.court_id)}
            for who in ("k001", "h001"):
                token = await desk.issue_link(rt.db.uow(), staff=people[who], now=NOW)
                http = aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True))
                async with http.post(f"/signin/{token}", allow_redirects=False) as r:
                    assert r.status == 303, await r.text()
                sessions[who] = http

            def get(who: str, path: str) -> Callable[[], Awaitable[None]]:
                async def call() -> None:
                    async with sessions[who].get(path) as r:
                        assert r.status == 200, (path, r.status)
                        await r.read()

                return call

            def bare(text: str, *params: object) -> list[float]:
                out = []
                for _ in range(requests):
                    rest, total = list(params), 0.0
                    for statement in filter(str.strip, text.split(";")):
                        count = statement.count("?")
                        total += sql(statement, tuple(rest[:count]))
                        rest = rest[count:]
                    out.append(total)
                return out

            office = "AND r.status != 'draft'"
            typed = f"{office} AND f.record_type = 'external' AND f.submitted_at >= ? AND f.submitted_at < ?"
            named = f"{office} AND (r.number LIKE ? OR f.case_number LIKE ? OR f.intervener_name LIKE ?)"
            chains = (
                "AND EXISTS (SELECT 1 FROM record_readers rr WHERE rr.record_id = r.id"  # noqa: S608
                f" AND rr.staff_pk = {int(head_pk)})"
            )

            def replay(statements: list[tuple[str, tuple[object, ...]]]) -> list[float]:
                return [sum(sql(text, params) for text, params in statements) for _ in range(requests)]

            # Every SELECT a request runs (the session, the reader, the courts, the rows, the count, the
            # names…; for the dashboard the tallies and the facts at the periods' ends, the lapses, the
            # follow-ups…), captured from one request as the driver gets them and run again bare on the same
            # file: the same SQL. The dashboard's baseline; beside the others' own query, a second baseline.
            dashboard = "/quarterly?q=2026Q4"
            captured = await selects_of(rt.db.engine, get("k001", dashboard))
            console.print(f"the dashboard's request runs {len(captured)} SELECTs")

            like = "%过问人7%"
            one = "SELECT * FROM records WHERE court_id = 1 AND number = ?"
            items = "SELECT * FROM evidence WHERE record_id = (SELECT id FROM records WHERE number = ?)"
            cases = [
                ("列表第 1 页（纪检监察，全院）", get("k001", "/records"), bare(list_sql(office))),
                (
                    "按类型和季度筛选，第 3 页",
                    get("k001", "/records?type=external&quarter=2026Q4&page=3"),
                    bare(list_sql(typed, 100), a, b, a, b),
                ),
                ("按过问人姓名查找", get("k001", "/records?q=过问人7"), bare(list_sql(named), *[like] * 6)),
                ("列表第 1 页（部门负责人，签批链）", get("h001", "/records"), bare(list_sql(chains))),
                ("记录页", get("k001", f"/records/{number}"), bare(f"{one};{items}", number, number)),
                ("季度汇总看板（基线：该请求的全部 SELECT）", get("k001", dashboard), replay(captured)),
            ]
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("请求", total=len(cases))
                for label, call, baseline in cases:
                    every = replay(await selects_of(rt.db.engine, call))
                    results.append((label, await measure(requests, call), baseline, every))
                    progress.advance(task)
            # the same requests against the baseline of before: every GROUP BY of the summary over the facts
            old = bare(facts_sql().replace("\n", ""))
            _, times, _, every = results[-1]
            results.append(("季度汇总看板（旧基线：汇总的每个 GROUP BY）", times, old, every))
            for http in sessions.values():
                await http.close()
    finally:
        await rt.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40, help="timed requests of each kind")
    parser.add_argument("--keep", type=Path, help="build the database in this directory and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="liuhen-bench-web-"))
    work.mkdir(parents=True, exist_ok=True)
    data_dir = work / "data"
    try:
        if not (data_dir / "liuhen.db").exists() or args.keep is None:
            started = time.perf_counter()
            prepare(data_dir)
            chain, recorder, readers = asyncio.run(template_chain(data_dir))
            generate(data_dir / "liuhen.db", args.records, chain, recorder, readers)
            console.print(f"{args.records:,} records generated in {time.perf_counter() - started:.1f} s")
        results = asyncio.run(run(data_dir, args.requests))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    table = Table(title=f"网页工作台：{args.records:,} 条记录，每项 {args.requests} 次请求（SQLite）")
    columns = (
        "what", "p50 ms", "p95 ms", "SQL p50 ms", "× SQL (p50)", "all its SELECTs p50 ms", "× all",
        "p95 ≤ 300 ms", "≤ 3× SQL", "≤ 3× all",
    )  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == "what" else "right")
    for label, times, baseline, every in results:
        p50, p95 = p(times, 50) * 1000, p(times, 95) * 1000
        s50, e50 = p(baseline, 50) * 1000, p(every, 50) * 1000
        ratio, whole = p50 / max(s50, 1e-3), p50 / max(e50, 1e-3)
        table.add_row(
            label, f"{p50:.1f}", f"{p95:.1f}", f"{s50:.2f}", f"{ratio:.1f}", f"{e50:.2f}", f"{whole:.1f}",
            "✓" if p95 <= 300 else "✗", "✓" if ratio <= 3 else "✗", "✓" if whole <= 3 else "✗",
        )  # fmt: skip
    console.print(table)
    console.print(
        "SQL: the page's own query (its rows and their count; the record and its evidence), or for the "
        "dashboard every SELECT of its request; all its SELECTs: every SELECT the request runs, captured "
        "from one request and run again bare with sqlite3 (the view's ledger entry, a write, is not in it)"
    )


if __name__ == "__main__":
    main()
