"""The desk console's server: `liuhen web` alone, or beside the bot in one process (`liuhen run --web`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import jinja2
import structlog
from aiohttp import web

from liuhen.app.logs import configure_logging
from liuhen.app.runtime import Runtime, open_runtime, wait_for_signal
from liuhen.app.settings import Settings
from liuhen.texts.labels import date_line
from liuhen.web import views
from liuhen.web.security import forwarded, headers, session
from liuhen.web.state import STATE, Desk, SignInLimit

HERE = Path(__file__).parent
log = structlog.get_logger("liuhen.web")


def build_app(runtime: Runtime, *, trust_proxy: bool = False, demo: bool = False) -> web.Application:
    app = web.Application(middlewares=[forwarded, headers, session], client_max_size=64 * 1024)
    app[STATE] = Desk(runtime=runtime, limit=SignInLimit(), trust_proxy=trust_proxy, demo=demo)
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )
    tz = runtime.settings.tz
    env.filters["local"] = lambda moment: moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else "—"
    env.filters["day"] = lambda moment: date_line(moment, tz) if moment else "—"
    app.add_routes(views.routes)
    app.router.add_static("/static/", HERE / "static", append_version=True)
    return app


@contextlib.asynccontextmanager
async def serving(
    runtime: Runtime, host: str, port: int, *, trust_proxy: bool = False, demo: bool = False
) -> AsyncIterator[web.AppRunner]:
    """The console listening on ``host:port`` until the block ends."""
    runner = web.AppRunner(build_app(runtime, trust_proxy=trust_proxy, demo=demo), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("desk console listening", host=host, port=port)
    try:
        yield runner
    finally:
        await runner.cleanup()


async def run(settings: Settings, *, host: str, port: int) -> None:
    """`liuhen web`: the console alone, until SIGINT/SIGTERM."""
    configure_logging(level=settings.log_level, json=settings.log_json, secrets=[])
    runtime = await open_runtime(settings)
    try:
        async with serving(runtime, host, port, trust_proxy=settings.web_trust_proxy):
            await wait_for_signal()
    finally:
        await runtime.close()
