from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from tests.timeline import START, liuhen, timeline_env

Run = Callable[..., subprocess.CompletedProcess[str]]


def cli_runner(db_url: str, cwd: Path, *, timeout: float, start: datetime = START, **env_extra: str) -> Run:
    """`liuhen ARGS…` as an operator runs it: a subprocess on this test's data directory and database,
    without a bot token, on a timeline that reads ``start`` now (tests/timeline.py)."""
    env = {
        **os.environ,
        **timeline_env(start),
        "LIUHEN_DATA_DIR": str(cwd / "data"),
        "LIUHEN_DATABASE_URL": db_url,
        "COLUMNS": "200",
        **env_extra,
    }
    env.pop("LIUHEN_TELEGRAM_TOKEN", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            liuhen(*args),
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run
