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
    tail = report["targets"]["B_tail"]  # where the slowest receipts come from, for each bot
    assert set(tail) == {"liuhen", "echo", "webhook"}
    assert all(t["slowest"] == 1 and t["first_messages_among_them"] in (0, 1) for t in tail.values())
    assert "B tail, webhook:" in result.stdout
    memory = report["targets"]["memory_mb"]
    assert (
        memory["after_run"]["bot"] > 0
        and memory["after_image"]["bot"] > 0
        and memory["image"]["width"] == 6400
    )
    assert "webhook / polling" in result.stdout and "40-megapixel" in result.stdout


def test_the_intake_bench_measures_a_bot_api_in_another_process_given_by_url(tmp_path: Path) -> None:
    """`--api URL`: the emulator is a process of its own (`python -m liuhen.sandbox`), the bots are pointed at
    its URL and the judges' answers are seen through its simulation API's long poll, as from outside."""
    env = {"COLUMNS": "200", "PATH": "/usr/bin:/bin"}
    emulator = subprocess.Popen(
        [sys.executable, "-m", "liuhen.sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert emulator.stdout is not None
        first = emulator.stdout.readline()  # the line that says the port is open
        assert "Bot API 沙盒已启动" in first, first
        url = first.split("：", 1)[1].strip()
        figures = tmp_path / "figures.json"
        small = ["--users", "3", "--messages", "2", "--rounds", "1", "--sequential", "3", "--no-image"]
        result = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "intake.py"), *small, "--api", url, "--json", str(figures)],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        assert result.returncode == 0, result.stderr + result.stdout
    finally:
        emulator.terminate()
        rest, _ = emulator.communicate(timeout=30)
    assert emulator.returncode == 0 and "沙盒已停止" in rest
    report = json.loads(figures.read_text(encoding="utf-8"))
    assert report["api"] == url
    phases = {(p["bot"], p["phase"].split(":")[0]): p for p in report["phases"]}
    assert set(phases) == {("liuhen", "A"), ("echo", "A"), ("liuhen", "B"), ("echo", "B")}
    assert all(p["receipts"] == p["expected"] and not p["failures"] for p in phases.values())
    assert f"Bot API {url}" in result.stdout
