"""The quarterly summary on a million records: `liuhen report quarterly` as a whole command.

    python bench/reports.py [--records 1000000] [--years 11] [--keep DIR]

Builds a SQLite database with the project's migrations and the demo roster, bulk-inserts the records (answers
JSON as the questionnaire leaves it, plus their `record_facts` / `record_special_items` rows as submission
writes them, and the summary's tallies as the migration fills them in), then times, in the same run:

* `liuhen report quarterly 2026Q4 -o F.pdf` and `-o F.xlsx` as subprocesses (start-up, migrations check,
  aggregation of three quarters, rendering, writing) — target ≤ 2× the baseline below;
* the same command's two parts in this process, to see where its time goes: the aggregation alone
  (`reports/quarterly.load`, the database's part) and the PDF's typesetting alone (`render_pdf`);
* the baseline: the machine's `sqlite3` CLI running every GROUP BY of the summary over `record_facts` on
  the same file (what the command ran before the tallies, docs/architecture.md decision 72; it now reads
  the tallies and the facts at the periods' ends instead);
* for the record of the design decision (docs/architecture.md): the same counts taken by `json_extract` from
  `records.answers` instead of `record_facts`, also with `sqlite3` and an index on the submission time.

Figures are printed as seconds and ratios, never asserted.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))  # runnable without an install

from liuhen.domain import catalogue as cat  # noqa: E402
from liuhen.domain.periods import Quarter  # noqa: E402

TZ_OFFSET = timedelta(hours=8)  # Asia/Shanghai has no DST
QUARTER = Quarter(2026, 4)
BATCH = 20_000
TARGET_RATIO = 2.0  # the whole command against the bare GROUP BYs
console = Console()


def sqlite_time(at: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite (storage/types.UTCDateTime)."""
    return at.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def prepare(data_dir: Path) -> Path:
    """Migrations, court and roster through the real command line."""
    env = {**os.environ, "LIUHEN_DATA_DIR": str(data_dir)}
    env.pop("LIUHEN_DATABASE_URL", None)
    roster = ROOT / "src" / "liuhen" / "sandbox" / "demo" / "roster.csv"
    subprocess.run(
        [sys.executable, "-m", "liuhen", "org", "import", str(roster)],
        env=env,
        check=True,
        capture_output=True,
    )
    return data_dir / "liuhen.db"


def take_statistics(db: Path) -> None:
    """The planner's statistics as liuhen takes them at its first start on this register
    (``Database.refresh_statistics``): the benches time the register as it is kept, not as loaded."""
    import asyncio

    from liuhen.storage.database import Database

    async def take() -> None:
        database = Database(f"sqlite+aiosqlite:///{db}")
        try:
            await database.refresh_statistics()
        finally:
            await database.dispose()

    asyncio.run(take())


def rebuild_tallies(db: Path) -> float:
    """The summary's tallies from the bulk-loaded facts, as the migration fills them in (storage/tallies.py);
    seconds taken."""
    from sqlalchemy import create_engine

    from liuhen.storage import tallies

    started = time.perf_counter()
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.begin() as conn:
            tallies.rebuild(conn)
    finally:
        engine.dispose()
    return time.perf_counter() - started


def generate(db: Path, n: int, years: int, seed: int = 8) -> None:
    rnd = random.Random(seed)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    court_id = con.execute("SELECT id FROM courts").fetchone()[0]
    staff = con.execute("SELECT id, department_id FROM staff").fetchall()
    end = datetime(2027, 1, 1, tzinfo=UTC) - TZ_OFFSET
    start = end - timedelta(days=365 * years)
    span = (end - start).total_seconds()
    types = [c.key for c in cat.RECORD_TYPES]
    methods = [c.key for c in cat.METHODS]
    organs = [c.key for c in cat.ORGAN_CATEGORIES]
    stages = [c.key for c in cat.STAGES]
    items = [i.key for i in cat.SPECIAL_ITEMS_COURT]
    dispositions = [d.key for d in cat.DISPOSITIONS]
    statuses = [
        "submitted",
        "awaiting_department_head",
        "awaiting_vice_president",
        "awaiting_discipline",
        "filed",
    ]
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"生成 {n:,} 条记录", total=n)
        for first in range(0, n, BATCH):
            records, facts, specials = [], [], []
            for i in range(first, min(n, first + BATCH)):
                rid = i + 1
                at = start + timedelta(seconds=rnd.random() * span)
                recorder, department = rnd.choice(staff)
                kind, method = rnd.choice(types), rnd.choice(methods)
                organ = rnd.choice(organs) if kind in ("external", "internal") else None
                stage = rnd.choice(stages)
                chosen = rnd.sample(items, rnd.randint(1, 2)) if rnd.random() < 0.05 else []
                late = rnd.random() < 0.1
                principal = kind == "external" and rnd.random() < 0.02
                status = rnd.choice(statuses)
                disposition = rnd.choice(dispositions) if status == "filed" else None
                answers = {
                    "record_type": kind,
                    "intervention_time": (at - timedelta(hours=3)).isoformat(),
                    "method": method,
                    "intervener_name": f"过问人{i % 977}",
                    "intervener_unit": "某县某局 副局长",
                    "organ_category": organ,
                    "principal_leader": "yes" if principal else "no",
                    "case_number": f"（{at.year}）豫0825民初{i % 9999}号",
                    "case_cause": "民间借贷纠纷",
                    "stage": stage,
                    "case_officer": "承办法官",
                    "content": "请求对案件予以关照，并询问审理进度。" * 3,
                    "response": "refused",
                    "special_items": chosen,
                    **({"late_reason": "出差在外，返院后补记"} if late else {}),
                }
                t = sqlite_time(at)
                records.append(
                    (rid, court_id, f"LH-{at.year}-{rid:07d}", recorder, status, t, t, t, 1,
                     json.dumps(answers, ensure_ascii=False), 1, 0, t, disposition)
                )  # fmt: skip
                facts.append(
                    (
                        rid,
                        court_id,
                        department,
                        t,
                        kind,
                        organ,
                        stage,
                        method,
                        None,
                        late,
                        principal,
                        False,
                        True,
                        status,
                        disposition,
                    )
                )
                specials += [(rid, item, court_id, t, True) for item in chosen]
            con.executemany(
                "INSERT INTO records (id, court_id, number, recorder_id, status, created_at, updated_at,"
                " last_evidence_at, evidence_count, answers, version, direct_to_discipline, submitted_at,"
                " disposition) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                records,
            )
            con.executemany(
                "INSERT INTO record_facts (record_id, court_id, department_id, submitted_at, record_type,"
                " organ_category, stage, method, relation, late, principal_leader, retired, counted,"
                " status, disposition) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                facts,
            )
            con.executemany("INSERT INTO record_special_items VALUES (?,?,?,?,?)", specials)
            con.commit()
            progress.update(task, advance=len(records))
    con.close()
    rebuild_tallies(db)
    take_statistics(db)


def ranges() -> list[tuple[str, str]]:
    out = []
    for q in (QUARTER, QUARTER.previous(), QUARTER.year_before()):
        a, b = q.bounds(UTC)
        out.append((sqlite_time(a - TZ_OFFSET), sqlite_time(b - TZ_OFFSET)))
    return out


def facts_sql() -> str:
    """What reports/quarterly.py asks, per compared quarter (index range scans): a GROUP BY per dimension of
    record_facts, one join with records for status and disposition, the special items."""
    dims = ["record_type", "organ_category", "stage", "method", "department_id", "late"]
    sql = []
    for a, b in ranges():
        where = f"court_id = 1 AND submitted_at >= '{a}' AND submitted_at < '{b}' AND counted"
        sql += [f"SELECT {d}, count(*) FROM record_facts WHERE {where} GROUP BY {d};" for d in dims]  # noqa: S608
        sql.append(
            "SELECT r.status, r.disposition, f.principal_leader, count(*) FROM record_facts f"  # noqa: S608
            " JOIN records r ON r.id = f.record_id WHERE f.court_id = 1"
            f" AND f.submitted_at >= '{a}' AND f.submitted_at < '{b}' AND f.counted AND r.status != 'draft'"
            " GROUP BY r.status, r.disposition, f.principal_leader;"
        )
        sql += [
            f"SELECT item, count(*) FROM record_special_items WHERE {where} GROUP BY item;",  # noqa: S608
            f"SELECT count(DISTINCT record_id) FROM record_special_items WHERE {where};",  # noqa: S608
        ]
    return "\n".join(sql)


def json_sql() -> str:
    """The same counts straight from the answers JSON (the alternative to record_facts)."""
    keys = ["record_type", "organ_category", "stage", "method", "principal_leader", "late_reason"]
    sql = []
    for a, b in ranges():
        where = f"court_id = 1 AND submitted_at >= '{a}' AND submitted_at < '{b}' AND status != 'draft'"
        sql += [
            f"SELECT json_extract(answers, '$.{k}') AS k, count(*) FROM records WHERE {where} GROUP BY k;"  # noqa: S608
            for k in keys
        ]
        sql.append(
            "SELECT j.value, count(*) FROM records, json_each(records.answers, '$.special_items') j"  # noqa: S608
            f" WHERE {where} GROUP BY j.value;"
        )
    return "\n".join(sql)


def timed(args: list[str], *, stdin: str | None = None, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    result = subprocess.run(args, input=stdin, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{args[:4]} failed:\n{result.stderr}")
    return elapsed


def in_process(data_dir: Path, rounds: int) -> tuple[float, float]:
    """Seconds of the summary's aggregation and of its PDF's typesetting, best of ``rounds``, in this
    process with the command's own settings (the reader k001, as the command above is run)."""
    import asyncio

    from liuhen.app.runtime import open_runtime
    from liuhen.app.settings import Settings
    from liuhen.reports import quarterly
    from liuhen.reports.common import find_reader
    from liuhen.texts.profile import voice

    async def run() -> tuple[float, float]:
        settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
        rt = await open_runtime(settings)
        try:
            async with rt.db.uow(read_only=True) as uow:
                reader = await find_reader(uow, rt.court_id, "k001")
            loads, renders = [], []
            for _ in range(rounds):
                started = time.perf_counter()
                data = await quarterly.load(
                    rt.db,
                    reader=reader,
                    quarter=QUARTER,
                    now=rt.clock.now(),
                    tz=settings.tz,
                    court_name=rt.court_name,
                    special_profile=settings.special_items_profile,
                    voice=voice(settings.deadline_profile),
                )
                loads.append(time.perf_counter() - started)
                started = time.perf_counter()
                quarterly.render_pdf(data, settings.tz)
                renders.append(time.perf_counter() - started)
            return min(loads), min(renders)
        finally:
            await rt.close()

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument(
        "--years", type=int, default=11, help="the records are spread over these years up to 2026"
    )
    parser.add_argument("--rounds", type=int, default=3, help="best of N runs of each timing")
    parser.add_argument("--keep", type=Path, help="build the database in this directory and keep it")
    args = parser.parse_args()
    sqlite_cli = shutil.which("sqlite3")
    if sqlite_cli is None:
        raise SystemExit("sqlite3 not found: bash scripts/ensure-system-deps.sh (Debian package sqlite3)")
    work = args.keep or Path(tempfile.mkdtemp(prefix="liuhen-bench-reports-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        data_dir = work / "data"
        db = data_dir / "liuhen.db"
        if not db.exists() or args.keep is None:
            started = time.perf_counter()
            prepare(data_dir)
            generate(db, args.records, args.years)
            console.print(
                f"{args.records:,} records generated in {time.perf_counter() - started:.1f} s ({db})"
            )
        con = sqlite3.connect(db)
        in_quarter = con.execute(
            "SELECT count(*) FROM record_facts WHERE submitted_at >= ? AND submitted_at < ?", ranges()[0]
        ).fetchone()[0]
        con.close()
        env = {**os.environ, "LIUHEN_DATA_DIR": str(data_dir)}
        env.pop("LIUHEN_DATABASE_URL", None)
        # the command as installed: the package's modules compiled, as `pip install` (or `make compile`) does
        compileall.compile_dir(str(ROOT / "src" / "liuhen"), quiet=1)
        command = [sys.executable, "-m", "liuhen", "report", "quarterly", QUARTER.key, "--as", "k001", "-o"]
        figures: dict[str, float] = {}
        for fmt in ("pdf", "xlsx"):
            figures[fmt] = min(timed([*command, str(work / f"q.{fmt}")], env=env) for _ in range(args.rounds))
        figures["load"], figures["render"] = in_process(data_dir, args.rounds)
        figures["sqlite3"] = min(timed([sqlite_cli, str(db)], stdin=facts_sql()) for _ in range(args.rounds))
        con = sqlite3.connect(db)
        con.execute("CREATE INDEX IF NOT EXISTS bench_records_submitted ON records (court_id, submitted_at)")
        con.commit()
        con.close()
        figures["json"] = min(timed([sqlite_cli, str(db)], stdin=json_sql()) for _ in range(args.rounds))
        con = sqlite3.connect(db)
        con.execute("DROP INDEX bench_records_submitted")
        con.commit()
        con.close()
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    base = figures["sqlite3"]
    title = f"季度汇总 {QUARTER.key}: {args.records:,} records, {in_quarter:,} in the quarter"
    table = Table(title=f"{title} (best of {args.rounds})")
    table.add_column("what")
    table.add_column("seconds", justify="right")
    table.add_column("× sqlite3 GROUP BY", justify="right")
    table.add_column("target")
    for label, key, goal in (
        ("liuhen report quarterly → PDF (whole command)", "pdf", TARGET_RATIO),
        ("liuhen report quarterly → XLSX (whole command)", "xlsx", TARGET_RATIO),
        ("  its aggregation alone (in process)", "load", None),
        ("  its PDF's typesetting alone (in process)", "render", None),
        ("sqlite3 CLI: the same GROUP BYs on record_facts (baseline)", "sqlite3", None),
        ("sqlite3 CLI: the counts by json_extract on records.answers", "json", None),
    ):
        ratio = figures[key] / base
        target = "" if goal is None else f"≤ {goal:g}× {'✓' if ratio <= goal else '✗'}"
        table.add_row(
            label, f"{figures[key]:.2f}", f"{ratio:.1f}", target or ("(design check)" * (key == "json"))
        )
    console.print(table)


if __name__ == "__main__":
    main()
