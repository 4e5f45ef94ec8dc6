"""A crash during a write leaves a ledger that verifies: the bot, with encryption at rest and a
checkpoint every second, is SIGKILLed at random moments while a judge sends evidence; afterwards
`liuhen verify` passes — chain, head, every signed checkpoint, every encrypted file — and checkpoints
taken between the crashes cover the history."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
from pathlib import Path

import pytest

from liuhen.evidence.envelope import MAGIC
from liuhen.evidence.store import FileEvidenceStore
from liuhen.sandbox.client import SandboxClient
from liuhen.sandbox.server import SandboxServer
from tests.bot.harness import TOKEN
from tests.bot.procs import BotProcess, bot_env, prepare
from tests.bot.test_crash import RECEIPT, image
from tests.conftest import DEMO_ROSTER
from tests.timeline import liuhen
from tests.waiting import until

ROUNDS = 8


@pytest.mark.slow
async def test_ledger_verifies_after_sigkills(db_url: str, tmp_path: Path) -> None:
    rng = random.Random(9)
    server = SandboxServer()
    await server.start("127.0.0.1", 0)
    env = bot_env(
        token=TOKEN,
        api_url=server.bot_api_url,
        file_url=server.file_url,
        data_dir=tmp_path / "data",
        db_url=db_url,
    )
    env["LIUHEN_CHECKPOINT_SECONDS"] = "1"
    init = await asyncio.to_thread(subprocess.run, liuhen("init"), env=env, cwd=tmp_path, capture_output=True)
    assert init.returncode == 0, init.stderr
    codes = await prepare(env, DEMO_ROSTER.read_text(encoding="utf-8"), ["j001"])
    bot = BotProcess(env, tmp_path / "bot.log")
    try:
        async with SandboxClient(server.base_url, TOKEN) as sim:
            await sim.create_user(id=30001, first_name="张法官")
            bot.start()
            await sim.send_text(30001, f"/start {codes['j001']}")
            await sim.wait_for(30001, "已完成登记", timeout=30)
            n = 0
            for _ in range(ROUNDS):
                if bot.proc is None:
                    bot.start()
                deadline = asyncio.get_running_loop().time() + rng.uniform(0.5, 2.5)
                while asyncio.get_running_loop().time() < deadline:
                    n += 1
                    if n % 2:
                        await sim.send_file(30001, "photo", image(n))
                    else:
                        await sim.send_text(30001, f"第 {n} 条：请关照一下那个案子")
                    await asyncio.sleep(rng.uniform(0.0, 0.15))
                bot.kill()
            bot.start()

            async def all_receipted() -> bool:
                chat = await sim.chat(30001)
                return sum(1 for m in chat if m.get("from_bot") and RECEIPT.search(m.get("text") or "")) >= n

            await until(all_receipted, timeout=60, what="every message receipted", every=0.1)
            assert await bot.terminate() == 0  # a clean stop signs a last checkpoint
    finally:
        bot.kill()
        await server.stop()

    done = await asyncio.to_thread(
        subprocess.run,
        liuhen("verify", "--json"),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["ok"], (report, (tmp_path / "bot.log").read_text())
    assert report["checkpoints"]["count"] >= 2
    # the shutdown checkpoint covers everything but the verify run's own entry
    assert report["checkpoints"]["covered_entries"] == report["ledger"]["entries"]
    store = FileEvidenceStore(tmp_path / "data" / "evidence")
    assert all(store.path_for(d).read_bytes().startswith(MAGIC) for d in store.iter_all())
