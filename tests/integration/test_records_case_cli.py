"""`liuhen records case 案号 [--json]` (seed 003 §18): the operator at the server reads what is on file about
one case — its records and its per-case zero reports — and each read is in the ledger as the operator's, like
every other read on the command line (seed 003 §12, seed 004 §15: 全程留痕)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from liuhen.domain.casezero import CaseZeroReport, CaseZeroStatus
from liuhen.domain.casezero_form import filled
from liuhen.evidence.store import FileEvidenceStore
from liuhen.storage import tables as t
from liuhen.storage.database import Database
from tests.integration.conftest import Run, cli_runner
from tests.report_seed import CASE_NUMBER, INTERVENER, NUMBER, SEEDED_AT, seed_signed_record

OTHER = "（2026）豫0825民初2222号"


@pytest.fixture
async def cli(db_url: str, tmp_path: Path) -> Run:
    """LH-2026-0001 on （2026）豫0825民初1187号, and a confirmed zero report of 钱法官 on that case."""
    db = Database(db_url)
    await db.migrate()
    try:
        seeded = await seed_signed_record(db, FileEvidenceStore(tmp_path / "data" / "evidence"))
        officer, head = seeded.people["j002"], seeded.people["h002"]
        assert officer.id is not None and head.id is not None
        async with db.uow() as uow:
            await uow.case_zero.add(
                CaseZeroReport(
                    court_id=seeded.court_id,
                    officer_pk=officer.id,
                    case_number=CASE_NUMBER,
                    status=CaseZeroStatus.CONFIRMED.value,
                    statement=filled(CASE_NUMBER),
                    created_at=SEEDED_AT,
                    reviewer_pk=head.id,
                    reviewed_at=SEEDED_AT + timedelta(hours=1),
                )
            )
            await uow.commit()
    finally:
        await db.dispose()
    return cli_runner(db_url, tmp_path, timeout=120)


async def case_entries(db_url: str) -> list[tuple[str, str, str, str]]:
    """(actor, action, object, what) of the case view's entries in the ledger."""
    db = Database(db_url)
    try:
        async with db.uow(read_only=True) as uow:
            rows = await uow.session.execute(  # type: ignore[attr-defined]
                select(t.ledger.c.actor, t.ledger.c.action, t.ledger.c.object_id, t.ledger.c.payload)
                .where(t.ledger.c.action.in_(["case.view", "record.read", "casezero.read"]))
                .order_by(t.ledger.c.seq)
            )
            return [(r.actor, r.action, r.object_id, str(r.payload.get("what", ""))) for r in rows]
    finally:
        await db.dispose()


async def test_the_operator_lists_the_case_in_a_table_and_as_json(cli: Run, db_url: str) -> None:
    """seed 003 §18: forgiving input (ASCII brackets, no 号), a Chinese table, stable JSON keys."""
    shown = cli("records", "case", "(2026)豫0825民初1187")
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert f"【本案干预过问情况】{CASE_NUMBER}" in out and "您可查看的记录 1 件" in out
    assert NUMBER in out and INTERVENER in out and "外部人员过问" in out and "已归档" in out
    assert "2026年11月17日 09:30" in out  # the intervention, in the court's time
    assert "逐案零报告 1 份" in out and "LZ-2026-0001" in out and "钱法官（j002）" in out
    assert "孙庭长 于 2026年11月20日 11:00 确认" in out

    data = json.loads(cli("records", "case", CASE_NUMBER, "--json").stdout)
    assert data["case_number"] == CASE_NUMBER
    [record] = data["records"]
    assert record["number"] == NUMBER and record["type"] == "external" and record["status"] == "filed"
    assert record["intervener"] == INTERVENER and record["recorder"] == "j001"
    assert record["intervention_time"] == "2026-11-17T01:30:00+00:00"
    assert record["gist"].startswith("张法官你好")
    [zero] = data["zero_reports"]
    assert zero["number"] == "LZ-2026-0001" and zero["status"] == "confirmed"
    assert zero["officer"] == "j002" and zero["reviewer"] == "h002"
    assert zero["reviewed_at"] == "2026-11-20T03:00:00+00:00"

    entries = await case_entries(db_url)
    assert entries.count(("cli", "record.read", NUMBER, "case")) == 2
    assert entries.count(("cli", "casezero.read", "LZ-2026-0001", "case")) == 2
    assert entries.count(("cli", "case.view", CASE_NUMBER, "")) == 2


async def test_a_case_with_nothing_and_bad_input(cli: Run, db_url: str) -> None:
    """seed 003 §18: a case with nothing on file says so; input that is not a case number fails with a
    Chinese message and reads nothing."""
    empty = cli("records", "case", OTHER)
    assert empty.returncode == 0, empty.stderr
    assert "该案暂无可供您查看的干预过问记录或逐案零报告" in empty.stdout
    assert json.loads(cli("records", "case", OTHER, "--json").stdout) == {
        "case_number": OTHER,
        "records": [],
        "zero_reports": [],
    }
    bad = cli("records", "case", "李书记那个案子")
    assert bad.returncode == 1 and "没有认出案号" in bad.stderr and bad.stdout == ""
    assert await case_entries(db_url) == [("cli", "case.view", OTHER, ""), ("cli", "case.view", OTHER, "")]
