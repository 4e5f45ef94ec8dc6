"""`bench/intake.py` runs as a stranger would run it (small here): the echo bot, liuhen with long polling and
liuhen behind its webhook server, each a process on the sandbox, judges enrolled the real way; every receipt
answered, the ratios and the memory printed (never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_intake_bench_times_polling_webhook_and_the_echo_bot_in_one_run(tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    small = ["--users", "3", "--messages", "2", "--rounds", "1", "--sequential", "3"]
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "intake.py"), *small, "--webhook", "--json", str(figures)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr + result.stdout
    report = json.loads(figures.read_text(encoding="utf-8"))
    phases = {(p["bot"], p["phase"].split(":")[0]): p for p in report["phases"]}
    assert set(phases) == {("liuhen", "A"), ("echo", "A"), ("liuhen", "B"), ("echo", "B"), ("webhook", "B")}
    assert all(p["receipts"] == p["expected"] and not p["failures"] for p in phases.values())
    assert report["targets"]["B_webhook_over_polling"]["target"] == 1.0
    memory = report["targets"]["memory_mb"]
    assert (
        memory["after_run"]["bot"] > 0
        and memory["after_image"]["bot"] > 0
        and memory["image"]["width"] == 6400
    )
    assert "webhook / polling" in result.stdout and "40-megapixel" in result.stdout
