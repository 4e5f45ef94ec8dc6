"""`liuhen run --channel wecom`: the callback URL of the court's self-built WeCom application.

``GET /wecom/callback`` answers WeCom's URL verification with the decrypted ``echostr``; ``POST`` takes a
member's message or event. A callback whose signature does not hold gets 403 and is not read; one that is
not a WeCom callback gets 400. A good callback is answered (an empty 200: no passive reply) once what it
brought is durable (wecom/door.py); the replies go out through the message API afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import aiohttp
import structlog
from aiohttp import web

from liuhen.app.logs import configure_logging
from liuhen.app.runtime import Runtime, open_runtime, wait_for_signal
from liuhen.app.settings import Settings
from liuhen.wecom import monthly, signing
from liuhen.wecom.api import WeComApi
from liuhen.wecom.crypto import BadCallback, CallbackCrypto
from liuhen.wecom.door import WeComDoor
from liuhen.wecom.parse import Unreadable, parse

log = structlog.get_logger(__name__)

PATH = "/wecom/callback"
MAX_CALLBACK = 256 * 1024  # a callback is a small XML envelope; media come by media/get


@dataclass(frozen=True)
class Wiring:
    crypto: CallbackCrypto
    door: WeComDoor


WIRING = web.AppKey("wecom", Wiring)


def _signed(request: web.Request) -> tuple[str, str, str]:
    q = request.query
    return q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", "")


async def verify_url(request: web.Request) -> web.Response:
    signature, timestamp, nonce = _signed(request)
    try:
        echo = request.app[WIRING].crypto.echo(
            signature=signature, timestamp=timestamp, nonce=nonce, echostr=request.query.get("echostr", "")
        )
    except BadCallback:
        log.warning("wecom_callback_refused", reason="signature", method="GET")
        raise web.HTTPForbidden(text="signature") from None
    return web.Response(text=echo)


async def receive(request: web.Request) -> web.Response:
    wiring = request.app[WIRING]
    signature, timestamp, nonce = _signed(request)
    body = await request.text()
    try:
        xml = wiring.crypto.open(body, signature=signature, timestamp=timestamp, nonce=nonce)
        callback = parse(xml)
    except BadCallback:
        log.warning("wecom_callback_refused", reason="signature", method="POST")
        raise web.HTTPForbidden(text="signature") from None
    except Unreadable:
        log.warning("wecom_callback_refused", reason="unreadable")
        raise web.HTTPBadRequest(text="unreadable") from None
    await wiring.door.handle(callback)  # durable before the answer: a failure here is a 500, retried
    return web.Response(text="")


async def healthz(_: web.Request) -> web.Response:
    return web.Response(text="ok")


def build_app(door: WeComDoor, crypto: CallbackCrypto) -> web.Application:
    app = web.Application(client_max_size=MAX_CALLBACK)
    app[WIRING] = Wiring(crypto, door)
    app.router.add_get(PATH, verify_url)
    app.router.add_post(PATH, receive)
    app.router.add_get("/healthz", healthz)
    return app


def crypto_of(settings: Settings) -> CallbackCrypto:
    assert settings.wecom_token and settings.wecom_aes_key and settings.wecom_corp_id
    return CallbackCrypto(
        token=settings.wecom_token.get_secret_value(),
        aes_key=settings.wecom_aes_key.get_secret_value(),
        corp_id=settings.wecom_corp_id,
    )


def api_of(settings: Settings, session: aiohttp.ClientSession) -> WeComApi:
    assert settings.wecom_secret and settings.wecom_corp_id and settings.wecom_agent_id is not None
    return WeComApi(
        base_url=settings.wecom_api_base_url,
        corp_id=settings.wecom_corp_id,
        secret=settings.wecom_secret.get_secret_value(),
        agent_id=settings.wecom_agent_id,
        session=session,
    )


async def _every(seconds: float, job: Callable[[], Awaitable[object]], name: str) -> None:
    """A background job of the door, again and again; a failed round is logged and the next one tries."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()
        except Exception as exc:
            log.warning("wecom_job_failed", job=name, error=repr(exc))


@contextlib.asynccontextmanager
async def serving(runtime: Runtime, host: str, port: int) -> AsyncIterator[WeComDoor]:
    """The callback listening on ``host:port``, media retried in the background, until the block ends."""
    settings = runtime.settings
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        door = WeComDoor(runtime, api_of(settings, session))
        runner = web.AppRunner(build_app(door, crypto_of(settings)), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        door.port = int(runner.addresses[0][1])
        loop = asyncio.get_running_loop()
        jobs = [
            loop.create_task(_every(settings.download_retry_seconds, door.retry_media, "media")),
            loop.create_task(
                _every(settings.reminder_check_seconds, lambda: signing.outbox_round(door), "outbox")
            ),
            loop.create_task(
                _every(settings.monthly_check_seconds, lambda: monthly.send_round(door), "monthly")
            ),
            loop.create_task(  # a daily signed checkpoint, its head to the office (as the Telegram door)
                _every(min(600.0, settings.checkpoint_seconds), lambda: signing.signed_heads(door), "heads")
            ),
        ]
        log.info("wecom callback listening", host=host, port=port)
        try:
            yield door
        finally:
            for job in jobs:
                job.cancel()
            await asyncio.gather(*jobs, return_exceptions=True)
            await runner.cleanup()  # no new callbacks …
            await door.drain()  # … and what they queued is sent


def secrets_of(settings: Settings) -> list[str]:
    values = (settings.wecom_secret, settings.wecom_token, settings.wecom_aes_key, settings.telegram_token)
    return [v.get_secret_value() for v in values if v is not None]


async def run(
    settings: Settings,
    *,
    host: str,
    port: int,
    beside: Callable[[Runtime], contextlib.AbstractAsyncContextManager[object]] | None = None,
) -> None:
    """The WeCom door (and what the launcher serves ``beside`` it: the desk console), until SIGINT/SIGTERM."""
    configure_logging(level=settings.log_level, json=settings.log_json, secrets=secrets_of(settings))
    runtime = await open_runtime(settings)
    try:
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(serving(runtime, host, port))
            if beside is not None:
                await stack.enter_async_context(beside(runtime))
            await wait_for_signal()
    finally:
        await runtime.close()
