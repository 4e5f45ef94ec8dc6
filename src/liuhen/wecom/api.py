"""WeCom's message API as the door uses it: an access token cached and refreshed before it expires, the
rate limit honoured, and no call repeated that may have been carried out (a message is never sent twice).

Endpoints (企业微信 开发者中心, 服务端API): ``gettoken``, ``message/send``, ``message/update_template_card``,
``media/get``, ``media/upload``.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import structlog

log = structlog.get_logger(__name__)

Json = dict[str, Any]

#: WeCom's error codes the door acts on (全局错误码)
INVALID_CREDENTIAL = 40001
INVALID_TOKEN = 40014
TOKEN_EXPIRED = 42001
INVALID_MEDIA = 40007
RATE_LIMITED = 45009
BUSY = -1
NO_RECIPIENT = 81013  # 发送应用消息: no recipient is a member (or the member is outside the app's range)
TOKEN_ERRORS = frozenset({INVALID_TOKEN, TOKEN_EXPIRED})
#: refresh this long before WeCom says the token expires
TOKEN_MARGIN = 300.0
RETRIES = 4
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 8.0
#: 发送应用消息: at most 30 messages a minute to one member; WeCom drops what is over, silently
PER_MEMBER = 30
PER_MEMBER_WINDOW = 60.0


class WeComError(Exception):
    """WeCom answered with an error code (``errcode``, ``errmsg``); nothing of the call was carried out."""

    def __init__(self, path: str, errcode: int, errmsg: str) -> None:
        super().__init__(f"{path}: {errcode} {errmsg}")
        self.path, self.errcode, self.errmsg = path, errcode, errmsg


class MediaGone(WeComError):
    """``media/get``: the media id is unknown or has expired (WeCom keeps media for 3 days)."""


@dataclass(frozen=True)
class Sent:
    msgid: str
    response_code: str | None = None  # a card with buttons: the code that updates it once

    @property
    def message_id(self) -> int:
        """The register's number for the sent message (WeCom's message ids are strings)."""
        return int.from_bytes(hashlib.sha256(self.msgid.encode()).digest()[:7], "big") or 1


@dataclass(frozen=True)
class Media:
    data: bytes
    content_type: str
    filename: str | None


class WeComApi:
    """One self-built application's API client. Never logs the secret or a token."""

    def __init__(
        self,
        *,
        base_url: str,
        corp_id: str,
        secret: str,
        agent_id: int,
        session: aiohttp.ClientSession,
        monotonic: Callable[[], float] = time.monotonic,
        backoff_first: float = BACKOFF_FIRST,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.agent_id = agent_id
        self._corp_id, self._secret = corp_id, secret
        self._session = session
        self._monotonic = monotonic
        self._backoff_first = backoff_first
        self._token: str | None = None
        self._token_until = 0.0
        self._token_lock = asyncio.Lock()
        self._sleep = sleep
        self._sent_to: dict[str, deque[float]] = defaultdict(deque)  # each member's sends of the last minute

    def __repr__(self) -> str:
        return f"WeComApi(agent={self.agent_id})"

    async def _access_token(self, *, stale: str | None = None) -> str:
        """The cached token; one request fetches a new one for everybody waiting when it is near its end
        (or when WeCom refused ``stale``)."""
        async with self._token_lock:
            fresh = self._token is not None and self._monotonic() < self._token_until
            if fresh and (stale is None or stale != self._token):
                assert self._token is not None
                return self._token
            params = {"corpid": self._corp_id, "corpsecret": self._secret}
            data = await self._request("GET", "gettoken", params=params, authorised=False)
            token, expires_in = str(data["access_token"]), float(data.get("expires_in", 7200))
            self._token = token
            self._token_until = self._monotonic() + max(expires_in - TOKEN_MARGIN, expires_in / 2)
            return token

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Json | None = None,
        upload: tuple[str, bytes, str] | None = None,
        authorised: bool = True,
        raw: bool = False,
    ) -> Any:
        """One call, retried only where WeCom did not carry it out: a busy system or the rate limit
        (with backoff), an expired token (refreshed). A call whose answer was lost is not repeated."""
        url = f"{self.base_url}/cgi-bin/{path}"
        delay = self._backoff_first
        token: str | None = None
        for attempt in range(RETRIES + 1):
            query = dict(params or {})
            if authorised:
                token = await self._access_token(stale=token)
                query["access_token"] = token
            data = None
            if upload is not None:  # a form is consumed by its request: a new one for each attempt
                data = aiohttp.FormData()
                data.add_field("media", upload[1], filename=upload[0], content_type=upload[2])
            async with self._session.request(method, url, params=query, json=json, data=data) as response:
                response.raise_for_status()
                if raw and not (response.content_type or "").endswith("json"):
                    body = await response.read()
                    return Media(body, response.content_type or "", _filename(response))
                answer: Json = await response.json(content_type=None)
            code = int(answer.get("errcode", 0) or 0)
            if code == 0:
                return answer
            if code in TOKEN_ERRORS and authorised and attempt < RETRIES:
                continue  # refreshed at the top of the loop: the call was refused, not carried out
            if code in (RATE_LIMITED, BUSY) and attempt < RETRIES:
                log.warning("wecom_backoff", path=path, errcode=code, delay=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)
                continue
            error = MediaGone if code == INVALID_MEDIA and path == "media/get" else WeComError
            raise error(path, code, str(answer.get("errmsg", "")))
        raise AssertionError("unreachable")

    async def _paced(self, userid: str) -> None:
        """Wait until one more message to ``userid`` keeps within WeCom's 30 a minute (it drops, silently,
        what is over)."""
        sent = self._sent_to[userid]
        while True:
            now = self._monotonic()
            while sent and sent[0] <= now - PER_MEMBER_WINDOW:
                sent.popleft()
            if len(sent) < PER_MEMBER:
                sent.append(now)
                return
            await self._sleep(sent[0] + PER_MEMBER_WINDOW - now)

    async def _send(self, userid: str, msgtype: str, payload: Json) -> Json:
        await self._paced(userid)
        body = {"touser": userid, "msgtype": msgtype, "agentid": self.agent_id, msgtype: payload}
        answer: Json = await self._request("POST", "message/send", json=body)
        if answer.get("invaliduser"):  # not a member (any more), or outside the application's range
            raise WeComError("message/send", NO_RECIPIENT, "invaliduser")
        return answer

    async def send_text(self, userid: str, content: str) -> Sent:
        answer = await self._send(userid, "text", {"content": content})
        return Sent(str(answer.get("msgid", "")))

    async def send_file(self, userid: str, media_id: str) -> Sent:
        answer = await self._send(userid, "file", {"media_id": media_id})
        return Sent(str(answer.get("msgid", "")))

    async def send_card(self, userid: str, card: Json) -> Sent:
        """A template card. Its ``task_id`` is unique in the application: WeCom refuses a card sent twice."""
        answer = await self._send(userid, "template_card", card)
        return Sent(str(answer.get("msgid", "")), answer.get("response_code") or None)

    async def update_card(self, userid: str, response_code: str, card: Json) -> None:
        """Replace a card after a press (the press's ``response_code`` works once)."""
        body = {"userids": [userid], "agentid": self.agent_id, "response_code": response_code}
        body["template_card"] = card
        await self._request("POST", "message/update_template_card", json=body)

    async def close_card(self, userid: str, response_code: str, label: str) -> None:
        """Turn a card's buttons into one unpressable label."""
        body: Json = {"userids": [userid], "agentid": self.agent_id, "response_code": response_code}
        body["button"] = {"replace_name": label}
        await self._request("POST", "message/update_template_card", json=body)

    async def media(self, media_id: str) -> Media:
        """``media/get``: the bytes of a medium a member sent (kept by WeCom for 3 days)."""
        got = await self._request("GET", "media/get", params={"media_id": media_id}, raw=True)
        if not isinstance(got, Media):  # WeCom answered JSON without an error code
            raise MediaGone("media/get", INVALID_MEDIA, "no media")
        return got

    async def upload(self, kind: str, filename: str, data: bytes, content_type: str) -> str:
        """``media/upload``: a temporary medium to send (a document, an image); its media id."""
        upload = (filename, data, content_type)
        answer = await self._request("POST", "media/upload", params={"type": kind}, upload=upload)
        return str(answer["media_id"])


def _filename(response: aiohttp.ClientResponse) -> str | None:
    disposition = response.headers.get("Content-Disposition", "")
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename" and value:
            return value.strip('"')
    return None
