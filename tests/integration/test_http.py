"""PTB's requests over aiohttp (bot/http.py): what Telegram gets, and the errors PTB expects."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from liuhen.bot.http import AiohttpRequest
from tests.bot.webhook_kit import Server, bot_api_fields


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[dict[str, object]]]]:
    seen: list[dict[str, object]] = []

    async def echo(request: web.Request) -> web.Response:
        fields = await bot_api_fields(request)  # JSON or a form, files in a multipart form
        seen.append(
            {
                "method": request.method,
                "agent": request.headers.get("User-Agent"),
                "type": request.content_type,
                **fields,
            }
        )
        return web.json_response({"ok": True, "result": True})

    answer_now = asyncio.Event()

    async def slow(_request: web.Request) -> web.Response:
        await answer_now.wait()  # no answer while the test runs: longer than any read timeout
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/echo", echo)
    app.router.add_post("/slow", slow)
    async with Server(app) as server:
        try:
            yield server.url, seen
        finally:
            answer_now.set()


@pytest.fixture
async def request_() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(read_timeout=0.5)
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()


async def test_parameters_and_files_arrive_as_telegram_expects(
    server: tuple[str, list[dict[str, object]]], request_: AiohttpRequest
) -> None:
    url, seen = server
    data = RequestData(
        [RequestParameter.from_input("chat_id", 42), RequestParameter.from_input("text", "已留存证据 #1")]
    )
    status, body = await request_.do_request(f"{url}/echo", "POST", data)
    assert status == 200 and json.loads(body)["ok"] is True
    assert seen[0]["chat_id"] == "42" and seen[0]["text"] == "已留存证据 #1"
    assert seen[0]["type"] == "application/json"
    assert "python-telegram-bot" in str(seen[0]["agent"])

    document = InputFile(b"%PDF-1.4 form", filename="登记表.pdf", attach=False)
    upload = RequestData(
        [RequestParameter.from_input("chat_id", 42), RequestParameter.from_input("document", document)]
    )
    await request_.do_request(f"{url}/echo", "POST", upload)
    assert seen[1]["chat_id"] == "42" and seen[1]["type"] == "multipart/form-data"
    assert seen[1]["document"] == ("登记表.pdf", b"%PDF-1.4 form")


async def test_a_slow_answer_is_a_timeout(
    server: tuple[str, list[dict[str, object]]], request_: AiohttpRequest
) -> None:
    url, _ = server
    with pytest.raises(TimedOut):
        await request_.do_request(f"{url}/slow", "POST", None)


async def test_nobody_listening_is_a_network_error(request_: AiohttpRequest) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(NetworkError):
        await request_.do_request(f"http://127.0.0.1:{port}/x", "POST", None)


async def test_a_request_after_shutdown_is_refused() -> None:
    request = AiohttpRequest()
    await request.initialize()
    await request.shutdown()
    with pytest.raises(RuntimeError):
        await request.do_request("http://127.0.0.1:1/x", "POST", None)


async def test_the_proxy_of_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where Telegram is reached through a proxy (HTTPS_PROXY / HTTP_PROXY), requests go through it."""
    relayed: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        relayed.append(str(request.url))
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", proxy)
    async with Server(app) as server:
        monkeypatch.setenv("HTTP_PROXY", server.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        request = AiohttpRequest()
        await request.initialize()
        try:
            status, _ = await request.do_request("http://api.telegram.invalid/bot1:x/getMe", "POST", None)
        finally:
            await request.shutdown()
    assert status == 200 and relayed and relayed[0].endswith("/bot1:x/getMe")


async def test_a_host_named_in_no_proxy_is_reached_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    """NO_PROXY keeps a local Bot API server (or the sandbox) off the office's proxy, as with httpx."""
    relayed: list[str] = []
    reached: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        relayed.append(str(request.url))
        return web.json_response({"ok": True, "result": True})

    async def api(request: web.Request) -> web.Response:
        reached.append(request.path)
        return web.json_response({"ok": True, "result": True})

    proxy_app, api_app = web.Application(), web.Application()
    proxy_app.router.add_route("*", "/{path:.*}", proxy)
    api_app.router.add_route("*", "/{path:.*}", api)
    async with Server(proxy_app) as proxy_server, Server(api_app) as api_server:
        monkeypatch.setenv("HTTP_PROXY", proxy_server.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        monkeypatch.delenv("no_proxy", raising=False)
        request = AiohttpRequest()
        await request.initialize()
        try:
            for _ in range(2):  # the second request takes the looked-up answer
                status, _ = await request.do_request(f"{api_server.url}/bot1:x/getMe", "POST", None)
                assert status == 200
        finally:
            await request.shutdown()
    assert reached == ["/bot1:x/getMe", "/bot1:x/getMe"] and relayed == []
