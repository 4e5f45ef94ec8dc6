"""The stable interface: `liuhen report registration|quarterly|monthly` and `liuhen export evidence` work
without `--as` — the operator at the server reads everything of the deployment — and the ledger keeps each
read as the operator's (seed 003 §12, seed 004 §15: 全程留痕). `--as STAFF_ID` stays, for reading as a
person."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from liuhen.evidence.store import FileEvidenceStore
from liuhen.storage import tables as t
from liuhen.storage.database import Database
from tests.integration.conftest import Run, cli_runner
from tests.report_seed import NUMBER, seed_signed_record


@pytest.fixture
async def cli(db_url: str, tmp_path: Path) -> Run:
    db = Database(db_url)
    await db.migrate()
    try:
        await seed_signed_record(db, FileEvidenceStore(tmp_path / "data" / "evidence"))
    finally:
        await db.dispose()
    return cli_runner(db_url, tmp_path, timeout=120)


async def reads_by_the_operator(db_url: str) -> list[tuple[str, str]]:
    db = Database(db_url)
    try:
        async with db.uow(read_only=True) as uow:
            rows = await uow.session.execute(  # type: ignore[attr-defined]
                select(t.ledger.c.action, t.ledger.c.payload).where(t.ledger.c.actor == "cli")
            )
            return [(r.action, str(r.payload.get("what", ""))) for r in rows if r.action.endswith(".read")]
    finally:
        await db.dispose()


async def test_the_operator_reads_every_document_without_as_and_each_read_is_logged(
    cli: Run, tmp_path: Path, db_url: str
) -> None:
    form = cli("report", "registration", NUMBER, "-o", "form.pdf")
    assert form.returncode == 0, form.stderr
    assert (tmp_path / "form.pdf").read_bytes().startswith(b"%PDF")
    summary = cli("report", "quarterly", "2026Q4", "-o", "q.pdf")
    assert summary.returncode == 0, summary.stderr
    monthly = cli("report", "monthly", "2026-11", "-o", "m.xlsx")
    assert monthly.returncode == 0, monthly.stderr
    export = cli("export", "evidence", NUMBER, "-o", "bundle.zip")
    assert export.returncode == 0, export.stderr
    with zipfile.ZipFile(tmp_path / "bundle.zip") as zf:
        assert json.loads(zf.read("manifest.json"))["generated_by"] == {
            "staff_id": "cli",
            "name": "服务器操作员",
        }
    reads = await reads_by_the_operator(db_url)
    assert ("record.read", "form") in reads and ("record.read", "evidence_bundle") in reads
    assert any(action == "summary.read" for action, _ in reads)
