"""A member's WeCom (企业微信) phone in the browser, on the WeCom sandbox's own server.

:meth:`liuhen.sandbox.wecom.WeComSandbox.make_app` mounts these routes beside the imitated API:

- ``GET /phone/{userid}``: the page (``sandbox/wecom_static``: plain HTML, JS and CSS, no inline script or
  style); ``GET /phone/static/{name}``: its script and style (a fixed allowlist);
- ``GET /sim/{userid}/config``: the app's name, the member's name and the sample files the page offers;
- ``GET /sim/{userid}/messages?after=N&version=V&mine=K&timeout=S``: the messages the app sent to the
  member from index ``N`` on, and those of them sent or updated after the sandbox's change count ``V``
  (default: its count now), and what the member sent from this page from ``K`` on; waits up to 25 s on the
  sandbox's change condition (no sleep loop) until there is something;
- ``GET /sim/{userid}/media?media_id=…``: the bytes of a media the member received or sent;
- ``POST /sim/{userid}/text`` ``{"content": …}``, ``/image`` and ``/voice`` (multipart ``file``),
  ``/sample`` ``{"name": …}`` (a file of :attr:`WeComSandbox.phone_samples`), ``/press``
  ``{"msgid", "key"}`` and ``/select`` ``{"msgid", "question_key", "option_ids", "key"?}`` (or
  ``"selections": {question_key: [option ids]}`` for a card of several questions): each acts as
  :class:`~liuhen.sandbox.wecom.WeComUser` does and answers ``{"status": <the app's HTTP status>}``
  (0 when the app did not answer). Bad input answers 400 with ``{"error": <a Chinese sentence>}``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from aiohttp import web

from liuhen.sandbox.wecom import (
    CARD_EVENT,
    MEDIA_LIMITS,
    MEDIA_MESSAGES,
    MIN_MEDIA_BYTES,
    Delivery,
    SentMessage,
    WeComSandbox,
    WeComUser,
    _questions,
    card_keys,
    text_of,
)

Json = dict[str, Any]

APP_NAME = "留痕"
MAX_WAIT = 25.0  # seconds a long poll of the page waits at most
#: The page's files: a fixed allowlist, so no path is ever built from a request.
STATIC_FILES: dict[str, str] = {
    "phone.html": "text/html",
    "phone.js": "text/javascript",
    "phone.css": "text/css",
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_MEDIA_ID = re.compile(r"<MediaId><!\[CDATA\[(.*?)\]\]></MediaId>")
_FORMAT = re.compile(r"[a-z0-9]{1,8}")
_KIND_WORDS = {"image": "图片", "voice": "语音"}


@dataclass(frozen=True)
class PhoneSample:
    """A file the page offers to send in one tap (the demo's screenshot and voice note)."""

    name: str
    title: str
    kind: Literal["image", "voice"]
    path: Path

    def as_json(self) -> Json:
        return {"name": self.name, "title": self.title, "kind": self.kind}


class BadInput(Exception):
    """A request the phone cannot act on: 400 with ``str(self)`` as the error."""


@dataclass
class Outgoing:
    """What the member sent from the page: shown on the right, before the app's messages from ``before``."""

    n: int
    before: int  # the number of messages the member had received when it was sent
    kind: str  # text, image or voice
    text: str = ""
    media_id: str | None = None
    status: int | None = None  # the app's HTTP status once the callback was answered

    def as_json(self, userid: str) -> Json:
        media = f"/sim/{quote(userid)}/media?media_id={quote(self.media_id)}" if self.media_id else None
        return {
            "n": self.n,
            "before": self.before,
            "kind": self.kind,
            "text": self.text,
            "media": media,
            "status": self.status,
        }


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(body: Any, status: int = 200) -> web.Response:
    response = web.json_response(body, status=status, dumps=functools.partial(json.dumps, ensure_ascii=False))
    response.headers["Cache-Control"] = "no-store"
    return response


def _guarded(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def route(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except BadInput as error:
            return _json({"error": str(error)}, status=400)

    return route


def add_phone_routes(app: web.Application, sandbox: WeComSandbox) -> None:
    """Mounts the phone page and its JSON routes on the application of a WeCom sandbox."""
    routes = PhoneRoutes(sandbox)
    app.router.add_get("/phone/static/{name}", routes.static)
    app.router.add_get("/phone/{userid}", _guarded(routes.page))
    app.router.add_get("/sim/{userid}/config", _guarded(routes.config))
    app.router.add_get("/sim/{userid}/messages", _guarded(routes.messages))
    app.router.add_get("/sim/{userid}/media", _guarded(routes.media))
    app.router.add_post("/sim/{userid}/text", _guarded(routes.text))
    app.router.add_post("/sim/{userid}/image", _guarded(routes.image))
    app.router.add_post("/sim/{userid}/voice", _guarded(routes.voice))
    app.router.add_post("/sim/{userid}/sample", _guarded(routes.sample))
    app.router.add_post("/sim/{userid}/press", _guarded(routes.press))
    app.router.add_post("/sim/{userid}/select", _guarded(routes.select))


def message_json(message: SentMessage, index: int) -> Json:
    """One message the app sent, as the page draws it."""
    media_id = message.payload.get("media_id") if message.msgtype in MEDIA_MESSAGES else None
    media = (
        f"/sim/{quote(message.userid)}/media?media_id={quote(media_id)}"
        if isinstance(media_id, str)
        else None
    )
    return {
        "index": index,
        "msgid": message.msgid,
        "msgtype": message.msgtype,
        "text": message.payload.get("content") if message.msgtype in ("text", "markdown") else None,
        "summary": text_of(message),
        "payload": message.payload if message.card is None else None,
        "card": message.card,
        "replaced_button": message.replaced_button,
        "revisions": len(message.revisions),
        "version": message.version,
        "sent_at": message.sent_at,
        "media": media,
    }


class PhoneRoutes:
    def __init__(self, sandbox: WeComSandbox) -> None:
        self.sandbox = sandbox
        #: Changes at every start: a page still open from an earlier run starts over (its cursors are stale).
        self.instance = secrets.token_hex(6)
        self._logs: dict[str, list[Outgoing]] = {}  # lower-cased userid → what was sent from the page

    # helpers -------------------------------------------------------------------------------------

    def _user(self, request: web.Request) -> WeComUser:
        userid = request.match_info["userid"]
        try:
            return self.sandbox.user(userid)
        except ValueError:
            raise BadInput(f"“{userid}”不是有效的企业微信账号（UserID）") from None

    def _log(self, user: WeComUser) -> list[Outgoing]:
        return self._logs.setdefault(user.userid.lower(), [])

    async def _body(self, request: web.Request) -> Json:
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            raise BadInput("请求体不是 JSON") from None
        if not isinstance(body, dict):
            raise BadInput("请求体应为 JSON 对象")
        return body

    @staticmethod
    def _message(user: WeComUser, msgid: Any) -> SentMessage:
        if not isinstance(msgid, str) or not msgid:
            raise BadInput("请给出卡片消息的 msgid")
        message = next((m for m in reversed(user.messages) if m.msgid == msgid), None)
        if message is None:
            raise BadInput("没有找到这条消息：它不是发给这位成员的")
        if message.card is None:
            raise BadInput("这条消息不是模板卡片，没有可按的按钮")
        return message

    async def _act(
        self,
        user: WeComUser,
        action: Callable[[], Awaitable[Delivery]],
        sent: tuple[str, str] | None = None,
    ) -> web.Response:
        """Runs a member's action and answers the app's HTTP status. ``sent`` (kind, text) is a message the
        page shows on the member's side, before what the app answers to it."""
        before = len(user.messages)
        try:
            delivery = await action()
        except ValueError as error:  # checked before; what WeComUser still refuses
            raise BadInput(f"无法操作：{error}") from None
        except RuntimeError:  # no callback_url yet
            return _json({"error": "应用的回调地址尚未设置，暂时无法发送"}, status=503)
        answer: Json = {"status": delivery.status}
        if delivery.error:
            answer["error"] = f"应用没有应答：{delivery.error}"
        if sent is not None:
            log = self._log(user)
            found = _MEDIA_ID.search(delivery.xml)
            media_id = found.group(1) if found else None
            item = Outgoing(len(log), before, sent[0], sent[1], media_id, delivery.status)
            log.append(item)
            answer["mine"] = item.as_json(user.userid)
            await self.sandbox.wake()  # a long poll of the page shows it
        return _json(answer)

    # the page ------------------------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.StreamResponse:
        self._user(request)  # the member exists from now on: the app can write to them
        return await self._static_file("phone.html")

    async def static(self, request: web.Request) -> web.StreamResponse:
        return await self._static_file(request.match_info["name"])

    async def _static_file(self, name: str) -> web.StreamResponse:
        content_type = STATIC_FILES.get(name)
        if content_type is None:
            raise web.HTTPNotFound()
        folder = resources.files("liuhen.sandbox").joinpath("wecom_static")
        body = await asyncio.to_thread(folder.joinpath(name).read_bytes)
        response = web.Response(body=body, content_type=content_type, charset="utf-8")
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    async def config(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request)
        return _json(
            {
                "app": APP_NAME,
                "userid": user.userid,
                "name": user.name or user.userid,
                "samples": [sample.as_json() for sample in self.sandbox.phone_samples],
                "instance": self.instance,
            }
        )

    async def messages(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request)
        query = request.query
        try:
            after = int(query.get("after", "0"))
            mine = int(query.get("mine", "0"))
            version = int(query["version"]) if query.get("version") else self.sandbox.version
            wait = min(max(float(query.get("timeout", str(MAX_WAIT))), 0.0), MAX_WAIT)
        except ValueError:
            raise BadInput("after、mine、version 应为整数，timeout 应为秒数") from None
        if after < 0 or mine < 0:
            raise BadInput("after 和 mine 不能为负数")
        log = self._log(user)

        def fresh() -> list[int]:
            return [i for i, m in enumerate(user.messages) if i >= after or m.version > version]

        def anything() -> bool:
            return bool(fresh()) or len(log) > mine

        if not anything() and wait > 0:
            await self.sandbox.wait_until(anything, wait)
        return _json(
            {
                "messages": [self._message_json(user.messages[i], i) for i in fresh()],
                "count": len(user.messages),
                "version": self.sandbox.version,
                "mine": [item.as_json(user.userid) for item in log[mine:]],
                "mine_count": len(log),
                "instance": self.instance,
            }
        )

    def _message_json(self, message: SentMessage, index: int) -> Json:
        body = message_json(message, index)
        media_id = message.payload.get("media_id")
        found = self.sandbox.media_file(media_id) if body["media"] and isinstance(media_id, str) else None
        body["filename"] = found[1] if found is not None else None
        return body

    async def media(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request)
        media_id = request.query.get("media_id", "")
        received = {m.payload.get("media_id") for m in user.messages if m.msgtype in MEDIA_MESSAGES}
        sent = {item.media_id for item in self._log(user)}
        if not media_id or media_id not in received | sent:
            raise web.HTTPNotFound(text="没有这个文件")
        found = self.sandbox.media_file(media_id)
        if found is None:
            raise web.HTTPNotFound(text="没有这个文件")
        data, filename, content_type = found
        response = web.Response(body=data, headers={"Content-Type": content_type})
        response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
        response.headers["Cache-Control"] = "private, max-age=3600"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    # what the member does -----------------------------------------------------------------------

    async def text(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request)
        content = (await self._body(request)).get("content")
        if not isinstance(content, str) or not content.strip():
            raise BadInput("请输入要发送的文字（content）")
        return await self._act(user, lambda: user.send_text(content), ("text", content))

    async def _file(self, request: web.Request, kind: Literal["image", "voice"]) -> tuple[bytes, str]:
        word = _KIND_WORDS[kind]
        if not request.content_type.startswith("multipart/"):
            raise BadInput(f"请以 multipart/form-data 上传{word}，文件放在 file 字段")
        form = await request.post()
        part = form.get("file")
        if not isinstance(part, web.FileField):
            raise BadInput(f"请上传{word}文件（file 字段）")
        data = await asyncio.to_thread(part.file.read)
        return self._check_file(kind, data, part.filename or "", part.content_type)

    @staticmethod
    def _check_file(
        kind: Literal["image", "voice"], data: bytes, filename: str, declared: str
    ) -> tuple[bytes, str]:
        word = _KIND_WORDS[kind]
        if len(data) <= MIN_MEDIA_BYTES:
            raise BadInput(f"{word}文件太小：至少要 {MIN_MEDIA_BYTES + 1} 个字节")
        if len(data) > MEDIA_LIMITS[kind]:
            raise BadInput(f"{word}文件不能超过 {MEDIA_LIMITS[kind] >> 20} MB")
        if kind == "image" and not (declared.startswith("image/") or _looks_like_image(data)):
            raise BadInput("请选择图片文件（JPG、PNG 或 GIF）")
        return data, filename

    async def image(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request)
        data, filename = await self._file(request, "image")
        return await self._send_image(user, data, filename)

    async def voice(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request)
        data, filename = await self._file(request, "voice")
        return await self._send_voice(user, data, filename)

    async def _send_image(self, user: WeComUser, data: bytes, filename: str) -> web.Response:
        name = Path(filename).name or "image.jpg"
        return await self._act(user, lambda: user.send_image(data, name), ("image", ""))

    async def _send_voice(self, user: WeComUser, data: bytes, filename: str) -> web.Response:
        suffix = Path(filename).suffix.lower().lstrip(".")
        voice_format = suffix if _FORMAT.fullmatch(suffix) else "amr"
        return await self._act(user, lambda: user.send_voice(data, voice_format), ("voice", ""))

    async def sample(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request)
        name = (await self._body(request)).get("name")
        sample = next((s for s in self.sandbox.phone_samples if s.name == name), None)
        if sample is None:
            raise BadInput("没有这个示例文件")
        try:
            data = await asyncio.to_thread(sample.path.read_bytes)
        except OSError:
            raise BadInput("示例文件已不存在") from None
        if sample.kind == "image":
            return await self._send_image(user, data, sample.path.name)
        return await self._send_voice(user, data, sample.path.name)

    async def press(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request)
        body = await self._body(request)
        message = self._message(user, body.get("msgid"))
        key = body.get("key")
        if not isinstance(key, str) or not key:
            raise BadInput("请给出要按的按钮（key）")
        self._pressable(message, key)
        return await self._act(user, lambda: user.press(message, key))

    async def select(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request)
        body = await self._body(request)
        message = self._message(user, body.get("msgid"))
        card = message.card or {}
        selections = self._selections(body)
        questions = _questions(card)
        for question_key, option_ids in selections.items():
            if question_key not in questions:
                raise BadInput(f"卡片上没有问题“{question_key}”")
            ids, multiple, _ = questions[question_key]
            unknown = [option for option in option_ids if option not in ids]
            if unknown:
                raise BadInput(f"“{'、'.join(unknown)}”不是问题“{question_key}”的选项")
            if not option_ids:
                raise BadInput("请至少选择一项")
            if not multiple and len(option_ids) != 1:
                raise BadInput("这个问题只能选一项")
        key = body.get("key")
        if key is None:
            submit = card.get("submit_button")
            key = submit.get("key") if isinstance(submit, dict) else None
            if not key:
                raise BadInput("这张卡片没有提交按钮：请给出要按的按钮（key）")
        if not isinstance(key, str) or not key:
            raise BadInput("key 应为按钮的 key")
        self._pressable(message, key)
        return await self._act(user, lambda: user.select(message, selections, key))

    @staticmethod
    def _selections(body: Mapping[str, Any]) -> dict[str, list[str]]:
        if "selections" in body:
            raw = body["selections"]
            if not isinstance(raw, dict) or not raw:
                raise BadInput("selections 应为 {问题: [选项]}")
            pairs: Sequence[tuple[Any, Any]] = list(raw.items())
        else:
            pairs = [(body.get("question_key"), body.get("option_ids"))]
        selections: dict[str, list[str]] = {}
        for question_key, option_ids in pairs:
            if not isinstance(question_key, str) or not question_key:
                raise BadInput("请给出问题（question_key）")
            if not isinstance(option_ids, list) or not all(isinstance(o, str) for o in option_ids):
                raise BadInput("option_ids 应为选项 id 的列表")
            selections[question_key] = list(option_ids)
        return selections

    @staticmethod
    def _pressable(message: SentMessage, key: str) -> None:
        event = card_keys(message.card or {}).get(key)
        if event is None:
            raise BadInput(f"卡片上没有按钮“{key}”")
        if message.replaced_button is not None and event == CARD_EVENT:
            raise BadInput(f"卡片的按钮已变为“{message.replaced_button}”，不能再按")


def _looks_like_image(data: bytes) -> bool:
    return data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"RIFF", b"BM"))


__all__ = ["BadInput", "PhoneRoutes", "PhoneSample", "add_phone_routes", "message_json"]
