"""The real liuhen Application against the sandbox Bot API over HTTP, as a user meets it."""

from __future__ import annotations

import contextlib
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent

from liuhen.app.runtime import Runtime, open_runtime
from liuhen.app.settings import Settings
from liuhen.app.usecases import enrolment
from liuhen.app.usecases.roster import import_roster
from liuhen.bot.app import LiuhenApp, build_application, polling
from liuhen.domain.clock import FixedClock
from liuhen.domain.roster import parse_roster
from liuhen.sandbox.client import SandboxClient
from liuhen.sandbox.server import SandboxServer
from tests.conftest import DEMO_ROSTER, premigrated
from tests.timeline import START
from tests.waiting import until

TOKEN = "123456789:TEST-token-for-the-sandbox-aaaaaaaaaaaa"

Message = dict[str, Any]


@dataclass
class Harness:
    server: SandboxServer
    sim: SandboxClient
    runtime: Runtime
    app: LiuhenApp
    clock: FixedClock
    _ids: itertools.count[int]
    job_runs: Counter[str] = field(default_factory=Counter)  # finished runs of each scheduled job, by name

    def __post_init__(self) -> None:
        if self.app.job_queue is not None:
            scheduler = self.app.job_queue.scheduler

            def finished(event: JobExecutionEvent) -> None:
                job = scheduler.get_job(event.job_id)
                if job is not None:
                    self.job_runs[job.name] += 1

            scheduler.add_listener(finished, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def new_user_id(self) -> int:
        return next(self._ids)

    async def invite(self, staff_id: str) -> str:
        rt = self.runtime
        inv = await enrolment.issue_invite(
            rt.db.uow(), court_id=rt.court_id, staff_id=staff_id, clock=self.clock, actor="test"
        )
        return inv.code

    async def user(self, name: str = "访客") -> int:
        user_id = self.new_user_id()
        await self.sim.create_user(id=user_id, first_name=name)
        return user_id

    async def say(self, user_id: int, text: str, **kwargs: Any) -> Message:
        """Send text and return the bot's next message (new or edited) after it."""
        sent = await self.sim.send_text(user_id, text, **kwargs)
        return await self.reply_after(user_id, sent["message"]["message_id"])

    async def reply_after(self, user_id: int, message_id: int, wait: float = 10.0) -> Message:
        def newer(m: Message) -> bool:
            return bool(m.get("from_bot")) and m["message_id"] > message_id

        return await self.sim.wait_for(user_id, newer, timeout=wait)

    async def enrol(self, staff_id: str, name: str | None = None) -> int:
        user_id = await self.user(name or staff_id)
        reply = await self.say(user_id, f"/start {await self.invite(staff_id)}")
        assert "已完成登记" in reply["text"], reply
        return user_id

    async def answer_to_press(self, user_id: int, message_id: int, wait: float = 10.0, **press: Any) -> str:
        """Press a button; the text of the answer (toast or alert) the bot gives the press."""
        after = int((await self.sim.press(user_id, message_id, **press))["seq"])
        deadline = time.monotonic() + wait
        while (remaining := deadline - time.monotonic()) > 0:
            for event in await self.sim.events(user_id, after, remaining):
                after = int(event["seq"])
                if event["type"] == "callback_answer":
                    return str(event["answer"].get("text") or "")
        raise AssertionError(f"no answer to the press within {wait} s:\n{await self.sim.transcript(user_id)}")

    async def handled(self) -> None:
        """Returns once the bot has handled every update sent so far (it asked for the next ones)."""

        async def nothing_pending() -> bool:
            return (await self.sim.stats())["updates_pending"] == 0

        await until(nothing_pending, what="the bot to handle every update")

    async def jobs_ran(self, *names: str, times: int = 2, wait: float = 10.0) -> None:
        """Returns once each named scheduled job has finished ``times`` more runs. Two runs (the default)
        mean one whole run that began after the call: what it would send has been sent."""
        goal = {name: self.job_runs[name] + times for name in names}
        await until(
            lambda: all(self.job_runs[name] >= n for name, n in goal.items()),
            timeout=wait,
            what=f"{times} runs of {', '.join(names)}",
        )

    async def bot_texts(self, user_id: int) -> list[str]:
        return [
            m.get("text") or m.get("caption") or "" for m in await self.sim.chat(user_id) if m.get("from_bot")
        ]


@contextlib.asynccontextmanager
async def start_harness(
    db_url: str, tmp_path: Path, *, roster: str | None = None, settings: dict[str, Any] | None = None
) -> AsyncIterator[Harness]:
    server = SandboxServer()
    await server.start("127.0.0.1", 0)
    config = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database_url=db_url,
        court_name="测试县人民法院",
        **(settings or {}),
    )
    clock = FixedClock(START)
    await premigrated(db_url)
    runtime = await open_runtime(config, clock=clock)
    text = roster if roster is not None else DEMO_ROSTER.read_text(encoding="utf-8")
    await import_roster(
        runtime.db.uow(), court_id=runtime.court_id, roster=parse_roster(text), clock=clock, actor="test"
    )
    app = build_application(
        runtime, token=TOKEN, base_url=server.bot_api_url, base_file_url=server.file_url, rate_limit=False
    )
    try:
        async with polling(app, poll_timeout=1), SandboxClient(server.base_url, TOKEN) as sim:
            yield Harness(server, sim, runtime, app, clock, itertools.count(50001))
    finally:
        await runtime.close()
        await server.stop()


def text_of(message: Message) -> str:
    return str(message.get("text") or message.get("caption") or "")


Predicate = Callable[[Message], bool]
