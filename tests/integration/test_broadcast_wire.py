"""The monthly broadcast's requests over the bot's aiohttp client (bot/broadcast.py `wire_tracing`): a row
is in the wire log on disk before its request can reach Telegram, a request that never left marks nothing,
and only the broadcast's rows wait for the rate limiter (docs/architecture.md, "Broadcast at most once")."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiolimiter import AsyncLimiter
from telegram.error import NetworkError
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from liuhen.bot import broadcast
from liuhen.bot.broadcast import WireLog, wire_tracing
from liuhen.bot.http import AiohttpRequest
from tests.bot.webhook_kit import Server, bot_api_fields
from tests.waiting import until


def send_message(text: str) -> RequestData:
    return RequestData(
        [RequestParameter.from_input("chat_id", 42), RequestParameter.from_input("text", text)]
    )


@pytest.fixture
def wire(tmp_path: Path) -> WireLog:
    log = WireLog(tmp_path / "broadcast-wire")
    log.open()
    return log


def logged(wire: WireLog) -> list[str]:
    return (wire.dir / f"{wire.sender}.wire").read_text(encoding="ascii").splitlines()[1:]


@pytest.fixture
async def telegram(wire: WireLog) -> AsyncIterator[tuple[str, list[tuple[str, list[str], float]]]]:
    """A Bot API stand-in that notes, for each request it gets, what the wire log said at that moment."""
    seen: list[tuple[str, list[str], float]] = []

    async def send(request: web.Request) -> web.Response:
        fields = await bot_api_fields(request)
        seen.append((str(fields["text"]), logged(wire), time.monotonic()))
        return web.json_response({"ok": True, "result": {"message_id": len(seen)}})

    app = web.Application()
    app.router.add_post("/sendMessage", send)
    async with Server(app) as server:
        yield f"{server.url}/sendMessage", seen


async def post(request: AiohttpRequest, url: str, row: int | None, text: str) -> int:
    token = broadcast._CURRENT.set(row)
    try:
        status, _ = await request.do_request(url, "POST", send_message(text))
        return status
    finally:
        broadcast._CURRENT.reset(token)


async def test_a_row_is_in_the_wire_log_before_its_request_arrives(
    wire: WireLog, telegram: tuple[str, list[tuple[str, list[str], float]]]
) -> None:
    url, seen = telegram
    request = AiohttpRequest(trace_configs=[wire_tracing(wire, AsyncLimiter(100, 1))])
    await request.initialize()
    try:
        assert await post(request, url, 7, "提示 7") == 200
        assert await post(request, url, None, "不是广播") == 200  # e.g. the notice's further parts
        assert await post(request, url, 8, "提示 8") == 200
    finally:
        await request.shutdown()
    assert [(text, marks) for text, marks, _ in seen] == [
        ("提示 7", ["7"]),
        ("不是广播", ["7"]),
        ("提示 8", ["7", "8"]),
    ]
    assert wire.left == {7, 8} and logged(wire) == ["7", "8"]


async def test_a_request_that_never_left_marks_nothing(wire: WireLog) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    request = AiohttpRequest(trace_configs=[wire_tracing(wire, AsyncLimiter(100, 1))])
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await post(request, f"http://127.0.0.1:{port}/sendMessage", 9, "到不了")
    finally:
        await request.shutdown()
    assert wire.left == set() and logged(wire) == []  # sent again after a restart: pending


class HeldLimiter(AsyncLimiter):
    """A rate limiter that gives no slot until ``open`` is set; ``waiting`` counts the requests at it."""

    def __init__(self) -> None:
        super().__init__(1, 1)
        self.waiting = 0
        self.open = asyncio.Event()

    async def acquire(self, amount: float = 1) -> None:
        self.waiting += 1
        await self.open.wait()


async def test_only_the_rows_wait_for_the_limiter(
    wire: WireLog, telegram: tuple[str, list[tuple[str, list[str], float]]]
) -> None:
    url, seen = telegram
    limiter = HeldLimiter()
    request = AiohttpRequest(trace_configs=[wire_tracing(wire, limiter)])
    await request.initialize()
    try:
        # other requests go out while the limiter gives no slot at all
        others = [asyncio.wait_for(post(request, url, None, f"other {i}"), 10) for i in range(5)]
        assert [await other for other in others] == [200] * 5
        assert limiter.waiting == 0
        rows = asyncio.gather(*(post(request, url, 10 + i, f"row {i}") for i in range(5)))
        await until(lambda: limiter.waiting == 5, what="the rows to wait for the limiter")
        # each row waits with its connection ready and its body not yet written: none has arrived
        assert [text for text, _, _ in seen if text.startswith("row")] == []
        assert logged(wire) == []
        limiter.open.set()
        assert await rows == [200] * 5
    finally:
        await request.shutdown()
    assert sorted(text for text, _, _ in seen if text.startswith("row")) == [f"row {i}" for i in range(5)]
    assert sorted(logged(wire)) == [str(10 + i) for i in range(5)]
