"""`liuhen report registration|quarterly` and `liuhen export evidence` as an operator runs them:
files written; clear Chinese errors and non-zero exits for an unknown record, a bad period, a forbidden
reader."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from liuhen.evidence.store import FileEvidenceStore
from liuhen.storage.database import Database
from tests.conftest import premigrated
from tests.integration.conftest import Run, cli_runner
from tests.report_seed import NUMBER, seed_signed_record


@pytest.fixture
async def cli(db_url: str, tmp_path: Path) -> Run:
    await premigrated(db_url)
    db = Database(db_url)
    await db.migrate()
    try:
        await seed_signed_record(db, FileEvidenceStore(tmp_path / "data" / "evidence"))
    finally:
        await db.dispose()
    return cli_runner(db_url, tmp_path, timeout=120)


def test_documents_are_written_for_allowed_readers(cli: Run, tmp_path: Path) -> None:
    form = cli("report", "registration", NUMBER, "-o", "form.pdf", "--as", "j001")
    assert form.returncode == 0, form.stderr
    assert (tmp_path / "form.pdf").read_bytes().startswith(b"%PDF") and NUMBER in form.stdout

    summary = cli("report", "quarterly", "2026Q4", "-o", "q.xlsx", "--as", "k001")
    assert summary.returncode == 0, summary.stderr
    wb = load_workbook(tmp_path / "q.xlsx")
    assert wb["概况"]["B3"].value == 1  # the one record of 2026Q4
    assert cli("report", "quarterly", "2026q4", "-o", "q.pdf", "--as", "p001").returncode == 0
    assert (tmp_path / "q.pdf").read_bytes().startswith(b"%PDF")

    export = cli("export", "evidence", NUMBER, "-o", "bundle.zip", "--as", "k001")
    assert export.returncode == 0, export.stderr
    with zipfile.ZipFile(tmp_path / "bundle.zip") as zf:
        assert {"manifest.json", "manifest.pdf", "verify.py", "README.txt"} <= set(zf.namelist())


def test_bad_input_exits_non_zero_with_a_clear_message(cli: Run, tmp_path: Path) -> None:
    unknown = cli("report", "registration", "LH-2026-9999", "-o", "x.pdf", "--as", "k001")
    forbidden = cli("report", "registration", NUMBER, "-o", "x.pdf", "--as", "j002")
    for result in (unknown, forbidden):
        assert result.returncode == 1
        assert "未找到该记录，或您无权查看" in result.stderr  # never says which of the two
    assert not (tmp_path / "x.pdf").exists()

    nobody = cli("export", "evidence", NUMBER, "-o", "x.zip", "--as", "nobody")
    assert nobody.returncode == 1 and "没有工号为 nobody 的在岗人员" in nobody.stderr

    period = cli("report", "quarterly", "2026Q5", "-o", "q.pdf", "--as", "k001")
    assert period.returncode == 2 and "季度" in period.stderr

    judge = cli("report", "quarterly", "2026Q4", "-o", "q.pdf", "--as", "j001")
    assert judge.returncode == 1 and "无权查看该汇总" in judge.stderr

    suffix = cli("report", "quarterly", "2026Q4", "-o", "q.docx", "--as", "k001")
    assert suffix.returncode == 2 and ".pdf 或 .xlsx" in suffix.stderr
