"""`liuhen verify` compares the database's rows with what the ledger says they hold (seed 003 §12, seed 004
§15: 全程留痕、永久存储、有据可查): every change the application makes seals the row in the same transaction,
and an edit made behind its back — a record's answers, status or recorder, an evidence row moved to another
record, its origin or time, a decision's text, a staff member's binding, a deleted or an inserted row — is
named with the row, the field and the ledger entry that says otherwise."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import UniqueConstraint, create_engine, select, text, update

from liuhen.app.usecases.integrity import VerifyReport, verify
from liuhen.domain.checkpoints import Finding, Place, Problem, ProblemKind
from liuhen.domain.seals import SEALED, Kind, object_id, plain
from liuhen.evidence.store import FileEvidenceStore
from liuhen.storage import tables as t
from liuhen.storage.database import Database
from liuhen.storage.migrate import upgrade
from liuhen.storage.seals import TABLES
from liuhen.texts import integrity as words
from tests.register_world import make_world

# one record's life: signed by every level, corrected twice, returned, resubmitted, disposed, complained of
OPS = ["approve", "correct", "return", "resubmit", "approve", "correct", "approve", "dispose", "complain"]


@dataclass
class Built:
    db_file: Path
    tmp: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    tmp = tmp_path_factory.mktemp("register")

    async def build() -> None:
        world = await make_world(tmp)
        try:
            for op in OPS:
                await world.do(op)
        finally:
            await world.db.dispose()

    asyncio.run(build())
    return Built(tmp / "liuhen.db", tmp)


async def _verify(db_file: Path, store_dir: Path) -> VerifyReport:
    db = Database(f"sqlite+aiosqlite:///{db_file}")
    try:
        return await verify(db.uow(read_only=True), files=FileEvidenceStore(store_dir), keys=None)
    finally:
        await db.dispose()


def state_problems(report: VerifyReport) -> list[Problem]:
    return [p for p in report.problems if p.kind is ProblemKind.STATE]


@pytest.fixture
def copy(built: Built, tmp_path: Path) -> Iterator[Path]:
    target = tmp_path / "copy.db"
    shutil.copyfile(built.db_file, target)
    yield target


def run_verify(db_file: Path) -> VerifyReport:
    return asyncio.run(_verify(db_file, db_file.parent / "store"))


def test_every_change_the_application_makes_is_sealed(copy: Path) -> None:
    report = run_verify(copy)
    assert state_problems(report) == []
    assert report.rows > 20
    with sqlite3.connect(copy) as con:
        found = con.execute("SELECT DISTINCT object_type FROM ledger WHERE action = 'seal'")
        sealed = {kind for (kind,) in found}
    # every kind the record's life touched
    assert {"record", "evidence", "decision", "record_version", "staff", "complaint"} <= sealed
    assert any("数据行" in line and line.startswith("✔") for line in words.report_lines(report))


# --- any meaningful column of any row, edited by hand -------------------------------------------------------


def _rows(db_file: Path, kind: Kind) -> list[dict[str, Any]]:
    engine = create_engine(f"sqlite:///{db_file}")
    try:
        with engine.connect() as conn:
            return [dict(m) for m in conn.execute(select(TABLES[kind])).mappings()]
    finally:
        engine.dispose()


def _in_unique(column: Any) -> bool:
    table = column.table
    constrained = [c for u in table.constraints if isinstance(u, UniqueConstraint) for c in u.columns]
    indexed = [c for i in table.indexes if i.unique for c in i.columns]
    return bool(column.unique or column.primary_key or column in constrained or column in indexed)


def _other_value(value: Any, column: Any, others: list[Any]) -> Any:
    """A different value of the column's own type (the forger keeps the database readable)."""
    if _in_unique(column):
        others = []
    for other in others:
        if plain(other) != plain(value):
            return other
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1_000_003
    if isinstance(value, datetime):
        return value + timedelta(seconds=1)
    if hasattr(value, "__members__") or type(value).__class__.__name__ == "EnumType":
        members = [m for m in type(value) if m != value]
        return members[0]
    if isinstance(value, str):
        return value + "·"
    if isinstance(value, dict):
        return {**value, "forged": 1}
    if isinstance(value, list):
        return [*value, "forged"]
    if value is None:
        return {"String": "伪造", "Text": "伪造", "Integer": 7, "BigInteger": 7, "Boolean": True}.get(
            type(column.type).__name__, datetime(2026, 1, 1, tzinfo=UTC)
        )
    return None  # e.g. the chain: set it to nothing


def _mutate(db_file: Path, kind: Kind, index: int, name: str) -> tuple[str, Any, Any] | None:
    rows = _rows(db_file, kind)
    if not rows:
        return None
    row = rows[index % len(rows)]
    table = TABLES[kind]
    column = table.c[name]
    value = row[name]
    new = _other_value(value, column, [r[name] for r in rows])
    if plain(new) == plain(value):
        return None
    engine = create_engine(f"sqlite:///{db_file}")  # no foreign keys: the forger's own sqlite3
    try:
        with engine.begin() as conn:
            key = [table.c[k] == row[k] for k in SEALED[kind].key]
            conn.execute(update(table).where(*key).values({name: new}))
    finally:
        engine.dispose()
    return object_id(kind, row), value, new


COLUMNS = [(kind, name) for kind in Kind for name in SEALED[kind].fields if kind is not Kind.CASE_ZERO]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.sampled_from(COLUMNS), st.integers(min_value=0, max_value=50))
def test_any_meaningful_column_edited_in_the_database_is_named(
    built: Built, tmp_path: Path, column: tuple[Kind, str], index: int
) -> None:
    kind, name = column
    target = tmp_path / f"{kind.value}-{name}-{index}.db"
    shutil.copyfile(built.db_file, target)
    changed = _mutate(target, kind, index, name)
    if changed is None:  # no row of this kind in the world, or no other value to give it
        return
    oid, _, _ = changed
    problems = state_problems(run_verify(target))
    named = [p for p in problems if p.detail.get("id") == oid and p.detail.get("object") == kind.value]
    if name in SEALED[kind].key:  # the row now answers to another name: the sealed one is gone, this one new
        assert {p.reason for p in problems} >= {Finding.SEALED_ROW_GONE, Finding.NOT_SEALED}
        return
    assert [p.detail.get("field") for p in named] == [name], problems
    assert named[0].reason is Finding.FIELD_CHANGED
    assert isinstance(named[0].seq, int)
    assert "数据库被直接改动" in words.problem(named[0])


# --- the mutation kinds found from outside, kept as a permanent test --------------------------------------


def _sql(*statements: str) -> Callable[[Path], None]:
    def run(db_file: Path) -> None:
        with sqlite3.connect(db_file) as con:
            for statement in statements:
                assert con.execute(statement).rowcount >= 1, statement

    return run


MUTATIONS: dict[str, tuple[Callable[[Path], None], Finding, Place | None, str | None]] = {
    "record answers edited": (
        _sql("UPDATE records SET answers = json_set(answers, '$.intervener_name', '王某')"),
        Finding.FIELD_CHANGED,
        Place.RECORD,
        "answers",
    ),
    "record status set back to draft": (
        _sql("UPDATE records SET status = 'draft'"),
        Finding.FIELD_CHANGED,
        Place.RECORD,
        "status",
    ),
    "record recorder changed": (
        _sql("UPDATE records SET recorder_id = (SELECT max(id) FROM staff)"),
        Finding.FIELD_CHANGED,
        Place.RECORD,
        "recorder_id",
    ),
    "record renumbered": (
        _sql("UPDATE records SET number = number || 'X'"),
        Finding.FIELD_CHANGED,
        Place.RECORD,
        "number",
    ),
    "record disposition edited": (
        _sql("UPDATE records SET disposition = 'no_record'"),
        Finding.FIELD_CHANGED,
        Place.RECORD,
        "disposition",
    ),
    "record direct report flag flipped": (
        _sql("UPDATE records SET direct_to_discipline = NOT direct_to_discipline"),
        Finding.FIELD_CHANGED,
        Place.RECORD,
        "direct_to_discipline",
    ),
    "record moved to another quarter": (
        _sql("UPDATE records SET submitted_at = '2025-01-02 03:04:05.000000'"),
        Finding.FIELD_CHANGED,
        Place.RECORD,
        "submitted_at",
    ),
    "record's sign-off chain wiped": (
        _sql("UPDATE records SET chain = NULL"),
        Finding.FIELD_CHANGED,
        Place.RECORD,
        "chain",
    ),
    "record version rewound": (
        _sql("UPDATE records SET version = 1"),
        Finding.FIELD_CHANGED,
        Place.RECORD,
        "version",
    ),
    "record deleted with everything under it": (
        _sql(
            "DELETE FROM evidence WHERE record_id = (SELECT min(id) FROM records)",
            "DELETE FROM decisions WHERE record_id = (SELECT min(id) FROM records)",
            "DELETE FROM record_versions WHERE record_id = (SELECT min(id) FROM records)",
            "DELETE FROM records WHERE id = (SELECT min(id) FROM records)",
        ),
        Finding.SEALED_ROW_GONE,
        Place.ENTRY,
        None,
    ),
    "evidence row deleted": (
        _sql("DELETE FROM evidence WHERE id = (SELECT max(id) FROM evidence)"),
        Finding.SEALED_ROW_GONE,
        Place.ENTRY,
        None,
    ),
    "evidence moved to another record": (
        _sql(
            "INSERT INTO records (court_id, number, recorder_id, status, created_at, updated_at, "
            "last_evidence_at, evidence_count, answers, version, direct_to_discipline) SELECT court_id, "
            "number || '-2', recorder_id, 'draft', created_at, updated_at, last_evidence_at, 0, '{}', 1, 0 "
            "FROM records LIMIT 1",
            "UPDATE evidence SET record_id = (SELECT max(id) FROM records)",
        ),
        Finding.FIELD_CHANGED,
        Place.EVIDENCE_ROW,
        "record_id",
    ),
    "evidence origin edited": (
        _sql("""UPDATE evidence SET origin = '{"type": "user", "name": "伪造"}'"""),
        Finding.FIELD_CHANGED,
        Place.EVIDENCE_ROW,
        "origin",
    ),
    "evidence time edited": (
        _sql("UPDATE evidence SET received_at = '2026-01-01 00:00:00.000000'"),
        Finding.FIELD_CHANGED,
        Place.EVIDENCE_ROW,
        "received_at",
    ),
    "evidence text edited": (
        _sql("UPDATE evidence SET text = '无事'"),
        Finding.FIELD_CHANGED,
        Place.EVIDENCE_ROW,
        "text",
    ),
    "evidence file swapped": (
        _sql("UPDATE evidence SET sha256 = '" + "1" * 64 + "'"),
        Finding.FIELD_CHANGED,
        Place.EVIDENCE_ROW,
        "sha256",
    ),
    "evidence row inserted behind the application": (
        _sql(
            "INSERT INTO evidence (record_id, seq, kind, state, received_at, chat_id, message_id, update_id, "
            "origin, sha256, size, media_type, text, entities, download_attempts, inspection) SELECT "
            "record_id, seq + 100, kind, state, received_at, chat_id, message_id + 100, update_id + 100000, "
            "origin, sha256, size, media_type, '补录', entities, download_attempts, inspection FROM evidence "
            "LIMIT 1"
        ),
        Finding.NOT_SEALED,
        Place.EVIDENCE_ROW,
        None,
    ),
    "decision deleted": (
        _sql("DELETE FROM decisions WHERE id = (SELECT max(id) FROM decisions)"),
        Finding.SEALED_ROW_GONE,
        Place.ENTRY,
        None,
    ),
    "decision opinion rewritten": (
        _sql("UPDATE decisions SET text = '同意'"),
        Finding.FIELD_CHANGED,
        Place.DECISION,
        "text",
    ),
    "decision signed by someone else": (
        _sql("UPDATE decisions SET signer_id = (SELECT max(id) FROM staff)"),
        Finding.FIELD_CHANGED,
        Place.DECISION,
        "signer_id",
    ),
    "earlier version deleted": (
        _sql("DELETE FROM record_versions"),
        Finding.SEALED_ROW_GONE,
        Place.ENTRY,
        None,
    ),
    "earlier version's answers edited": (
        _sql("UPDATE record_versions SET answers = json_set(answers, '$.content', '无')"),
        Finding.FIELD_CHANGED,
        Place.VERSION,
        "answers",
    ),
    "staff member's role raised": (
        _sql("UPDATE staff SET role = 'discipline' WHERE staff_id = 'j001'"),
        Finding.FIELD_CHANGED,
        Place.STAFF,
        "role",
    ),
    "staff binding moved to another chat account": (
        _sql("UPDATE staff SET telegram_user_id = 999999 WHERE staff_id = 'j001'"),
        Finding.FIELD_CHANGED,
        Place.STAFF,
        "telegram_user_id",
    ),
    "staff member deactivated": (
        _sql("UPDATE staff SET active = 0 WHERE staff_id = 'k001'"),
        Finding.FIELD_CHANGED,
        Place.STAFF,
        "active",
    ),
    "complaint withdrawn in the database": (
        _sql("UPDATE complaints SET status = 'withdrawn'"),
        Finding.FIELD_CHANGED,
        Place.COMPLAINT,
        "status",
    ),
}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_mutation_kinds_found_from_outside_are_detected(copy: Path, name: str) -> None:
    mutate, finding, place, field = MUTATIONS[name]
    mutate(copy)
    report = run_verify(copy)
    assert not report.ok
    found = [p for p in state_problems(report) if p.reason is finding]
    assert found, report.problems
    if place is not None:
        assert any(p.where.place is place for p in found), found
    if field is not None:
        assert any(p.detail.get("field") == field for p in found), found
    lines = words.report_lines(report)
    assert any(line.startswith("✘") and "数据行" in line for line in lines)
    assert "核验未通过" in "\n".join(lines)


# --- a deployment with rows from before sealing began -------------------------------------------------------


def test_rows_from_before_sealing_are_sealed_once_by_the_migration(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"

    async def scenario() -> tuple[VerifyReport, VerifyReport]:
        db = Database(url)
        await upgrade(db.engine, "0010")
        async with db.engine.begin() as conn:  # rows written by an older liuhen, which sealed nothing
            await conn.execute(t.courts.insert().values(code="t", name="测试法院", deadline_profile="court"))
            await conn.execute(t.departments.insert().values(court_id=1, name="立案庭"))
            await conn.execute(
                text(
                    "INSERT INTO staff (court_id, staff_id, name, department_id, position, role, phone, "
                    "active, extra) VALUES (1, 'j001', '张法官', 1, '法官', 'staff', '13800000000', 1, '{}')"
                )
            )
        await db.migrate()
        first = await verify(db.uow(read_only=True), files=FileEvidenceStore(tmp_path / "s"), keys=None)
        async with db.engine.begin() as conn:
            await conn.execute(text("UPDATE staff SET name = '李法官'"))
        second = await verify(db.uow(read_only=True), files=FileEvidenceStore(tmp_path / "s"), keys=None)
        await db.dispose()
        return first, second

    first, second = asyncio.run(scenario())
    assert state_problems(first) == [] and first.rows == 1
    [changed] = state_problems(second)
    assert changed.where.place is Place.STAFF and changed.detail["field"] == "name"
    assert words.problem(changed).startswith("人员 j001：「姓名」")
