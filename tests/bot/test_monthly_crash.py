"""The monthly broadcast survives SIGKILL ("after a crash or restart mid-broadcast, sending resumes
where it stopped, and nobody gets the same prompt twice"). The bot process is killed three times while it
sends the November prompt to a court's staff under Telegram's limit of 30 messages per second (the sandbox
enforces it, answering 429 beyond); after the last restart every person has exactly one prompt in their
chat."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from liuhen.app.usecases import monthly
from liuhen.domain.monthly import Kind, Month, Policy
from liuhen.sandbox.client import SandboxClient
from liuhen.sandbox.server import SandboxServer
from liuhen.storage.database import Database
from tests.bot.harness import TOKEN
from tests.bot.procs import BotProcess, bot_env, prepare
from tests.waiting import until

PEOPLE = 150
FIRST_USER = 70001
QUESTION = "11月是否遇到需要记录的过问、干预或接触交往？"
PROMPT_DAY = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Beijing, the first working day of December


def roster(n: int) -> str:
    rows = ["staff_id,name,department,position,role,phone,oversees"]
    rows += [f"s{i:04d},干警{i:04d},第{i % 5 + 1}庭,审判员,staff,," for i in range(n)]
    return "\n".join(rows) + "\n"


async def enrol_all(db_url: str, n: int) -> None:
    """Bind every person to a sandbox user directly (the enrolment flow has its own tests)."""
    db = Database(db_url)
    try:
        async with db.uow() as uow:
            for person in await uow.staff.list(1):
                i = int(person.staff_id[1:])
                person.telegram_user_id = person.telegram_chat_id = FIRST_USER + i
                person.enrolled_at = datetime(2026, 11, 20, tzinfo=UTC)
            await uow.commit()
        await monthly.plan(
            db.uow(),
            court_id=1,
            month=Month(2026, 11),
            kind=Kind.PROMPT,
            now=PROMPT_DAY,
            tz=ZoneInfo("Asia/Shanghai"),
            policy=Policy(),
        )
    finally:
        await db.dispose()


async def states(db_url: str) -> Counter[str]:
    db = Database(db_url)
    try:
        async with db.uow(read_only=True) as uow:
            return Counter(p.state for p in await uow.monthly.prompts(1, ["2026-11"]))
    finally:
        await db.dispose()


async def sent_at_least(sim: SandboxClient, n: int) -> None:
    async def enough() -> bool:
        return bool((await sim.stats())["sent"] >= n)

    await until(enough, timeout=60, what=f"{n} messages sent", every=0.01)


async def all_settled(db_url: str) -> bool:
    left = await states(db_url)
    return not left["pending"] and not left["sending"]


@pytest.mark.slow
async def test_every_person_gets_exactly_one_prompt_across_sigkills(db_url: str, tmp_path: Path) -> None:
    server = SandboxServer()
    await server.start("127.0.0.1", 0)
    env = bot_env(
        token=TOKEN,
        api_url=server.bot_api_url,
        file_url=server.file_url,
        data_dir=tmp_path / "data",
        db_url=db_url,
        start=PROMPT_DAY,
    )
    env.update(
        LIUHEN_MONTHLY_AUTO="false",  # the month is planned by hand above
        LIUHEN_MONTHLY_CHECK_SECONDS="0.3",
        LIUHEN_RATE_LIMIT="true",
        LIUHEN_MONTHLY_SEND_RATE="29",
    )
    await prepare(env, roster(PEOPLE), [])
    await enrol_all(db_url, PEOPLE)
    bot = BotProcess(env, tmp_path / "bot.log")
    try:
        async with SandboxClient(server.base_url, TOKEN) as sim:
            await sim.set_limits(global_per_second=30, per_chat_per_second=1)
            for i in range(PEOPLE):
                await sim.create_user(id=FIRST_USER + i, first_name=f"干警{i:04d}")
            kills = 0
            for share in (0.25, 0.5, 0.75):  # killed mid-broadcast three times
                bot.start()
                await sent_at_least(sim, int(PEOPLE * share))
                bot.kill()
                kills += 1
            bot.start()
            await until(lambda: all_settled(db_url), timeout=60, what="every prompt to be sent", every=0.1)
            assert await bot.terminate() == 0  # stopped: nothing more can come
            received = Counter()
            for i in range(PEOPLE):
                messages = await sim.bot_messages(FIRST_USER + i)
                received[sum(QUESTION in (m.get("text") or "") for m in messages)] += 1
            stats = await sim.stats()
    finally:
        bot.kill()
        await server.stop()
    final = await states(db_url)
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert kills == 3
    assert received == Counter({1: PEOPLE}), (received, final, log[-3000:])  # nobody twice, nobody missed
    assert set(final) <= {"sent", "unknown"} and final["sent"] + final["unknown"] == PEOPLE, final
    assert stats["sent"] >= PEOPLE
