"""Run `liuhen run` as a real process against a sandbox (crash tests, benchmarks)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from datetime import datetime
from pathlib import Path

from liuhen.app.runtime import open_runtime
from liuhen.app.settings import Settings
from liuhen.app.usecases import enrolment
from liuhen.app.usecases.roster import import_roster
from liuhen.domain.roster import parse_roster
from tests.conftest import premigrated
from tests.timeline import START, Timeline, liuhen, timeline_env


def bot_env(
    *, token: str, api_url: str, file_url: str, data_dir: Path, db_url: str, start: datetime = START
) -> dict[str, str]:
    """The settings of a bot process, on a new timeline that reads ``start`` now (tests/timeline.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env.update(timeline_env(start))
    env.update(
        LIUHEN_TELEGRAM_TOKEN=token,
        LIUHEN_TELEGRAM_BASE_URL=api_url,
        LIUHEN_TELEGRAM_BASE_FILE_URL=file_url,
        LIUHEN_DATA_DIR=str(data_dir),
        LIUHEN_DATABASE_URL=db_url,
        LIUHEN_LOG_LEVEL="WARNING",
    )
    return env


async def prepare(env: dict[str, str], roster: str, invite: list[str]) -> dict[str, str]:
    """Import a roster and issue codes in the bot's database, before the bot starts (on its timeline)."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=Path(env["LIUHEN_DATA_DIR"]),
        database_url=env["LIUHEN_DATABASE_URL"],
    )
    await premigrated(env["LIUHEN_DATABASE_URL"])
    rt = await open_runtime(settings, clock=Timeline(env))
    try:
        await import_roster(
            rt.db.uow(), court_id=rt.court_id, roster=parse_roster(roster), clock=rt.clock, actor="t"
        )
        codes = {}
        for staff_id in invite:
            inv = await enrolment.issue_invite(
                rt.db.uow(), court_id=rt.court_id, staff_id=staff_id, clock=rt.clock, actor="t"
            )
            codes[staff_id] = inv.code
        return codes
    finally:
        await rt.close()


class BotProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(liuhen("run"), env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    async def terminate(self) -> int | None:
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.to_thread(self.proc.wait, 10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc = None
        return code
