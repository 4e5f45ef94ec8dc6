"""A local imitation of the WeCom (企业微信) self-built application API, plus test users who talk to the app.

:class:`WeComSandbox` serves WeCom's server API on ``sandbox.url`` (the counterpart of
``https://qyapi.weixin.qq.com``): ``/cgi-bin/gettoken``, ``/cgi-bin/message/send``,
``/cgi-bin/message/update_template_card``, ``/cgi-bin/media/upload`` and ``/cgi-bin/media/get``, answering
JSON with ``errcode``/``errmsg`` as WeCom does (HTTP status 200, errors included). Members of the enterprise
are played by :class:`WeComUser` (``sandbox.user("zhangsan")``): each action builds the plaintext callback
XML of WeCom's 接收消息与事件 documentation, encrypts it with wechatpy's ``WeChatCrypto`` and POSTs WeCom's
envelope (``ToUserName``/``AgentID``/``Encrypt``) to ``sandbox.callback_url`` with ``msg_signature``,
``timestamp`` and ``nonce`` in the query. What the app sends back is recorded per user
(:class:`SentMessage`) and can be awaited without polling (:meth:`WeComUser.wait_for`). A person can play
a member in a browser: ``GET /phone/{userid}`` on the same server (liuhen.sandbox.wecom_phone).

All state is in memory. Time is read from the injected ``now`` (tokens expire after 7200 s, media after
3 days, response codes after 72 h). The access token, the secret and the AES key are never logged: the access
log is off and log lines name calls by path only.

Error codes (全局错误码, developer.work.weixin.qq.com/document/path/90313): 40001 wrong secret, 40013 wrong
corpid, 41001/41002/41004 missing access_token/corpid/corpsecret, 40014 unknown token, 42001 expired token,
40056 wrong agentid, 40008 unknown msgtype, 44004 empty text, 45002 text over 2048 bytes, 41006/40007
missing/unknown media_id, 81013 no valid recipient, 40005/40006/40009/40011/44001 upload type/size/empty,
60020 caller IP not allowed (opt-in: :attr:`WeComSandbox.allowed_ips`). WeCom documents no code for a used or
expired ``response_code``: the sandbox answers 40035 (不合法的参数) with ``errmsg`` "invalid response_code";
template card structure errors answer 40058 (不合法的参数) with the reason in ``errmsg``.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import hmac
import itertools
import json
import logging
import mimetypes
import re
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp
from aiohttp import web
from wechatpy.enterprise.crypto import WeChatCrypto

if TYPE_CHECKING:
    from liuhen.sandbox.wecom_phone import PhoneSample

log = logging.getLogger(__name__)

Json = dict[str, Any]
Field = tuple[str, str | int | float]  # an element of a callback's plaintext XML

TOKEN_LIFETIME = 7200  # gettoken's expires_in
MEDIA_LIFETIME = 3 * 24 * 3600  # "media_id仅三天内有效"
RESPONSE_CODE_LIFETIME = 72 * 3600  # "response_code的有效期是72小时"
MAX_TEXT_BYTES = 2048  # text.content / markdown.content: "最长不超过2048个字节"
MIN_MEDIA_BYTES = 5  # "所有文件size必须大于5个字节"
MEDIA_LIMITS = {"image": 10 << 20, "voice": 2 << 20, "video": 10 << 20, "file": 20 << 20}
MAX_REQUEST = 32 << 20
CALLBACK_TIMEOUT = 5.0  # WeCom gives up (and retries) after five seconds
FIRST_MSG_ID = 7_300_000_000_000_000_001  # callback MsgId: a positive 64-bit integer
MESSAGE_TYPES = frozenset(
    {"text", "image", "voice", "video", "file", "textcard", "news", "markdown", "template_card"}
)
MEDIA_MESSAGES = frozenset({"image", "voice", "video", "file"})
CARD_TYPES = frozenset(
    {"text_notice", "news_notice", "button_interaction", "vote_interaction", "multiple_interaction"}
)
INTERACTIVE_CARDS = frozenset({"button_interaction", "vote_interaction", "multiple_interaction"})
TASK_ID = re.compile(r"[0-9A-Za-z_\-@]{1,128}")
CARD_EVENT = "template_card_event"
MENU_EVENT = "template_card_menu_event"

ERRMSG: dict[int, str] = {
    -1: "system busy",
    0: "ok",
    40001: "invalid credential",
    40005: "invalid media type",
    40006: "invalid file size",
    40007: "invalid media_id",
    40008: "invalid message type",
    40009: "invalid image size",
    40011: "invalid video size",
    40013: "invalid corpid",
    40014: "invalid access_token",
    40035: "invalid parameter",
    40056: "invalid agentid",
    40058: "invalid parameter",
    41001: "access_token missing",
    41002: "corpid missing",
    41004: "corpsecret missing",
    41006: "media_id missing",
    41011: "agentid missing",
    42001: "access_token expired",
    44001: "empty media data",
    44004: "empty content",
    45002: "content size out of limit",
    45009: "api freq out of limit",
    45033: "api concurrent out of limit",
    60020: "not allow to access from your ip",
    81013: "user & party & tag all invalid",
}

# A 1×1 GIF: the thumbnail of a user's video when the test gives none.
PLACEHOLDER_THUMB = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


class WeComError(Exception):
    """An error answer of the API: ``{"errcode": code, "errmsg": message, **extra}`` with HTTP status 200."""

    def __init__(self, errcode: int, errmsg: str | None = None, extra: Json | None = None) -> None:
        self.errcode = errcode
        self.errmsg = errmsg if errmsg is not None else ERRMSG.get(errcode, "sandbox error")
        self.extra = extra or {}
        super().__init__(f"{errcode} {self.errmsg}")

    def body(self) -> Json:
        return {"errcode": self.errcode, "errmsg": self.errmsg, **self.extra}


# ------------------------------------------------------------------------------------------------ records


@dataclass
class Revision:
    """One update of a card through ``update_template_card``: either the buttons were replaced by one
    unclickable button named ``replace_name``, or the whole card was replaced by ``card``."""

    at: float
    response_code: str
    card: Json | None
    replace_name: str | None


@dataclass
class SentMessage:
    """What the app sent to one user through ``message/send`` (each recipient gets a record of its own)."""

    msgid: str
    userid: str
    msgtype: str
    payload: Json  # the type's object as sent, e.g. {"content": "..."} for text
    sent_at: float
    response_code: str | None = None  # the send answer's response_code (interactive cards only)
    card: Json | None = None  # the card as the user sees it now (template_card only)
    revisions: list[Revision] = field(default_factory=list)
    replaced_button: str | None = None  # the buttons' replacement text after a ``button`` update
    version: int = 0  # the sandbox's change count when this record was sent or last updated

    @property
    def card_type(self) -> str | None:
        return (_str(self.card, "card_type") or None) if self.card is not None else None

    @property
    def task_id(self) -> str | None:
        return (_str(self.card, "task_id") or None) if self.card is not None else None

    @property
    def text(self) -> str:
        return text_of(self)


@dataclass(frozen=True)
class Delivery:
    """One callback POSTed to the app: enough to repeat it byte for byte (:meth:`WeComSandbox.redeliver`)."""

    status: int  # the app's HTTP status; 0 when no answer came (timeout, connection refused)
    body: str  # the app's answer
    xml: str  # the plaintext XML that was encrypted
    msg_id: int | None  # MsgId of a message; None for events
    query: dict[str, str]  # msg_signature, timestamp, nonce
    url: str  # the callback URL the request went to (without the query)
    payload: str  # the encrypted envelope that was POSTed
    reply: str | None = None  # the app's passive reply, decrypted, when it answered an encrypted one
    error: str | None = None  # why no answer came


# ----------------------------------------------------------------------------------------- rendering


def _str(obj: Any, key: str) -> str:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, str) else ""


def _dicts(obj: Any, key: str) -> list[Json]:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _dict(obj: Any, key: str) -> Json:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, dict) else {}


def card_lines(card: Mapping[str, Any], replaced_button: str | None = None) -> list[str]:
    """The visible texts of a template card, top to bottom."""
    lines = [_str(_dict(card, "main_title"), "title"), _str(_dict(card, "main_title"), "desc")]
    emphasis = _dict(card, "emphasis_content")
    lines += [_str(emphasis, "title"), _str(emphasis, "desc")]
    quote_area = _dict(card, "quote_area")
    lines += [_str(quote_area, "title"), _str(quote_area, "quote_text"), _str(card, "sub_title_text")]
    image_text = _dict(card, "image_text_area")
    lines += [_str(image_text, "title"), _str(image_text, "desc")]
    for item in _dicts(card, "horizontal_content_list"):
        lines.append(f"{_str(item, 'keyname')}: {_str(item, 'value')}")
    for item in _dicts(card, "vertical_content_list"):
        lines += [_str(item, "title"), _str(item, "desc")]
    lines += [_str(item, "title") for item in _dicts(card, "jump_list")]
    selection = _dict(card, "button_selection")
    if selection:
        lines += [_str(selection, "title"), *(_str(o, "text") for o in _dicts(selection, "option_list"))]
    lines += [_str(option, "text") for option in _dicts(_dict(card, "checkbox"), "option_list")]
    for select in _dicts(card, "select_list"):
        lines += [_str(select, "title"), *(_str(o, "text") for o in _dicts(select, "option_list"))]
    if replaced_button is not None:
        lines.append(replaced_button)
    else:
        lines += [_str(button, "text") for button in _dicts(card, "button_list")]
        lines.append(_str(_dict(card, "submit_button"), "text"))
    return [line for line in lines if line]


def text_of(message: SentMessage) -> str:
    """A readable rendering of a message for assertions: the text, or the card's visible texts."""
    payload = message.payload
    if message.msgtype in ("text", "markdown"):
        return _str(payload, "content")
    if message.msgtype == "template_card":
        return "\n".join(card_lines(message.card or {}, message.replaced_button))
    if message.msgtype == "textcard":
        lines = [_str(payload, "title"), _str(payload, "description"), _str(payload, "btntxt")]
        return "\n".join(line for line in lines if line)
    if message.msgtype == "news":
        articles = _dicts(payload, "articles")
        return "\n".join(f"{_str(a, 'title')} {_str(a, 'description')}".strip() for a in articles)
    return f"[{message.msgtype} {_str(payload, 'media_id')}]"


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _xml(fields: Sequence[Field], tail: str = "") -> str:
    """WeCom's plaintext XML: strings in CDATA, numbers bare, one element a line."""
    lines = ["<xml>"]
    for tag, value in fields:
        text = _cdata(value) if isinstance(value, str) else str(value)
        lines.append(f"<{tag}>{text}</{tag}>")
    if tail:
        lines.append(tail)
    lines.append("</xml>")
    return "\n".join(lines)


def _selected_items_xml(selected: Mapping[str, Sequence[str]]) -> str:
    lines = ["<SelectedItems>"]
    for question_key, option_ids in selected.items():
        lines += ["<SelectedItem>", f"<QuestionKey>{_cdata(question_key)}</QuestionKey>", "<OptionIds>"]
        lines += [f"<OptionId>{_cdata(option_id)}</OptionId>" for option_id in option_ids]
        lines += ["</OptionIds>", "</SelectedItem>"]
    lines.append("</SelectedItems>")
    return "\n".join(lines)


def _content_type(filename: str, declared: str | None) -> str:
    if declared and declared != "application/octet-stream":
        return declared
    if filename.lower().endswith(".amr"):
        return "audio/amr"
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


# ---------------------------------------------------------------------------------------------- cards


def _card_error(detail: str) -> WeComError:
    return WeComError(40058, f"invalid template_card: {detail}")


def _keyed(items: list[Json], what: str, *, optional_key: Callable[[Json], bool] | None = None) -> None:
    keys = set()
    for item in items:
        key = _str(item, "key")
        if not key:
            if optional_key is not None and optional_key(item):
                continue
            raise _card_error(f"{what}.key is required")
        if key in keys:
            raise _card_error(f"{what}.key {key!r} is repeated")
        keys.add(key)


def _options(items: list[Json], what: str, most: int) -> None:
    if not 1 <= len(items) <= most:
        raise _card_error(f"{what}.option_list needs 1 to {most} options")
    ids = [_str(option, "id") for option in items]
    if not all(ids) or len(set(ids)) != len(ids):
        raise _card_error(f"{what}.option_list ids must be present and distinct")


def validate_card(card: Any) -> Json:
    """Checks a ``template_card`` object the way WeCom rejects malformed ones (the structure, not the
    suggested lengths); answers a deep copy."""
    if not isinstance(card, dict):
        raise _card_error("template_card is required")
    card_type = _str(card, "card_type")
    if card_type not in CARD_TYPES:
        raise _card_error(f"card_type {card_type!r} is not one of {sorted(CARD_TYPES)}")
    menu = _dict(card, "action_menu")
    if (card_type in INTERACTIVE_CARDS or menu) and not TASK_ID.fullmatch(_str(card, "task_id")):
        raise _card_error("task_id is required: 1 to 128 of digits, letters and _-@")
    if menu:
        actions = _dicts(menu, "action_list")
        if not 1 <= len(actions) <= 3:
            raise _card_error("action_menu.action_list needs 1 to 3 actions")
        _keyed(actions, "action_menu.action_list")
    if card_type in ("text_notice", "news_notice") and not (
        _str(_dict(card, "main_title"), "title") or _str(card, "sub_title_text")
    ):
        raise _card_error("main_title.title or sub_title_text is required")
    if card_type == "button_interaction":
        buttons = _dicts(card, "button_list")
        if not 1 <= len(buttons) <= 6:
            raise _card_error("button_list needs 1 to 6 buttons")
        _keyed(buttons, "button_list", optional_key=lambda button: button.get("type") == 1)
        selection = _dict(card, "button_selection")
        if selection:
            if not _str(selection, "question_key"):
                raise _card_error("button_selection.question_key is required")
            _options(_dicts(selection, "option_list"), "button_selection", 10)
    if card_type == "vote_interaction":
        checkbox = _dict(card, "checkbox")
        if not _str(checkbox, "question_key"):
            raise _card_error("checkbox.question_key is required")
        _options(_dicts(checkbox, "option_list"), "checkbox", 20)
    if card_type == "multiple_interaction":
        selects = _dicts(card, "select_list")
        if not 1 <= len(selects) <= 3:
            raise _card_error("select_list needs 1 to 3 selectors")
        question_keys = [_str(select, "question_key") for select in selects]
        if not all(question_keys) or len(set(question_keys)) != len(question_keys):
            raise _card_error("select_list question_key must be present and distinct")
        for select in selects:
            _options(_dicts(select, "option_list"), "select_list", 10)
    if card_type in ("vote_interaction", "multiple_interaction") and not _str(
        _dict(card, "submit_button"), "key"
    ):
        raise _card_error("submit_button.key is required")
    return copy.deepcopy(card)


def card_keys(card: Mapping[str, Any]) -> dict[str, str]:
    """The keys a user can press on a card, each with the event it posts."""
    keys = {_str(action, "key"): MENU_EVENT for action in _dicts(_dict(card, "action_menu"), "action_list")}
    for button in _dicts(card, "button_list"):
        if button.get("type", 0) != 1 and _str(button, "key"):
            keys[_str(button, "key")] = CARD_EVENT
    submit = _str(_dict(card, "submit_button"), "key")
    if submit:
        keys[submit] = CARD_EVENT
    keys.pop("", None)
    return keys


def _questions(card: Mapping[str, Any]) -> dict[str, tuple[list[str], bool, list[str]]]:
    """question_key → (option ids, multiple choice allowed, the default selection)."""
    questions: dict[str, tuple[list[str], bool, list[str]]] = {}
    selection = _dict(card, "button_selection")
    lists = [selection] if selection else []
    lists += _dicts(card, "select_list")
    for select in lists:
        ids = [_str(option, "id") for option in _dicts(select, "option_list")]
        chosen = _str(select, "selected_id")
        questions[_str(select, "question_key")] = (ids, False, [chosen if chosen in ids else ids[0]])
    checkbox = _dict(card, "checkbox")
    if checkbox:
        options = _dicts(checkbox, "option_list")
        ids = [_str(option, "id") for option in options]
        checked = [_str(option, "id") for option in options if option.get("is_checked") is True]
        questions[_str(checkbox, "question_key")] = (ids, checkbox.get("mode") == 1, checked)
    return questions


# -------------------------------------------------------------------------------------------- state


@dataclass
class _Token:
    issued_at: float


@dataclass
class _Media:
    media_id: str
    type: str
    data: bytes
    filename: str
    content_type: str
    created_at: float


@dataclass
class _Task:
    """One ``message/send`` of a template card: its recipients' records, updated together."""

    msgid: str
    recipients: dict[str, SentMessage]  # lower-cased userid → record


@dataclass
class _ResponseCode:
    task: _Task
    issued_at: float
    used: bool = False


@dataclass
class _Fault:
    path_suffix: str
    errcode: int
    remaining: int


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WeComSandbox:
    """WeCom's API for one self-built application (one corp, one agent) over HTTP, and its members."""

    def __init__(
        self,
        *,
        corp_id: str,
        corp_secret: str,
        agent_id: int,
        token: str,
        encoding_aes_key: str,
        now: Callable[[], float] = time.time,
        first_msg_id: int = FIRST_MSG_ID,
    ) -> None:
        if len(encoding_aes_key) != 43:
            raise ValueError("EncodingAESKey has 43 characters")
        self.corp_id = corp_id
        self.agent_id = agent_id
        self._secret = corp_secret
        self._token = token
        self._now = now
        self._crypto = WeChatCrypto(token, encoding_aes_key, corp_id)
        self.callback_url: str | None = None
        self.callback_timeout = CALLBACK_TIMEOUT
        self.allowed_ips: set[str] | None = None  # when set, API calls from other IPs answer 60020
        self.token_requests = 0  # every gettoken call, failed and injected ones included
        self.calls: Counter[str] = Counter()  # calls per path after /cgi-bin/, e.g. "message/send"
        self.sent: list[SentMessage] = []  # every record, in order
        self._tokens: dict[str, _Token] = {}
        self._media: dict[str, _Media] = {}
        self._pics: dict[str, _Media] = {}
        self._tasks: dict[str, _Task] = {}
        self._task_ids: set[str] = set()
        self._codes: dict[str, _ResponseCode] = {}
        self._faults: list[_Fault] = []
        self._users: dict[str, WeComUser] = {}
        self._msg_ids = itertools.count(first_msg_id)
        self._changed = asyncio.Condition()
        self.version = 0  # counts the records sent and updated: what a phone (wecom_phone.py) has seen
        self.phone_samples: list[PhoneSample] = []  # files the browser phone offers to send
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None

    # lifecycle ---------------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serves on host:port (port 0 picks a free one); the access log is off so no token is logged."""
        if self._runner is not None:
            raise RuntimeError("the WeCom sandbox is already running")
        runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self._runner, self._host = runner, host
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        self._port = None
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def __aenter__(self) -> WeComSandbox:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """The API base URL, the sandbox's ``https://qyapi.weixin.qq.com``."""
        if self._port is None:
            raise RuntimeError("the WeCom sandbox is not running")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    def make_app(self) -> web.Application:
        """The aiohttp application (run it with ``access_log=None``: queries carry the token and secret)."""
        app = web.Application(client_max_size=MAX_REQUEST)
        app.router.add_get("/cgi-bin/gettoken", self._api("gettoken", self._gettoken, authed=False))
        app.router.add_post("/cgi-bin/message/send", self._api("message/send", self._send))
        app.router.add_post(
            "/cgi-bin/message/update_template_card", self._api("message/update_template_card", self._update)
        )
        app.router.add_post("/cgi-bin/media/upload", self._api("media/upload", self._upload))
        app.router.add_get("/cgi-bin/media/get", self._api("media/get", self._media_get))
        app.router.add_get("/media/pic/{pic_id}", self._pic)
        from liuhen.sandbox.wecom_phone import add_phone_routes  # it imports this module

        add_phone_routes(app, self)  # the members' phones in a browser: /phone/{userid}, /sim/{userid}/…
        return app

    # members -----------------------------------------------------------------------------------------

    def user(self, userid: str) -> WeComUser:
        """The member ``userid`` (created on first use; userids match case-insensitively, as in WeCom)."""
        if not userid or userid.startswith("@") or "|" in userid:
            raise ValueError(f"not a userid: {userid!r}")
        member = self._users.get(userid.lower())
        if member is None:
            member = self._users[userid.lower()] = WeComUser(self, userid)
        return member

    @property
    def users(self) -> list[WeComUser]:
        return list(self._users.values())

    def media_bytes(self, media_id: str) -> bytes | None:
        """The bytes of a media (uploaded by the app or sent by a user), expired or not."""
        media = self._media.get(media_id)
        return media.data if media is not None else None

    def media_file(self, media_id: str) -> tuple[bytes, str, str] | None:
        """(bytes, file name, content type) of a media, expired or not."""
        media = self._media.get(media_id)
        return (media.data, media.filename, media.content_type) if media is not None else None

    # changes -----------------------------------------------------------------------------------------

    async def wait_until(self, predicate: Callable[[], bool], seconds: float) -> bool:
        """Waits on the sandbox's change condition (woken by every send, update and :meth:`wake`) until
        ``predicate`` holds; answers whether it holds, False after ``seconds``."""
        try:
            async with asyncio.timeout(seconds):
                async with self._changed:
                    await self._changed.wait_for(predicate)
        except TimeoutError:
            return predicate()
        return True

    async def wake(self) -> None:
        """Wakes whoever waits for a change (a phone's long poll after its user did something)."""
        await self._notify()

    def _bump(self) -> int:
        self.version += 1
        return self.version

    # fault injection ---------------------------------------------------------------------------------

    def fail_next(self, path_suffix: str, errcode: int, times: int = 1) -> None:
        """The next ``times`` calls whose path ends with ``path_suffix`` (e.g. "message/send") answer
        ``errcode`` (e.g. 45009, -1) before anything is checked or recorded."""
        if times < 1:
            raise ValueError("times must be positive")
        self._faults.append(_Fault(path_suffix.strip("/"), errcode, times))

    def _injected(self, path: str) -> WeComError | None:
        for fault in self._faults:
            if path.endswith(fault.path_suffix):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return WeComError(fault.errcode)
        return None

    # the API -----------------------------------------------------------------------------------------

    def _api(
        self,
        name: str,
        handler: Callable[[web.Request], Awaitable[Json | web.StreamResponse]],
        *,
        authed: bool = True,
    ) -> Handler:
        async def route(request: web.Request) -> web.StreamResponse:
            self.calls[name] += 1
            if name == "gettoken":
                self.token_requests += 1
            try:
                injected = self._injected(name)
                if injected is not None:
                    raise injected
                if authed:
                    if self.allowed_ips is not None and request.remote not in self.allowed_ips:
                        raise WeComError(
                            60020, f"not allow to access from your ip, from ip: {request.remote}"
                        )
                    self._check_token(request.query.get("access_token", ""))
                result = await handler(request)
            except WeComError as error:
                log.debug("wecom sandbox: %s answered %s", name, error.errcode)
                return _json(error.body())
            return result if isinstance(result, web.StreamResponse) else _json(result)

        return route

    def _check_token(self, token: str) -> None:
        if not token:
            raise WeComError(41001)
        issued = self._tokens.get(token)
        if issued is None:
            raise WeComError(40014)
        if self._now() >= issued.issued_at + TOKEN_LIFETIME:
            raise WeComError(42001)

    async def _gettoken(self, request: web.Request) -> Json:
        corpid = request.query.get("corpid", "")
        secret = request.query.get("corpsecret", "")
        if not corpid:
            raise WeComError(41002)
        if not secret:
            raise WeComError(41004)
        if not hmac.compare_digest(corpid.encode(), self.corp_id.encode()):
            raise WeComError(40013)
        if not hmac.compare_digest(secret.encode(), self._secret.encode()):
            raise WeComError(40001)
        token = secrets.token_urlsafe(96)
        self._tokens[token] = _Token(self._now())
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": TOKEN_LIFETIME}

    async def _body(self, request: web.Request) -> Json:
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            raise WeComError(40035, "invalid parameter: the body is not JSON") from None
        if not isinstance(body, dict):
            raise WeComError(40035, "invalid parameter: the body is not a JSON object")
        agentid = body.get("agentid")
        if agentid is None or agentid == "":
            raise WeComError(41011)
        if str(agentid) != str(self.agent_id):
            raise WeComError(40056)
        return body

    def _live_media(self, media_id: Any) -> _Media:
        if not isinstance(media_id, str) or not media_id:
            raise WeComError(41006)
        media = self._media.get(media_id)
        if media is None or self._now() >= media.created_at + MEDIA_LIFETIME:
            raise WeComError(40007)
        return media

    def _validate_payload(self, msgtype: str, payload: Json) -> Json:
        if msgtype in ("text", "markdown"):
            content = payload.get("content")
            if not isinstance(content, str) or not content:
                raise WeComError(44004)
            if len(content.encode()) > MAX_TEXT_BYTES:
                raise WeComError(45002)
        elif msgtype in MEDIA_MESSAGES:
            self._live_media(payload.get("media_id"))
        elif msgtype == "textcard":
            for key, code in (("title", 41016), ("description", 41033), ("url", 41010)):
                if not _str(payload, key):
                    raise WeComError(code, f"{key} missing")
        elif msgtype == "news":
            articles = _dicts(payload, "articles")
            if not 1 <= len(articles) <= 8 or not all(_str(article, "title") for article in articles):
                raise WeComError(40035, "invalid parameter: news.articles needs 1 to 8 titled articles")
        elif msgtype == "template_card":
            return validate_card(payload)
        return copy.deepcopy(payload)

    def _recipients(self, touser: Any) -> tuple[list[WeComUser], list[str]]:
        if touser == "@all":
            return self.users, []
        names = [name for name in touser.split("|") if name] if isinstance(touser, str) else []
        members: list[WeComUser] = []
        invalid: list[str] = []
        for name in names:
            member = self._users.get(name.lower())
            if member is None:
                invalid.append(name.lower())
            elif member not in members:
                members.append(member)
        return members, invalid

    async def _send(self, request: web.Request) -> Json:
        body = await self._body(request)
        msgtype = body.get("msgtype")
        if not isinstance(msgtype, str) or msgtype not in MESSAGE_TYPES:
            raise WeComError(40008)
        raw = body.get(msgtype)
        if not isinstance(raw, dict):
            raise WeComError(44004 if msgtype == "text" else 40035, f"{msgtype} missing")
        payload = self._validate_payload(msgtype, raw)
        members, invalid = self._recipients(body.get("touser"))
        answer: Json = {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid)}
        for key in ("toparty", "totag"):  # no departments nor tags in the sandbox
            if body.get(key):
                answer[key.replace("to", "invalid", 1)] = str(body[key])
        if not members:
            raise WeComError(81013, extra={k: v for k, v in answer.items() if k.startswith("invalid")})
        task_id = _str(payload, "task_id") if msgtype == "template_card" else ""
        if task_id and task_id in self._task_ids:
            raise _card_error(f"task_id {task_id!r} was used already")
        msgid = secrets.token_urlsafe(48)
        answer["msgid"] = msgid
        now = self._now()
        task = _Task(msgid, {})
        callable_card = msgtype == "template_card" and (
            payload["card_type"] in INTERACTIVE_CARDS or bool(_dict(payload, "action_menu"))
        )
        code = self._issue_code(task) if callable_card else None
        if code is not None:
            answer["response_code"] = code
        version = self._bump()
        for member in members:
            record = SentMessage(
                msgid=msgid,
                userid=member.userid,
                msgtype=msgtype,
                payload=copy.deepcopy(payload),
                sent_at=now,
                response_code=code,
                card=copy.deepcopy(payload) if msgtype == "template_card" else None,
                version=version,
            )
            task.recipients[member.userid.lower()] = record
            member.messages.append(record)
            self.sent.append(record)
        if msgtype == "template_card":
            self._tasks[msgid] = task
            if task_id:
                self._task_ids.add(task_id)
        log.debug("wecom sandbox: message/send %s to %d member(s)", msgtype, len(members))
        await self._notify()
        return answer

    def _issue_code(self, task: _Task) -> str:
        code = secrets.token_urlsafe(32)
        self._codes[code] = _ResponseCode(task, self._now())
        return code

    async def _update(self, request: web.Request) -> Json:
        body = await self._body(request)
        code = body.get("response_code")
        entry = self._codes.get(code) if isinstance(code, str) else None
        if entry is None or entry.used or self._now() >= entry.issued_at + RESPONSE_CODE_LIFETIME:
            raise WeComError(40035, "invalid response_code")
        task = entry.task
        button = body.get("button")
        new_card: Json | None = None
        replace_name: str | None = None
        if isinstance(button, dict):
            replace_name = _str(button, "replace_name")
            if not replace_name:
                raise WeComError(40035, "invalid parameter: button.replace_name is required")
        elif "template_card" in body:
            new_card = validate_card(body["template_card"])
        else:
            raise WeComError(40035, "invalid parameter: button or template_card is required")
        if body.get("atall") == 1:
            targets, invalid = list(task.recipients.values()), []
        else:
            userids = body.get("userids")
            names = [name for name in userids if isinstance(name, str)] if isinstance(userids, list) else []
            targets = [task.recipients[n.lower()] for n in names if n.lower() in task.recipients]
            invalid = [n.lower() for n in names if n.lower() not in task.recipients]
        if not targets:
            raise WeComError(81013, extra={"invaliduser": invalid})
        if replace_name is not None:
            for record in targets:
                if record.card_type not in INTERACTIVE_CARDS:
                    raise WeComError(
                        40035, "invalid parameter: only interactive cards' buttons can be replaced"
                    )
        entry.used = True
        now = self._now()
        version = self._bump()
        for record in targets:
            record.version = version
            if new_card is not None:
                record.card = copy.deepcopy(new_card)
                record.replaced_button = None
            else:
                record.replaced_button = replace_name
            card = copy.deepcopy(record.card) if new_card is not None else None
            record.revisions.append(Revision(now, str(code), card, replace_name))
        log.debug("wecom sandbox: update_template_card for %d member(s)", len(targets))
        await self._notify()
        return {"errcode": 0, "errmsg": "ok", "invaliduser": invalid}

    async def _upload(self, request: web.Request) -> Json:
        media_type = request.query.get("type", "")
        if media_type not in MEDIA_LIMITS:
            raise WeComError(40005)
        form = await request.post()
        part = form.get("media")
        if not isinstance(part, web.FileField):
            raise WeComError(44001)
        data = part.file.read()
        if len(data) <= MIN_MEDIA_BYTES:
            raise WeComError(40006)
        if len(data) > MEDIA_LIMITS[media_type]:
            raise WeComError({"image": 40009, "video": 40011}.get(media_type, 40006))
        media = self.store_media(media_type, data, part.filename or media_type, part.content_type)
        return {
            "errcode": 0,
            "errmsg": "",
            "type": media_type,
            "media_id": media.media_id,
            "created_at": str(int(media.created_at)),
        }

    def store_media(
        self, media_type: str, data: bytes, filename: str, content_type: str | None = None
    ) -> _Media:
        """Keeps bytes as a temporary media (3 days by ``now``), as an upload or a user's message does."""
        media_id = "3" + secrets.token_urlsafe(48)
        media = _Media(
            media_id, media_type, data, filename, _content_type(filename, content_type), self._now()
        )
        self._media[media_id] = media
        return media

    async def _media_get(self, request: web.Request) -> web.StreamResponse:
        media = self._live_media(request.query.get("media_id", ""))
        name = media.filename
        disposition = f'attachment; filename="{quote(name)}"'
        if quote(name) != name:
            disposition += f"; filename*=UTF-8''{quote(name)}"
        return web.Response(
            body=media.data,
            headers={
                "Content-Type": media.content_type,
                "Content-disposition": disposition,
                "Cache-Control": "no-cache, must-revalidate",
            },
        )

    async def _pic(self, request: web.Request) -> web.StreamResponse:
        media = self._pics.get(request.match_info["pic_id"])
        if media is None:
            raise web.HTTPNotFound()
        return web.Response(body=media.data, headers={"Content-Type": media.content_type})

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # callbacks ---------------------------------------------------------------------------------------

    def _next_msg_id(self) -> int:
        return next(self._msg_ids)

    def _seal(self, plaintext: str, nonce: str, timestamp: str) -> tuple[str, str]:
        """(Encrypt, msg_signature) of a plaintext, as WeCom computes them (wechatpy's WeChatCrypto)."""
        envelope = str(self._crypto.encrypt_message(plaintext, nonce, timestamp))
        encrypt = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]></Encrypt>", envelope, re.S)
        signature = re.search(r"<MsgSignature><!\[CDATA\[(.*?)\]\]></MsgSignature>", envelope, re.S)
        if encrypt is None or signature is None:
            raise RuntimeError("wechatpy produced an unexpected envelope")
        return encrypt.group(1), signature.group(1)

    def _fresh(self) -> tuple[str, str]:
        return str(int(self._now())), str(secrets.randbelow(9_000_000_000) + 1_000_000_000)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    def _callback_url(self) -> str:
        if not self.callback_url:
            raise RuntimeError("set sandbox.callback_url to where the app listens")
        return self.callback_url

    async def _post(self, url: str, query: Mapping[str, str], payload: str) -> tuple[int, str, str | None]:
        try:
            async with self._client().post(
                url,
                params=dict(query),
                data=payload.encode(),
                headers={"Content-Type": "text/xml"},
                timeout=aiohttp.ClientTimeout(total=self.callback_timeout),
            ) as response:
                return response.status, await response.text(), None
        except (aiohttp.ClientError, TimeoutError) as error:
            return 0, "", f"{type(error).__name__}: {error}"

    def _open_reply(self, body: str) -> str | None:
        """The app's passive reply (被动回复), decrypted, when its signature holds."""
        if "<Encrypt>" not in body:
            return None
        found = {
            tag: re.search(rf"<{tag}>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</{tag}>", body, re.S)
            for tag in ("MsgSignature", "TimeStamp", "Nonce")
        }
        if any(match is None for match in found.values()):
            return None
        signature, timestamp, nonce = (match.group(1) for match in found.values() if match is not None)
        try:
            return str(self._crypto.decrypt_message(body, signature, timestamp, nonce))
        except Exception:
            log.info("wecom sandbox: the app's passive reply does not decrypt")
            return None

    async def deliver(self, xml: str, msg_id: int | None = None) -> Delivery:
        """Encrypts a plaintext callback XML and POSTs WeCom's envelope to ``callback_url``."""
        url = self._callback_url()
        timestamp, nonce = self._fresh()
        encrypt, signature = self._seal(xml, nonce, timestamp)
        payload = _xml([("ToUserName", self.corp_id), ("AgentID", str(self.agent_id)), ("Encrypt", encrypt)])
        query = {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce}
        status, body, error = await self._post(url, query, payload)
        reply = self._open_reply(body) if status == 200 else None
        return Delivery(status, body, xml, msg_id, query, url, payload, reply, error)

    async def redeliver(self, delivery: Delivery) -> Delivery:
        """Repeats a delivery byte for byte, as WeCom's retry of an unanswered callback does."""
        status, body, error = await self._post(delivery.url, delivery.query, delivery.payload)
        reply = self._open_reply(body) if status == 200 else None
        return dataclasses.replace(delivery, status=status, body=body, reply=reply, error=error)

    async def tamper(self, delivery: Delivery) -> int:
        """Re-posts a delivery with a wrong msg_signature; answers the app's HTTP status (0: no answer)."""
        signature = delivery.query["msg_signature"]
        wrong = signature[:-1] + ("0" if signature[-1:] != "0" else "1")
        status, _, _ = await self._post(
            delivery.url, {**delivery.query, "msg_signature": wrong}, delivery.payload
        )
        return status

    async def verify_url(self) -> tuple[int, str, str]:
        """WeCom's URL verification: GET callback_url with msg_signature, timestamp, nonce and an encrypted
        echostr; answers (the app's status, the app's body, the plaintext it should have answered)."""
        url = self._callback_url()
        timestamp, nonce = self._fresh()
        plaintext = str(secrets.randbelow(10**19))
        echostr, signature = self._seal(plaintext, nonce, timestamp)
        query = {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce, "echostr": echostr}
        try:
            async with self._client().get(
                url, params=query, timeout=aiohttp.ClientTimeout(total=self.callback_timeout)
            ) as response:
                return response.status, await response.text(), plaintext
        except (aiohttp.ClientError, TimeoutError):
            return 0, "", plaintext

    def _common(self, userid: str, msgtype: str) -> list[Field]:
        return [
            ("ToUserName", self.corp_id),
            ("FromUserName", userid),
            ("CreateTime", int(self._now())),
            ("MsgType", msgtype),
        ]

    def _user_media(self, media_type: str, data: bytes, filename: str) -> _Media:
        return self.store_media(media_type, data, filename)

    def _pic_url(self, media: _Media) -> str:
        """A PicUrl serving the bytes of a user's image (no token needed, like WeCom's picture links)."""
        pic_id = secrets.token_urlsafe(16)
        self._pics[pic_id] = media
        return f"{self.url}/media/pic/{pic_id}"


def _json(body: Json) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), content_type="application/json", charset="utf-8"
    )


Match = str | Callable[[SentMessage], bool]


class WeComUser:
    """A member of the enterprise who uses the app: sends messages and presses card buttons, and sees
    what the app sends (:attr:`messages`)."""

    def __init__(self, sandbox: WeComSandbox, userid: str) -> None:
        self.sandbox = sandbox
        self.userid = userid
        self.name: str | None = None  # how the browser phone (wecom_phone.py) titles this member
        self.messages: list[SentMessage] = []
        self.deliveries: list[Delivery] = []
        self._mark = 0
        self._revision_marks: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"WeComUser({self.userid!r})"

    # actions -----------------------------------------------------------------------------------------

    def _begin(self) -> None:
        """Marks the user's last action: wait_for and wait_for_update look at what comes after it."""
        self._mark = len(self.messages)
        self._revision_marks = {message.msgid: len(message.revisions) for message in self.messages}

    async def _message(
        self,
        msgtype: str,
        fields: list[Field],
        trailer: Sequence[Field] = (),
    ) -> Delivery:
        self._begin()
        sandbox = self.sandbox
        msg_id = sandbox._next_msg_id()
        common = sandbox._common(self.userid, msgtype)
        xml = _xml([*common, *fields, ("MsgId", msg_id), ("AgentID", sandbox.agent_id), *trailer])
        delivery = await sandbox.deliver(xml, msg_id)
        self.deliveries.append(delivery)
        return delivery

    async def _event(self, event: str, fields: list[Field], tail: str = "") -> Delivery:
        self._begin()
        sandbox = self.sandbox
        common = [*sandbox._common(self.userid, "event"), ("Event", event)]
        xml = _xml([*common, *fields], tail)
        delivery = await sandbox.deliver(xml)
        self.deliveries.append(delivery)
        return delivery

    async def send_text(self, content: str) -> Delivery:
        return await self._message("text", [("Content", content)])

    async def send_image(self, data: bytes, filename: str = "image.jpg") -> Delivery:
        media = self.sandbox._user_media("image", data, filename)
        pic_url = self.sandbox._pic_url(media)
        return await self._message("image", [("PicUrl", pic_url), ("MediaId", media.media_id)])

    async def send_voice(self, data: bytes, format: str = "amr") -> Delivery:
        media = self.sandbox._user_media("voice", data, f"voice.{format}")
        return await self._message("voice", [("MediaId", media.media_id), ("Format", format)])

    async def send_video(self, data: bytes, thumb: bytes | None = None) -> Delivery:
        media = self.sandbox._user_media("video", data, "video.mp4")
        thumb_media = self.sandbox._user_media(
            "image", thumb or PLACEHOLDER_THUMB, "thumb.jpg" if thumb else "thumb.gif"
        )
        return await self._message(
            "video", [("MediaId", media.media_id), ("ThumbMediaId", thumb_media.media_id)]
        )

    async def send_location(self, lat: float, lng: float, label: str, scale: int = 15) -> Delivery:
        fields: list[Field] = [
            ("Location_X", lat),
            ("Location_Y", lng),
            ("Scale", scale),
            ("Label", label),
        ]
        return await self._message("location", fields, [("AppType", "wxwork")])

    async def send_link(self, title: str, description: str, url: str, pic_url: str = "") -> Delivery:
        fields: list[Field] = [
            ("Title", title),
            ("Description", description),
            ("Url", url),
            ("PicUrl", pic_url),
        ]
        return await self._message("link", fields)

    async def enter(self) -> Delivery:
        """Opens the app (the enter_agent event)."""
        return await self._event("enter_agent", [("EventKey", ""), ("AgentID", self.sandbox.agent_id)])

    def _own(self, message: SentMessage) -> Json:
        if not any(mine is message for mine in self.messages):
            raise ValueError(f"{self.userid} did not receive message {message.msgid}")
        if message.card is None:
            raise ValueError(f"message {message.msgid} is a {message.msgtype}, not a template card")
        return message.card

    async def press(self, message: SentMessage, key: str) -> Delivery:
        """Presses the button (or the action menu item, or the submit button) ``key`` of a card the app
        sent: posts template_card_event (template_card_menu_event for menu items) with a new one-shot
        ResponseCode; choices of the card are submitted with their defaults."""
        card = self._own(message)
        return await self._press(message, card, key, {})

    async def select(
        self, message: SentMessage, selections: Mapping[str, Sequence[str]], key: str | None = None
    ) -> Delivery:
        """Chooses options ({question_key: [option ids]}) of a vote, multiple-choice or button-selection card
        and submits them with ``key`` (default: the card's submit button)."""
        card = self._own(message)
        if key is None:
            key = _str(_dict(card, "submit_button"), "key")
            if not key:
                raise ValueError("this card has no submit button: name the button to press")
        return await self._press(message, card, key, selections)

    async def _press(
        self, message: SentMessage, card: Json, key: str, selections: Mapping[str, Sequence[str]]
    ) -> Delivery:
        keys = card_keys(card)
        event = keys.get(key)
        if event is None:
            raise ValueError(f"{key!r} is not a key of this card; its keys are {sorted(keys)}")
        if message.replaced_button is not None and event == CARD_EVENT:
            raise ValueError(f"the buttons of this card were replaced by {message.replaced_button!r}")
        questions = _questions(card)
        chosen: dict[str, list[str]] = {}
        for question_key, option_ids in selections.items():
            if question_key not in questions:
                raise ValueError(
                    f"{question_key!r} is not a question of this card; its questions are {sorted(questions)}"
                )
            ids, multiple, _ = questions[question_key]
            unknown = [option for option in option_ids if option not in ids]
            if unknown:
                raise ValueError(f"{unknown} are not options of {question_key!r}: {ids}")
            if not multiple and len(option_ids) != 1:
                raise ValueError(f"{question_key!r} takes exactly one option")
            chosen[question_key] = list(option_ids)
        selected = {q: chosen.get(q, default) for q, (_, _, default) in questions.items()}
        sandbox = self.sandbox
        task = sandbox._tasks[message.msgid]
        code = sandbox._issue_code(task)
        fields: list[Field] = [
            ("EventKey", key),
            ("TaskId", _str(card, "task_id")),
            ("CardType", _str(card, "card_type")),
            ("ResponseCode", code),
            ("AgentID", sandbox.agent_id),
        ]
        tail = _selected_items_xml(selected) if selected and event == CARD_EVENT else ""
        return await self._event(event, fields, tail)

    # what the app sent -------------------------------------------------------------------------------

    async def wait_for(self, match: Match, timeout: float = 10.0) -> SentMessage:  # noqa: ASYNC109
        """The first message sent to this user after the user's last action that matches (a substring of
        :func:`text_of`, or a predicate), waiting for it; TimeoutError lists what arrived instead."""
        predicate: Callable[[SentMessage], bool] = (
            (lambda message: match in text_of(message)) if isinstance(match, str) else match
        )
        start = self._mark

        def found() -> SentMessage | None:
            return next((message for message in self.messages[start:] if predicate(message)), None)

        try:
            async with asyncio.timeout(timeout):
                async with self.sandbox._changed:
                    await self.sandbox._changed.wait_for(lambda: found() is not None)
        except TimeoutError:
            arrived = [text_of(message) for message in self.messages[start:]]
            raise TimeoutError(
                f"{self.userid}: nothing matching {match!r} within {timeout} s; arrived since the last "
                f"action: {arrived!r}"
            ) from None
        result = found()
        assert result is not None
        return result

    async def wait_for_update(
        self,
        message: SentMessage,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> SentMessage:
        """Waits until the card of ``message`` is updated after the user's last action."""
        baseline = self._revision_marks.get(message.msgid, 0)
        try:
            async with asyncio.timeout(timeout):
                async with self.sandbox._changed:
                    await self.sandbox._changed.wait_for(lambda: len(message.revisions) > baseline)
        except TimeoutError:
            raise TimeoutError(
                f"{self.userid}: message {message.msgid} was not updated within {timeout} s "
                f"({len(message.revisions)} revision(s) in all)"
            ) from None
        return message


__all__ = [
    "Delivery",
    "Revision",
    "SentMessage",
    "WeComError",
    "WeComSandbox",
    "WeComUser",
    "card_keys",
    "card_lines",
    "text_of",
    "validate_card",
]
