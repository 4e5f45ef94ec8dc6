"""The restore drill of the README, with the bot as a real process receiving evidence the whole
time: `liuhen backup` while it runs, `liuhen restore` into a fresh data directory and database, the
evidence keyring put back from where it is kept apart, `liuhen verify` passes, and every receipt the judge
saw before the backup started has its record row and its file in the restored deployment."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from liuhen.app.usecases.records import list_records
from liuhen.evidence.keys import load_keyring
from liuhen.evidence.store import FileEvidenceStore
from liuhen.sandbox.client import SandboxClient
from liuhen.sandbox.server import SandboxServer
from liuhen.storage.database import Database
from tests.bot.harness import TOKEN
from tests.bot.procs import BotProcess, bot_env, prepare
from tests.bot.test_crash import RECEIPT, image
from tests.conftest import DEMO_ROSTER, PG_URL, _pg_admin
from tests.timeline import liuhen, same_timeline
from tests.waiting import until


def cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(liuhen(*args), env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def receipts(chat: list[dict[str, Any]]) -> list[tuple[str, int, str, str]]:
    found = []
    for m in chat:
        if m.get("from_bot") and (match := RECEIPT.search(m.get("text") or "")):
            seq, head, tail, number = match.groups()
            found.append((number, int(seq), head, tail))
    return found


@pytest.mark.slow
async def test_restore_drill_from_a_backup_taken_while_receiving(db_url: str, tmp_path: Path) -> None:
    server = SandboxServer()
    await server.start("127.0.0.1", 0)
    env = bot_env(
        token=TOKEN,
        api_url=server.bot_api_url,
        file_url=server.file_url,
        data_dir=tmp_path / "data",
        db_url=db_url,
    )
    env["LIUHEN_CHECKPOINT_SECONDS"] = "1"  # the daily checkpoint, every second
    initialised = cli(env, tmp_path, "init")
    assert initialised.returncode == 0, initialised.stderr
    codes = await prepare(env, DEMO_ROSTER.read_text(encoding="utf-8"), ["j001"])
    bot = BotProcess(env, tmp_path / "bot.log")
    restored_db: str | None = None
    try:
        async with SandboxClient(server.base_url, TOKEN) as sim:
            await sim.create_user(id=30001, first_name="张法官")
            bot.start()
            await sim.send_text(30001, f"/start {codes['j001']}")
            await sim.wait_for(30001, "已完成登记", timeout=30)
            stop = asyncio.Event()

            async def judge_keeps_sending() -> int:
                n = 0
                while not stop.is_set():
                    n += 1
                    if n % 2:
                        await sim.send_file(30001, "photo", image(n))
                    else:
                        await sim.send_text(30001, f"第 {n} 条：请关照一下那个案子")
                    await asyncio.sleep(0.05)  # the judge's pace
                return n

            async def receipted(n: int) -> list[tuple[str, int, str, str]] | None:
                found = receipts(await sim.chat(30001))
                return found if len(found) >= n else None

            sender = asyncio.create_task(judge_keeps_sending())
            await until(lambda: receipted(8), timeout=30, what="8 receipts", every=0.1)
            seen_before = receipts(await sim.chat(30001))  # the backup point: all of these must survive
            made = await asyncio.to_thread(cli, env, tmp_path, "backup", "-o", str(tmp_path / "backup"))
            assert made.returncode == 0, made.stderr
            after_backup = len(receipts(await sim.chat(30001)))
            # and the judge goes on sending after the backup
            await until(lambda: receipted(after_backup + 3), timeout=30, what="receipts after the backup")
            stop.set()
            sent = await sender
            assert len(seen_before) >= 8 and sent > len(seen_before)
            assert await bot.terminate() == 0, (tmp_path / "bot.log").read_text()
    finally:
        bot.kill()
        await server.stop()

    try:
        if db_url.startswith("postgresql"):
            assert PG_URL is not None
            name = f"liuhen_r_{uuid.uuid4().hex[:12]}"
            await _pg_admin(f'CREATE DATABASE "{name}"')
            restored_db = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        target = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")} | same_timeline(env)
        target["LIUHEN_DATA_DIR"] = str(tmp_path / "restored")
        if restored_db is not None:
            target["LIUHEN_DATABASE_URL"] = restored_db
        done = cli(target, tmp_path, "restore", str(tmp_path / "backup"))
        assert done.returncode == 0, done.stderr
        # the drill: the evidence keyring comes back from where it is kept, apart from the backups
        shutil.copy(
            tmp_path / "data" / "keys" / "evidence.keys", tmp_path / "restored" / "keys" / "evidence.keys"
        )
        checked = cli(target, tmp_path, "verify", "--json")
        report = json.loads(checked.stdout)
        assert checked.returncode == 0 and report["ok"], report
        assert report["checkpoints"]["count"] >= 1

        url = restored_db or f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'liuhen.db'}"
        db = Database(url)
        try:
            records = {r["number"]: r for r in await list_records(db.uow(read_only=True), court_id=1)}
        finally:
            await db.dispose()
        store = FileEvidenceStore(
            tmp_path / "restored" / "evidence",
            keyring=load_keyring(tmp_path / "restored" / "keys" / "evidence.keys"),
        )
        for number, seq, head, tail in seen_before:
            item = records[number]["evidence"][seq - 1]
            assert item["sha256"].startswith(head) and item["sha256"].endswith(tail)
            assert (await store.verify(item["sha256"])).ok
    finally:
        if restored_db is not None:
            with contextlib.suppress(Exception):
                await _pg_admin(f'DROP DATABASE IF EXISTS "{make_url(restored_db).database}" WITH (FORCE)')
