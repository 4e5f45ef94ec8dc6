"""Two `liuhen run --webhook` instances on one PostgreSQL database behind a round-robin proxy.

Twenty people send evidence (texts and photos) and ten of them answer questions, while the instance
holding the scheduler lease is killed with SIGKILL half-way. Afterwards: every receipt a person saw names
evidence whose file is on disk with its hash and whose row is in the database; no update was lost or
applied twice (evidence rows, inbox, ledger entries); the ledger chain is intact; and every draft reminder
that fell due was sent exactly once — those due before the kill by the first instance, those due after it
by the survivor, which took the lease over — and none twice: two more people's drafts fall due last, and
their reminders come from runs of the job after all the others were sent. (The kill is not placed between
a reminder's send and its mark in the database: in that window, which no design can close without an
idempotency key at Telegram, the reminder is sent again two minutes later.)
"""

from __future__ import annotations

import asyncio
import io
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import func, select

from liuhen.app.usecases.deadlines import set_calendar_day
from liuhen.app.usecases.records import list_records
from liuhen.domain.records import Record, RecordStatus
from liuhen.evidence.store import FileEvidenceStore
from liuhen.sandbox.client import SandboxClient
from liuhen.sandbox.server import SandboxServer
from liuhen.storage import tables as t
from liuhen.storage.database import Database
from tests.bot.harness import TOKEN, text_of
from tests.bot.procs import prepare
from tests.bot.test_crash import RECEIPT
from tests.bot.webhook_kit import HOOK_PATH, RoundRobinProxy, WebhookProcess, free_port, webhook_env
from tests.conftest import BACKENDS, DEMO_ROSTER
from tests.timeline import Timeline, liuhen, same_timeline
from tests.waiting import until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

BEIJING = ZoneInfo("Asia/Shanghai")
USERS = 20
EARLY = range(1, 6)  # evidence only, quickly; their drafts fall due before the kill
LATE = range(6, 11)  # evidence only, paced; their drafts fall due after the kill
ANSWERING = range(11, 21)  # evidence and questions, paced
PROBES = (21, 22)  # two more people, after the others: one item each, then their drafts fall due
WAIT = 90.0  # a reply may wait for Telegram's retry after the kill
REMINDER = ("提醒：记录尚未完成", "明天就到")


def roster() -> str:
    rows = [DEMO_ROSTER.read_text(encoding="utf-8").rstrip("\n")]
    rows += [
        f"t{i:02d},测试法官{i:02d},民事审判第一庭,审判员,staff,138{i:08d},"
        for i in (*range(1, USERS + 1), *PROBES)
    ]
    return "\n".join(rows) + "\n"


def image(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (seed * 7 % 256, seed * 13 % 256, seed * 29 % 256)).save(buf, "PNG")
    return buf.getvalue()


def labels(m: dict[str, Any]) -> list[str]:
    return [b["text"] for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def title(m: dict[str, Any]) -> str:
    first = text_of(m).splitlines()[0] if text_of(m) else ""
    return first.split("】", 1)[1].split("（还差")[0] if "】" in first else first


def is_question(m: dict[str, Any]) -> bool:
    return bool(m.get("from_bot")) and text_of(m).startswith(("【LH-", "⚠️"))


@dataclass
class Person:
    index: int
    chat: int
    items: int
    pace: float
    answers: bool
    done: asyncio.Event = field(default_factory=asyncio.Event)
    reopened: int = 0  # questions asked again because an edit was lost with the killed instance

    @property
    def staff_id(self) -> str:
        return f"t{self.index:02d}"


class Crowd:
    def __init__(self, sim: SandboxClient, rng: random.Random, clock: Timeline) -> None:
        self.sim, self.rng, self.clock = sim, rng, clock
        self.receipts = 0

    async def live(self, p: Person, code: str) -> None:
        sim = self.sim
        await sim.send_text(p.chat, f"/start {code}")
        await sim.wait_for(p.chat, lambda m: "已完成登记" in text_of(m), timeout=WAIT)
        for i in range(1, p.items + 1):
            if i % 2:
                await sim.send_text(p.chat, f"测试法官{p.index:02d} 第 {i} 条：有人打招呼，请关照那个案子")
            else:
                await sim.send_file(p.chat, "photo", image(p.index * 100 + i))
            receipt = await sim.wait_for(p.chat, f"已留存证据 #{i}（", timeout=WAIT)
            self.receipts += 1
            if p.answers and i == 2:
                await self.answer_questions(p, receipt)
            await asyncio.sleep(self.rng.uniform(0, p.pace))
        p.done.set()

    async def answer_questions(self, p: Person, receipt: dict[str, Any]) -> None:
        """记录类型 by button, 过问时间 typed (过问方式 if asked); then 稍后 (typed text is evidence)."""
        m = await self.open_questions(p, receipt)
        for _ in range(12):
            t = title(m)
            if t == "记录类型":
                m = await self.press(p, receipt, m, "外部人员过问")
            elif t == "过问时间":
                typed = (self.clock.now() - timedelta(minutes=10)).astimezone(BEIJING).strftime("%m-%d %H:%M")
                await self.sim.send_text(p.chat, typed)
                m = await self.sim.wait_for(p.chat, is_question, timeout=WAIT)
            elif t == "过问方式":
                m = await self.press(p, receipt, m, "电话")
            else:
                await self.sim.press(p.chat, m["message_id"], text="稍后")
                return  # Telegram keeps a chat's updates in order: the 稍后 is handled before any later text
        raise AssertionError(f"questions did not end: {text_of(m)}")

    async def open_questions(self, p: Person, receipt: dict[str, Any]) -> dict[str, Any]:
        for _ in range(3):
            await self.sim.press(p.chat, receipt["message_id"], text="开始补充")
            try:
                return await self.sim.wait_for(p.chat, is_question, timeout=WAIT / 3)
            except TimeoutError:
                p.reopened += 1  # pressed on the killed instance after the press was stored: again
        raise AssertionError("no question after 开始补充")

    async def press(
        self, p: Person, receipt: dict[str, Any], m: dict[str, Any], label: str
    ) -> dict[str, Any]:
        assert label in labels(m), (label, labels(m), text_of(m))
        before = (text_of(m), labels(m))

        def changed(x: dict[str, Any]) -> bool:
            return x["message_id"] == m["message_id"] and (text_of(x), labels(x)) != before

        await self.sim.press(p.chat, m["message_id"], text=label)
        try:
            return await self.sim.wait_for(p.chat, changed, timeout=WAIT / 3)
        except TimeoutError:
            # The instance died after storing the answer and before editing the question; the replay of
            # the press finds its button used ("已处理") and edits nothing. A person presses 开始补充 again.
            p.reopened += 1
            return await self.open_questions(p, receipt)


async def age_drafts(db_url: str, staff_ids: list[str], today: date) -> dict[str, str]:
    """Backdate these people's drafts so that exactly one reminder is due now: created two days ago at
    10:00 (every day a working day, see below), the deadline is tonight 23:59:59, half-way was yesterday
    17:00 and the day-before reminder is due from 08:00 today (seed 002 §6)."""
    created = datetime.combine(today - timedelta(days=2), datetime.min.time(), BEIJING).replace(hour=10)
    db = Database(db_url)
    try:
        # through a unit of work, as a data fix by the operator would be: the change is sealed in the
        # ledger (an edit behind its back is what `liuhen verify` reports)
        async with db.uow() as uow:
            staff = {
                row.staff_id: row.id
                for row in await uow.session.execute(
                    select(t.staff.c.staff_id, t.staff.c.id).where(t.staff.c.staff_id.in_(staff_ids))
                )
            }
            records = (
                await uow.session.scalars(select(Record).where(t.records.c.recorder_id.in_(staff.values())))
            ).all()
            for record in records:
                if record.status == RecordStatus.DRAFT:
                    record.created_at = record.last_evidence_at = created.astimezone(UTC)
            await uow.ledger.append(
                actor="test",
                action="test.age_drafts",
                object_type="record",
                object_id="*",
                payload={"created_at": created.isoformat()},
            )
            await uow.commit()
            by_pk = {pk: sid for sid, pk in staff.items()}
            return {by_pk[r.recorder_id]: r.number for r in records}
    finally:
        await db.dispose()


async def every_day_a_workday(db_url: str, around: date) -> None:
    """So that the deadlines above hold on any day of the year (weekends, 春节) the test runs."""
    db = Database(db_url)
    try:
        for offset in range(-5, 6):
            day = around + timedelta(days=offset)
            await set_calendar_day(db.uow(), court_id=1, day=day, workday=True, actor="test")
    finally:
        await db.dispose()


async def all_reminders_marked(db_url: str) -> bool:
    """True when every claimed draft reminder is marked sent."""
    db = Database(db_url)
    try:
        async with db.engine.connect() as conn:
            unsent = await conn.scalar(
                select(func.count()).where(
                    t.notices.c.key.like("draft:%"),
                    t.notices.c.chat_id.is_not(None),
                    t.notices.c.sent_at.is_(None),
                )
            )
        return unsent == 0
    finally:
        await db.dispose()


async def reminders_in(sim: SandboxClient, chat: int, number: str) -> list[str]:
    return [
        text_of(m)
        for m in await sim.chat(chat)
        if m.get("from_bot") and number in text_of(m) and any(k in text_of(m) for k in REMINDER)
    ]


async def run_liuhen(env: dict[str, str], *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *liuhen(*args),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return await proc.wait(), out.decode(errors="replace")


@pytest.mark.parametrize("db_url", [b for b in BACKENDS if b == "postgresql"], indirect=True)
async def test_two_instances_one_killed_nothing_lost_nothing_doubled(db_url: str, tmp_path: Path) -> None:
    rng = random.Random(20261212)
    sandbox = SandboxServer()
    await sandbox.start("127.0.0.1", 0)
    ports = [free_port(), free_port()]
    bots: list[WebhookProcess] = []
    data_dir = tmp_path / "data"  # shared by both instances (one host here; shared storage in production)
    try:
        async with RoundRobinProxy([f"http://127.0.0.1:{p}" for p in ports]) as proxy:
            envs = [
                webhook_env(
                    token=TOKEN,
                    api_url=sandbox.bot_api_url,
                    file_url=sandbox.file_url,
                    data_dir=data_dir,
                    db_url=db_url,
                    port=port,
                    public_url=proxy.url + HOOK_PATH,
                )
                | {"LIUHEN_REMINDER_CHECK_SECONDS": "1", "LIUHEN_DOWNLOAD_RETRY_SECONDS": "2"}
                for port in ports
            ]
            envs[1] |= same_timeline(envs[0])
            clock = Timeline(envs[0])
            today = clock.now().astimezone(BEIJING).date()  # Monday; the instances' clocks run from there
            codes = await prepare(envs[0], roster(), [f"t{i:02d}" for i in (*range(1, USERS + 1), *PROBES)])
            await every_day_a_workday(db_url, today)
            bots = [
                WebhookProcess(env, tmp_path / f"bot{n}.log", port)
                for n, (env, port) in enumerate(zip(envs, ports, strict=True))
            ]
            for bot in bots:
                bot.start()
            roles = [await bot.wait_ready() for bot in bots]
            assert sorted(roles) == ["ready; scheduled jobs: leader", "ready; scheduled jobs: standby"]
            leader, survivor = (bots[0], bots[1]) if roles[0].endswith("leader") else (bots[1], bots[0])

            async with SandboxClient(sandbox.base_url, TOKEN) as sim:
                people = []
                for i in range(1, USERS + 1):
                    chat = (await sim.create_user(first_name=f"测试法官{i:02d}"))["id"]
                    early = i in EARLY
                    people.append(Person(i, chat, 4 if early else 8, 0.0 if early else 1.2, i in ANSWERING))
                crowd = Crowd(sim, rng, clock)
                lives = [asyncio.create_task(crowd.live(p, codes[p.staff_id])) for p in people]
                total = sum(p.items for p in people)
                try:
                    # Before the kill: the early drafts fall due, the leader reminds each person once.
                    await until(
                        lambda: all(p.done.is_set() for p in people if p.index in EARLY),
                        timeout=WAIT,
                        what="early people",
                    )
                    early = await age_drafts(db_url, [f"t{i:02d}" for i in EARLY], today)

                    async def early_reminded() -> bool:
                        return all(
                            [await reminders_in(sim, people[i - 1].chat, early[f"t{i:02d}"]) for i in EARLY]
                        )

                    await until(early_reminded, timeout=30, what="reminders before the kill")
                    # Not between a reminder's send and its mark: that one crash window sends it again after
                    # two minutes (Telegram has no idempotency key; docs/architecture.md items 15, 28).
                    await until(
                        lambda: all_reminders_marked(db_url), timeout=10, what="reminders marked sent"
                    )
                    await until(
                        lambda: crowd.receipts >= total // 2, timeout=WAIT * 2, what="half of the receipts"
                    )
                    receipts_at_kill = crowd.receipts
                    served_before_kill = dict(proxy.by_backend)
                    leader.kill()  # SIGKILL, mid-traffic

                    # After the kill: the late drafts fall due; only the survivor can remind them.
                    await until(
                        lambda: all(p.done.is_set() for p in people if p.index in LATE),
                        timeout=WAIT * 3,
                        what="late people",
                    )
                    late = await age_drafts(db_url, [f"t{i:02d}" for i in LATE], today)

                    async def late_reminded() -> bool:
                        return all(
                            [await reminders_in(sim, people[i - 1].chat, late[f"t{i:02d}"]) for i in LATE]
                        )

                    await until(late_reminded, timeout=60, what="reminders after the kill")
                    await asyncio.wait_for(asyncio.gather(*lives), WAIT * 4)
                finally:
                    for life in lives:
                        life.cancel()
                # Nothing may come twice: two probes, one after the other, each a draft that falls due now.
                # The run of the reminder job that reminds the second began after the first was reminded,
                # so it read the reminders above as they stand; anything it would send again is sent by then.
                probes: dict[str, str] = {}
                for i in PROBES:
                    probe = Person(
                        i, (await sim.create_user(first_name=f"测试法官{i:02d}"))["id"], 1, 0.0, False
                    )
                    await crowd.live(probe, codes[probe.staff_id])
                    people.append(probe)
                    aged = await age_drafts(db_url, [probe.staff_id], today)

                    async def probe_reminded(
                        chat: int = probe.chat, number: str = aged[probe.staff_id]
                    ) -> bool:
                        return bool(await reminders_in(sim, chat, number))

                    await until(probe_reminded, timeout=60, what=f"the reminder of probe {probe.staff_id}")
                    probes |= aged
                total += len(PROBES)
                survivor_role = (await survivor.get("/readyz"))[1]
                chats = {p.index: await sim.chat(p.chat) for p in people}
                stats = await sim.stats()
                hook = await sim.webhook()
            assert await survivor.terminate() == 0
    finally:
        for bot in bots:
            bot.kill()
        await sandbox.stop()

    logs = "\n".join((tmp_path / f"bot{n}.log").read_text(errors="replace") for n in range(2))
    assert 0 < receipts_at_kill < total - len(PROBES), "the kill came half-way"
    assert all(served_before_kill.values()), served_before_kill  # both instances served before it
    assert survivor_role == "ready; scheduled jobs: leader"  # the lease moved to the survivor
    assert stats["updates_pending"] == 0  # Telegram (the sandbox) delivered every update in the end

    db = Database(db_url)
    try:
        records = await list_records(db.uow(read_only=True), court_id=1)
        async with db.engine.connect() as conn:
            evidence = (await conn.execute(select(t.evidence.c.update_id, t.evidence.c.state))).all()
            inbox = set((await conn.scalars(select(t.inbox.c.update_id))).all())
            ledger = Counter(
                (row.action, row.object_id, (row.payload or {}).get("field"))
                for row in await conn.execute(
                    select(t.ledger.c.action, t.ledger.c.object_id, t.ledger.c.payload)
                )
            )
            notices = (
                await conn.execute(
                    select(t.notices.c.key, t.notices.c.sent_at).where(
                        t.notices.c.key.like("draft:%"), t.notices.c.chat_id.is_not(None)
                    )
                )
            ).all()
    finally:
        await db.dispose()

    # Every receipt a person saw: its evidence row, and its file on disk with that hash.
    by_number = {r["number"]: r for r in records}
    store = FileEvidenceStore(data_dir / "evidence")
    seen = 0
    for p in people:
        for m in chats[p.index]:
            found = RECEIPT.search(text_of(m)) if m.get("from_bot") else None
            if found is None:
                continue
            seq, head, tail, number = found.groups()
            item = by_number[number]["evidence"][int(seq) - 1]
            assert item["sha256"].startswith(head) and item["sha256"].endswith(tail)
            assert (await store.verify(item["sha256"])).ok
            seen += 1
    assert seen >= total

    # Nothing lost, nothing applied twice.
    assert len(evidence) == total and len({e.update_id for e in evidence}) == total
    assert all(e.state == "stored" for e in evidence)
    assert {e.update_id for e in evidence} <= inbox
    assert sum(n for (action, _, _), n in ledger.items() if action == "evidence.add") == total
    assert len(records) == USERS + len(PROBES)  # one draft each: no item opened a second one
    for p in people:
        [record] = [r for r in records if r["recorder"] == p.staff_id]
        if p.answers:
            answered = {
                f: ledger[("record.answer", record["number"], f)]
                for f in ("record_type", "intervention_time", "method")
            }
            # each answer applied exactly once across the kill; the method is not asked: the screenshot
            # suggests 微信, shown 〔推断〕 until the record is submitted (no answer of the recorder's own)
            assert answered == {"record_type": 1, "intervention_time": 1, "method": 0}, (p.staff_id, answered)

    # Every reminder due was sent exactly once; nobody else was reminded.
    due = {**early, **late, **probes}
    for p in people:
        number = by_number_of(records, p.staff_id)
        reminded = [
            text_of(m)
            for m in chats[p.index]
            if m.get("from_bot") and number in text_of(m) and any(k in text_of(m) for k in REMINDER)
        ]
        assert len(reminded) == (1 if p.staff_id in due else 0), (p.staff_id, reminded)
    assert len(notices) == len(due) and all(n.sent_at is not None for n in notices)

    # The ledger both instances appended to is one intact chain.
    code, out = await run_liuhen(bots[0].env, "verify", "--json")
    assert code == 0, out
    assert TOKEN not in logs and "s3cret" not in logs
    reopened = sum(p.reopened for p in people)
    print(
        f"receipts at the kill: {receipts_at_kill}/{total}; questions asked again: {reopened}; "
        f"by backend: {served_before_kill}; failed deliveries: {hook['failed_attempts']}"
    )


def by_number_of(records: list[dict[str, Any]], staff_id: str) -> str:
    [record] = [r for r in records if r["recorder"] == staff_id]
    return str(record["number"])
