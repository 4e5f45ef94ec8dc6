"""`bench/web.py` runs as a stranger would run it (small here): it builds its register, serves the console,
times every kind of request beside its bare SQL and prints the table (figures are never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_web_bench_times_every_kind_of_request_beside_its_sql(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "web.py"),
            "--records",
            "400",
            "--requests",
            "3",
            "--keep",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    for row in (
        "列表第 1 页（纪检监察，全院）",
        "按类型和季度筛选",
        "按过问人姓名查找",
        "签批链",
        "记录页",
        "季度汇总看板",
    ):
        assert row in result.stdout, result.stdout
    assert "× SQL" in result.stdout and "400 条记录" in result.stdout
    assert "all its SELECTs" in result.stdout and "≤ 3× all" in result.stdout
