"""Helpers of the webhook and failover tests: `liuhen run --webhook` as a process, a free port,
a round-robin reverse proxy, a file server that holds downloads (to have an update in flight)."""

from __future__ import annotations

import asyncio
import itertools
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path

import aiohttp
from aiohttp import web

from tests.bot.procs import BotProcess, bot_env
from tests.timeline import liuhen
from tests.waiting import until

SECRET = "s3cret-webhook_token"
HOOK_PATH = "/telegram/update"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def webhook_env(
    *, token: str, api_url: str, file_url: str, data_dir: Path, db_url: str, port: int, public_url: str
) -> dict[str, str]:
    env = bot_env(token=token, api_url=api_url, file_url=file_url, data_dir=data_dir, db_url=db_url)
    env.update(
        LIUHEN_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        LIUHEN_WEBHOOK_URL=public_url,
        LIUHEN_WEBHOOK_SECRET_TOKEN=SECRET,
        LIUHEN_RATE_LIMIT="false",
    )
    return env


class WebhookProcess(BotProcess):
    """`liuhen run --webhook` (settings from the environment)."""

    def __init__(self, env: dict[str, str], log: Path, port: int) -> None:
        super().__init__(env, log)
        self.port = port

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                liuhen("run", "--webhook"), env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def get(self, path: str) -> tuple[int, str]:
        async with (
            aiohttp.ClientSession() as http,
            http.get(self.base_url + path, timeout=aiohttp.ClientTimeout(total=5)) as response,
        ):
            return response.status, await response.text()

    async def wait_ready(self, seconds: float = 60.0) -> str:
        """The body of the first 200 from /readyz."""
        exited = "(exited)"

        async def ready() -> str | None:
            if self.proc is not None and self.proc.poll() is not None:
                return exited
            try:
                status, body = await self.get("/readyz")
            except aiohttp.ClientError:
                return None
            return body if status == 200 else None

        try:
            body = await until(ready, timeout=seconds, what="/readyz to answer 200", every=0.1)
        except AssertionError as exc:
            raise AssertionError(f"{exc}: {self.log.read_text(errors='replace')}") from None
        if body is exited:
            raise AssertionError(f"the bot exited: {self.log.read_text(errors='replace')}")
        return body


class Server:
    """A small aiohttp server on a free port."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def __aenter__(self) -> Server:
        self.runner = web.AppRunner(self.app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.port = int(self.runner.addresses[0][1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


async def bot_api_fields(request: web.Request) -> dict[str, object]:
    """A Bot API request's parameters as a stand-in for Telegram reads them: a JSON object, or a form
    (files as (name, bytes))."""
    if request.content_type == "application/json":
        fields: dict[str, object] = await request.json()
        return fields
    form = await request.post()
    return {k: (v.filename, v.file.read()) if isinstance(v, web.FileField) else v for k, v in form.items()}


class RoundRobinProxy(Server):
    """The reverse proxy in front of the instances: each request to the next backend in turn; a backend
    that refuses the connection (dead) is skipped, as nginx does. An instance that dies mid-request gives
    502, and Telegram (the sandbox) posts the update again."""

    def __init__(self, backends: Sequence[str]) -> None:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        super().__init__(app)
        self.backends = list(backends)
        self._turn = itertools.count()
        self.by_backend: dict[str, int] = dict.fromkeys(self.backends, 0)
        self._session: aiohttp.ClientSession | None = None

    async def __aexit__(self, *exc: object) -> None:
        await super().__aexit__(*exc)
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        start = next(self._turn)
        for i in range(len(self.backends)):
            backend = self.backends[(start + i) % len(self.backends)]
            try:
                async with self._session.request(
                    request.method, backend + request.path_qs, data=body, headers=headers
                ) as response:
                    self.by_backend[backend] += 1
                    return web.Response(status=response.status, body=await response.read())
            except aiohttp.ClientConnectorError:
                continue  # refused: try the next instance
            except aiohttp.ClientError:
                return web.Response(status=502, text="bad gateway")
        return web.Response(status=502, text="no backend")


class HeldFiles(Server):
    """Serves the sandbox's files once ``release`` is set (to have an update in flight for as long as a
    test needs); ``started`` is set when a download begins."""

    def __init__(self, file_url: str) -> None:
        app = web.Application()
        app.router.add_get("/file/bot{rest:.+}", self._download)
        super().__init__(app)
        self.file_url = file_url
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def __aexit__(self, *exc: object) -> None:
        self.release.set()  # a test that failed half-way holds nothing at the end
        await super().__aexit__(*exc)

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    async def _download(self, request: web.Request) -> web.Response:
        self.started.set()
        await self.release.wait()
        async with (
            aiohttp.ClientSession() as http,
            http.get(self.file_url + request.match_info["rest"]) as response,
        ):
            return web.Response(status=response.status, body=await response.read())
