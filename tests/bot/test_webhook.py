"""Webhook mode: the sandbox delivers as Telegram does; our server refuses forged updates, answers a
valid one once it is stored and handles it from there (a SIGKILL after the answer loses nothing), reports
health and readiness, drains on SIGTERM; the process locks of several instances on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot
from typer.testing import CliRunner

import liuhen.launch as cli
from liuhen.app.runtime import open_runtime
from liuhen.app.settings import Settings
from liuhen.app.usecases.records import list_records
from liuhen.app.usecases.roster import import_roster
from liuhen.bot.app import build_application, webhook
from liuhen.bot.webhook import SECRET_HEADER, WebhookOptions, WebhookServer, ensure_webhook
from liuhen.domain.clock import FixedClock
from liuhen.domain.ledger import canonical_json
from liuhen.domain.roster import parse_roster
from liuhen.sandbox import server as sandbox_server
from liuhen.sandbox.client import SandboxClient
from liuhen.sandbox.server import SandboxServer
from liuhen.storage.database import Database
from liuhen.storage.locks import ProcessLocks
from liuhen.storage.webhook_queue import Queued
from tests.bot.harness import START, TOKEN, Harness, text_of
from tests.bot.procs import prepare
from tests.bot.test_intake import png
from tests.bot.webhook_kit import HOOK_PATH, SECRET, HeldFiles, Server, WebhookProcess, free_port, webhook_env
from tests.conftest import BACKENDS, DEMO_ROSTER, premigrated
from tests.timeline import liuhen, timeline_env
from tests.waiting import until

pytestmark = pytest.mark.timeout(120)


# ------------------------------------------------------------------------------- the sandbox as Telegram


async def test_sandbox_delivers_in_order_per_chat_with_retries_and_chats_in_parallel(
    sandbox: SandboxServer, sim: SandboxClient, bot_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram posts with the secret header, posts again after a non-2xx answer or none in time, never
    posts a chat's next update before the one before was answered 2xx, and serves other chats meanwhile."""
    monkeypatch.setattr(sandbox_server, "WEBHOOK_TIMEOUT", 1.0)
    monkeypatch.setattr(sandbox_server, "BACKOFF_FIRST", 0.05)
    arrivals: list[tuple[str, str | None]] = []  # (text, secret header) in the order they came
    answered: list[str] = []
    attempts: dict[str, int] = {}
    a1_again = asyncio.Event()
    all_done = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        text = update["message"]["text"]
        arrivals.append((text, request.headers.get(SECRET_HEADER)))
        attempts[text] = attempts.get(text, 0) + 1
        if text == "a1" and attempts[text] == 1:
            # no answer in time: held until the sandbox has given up and posted it again
            await asyncio.wait_for(a1_again.wait(), 20)
            return web.Response(text="too late")
        if text == "a1" and attempts[text] == 2:
            a1_again.set()
            return web.Response(status=503)
        answered.append(text)
        if len(answered) == 4:
            all_done.set()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    async with Server(app) as receiver:
        a = (await sim.create_user(first_name="甲"))["id"]
        b = (await sim.create_user(first_name="乙"))["id"]
        for user, text in ((a, "a1"), (a, "a2"), (b, "b1"), (b, "b2")):
            await sim.send_text(user, text)
        async with aiohttp.ClientSession() as http:
            url = f"{sandbox.bot_api_url}{bot_token}/setWebhook"
            body = {"url": f"{receiver.url}/hook", "secret_token": "abc_123"}
            async with http.post(url, json=body) as response:
                assert (await response.json())["ok"]
        await asyncio.wait_for(all_done.wait(), 20)
        status = await sim.webhook()

    texts = [t for t, _ in arrivals]
    assert {s for _, s in arrivals} == {"abc_123"}
    assert [t for t in texts if t.startswith("a")] == ["a1", "a1", "a1", "a2"]  # timeout, 503, 200, next
    assert [t for t in texts if t.startswith("b")] == ["b1", "b2"]
    retried = [i for i, t in enumerate(texts) if t == "a1"][1]
    assert texts.index("b2") < retried  # chat 乙 did not wait for chat 甲's stuck update
    assert answered.index("b2") < answered.index("a1")
    assert (status["delivered"], status["failed_attempts"], status["pending_update_count"]) == (4, 2, 0)


# ----------------------------------------------------------------------------- the bot in webhook mode


@contextlib.asynccontextmanager
async def webhook_bot(
    db_url: str, tmp_path: Path, *, secret: str = SECRET
) -> AsyncIterator[tuple[Harness, WebhookServer]]:
    server = SandboxServer()
    await server.start("127.0.0.1", 0)
    config = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database_url=db_url,
        court_name="测试县人民法院",
    )
    clock = FixedClock(START)
    await premigrated(db_url)
    runtime = await open_runtime(config, clock=clock)
    await import_roster(
        runtime.db.uow(),
        court_id=runtime.court_id,
        roster=parse_roster(DEMO_ROSTER.read_text(encoding="utf-8")),
        clock=clock,
        actor="test",
    )
    app = build_application(
        runtime, token=TOKEN, base_url=server.bot_api_url, base_file_url=server.file_url, rate_limit=False
    )
    port = free_port()
    options = WebhookOptions("127.0.0.1", port, f"http://127.0.0.1:{port}{HOOK_PATH}", secret, 10.0)
    try:
        async with webhook(app, options) as hook, SandboxClient(server.base_url, TOKEN) as sim:
            yield Harness(server, sim, runtime, app, clock, itertools.count(50001)), hook
    finally:
        await runtime.close()
        await server.stop()


def forged_message(user_id: int, text: str, update_id: int = 900_001) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 9001,
            "date": int(START.timestamp()),
            "chat": {"id": user_id, "type": "private", "first_name": "张法官"},
            "from": {"id": user_id, "is_bot": False, "first_name": "张法官"},
            "text": text,
        },
    }


async def evidence_count(h: Harness) -> int:
    records = await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)
    return sum(len(r["evidence"]) for r in records)


async def test_forged_updates_get_401_and_a_valid_one_is_stored_answered_and_handled(
    db_url: str, tmp_path: Path
) -> None:
    async with webhook_bot(db_url, tmp_path) as (h, hook):
        judge = await h.enrol("j001", "张法官")  # through Telegram (the sandbox) and our webhook
        sent = await h.sim.send_text(judge, "庭长让我关照一下那个案子")
        receipt = await h.reply_after(judge, sent["message"]["message_id"])
        assert "已留存证据 #1" in text_of(receipt)
        # the evidence is the message as Telegram posted it, nothing added by the library that decoded it
        [record] = await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)
        assert await h.runtime.store.read(record["evidence"][0]["sha256"]) == canonical_json(sent["message"])
        info = await h.sim.webhook()
        assert info["url"].endswith(HOOK_PATH) and info["has_secret"]

        url = f"http://127.0.0.1:{hook.port}{HOOK_PATH}"
        update = forged_message(judge, "伪造的证据")
        before = (await evidence_count(h), await h.bot_texts(judge))
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update) as response:
                no_header = response.status
            async with http.post(url, json=update, headers={SECRET_HEADER: SECRET + "x"}) as response:
                wrong = response.status
            garbage = []
            for body in (b"{not json", b"[1, 2]", b'{"update_id": "1"}', b'{"update_id": 1, "message": 5}'):
                async with http.post(url, data=body, headers={SECRET_HEADER: SECRET}) as response:
                    garbage.append(response.status)
            after_refused = (await evidence_count(h), await h.bot_texts(judge))
            async with http.post(url, json=update, headers={SECRET_HEADER: SECRET}) as response:
                valid = response.status
            handled = await h.sim.wait_for(judge, lambda m: "已留存证据 #2" in text_of(m), timeout=10)
            async with http.get(f"http://127.0.0.1:{hook.port}/healthz") as response:
                health = (response.status, await response.text())
            async with http.get(f"http://127.0.0.1:{hook.port}/readyz") as response:
                ready = (response.status, await response.text())

        assert (no_header, wrong, garbage) == (401, 401, [400, 400, 400, 400])
        assert after_refused == before and before[0] == 1  # the refused posts stored nothing, said nothing
        assert valid == 200
        assert "伪造的证据" not in text_of(handled)  # the receipt, after the 200 (stored first)
        assert await evidence_count(h) == 2
        assert health == (200, "ok")
        assert ready == (200, "ready; scheduled jobs: leader")  # the only instance takes the lease

        # Unreachable database: not ready (the proxy stops sending updates here), still alive.
        hook.database = Database("postgresql://postgres@127.0.0.1:1/nowhere")
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{hook.port}/readyz") as response:
                unready = (response.status, await response.text())
            async with http.get(f"http://127.0.0.1:{hook.port}/healthz") as response:
                alive = response.status
        await hook.database.dispose()
        assert unready == (503, "database unreachable") and alive == 200


async def test_the_chats_a_crash_left_in_the_queue_are_handled_in_one_round(
    db_url: str, tmp_path: Path
) -> None:
    """Three judges' updates found in the queue (stored, never handled: a crash) are handled together, each
    receipted once. With other instances possible (PostgreSQL) the round takes the three chats' locks with
    one call and reads the queue once, instead of a lock and a read per chat."""
    async with webhook_bot(db_url, tmp_path) as (h, hook):
        judges = [
            await h.enrol("j001", "张法官"),
            await h.enrol("j002", "钱法官"),
            await h.enrol("h001", "李庭长"),
        ]
        before = await evidence_count(h)
        rounds: list[list[int]] = []
        one_by_one: list[int | None] = []
        reads: list[list[int]] = []
        take_many, take_one, read = hook.locks.chats, hook.locks.chat, hook.queue.pending_many

        def counted_many(chats: Any) -> Any:
            rounds.append(sorted(chats))
            return take_many(chats)

        def counted_one(chat: int | None) -> Any:
            one_by_one.append(chat)
            return take_one(chat)

        async def counted_read(chats: Any) -> Any:
            reads.append(sorted(chats))
            return await read(chats)

        hook.locks.chats, hook.locks.chat = counted_many, counted_one  # type: ignore[method-assign]
        hook.queue.pending_many = counted_read  # type: ignore[method-assign]
        left = [forged_message(judge, f"队列里的证据{n}", 900_100 + n) for n, judge in enumerate(judges)]
        await hook.queue.put_many(
            [Queued(u["update_id"], judge, json.dumps(u)) for u, judge in zip(left, judges, strict=True)]
        )
        assert await hook.sweep(timedelta(0)) == 3

        async def handled() -> bool:
            return await evidence_count(h) == before + 3

        await until(handled, what="the three updates handled")
        for judge in judges:  # each receipted once
            assert sum("已留存证据 #1" in t for t in await h.bot_texts(judge)) == 1
        if hook.locks.enabled:
            assert rounds == [sorted(judges)] and one_by_one == []
            assert reads == [sorted(judges)]
        else:  # one process: no locks, each chat read from the queue on its own
            assert rounds == [] and sorted(r[0] for r in reads) == sorted(judges)


@contextlib.asynccontextmanager
async def webhook_process(
    db_url: str, tmp_path: Path, staff_ids: list[str], **env_extra: str
) -> AsyncIterator[tuple[HeldFiles, SandboxClient, WebhookProcess, dict[str, str]]]:
    """`liuhen run --webhook` as a process on the sandbox, its file downloads held until released, ready;
    the enrolment codes of ``staff_ids``. The process is killed at the end if still running."""
    sandbox = SandboxServer()
    await sandbox.start("127.0.0.1", 0)
    port = free_port()
    try:
        async with HeldFiles(sandbox.file_url) as files, SandboxClient(sandbox.base_url, TOKEN) as sim:
            env = webhook_env(
                token=TOKEN,
                api_url=sandbox.bot_api_url,
                file_url=files.base_file_url,
                data_dir=tmp_path / "data",
                db_url=db_url,
                port=port,
                public_url=f"http://127.0.0.1:{port}{HOOK_PATH}",
            )
            env.update(env_extra)  # e.g. LIUHEN_LOG_LEVEL=DEBUG: PTB logs request parameters (the secret too)
            codes = await prepare(env, DEMO_ROSTER.read_text(encoding="utf-8"), staff_ids)
            bot = WebhookProcess(env, tmp_path / "bot.log", port)
            bot.start()
            try:
                await bot.wait_ready()
                yield files, sim, bot, codes
            finally:
                bot.kill()
    finally:
        await sandbox.stop()


async def test_sigterm_finishes_the_update_in_flight_and_refuses_new_ones(
    db_url: str, tmp_path: Path
) -> None:
    """`liuhen run --webhook` as a process: SIGTERM while a photo is being downloaded. The photo is stored
    and receipted, then the process exits 0; meanwhile readiness and a new update get 503, and that update
    is handled by the next start."""
    async with webhook_process(db_url, tmp_path, ["j001", "j002"], LIUHEN_LOG_LEVEL="DEBUG") as (
        files,
        sim,
        bot,
        codes,
    ):
        judge, colleague = [(await sim.create_user(first_name=n))["id"] for n in ("张法官", "钱法官")]
        for user, staff_id in ((judge, "j001"), (colleague, "j002")):
            await sim.send_text(user, f"/start {codes[staff_id]}")
            await sim.wait_for(user, lambda m: "已完成登记" in text_of(m), timeout=30)

        photo = await sim.send_file(judge, "photo", png("red"))
        await asyncio.wait_for(files.started.wait(), 30)  # held: the update stays in flight
        assert bot.proc is not None
        bot.proc.send_signal(signal.SIGTERM)

        async def not_ready() -> tuple[int, str] | None:
            answer = await bot.get("/readyz")
            return answer if answer[0] != 200 else None

        draining = await until(not_ready, what="readiness to end after SIGTERM")
        await sim.send_text(colleague, "刚才有人打电话过问")  # another chat: posted at once

        async def refused_once() -> dict[str, Any] | None:
            info = await sim.webhook()
            return info if info["failed_attempts"] else None

        refused = await until(refused_once, what="the new update to be refused")
        files.release.set()  # the photo arrives; the update in flight finishes
        code = await asyncio.to_thread(bot.proc.wait, 30)
        bot.proc = None
        judge_chat, colleague_chat = await sim.chat(judge), await sim.chat(colleague)
        pending = (await sim.webhook())["pending_update_count"]

        bot.start()  # the next start handles what was refused
        await sim.wait_for(colleague, lambda m: "已留存证据 #1" in text_of(m), timeout=30)
        await bot.terminate()

    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert draining == (503, "draining"), log
    assert "503" in refused["last_error_message"]  # refused while the photo was still in flight
    assert code == 0, log
    receipts = [
        text_of(m)
        for m in judge_chat
        if m.get("from_bot") and m["message_id"] > photo["message"]["message_id"]
    ]
    assert len(receipts) == 1 and "已留存证据 #1（截图/照片" in receipts[0]  # finished before the exit
    assert not any("已留存证据" in text_of(m) for m in colleague_chat)
    assert pending == 1  # the refused update waited at Telegram
    db = Database(db_url)
    try:
        records = await list_records(db.uow(read_only=True), court_id=1)
    finally:
        await db.dispose()
    assert sorted(len(r["evidence"]) for r in records) == [1, 1]
    assert all(e["state"] == "stored" for r in records for e in r["evidence"])
    assert "setWebhook" in log and SECRET not in log and TOKEN not in log  # redacted (bot/logs.py)


async def test_an_update_answered_200_survives_sigkill_and_is_handled_once_by_the_next_start(
    db_url: str, tmp_path: Path
) -> None:
    """Acknowledged once stored, before the work: SIGKILL after the 200 while the photo is being
    downloaded. Telegram keeps nothing (it had its answer); the next start finds the photo in the queue,
    stores and receipts it once."""
    async with webhook_process(db_url, tmp_path, ["j001"]) as (files, sim, bot, codes):
        judge = (await sim.create_user(first_name="张法官"))["id"]
        await sim.send_text(judge, f"/start {codes['j001']}")
        await sim.wait_for(judge, lambda m: "已完成登记" in text_of(m), timeout=30)
        photo = await sim.send_file(judge, "photo", png("blue"))
        await asyncio.wait_for(files.started.wait(), 30)  # being handled, held mid-way

        async def answered() -> dict[str, Any] | None:
            info = await sim.webhook()
            return info if info["pending_update_count"] == 0 else None

        delivered = await until(answered, what="Telegram to have its 200")
        bot.kill()  # SIGKILL: nothing is finished, nothing is said
        files.release.set()
        receipts_before = [m for m in await sim.chat(judge) if "已留存证据" in text_of(m)]

        bot.start()  # the next start handles what the queue holds
        await sim.wait_for(judge, lambda m: "已留存证据 #1（截图/照片" in text_of(m), timeout=30)
        await bot.terminate()
        chat = await sim.chat(judge)

    assert delivered["pending_update_count"] == 0 and not delivered["failed_attempts"]
    assert receipts_before == []  # killed before the receipt
    later = [m for m in chat if m["message_id"] > photo["message"]["message_id"]]
    assert [text_of(m).split("（")[0] for m in later if "已留存证据" in text_of(m)] == ["已留存证据 #1"]
    db = Database(db_url)
    try:
        records = await list_records(db.uow(read_only=True), court_id=1)
        async with db.engine.connect() as conn:
            queued = (await conn.exec_driver_sql("SELECT count(*) FROM webhook_updates")).scalar()
    finally:
        await db.dispose()
    assert [len(r["evidence"]) for r in records] == [1] and records[0]["evidence"][0]["state"] == "stored"
    assert queued == 0  # handled, then forgotten


# ------------------------------------------------------------------------------ commands and settings


def test_run_webhook_refuses_bad_settings_with_a_chinese_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("LIUHEN_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("LIUHEN_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("LIUHEN_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    cases = [
        (["run", "--webhook", "--secret-token", SECRET], "未设置公网地址"),
        (["run", "--webhook", "--url", "https://bot.example.cn/tg"], "未设置密钥"),
        (
            ["run", "--webhook", "--url", "https://bot.example.cn/tg", "--secret-token", "含空格 的密钥"],
            "密钥只能",
        ),
        (
            ["run", "--webhook", "--listen", "8088", "--url", "https://b.cn/tg", "--secret-token", "x"],
            "监听地址",
        ),
        (["run", "--url", "https://bot.example.cn/tg"], "请加上 --webhook"),
    ]
    for args, message in cases:
        result = CliRunner().invoke(cli.app, args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
    monkeypatch.setenv("LIUHEN_WEBHOOK_URL", "https://bot.example.cn/tg")
    result = runner.invoke(cli.app, ["run"])  # polling would delete the webhook the instances serve
    assert result.exit_code == 1 and "liuhen run --webhook" in result.output


async def test_webhook_set_and_info_commands(
    tmp_path: Path, sandbox: SandboxServer, sim: SandboxClient, bot_token: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")} | timeline_env()
    env.update(
        LIUHEN_TELEGRAM_TOKEN=bot_token,
        LIUHEN_TELEGRAM_BASE_URL=sandbox.bot_api_url,
        LIUHEN_DATA_DIR=str(tmp_path / "data"),
        LIUHEN_WEBHOOK_URL="http://127.0.0.1:9/telegram/update",
        LIUHEN_WEBHOOK_SECRET_TOKEN=SECRET,
    )

    async def run_liuhen(*args: str) -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            *liuhen(*args),
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await proc.communicate()
        return await proc.wait(), out.decode()

    code, out = await run_liuhen("webhook", "set")
    assert code == 0 and "已设置推送地址：http://127.0.0.1:9/telegram/update" in out, out
    info = await sim.webhook()
    assert info["url"] == "http://127.0.0.1:9/telegram/update" and info["has_secret"]
    assert info["max_connections"] == 100  # not Telegram's default of 40: every chat of a round at once
    code, out = await run_liuhen("webhook", "info")
    assert code == 0 and "http://127.0.0.1:9/telegram/update" in out and "待推送" in out, out
    assert "并发推送" in out and "100" in out
    assert SECRET not in out and bot_token not in out

    env["LIUHEN_WEBHOOK_MAX_CONNECTIONS"] = "7"
    code, out = await run_liuhen("webhook", "set")
    assert code == 0 and (await sim.webhook())["max_connections"] == 7
    env["LIUHEN_WEBHOOK_MAX_CONNECTIONS"] = "101"
    code, out = await run_liuhen("webhook", "set")
    assert code == 2 and "LIUHEN_WEBHOOK_MAX_CONNECTIONS" in out and "Traceback" not in out
    assert (await sim.webhook())["max_connections"] == 7  # nothing changed


async def test_a_start_sets_the_webhook_again_only_when_its_url_or_connections_differ(
    sandbox: SandboxServer, sim: SandboxClient, bot_token: str
) -> None:
    url = "http://127.0.0.1:9/telegram/update"
    options = WebhookOptions("127.0.0.1", 9, url, SECRET, 10.0, max_connections=100)
    async with Bot(bot_token, base_url=sandbox.bot_api_url) as bot:
        assert await ensure_webhook(bot, options) is True
        assert await ensure_webhook(bot, options) is False  # another instance, the same settings
        await bot.set_webhook(url, secret_token=SECRET, max_connections=40)  # Telegram's default
        assert await ensure_webhook(bot, options) is True
    assert (await sim.webhook())["max_connections"] == 100


# ------------------------------------------------------------------- locks of several instances


@pytest.mark.parametrize("db_url", [b for b in BACKENDS if b == "postgresql"], indirect=True)
async def test_one_scheduler_lease_and_chat_locks_across_processes(db_url: str) -> None:
    db = Database(db_url)
    first, second = ProcessLocks(db.engine), ProcessLocks(db.engine)
    try:
        assert await first.leader() and not await second.leader()
        assert await first.leader() and not await second.leader()  # kept, not taken over
        order: list[str] = []
        refusals: list[int] = []  # the second's tries at chat 4242 that found it held
        ask = second._scalar

        async def watched(sql: str, **params: Any) -> Any:
            result = await ask(sql, **params)
            if "pg_try_advisory_lock" in sql and params.get("k") == 4242 and not result:
                refusals.append(4242)
            return result

        second._scalar = watched  # type: ignore[method-assign]

        async def second_handles_chat() -> None:
            async with second.chat(4242):
                order.append("second")

        async with first.chat(4242):
            task = asyncio.create_task(second_handles_chat())
            async with second.chat(4343):  # another chat is not held up
                order.append("other chat")
            await until(lambda: refusals, what="the second instance to find chat 4242 held")
            order.append("first")
        await asyncio.wait_for(task, 5)
        assert order == ["other chat", "first", "second"]

        await first.close()  # the holder ends (a SIGKILL closes its connection the same way)
        assert await second.leader()
        assert not first.is_leader
    finally:
        await first.close()
        await second.close()
        await db.dispose()


@pytest.mark.parametrize("db_url", [b for b in BACKENDS if b == "postgresql"], indirect=True)
async def test_a_rounds_chat_locks_are_taken_and_let_go_together_leaving_out_a_held_one(db_url: str) -> None:
    """A round of the webhook locks its chats in one statement: a chat another instance holds is left out
    (waited for on its own), and when the round ends every lock it took is free again."""
    db = Database(db_url)
    first, second = ProcessLocks(db.engine), ProcessLocks(db.engine)
    statements: list[str] = []
    ask = second._on_connection

    async def counted(run: Any) -> Any:
        statements.append("one")
        return await ask(run)

    second._on_connection = counted  # type: ignore[method-assign]
    try:
        async with first.chat(4242):
            async with second.chats([4141, 4242, 4343, 4141]) as free:
                assert free == {4141, 4343}  # 4242 is the first's
                assert len(statements) == 1
                async with first.chats([4141, 4343]) as taken:
                    assert taken == set()  # held by the round
            assert len(statements) == 2  # all let go in one
        async with first.chats([4141, 4242, 4343]) as free:
            assert free == {4141, 4242, 4343}
        async with second.chats([]) as free:
            assert free == set()
    finally:
        await first.close()
        await second.close()
        await db.dispose()


@pytest.mark.parametrize("db_url", [b for b in BACKENDS if b == "postgresql"], indirect=True)
async def test_two_instances_started_together_on_a_new_database(db_url: str, tmp_path: Path) -> None:
    """Both migrate the empty database at once (as after an upgrade): one waits for the other, both serve."""
    sandbox = SandboxServer()
    await sandbox.start("127.0.0.1", 0)
    ports = [free_port(), free_port()]
    bots = [
        WebhookProcess(
            webhook_env(
                token=TOKEN,
                api_url=sandbox.bot_api_url,
                file_url=sandbox.file_url,
                data_dir=tmp_path / "data",
                db_url=db_url,
                port=port,
                public_url=f"http://127.0.0.1:{ports[0]}{HOOK_PATH}",
            ),
            tmp_path / f"bot{n}.log",
            port,
        )
        for n, port in enumerate(ports)
    ]
    try:
        for bot in bots:
            bot.start()
        roles = sorted([await bot.wait_ready() for bot in bots])
        codes = [await bot.terminate() for bot in bots]
    finally:
        for bot in bots:
            bot.kill()
        await sandbox.stop()
    assert roles == ["ready; scheduled jobs: leader", "ready; scheduled jobs: standby"]
    assert codes == [0, 0]
