"""`bench/wecom.py` runs as a stranger would run it (small here): both doors started as processes on their
sandboxes, judges enrolled the real way, receipts timed on each and the ratios printed (never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wecom_bench_times_both_doors_in_one_run(tmp_path: Path) -> None:
    small = ["--users", "3", "--messages", "2", "--sequential", "5", "--keep", str(tmp_path)]
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "wecom.py"), *small],
        capture_output=True,
        text=True,
        timeout=300,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr + result.stdout
    lines = result.stdout.splitlines()
    assert any("Telegram" in line and "│" in line for line in lines), result.stdout
    assert any("WeCom" in line and "│" in line for line in lines), result.stdout
    assert "企业微信 / Telegram 延迟 p50" in result.stdout and "目标 ≤ 1.2×" in result.stdout
