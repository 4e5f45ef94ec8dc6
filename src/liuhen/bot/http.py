"""python-telegram-bot's requests over aiohttp's client instead of httpx (throughput).

With many judges at once the bot has dozens of requests in flight; httpx's pool spends more CPU per
request than the rest of a receipt (measured with bench/intake.py). aiohttp is already a dependency
(the webhook server, the sandbox) and PTB takes any `BaseRequest`.

The proxy of the environment (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as httpx honours them) is looked up
once per origin, not per request: aiohttp's `trust_env` reads the whole environment and ~/.netrc on a
worker thread for every request, two thread hops per Bot API call (measured with bench/intake.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

from liuhen.bot.raw import RawUpdates

Proxy = tuple[URL | None, aiohttp.BasicAuth | None]
JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """Timeouts and pool as `HTTPXRequest`'s (PTB's defaults); one session per instance."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 64,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 30.0,
        media_write_timeout: float | None = 20.0,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
        raw: RawUpdates | None = None,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read, self._write, self._connect, self._pool = (
            read_timeout,
            write_timeout,
            connect_timeout,
            pool_timeout,
        )
        self._media_write = media_write_timeout
        self._trace_configs = list(trace_configs)  # e.g. the broadcast's pacing and wire log
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str | None, int | None], Proxy] = {}
        self._raw = raw  # where the updates of getUpdates are kept as Telegram sent them (bot/raw.py)

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._proxies.clear()  # read from the environment again, once per origin
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                trace_configs=self._trace_configs or None,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def parse_json_payload(self, payload: bytes) -> Any:  # type: ignore[override]
        """Telegram's answer, decoded once. Given ``raw``, this request is PTB's ``get_updates_request``,
        through which only getUpdates goes: its updates are kept as they came (bot/raw.py)."""
        data = BaseRequest.parse_json_payload(payload)
        if self._raw is not None and isinstance(data, dict) and isinstance(data.get("result"), list):
            self._raw.keep(data["result"])
        return data

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        write = write_timeout
        if isinstance(write, DefaultValue):
            write = self._media_write if files else self._write
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        # aiohttp has no write timeout of its own: the whole request gets the sum of the parts
        parts = [t for t in (read, write, connect, pool) if t is not None]
        timeout = aiohttp.ClientTimeout(
            total=sum(parts) if len(parts) == 4 else None, sock_connect=connect, sock_read=read
        )
        proxy, proxy_auth = self._proxy_for(url)
        body, headers = _body(request_data)
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
                proxy=proxy,
                proxy_auth=proxy_auth,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc

    def _proxy_for(self, url: str) -> Proxy:
        """HTTPS_PROXY / HTTP_PROXY / NO_PROXY reach Telegram as with PTB's httpx default."""
        target = URL(url)
        key = (target.scheme, target.host, target.port)
        found = self._proxies.get(key)
        if found is None:
            try:
                found = get_env_proxy_for_url(target)
            except LookupError:  # no proxy for this origin, or NO_PROXY names it
                found = (None, None)
            self._proxies[key] = found
        return found


def _body(request_data: RequestData | None) -> tuple[Any, dict[str, str] | None]:
    """Parameters as one JSON object, as the Bot API accepts them (cheaper than a urlencoded form: the
    keyboard's JSON is not percent-encoded byte by byte); with files, a multipart form as httpx sends it:
    JSON-encoded parameters, files as (name, bytes, mime)."""
    if request_data is None:
        return None, None
    files = request_data.multipart_data
    if not files:
        if not request_data.parameters:
            return None, None
        return request_data.json_payload, JSON
    form = aiohttp.FormData(quote_fields=False)  # file names in UTF-8 as httpx sends them, not %-quoted
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (file_name, content, mime_type) in files.items():
        form.add_field(name, content, filename=file_name, content_type=mime_type)
    return form, None
