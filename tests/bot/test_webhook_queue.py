"""The webhook's queue on its own (bot/webhook.py, storage/webhook_queue.py), with a stand-in for the
application: an update is answered 200 once stored; the stored updates of a chat are handled in order, a
handling that raises is tried again before anything later of that chat and never lost; a Telegram retry of
a stored update stores nothing twice; what a previous run left is handled at start; an update that keeps
failing is given up after five tries and the chat goes on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
from sqlalchemy import text

from liuhen.bot.webhook import SECRET_HEADER, WebhookOptions, WebhookServer
from liuhen.storage.database import Database
from liuhen.storage.locks import ProcessLocks
from liuhen.storage.webhook_queue import MAX_ATTEMPTS, Queued
from tests.bot.test_webhook import forged_message
from tests.waiting import until

SECRET = "queue-test-secret"
CHAT = 50_001
OTHER = 50_002


class Passthrough:
    async def process_update(self, update: object, coroutine: Any) -> None:
        await coroutine


@dataclass
class StandIn:
    """What the webhook server asks of the PTB application: the handled updates, in order; the ids in
    ``failing`` raise that many more times."""

    handled: list[int] = field(default_factory=list)
    tried: list[int] = field(default_factory=list)
    failing: dict[int, int] = field(default_factory=dict)
    bot: Any = None
    running: bool = True
    bot_data: dict[Any, Any] = field(default_factory=dict)
    update_processor: Passthrough = field(default_factory=Passthrough)

    async def process_update(self, update: Any) -> None:
        self.tried.append(update.update_id)
        if self.failing.get(update.update_id, 0) > 0:
            self.failing[update.update_id] -= 1
            raise RuntimeError("the handling failed")
        self.handled.append(update.update_id)


async def serve(db: Database, app: StandIn) -> WebhookServer:
    options = WebhookOptions("127.0.0.1", 0, "http://127.0.0.1/hook", SECRET)
    server = WebhookServer(app, options=options, locks=ProcessLocks(db.engine), database=db)
    await server.start()
    return server


async def post(server: WebhookServer, update: dict[str, Any]) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"http://127.0.0.1:{server.port}/hook", json=update, headers={SECRET_HEADER: SECRET}
        ) as response,
    ):
        return response.status


async def stored(db: Database) -> list[tuple[int, int]]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(text("SELECT update_id, attempts FROM webhook_updates ORDER BY update_id"))
        return [(r[0], r[1]) for r in rows]


async def stop(server: WebhookServer) -> None:
    await server.drain(5)
    await server.stop()
    await server.locks.close()


async def test_a_failed_handling_is_tried_again_before_the_chats_next_update(db: Database) -> None:
    app = StandIn(failing={1: 1})
    server = await serve(db, app)
    try:
        assert await post(server, forged_message(CHAT, "一", update_id=1)) == 200
        await until(lambda: app.tried == [1], what="the first handling")

        async def counted() -> bool:
            return await stored(db) == [(1, 1)]

        await until(counted, what="the failure counted")  # answered 200, failed, kept: nothing lost
        assert app.handled == []
        assert await post(server, forged_message(CHAT, "二", update_id=2)) == 200
        assert await post(server, forged_message(CHAT, "二", update_id=2)) == 200  # Telegram's retry
        assert await post(server, forged_message(OTHER, "别人", update_id=3)) == 200
        await until(lambda: sorted(app.handled) == [1, 2, 3], what="every update handled")
    finally:
        await stop(server)
    assert [u for u in app.handled if u != 3] == [1, 2]  # the chat's order kept
    assert app.tried.count(2) == 1  # the retried post stored nothing twice
    assert await stored(db) == []  # handled, then forgotten


async def test_what_a_previous_run_stored_is_handled_at_start(db: Database) -> None:
    import json

    bodies = [forged_message(CHAT, str(n), update_id=n) for n in (7, 5, 6)]
    server = await serve(db, StandIn())
    await server.queue.put_many([Queued(b["update_id"], CHAT, json.dumps(b)) for b in bodies])
    await stop(server)  # left stored, as by a process killed after its 200s

    app = StandIn()
    server = await serve(db, app)
    try:
        await until(lambda: len(app.handled) == 3, what="the stored updates handled")
    finally:
        await stop(server)
    assert app.handled == [5, 6, 7]
    assert await stored(db) == []


async def test_an_update_that_keeps_failing_is_given_up_and_the_chat_goes_on(db: Database) -> None:
    app = StandIn(failing={1: 100})
    server = await serve(db, app)
    try:
        for n in range(1, MAX_ATTEMPTS + 2):  # each arrival of the chat tries the failed one first
            assert await post(server, forged_message(CHAT, str(n), update_id=n)) == 200
            await until(lambda n=n: app.tried.count(1) >= min(n, MAX_ATTEMPTS), what="another try")
        await until(lambda: app.handled == list(range(2, MAX_ATTEMPTS + 2)), what="the rest handled")
    finally:
        await stop(server)
    assert app.tried.count(1) == MAX_ATTEMPTS
    assert await stored(db) == [(1, MAX_ATTEMPTS)]  # kept for the operator, never handled out of turn
