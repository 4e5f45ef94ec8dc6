"""A local imitation of the Telegram Bot API, plus a simulation API through which tests play the users.

The unmodified PTB ``Application`` talks to :class:`SandboxServer` over real HTTP (``base_url`` =
:attr:`SandboxServer.bot_api_url`, ``base_file_url`` = :attr:`SandboxServer.file_url`); tests, benchmarks and
the demo page act as users through ``/sim/{token}/...`` (see :class:`Simulation`). All state is in memory,
per bot token. The token is never logged: the access log is off and log lines name the bot by its id.
"""

from __future__ import annotations

import asyncio
import base64
import bisect
import contextlib
import copy
import functools
import hashlib
import io
import json
import logging
import math
import mimetypes
import re
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any

import aiohttp
from aiohttp import web
from PIL import Image

log = logging.getLogger(__name__)

Json = dict[str, Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
MAX_DOWNLOAD = 20 * 1024 * 1024
MAX_REQUEST = 64 * 1024 * 1024
WEBHOOK_TIMEOUT = 10.0
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 5.0
FIRST_USER_ID = 10001
BOT_USERNAME = "liuhen_sandbox_bot"
BOT_FIRST_NAME = "留痕 Sandbox"
MEDIA_KINDS = ("photo", "document", "voice", "audio", "video", "video_note")
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
INLINE_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


# ---------------------------------------------------------------------------------------------- errors


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> Json:
        body: Json = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


class SimError(Exception):
    """An error of the simulation API, answered as HTTP ``status`` with ``{"error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Described:
    """A successful result that Telegram answers with a ``description`` too (setWebhook, deleteWebhook)."""

    result: Any
    description: str


def _with(**fields: Any) -> Json:
    """The fields that are set (not None, not empty)."""
    return {key: value for key, value in fields.items() if value not in (None, [], "")}


# ------------------------------------------------------------------------------------ text and entities


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}


def _parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


class _HtmlEntities(HTMLParser):
    """Telegram's HTML parse mode: plain text plus entities (offsets in UTF-16 units)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.entities: list[Json] = []
        self._offset = 0
        self._open: list[tuple[str, int, Json | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open.append((tag, self._offset, self._entity_for(tag, dict(attrs))))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            expected = f', expected "</{self._open[-1][0]}>"' if self._open else ""
            raise _parse_error(f'Unmatched end tag "</{tag}>"{expected}')
        _, start, entity = self._open.pop()
        if entity is not None and self._offset > start:
            self.entities.append({**entity, "offset": start, "length": self._offset - start})

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self._offset += utf16_len(data)

    def result(self) -> tuple[str, list[Json]]:
        if self._open:
            raise _parse_error(f'Can\'t find end tag corresponding to start tag "{self._open[-1][0]}"')
        return "".join(self.parts), sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))

    def _entity_for(self, tag: str, attrs: dict[str, str | None]) -> Json | None:
        if tag == "code" and self._open and self._open[-1][0] == "pre":
            language = (attrs.get("class") or "").removeprefix("language-")
            pre = self._open[-1][2]
            if language and pre is not None:
                pre["language"] = language
            return None
        if tag in _SIMPLE_TAGS:
            return {"type": _SIMPLE_TAGS[tag]}
        if tag == "span" and attrs.get("class") == "tg-spoiler":
            return {"type": "spoiler"}
        if tag == "a":
            href = attrs.get("href") or ""
            return {"type": "text_link", "url": href} if href else None
        if tag == "tg-emoji":
            return {"type": "custom_emoji", "custom_emoji_id": attrs.get("emoji-id") or ""}
        if tag == "blockquote":
            return {"type": "expandable_blockquote" if "expandable" in attrs else "blockquote"}
        raise _parse_error(f'Unsupported start tag "{tag}"')


def parse_html(source: str) -> tuple[str, list[Json]]:
    """Plain text and entities of a text in Telegram's HTML parse mode."""
    parser = _HtmlEntities()
    parser.feed(source)
    parser.close()
    return parser.result()


_AUTO_ENTITY = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/]))"
    r"|(?P<url>https?://[^\s<>\"]+)"
)


def auto_entities(text: str) -> list[Json]:
    """The entities Telegram marks in what users type: bot commands and URLs."""
    return [
        {
            "type": match.lastgroup,
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _AUTO_ENTITY.finditer(text)
    ]


def _given_entities(entities: Any) -> list[Json]:
    if entities is None:
        return []
    if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
        raise bad_request("can't parse entities JSON object")
    return entities


def formatted(
    text: str | None, parse_mode: str | None, entities: Any, *, caption: bool
) -> tuple[str, list[Json]]:
    """Text and entities of a text or caption parameter, checked against Telegram's limits.

    Markdown parse modes are accepted but not parsed: the text is kept verbatim, without entities.
    """
    text = text or ""
    mode = (parse_mode or "").lower()
    if mode == "html":
        text, parsed = parse_html(text)
    elif mode in ("", "none", "markdown", "markdownv2"):
        parsed = _given_entities(entities) if mode in ("", "none") else []
    else:
        raise bad_request("unsupported parse_mode")
    if caption:
        if len(text) > MAX_CAPTION:
            raise bad_request("message caption is too long")
    elif not text.strip():
        raise bad_request("message text is empty")
    elif len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, parsed


# ---------------------------------------------------------------------------------------- reply markup


def check_markup(raw: Any) -> tuple[Json | None, Json | None]:
    """Validates reply_markup: (inline keyboard for the message, reply keyboard/removal/force reply)."""
    if raw is None:
        return None, None
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        for row in _rows(raw, "inline_keyboard"):
            for button in row:
                _check_inline_button(button)
        return copy.deepcopy(raw), None
    if "keyboard" in raw:
        rows = [[_keyboard_button(button) for button in row] for row in _rows(raw, "keyboard")]
        return None, {**copy.deepcopy(raw), "keyboard": rows}
    if raw.get("remove_keyboard") or raw.get("force_reply"):
        return None, dict(raw)
    raise bad_request("can't parse reply keyboard markup JSON object")


def inline_only(raw: Any) -> Json | None:
    """An inline keyboard for an edit (anything else is refused)."""
    inline, other = check_markup(raw)
    if other is not None:
        raise bad_request("inline keyboard expected")
    return inline


def _rows(markup: Json, key: str) -> list[list[Any]]:
    rows = markup.get(key)
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'field "{key}" of the keyboard markup must be an Array of Arrays')
    return rows


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text must be a String")
    if not any(action in button for action in INLINE_ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if "callback_data" in button and not (
        isinstance(data, str) and 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if "url" in button and not (isinstance(url, str) and re.fullmatch(r"(https?|tg)://\S+", url)):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _keyboard_button(button: Any) -> Json:
    if isinstance(button, str):
        return {"text": button}
    if isinstance(button, dict) and isinstance(button.get("text"), str):
        return dict(button)
    raise bad_request("can't parse keyboard button: Text must be a String")


# ------------------------------------------------------------------------------------------ parameters


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    """Bot API parameters from a query string, a form (non-strings JSON-encoded, as PTB sends them), JSON."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def raw(self, name: str) -> Any:
        return self._values.get(name)

    def as_text(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, Upload):
            raise bad_request(f"{name} must be a String")
        return json.dumps(value, ensure_ascii=False)

    def as_int(self, name: str) -> int | None:
        value = self._values.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def as_float(self, name: str) -> float | None:
        value = self._values.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise bad_request(f"invalid {name} specified")
        try:
            return float(value)
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def as_bool(self, name: str) -> bool:
        value = self._values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def as_json(self, name: str) -> Any:
        value = self._values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def as_file(self, name: str) -> Upload | str | None:
        value = self._values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = self._values.get(value.removeprefix("attach://"))
        if value is None or isinstance(value, Upload | str):
            return value
        raise bad_request(f"wrong {name} specified")

    def required_int(self, name: str) -> int:
        value = self.as_int(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value


def _form_value(value: str | bytes | bytearray | web.FileField) -> Any:
    if isinstance(value, web.FileField):
        return Upload(value.file.read(), value.filename, value.content_type)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return value


async def read_form(request: web.Request) -> dict[str, Any]:
    """Fields of a urlencoded or multipart body; file parts become :class:`Upload`."""
    form = await request.post()
    return {name: _form_value(value) for name, value in form.items()}


async def read_params(request: web.Request) -> Params:
    """Parameters of a Bot API request: query string plus a JSON, urlencoded or multipart body."""
    values: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.body_exists:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("the JSON request body must be an Object")
            values.update(body)
        else:
            values.update(await read_form(request))
    return Params(values)


# ----------------------------------------------------------------------------------------------- files

_FOLDERS: dict[str, tuple[str, str]] = {
    "photo": ("photos", ".jpg"),
    "document": ("documents", ".bin"),
    "voice": ("voice", ".oga"),
    "audio": ("music", ".mp3"),
    "video": ("videos", ".mp4"),
    "video_note": ("video_notes", ".mp4"),
}


def file_unique_id(data: bytes) -> str:
    """Stable for identical bytes, like Telegram's ``file_unique_id``."""
    return "AgAD" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()[:12]).decode("ascii")


@dataclass
class StoredFile:
    """Bytes known to the sandbox under a file_id; ``media`` is the Bot API object built at upload."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str | None
    mime_type: str | None
    media: Any = None

    def meta(self) -> Json:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": len(self.data)}

    def as_file(self) -> Json:
        return _with(**self.meta(), file_path=self.file_path)


def _extension(kind: str, filename: str | None, mime_type: str | None) -> str:
    suffix = PurePosixPath(filename).suffix.lower() if filename else ""
    if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
        return suffix
    guessed = mimetypes.guess_extension(mime_type) if mime_type else None
    return guessed or _FOLDERS.get(kind, ("documents", ".bin"))[1]


class FileStore:
    """All files of one bot, by file_id and by file_path."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}

    def add(
        self, kind: str, data: bytes, *, filename: str | None = None, mime_type: str | None = None
    ) -> StoredFile:
        number = len(self._by_id) + 1
        unique = file_unique_id(data)
        folder = _FOLDERS.get(kind, ("documents", ".bin"))[0]
        path = (
            f"{folder}/file_{number}{_extension(kind, filename, mime_type)}"
            if len(data) <= MAX_DOWNLOAD
            else None
        )
        stored = StoredFile(f"SBX{number:07d}{kind}{unique[4:14]}", unique, kind, data, path, mime_type)
        self._by_id[stored.file_id] = stored
        if path is not None:
            self._by_path[path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)


@dataclass(frozen=True)
class MediaSpec:
    """An upload with the attributes a sender may give."""

    kind: str
    data: bytes
    filename: str | None = None
    mime_type: str | None = None
    duration: int | None = None
    width: int | None = None
    height: int | None = None
    length: int | None = None
    title: str | None = None
    performer: str | None = None


def _thumb_sides(longest: int) -> list[int]:
    sides = [side for side in (90, 320) if side < longest]
    return sides or ([longest // 2] if longest >= 2 else [])


def photo_variants(data: bytes) -> list[tuple[bytes, int, int]]:
    """JPEG thumbnails (smallest first) and the original; just (data, 0, 0) when the bytes are no image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            width, height = image.size
            rgb = image.convert("RGB")
    except Exception:
        return [(data, 0, 0)]
    variants: list[tuple[bytes, int, int]] = []
    for side in _thumb_sides(max(width, height)):
        thumb = rgb.copy()
        thumb.thumbnail((side, side))
        buffer = io.BytesIO()
        thumb.save(buffer, "JPEG", quality=80)
        variants.append((buffer.getvalue(), thumb.width, thumb.height))
    return [*variants, (data, width, height)]


def _useful_mime(mime_type: str | None) -> str | None:
    return None if mime_type in (None, "", "application/octet-stream") else mime_type


def _media_fields(spec: MediaSpec) -> Json:
    given = _useful_mime(spec.mime_type)
    guessed = given or (mimetypes.guess_type(spec.filename)[0] if spec.filename else None)
    duration = spec.duration if spec.duration is not None else 1
    if spec.kind == "document":
        return _with(file_name=spec.filename, mime_type=guessed or "application/octet-stream")
    if spec.kind == "voice":
        return {"duration": duration, "mime_type": given or "audio/ogg"}
    if spec.kind == "audio":
        return _with(
            duration=duration,
            performer=spec.performer,
            title=spec.title,
            file_name=spec.filename,
            mime_type=guessed or "audio/mpeg",
        )
    if spec.kind == "video":
        return _with(
            width=spec.width or 640,
            height=spec.height or 360,
            duration=duration,
            file_name=spec.filename,
            mime_type=guessed or "video/mp4",
        )
    return {"length": spec.length or 240, "duration": duration}


async def store_media(files: FileStore, spec: MediaSpec, *, strict_image: bool = False) -> Any:
    """Stores an upload and returns its Bot API object (for photos, the list of PhotoSize)."""
    if spec.kind == "photo":
        return await _store_photo(files, spec.data, strict_image=strict_image)
    stored = files.add(spec.kind, spec.data, filename=spec.filename, mime_type=_useful_mime(spec.mime_type))
    stored.media = {**stored.meta(), **_media_fields(spec)}
    return copy.deepcopy(stored.media)


async def _store_photo(files: FileStore, data: bytes, *, strict_image: bool) -> list[Json]:
    variants = await asyncio.to_thread(photo_variants, data)
    if strict_image and variants[-1][1] == 0:
        raise bad_request("IMAGE_PROCESS_FAILED")
    stored = [files.add("photo", blob, mime_type="image/jpeg") for blob, _, _ in variants]
    sizes = [{**s.meta(), "width": w, "height": h} for s, (_, w, h) in zip(stored, variants, strict=True)]
    for item in stored:
        item.media = sizes
    return copy.deepcopy(sizes)


def main_file_id(message: Json) -> str | None:
    """The file_id of a message's media (the largest photo size)."""
    for kind in MEDIA_KINDS:
        media = message.get(kind)
        if isinstance(media, list) and media:
            return str(media[-1]["file_id"])
        if isinstance(media, dict):
            return str(media["file_id"])
    return None


# ----------------------------------------------------------------------------------- limits and signals


def _window(rate: float) -> tuple[float, int]:
    """(window seconds, messages allowed in it) for a rate in messages per second."""
    return (1.0, math.floor(rate)) if rate >= 1 else (1.0 / rate, 1)


def _wait_needed(stamps: deque[float], rate: float | None, now: float) -> int | None:
    if rate is None:
        stamps.clear()
        return None
    span, capacity = _window(rate)
    while stamps and stamps[0] <= now - span:
        stamps.popleft()
    if len(stamps) < capacity:
        return None
    return max(1, math.ceil(stamps[len(stamps) - capacity] + span - now))


class RateLimiter:
    """Sliding-window limits on sends and edits, per bot and per chat; both off by default."""

    def __init__(self) -> None:
        self.global_per_second: float | None = None
        self.per_chat_per_second: float | None = None
        self._global: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}

    def acquire(self, chat_id: int, now: float) -> int | None:
        """Records a send and returns None, or returns the seconds to wait (and records nothing)."""
        chat = self._chats.setdefault(chat_id, deque())
        waits = [
            _wait_needed(self._global, self.global_per_second, now),
            _wait_needed(chat, self.per_chat_per_second, now),
        ]
        if any(wait is not None for wait in waits):
            return max(wait for wait in waits if wait is not None)
        if self.global_per_second is not None:
            self._global.append(now)
        if self.per_chat_per_second is not None:
            chat.append(now)
        return None

    def as_json(self) -> Json:
        return {"global_per_second": self.global_per_second, "per_chat_per_second": self.per_chat_per_second}


class Signal:
    """Wakes every current waiter on each :meth:`fire`."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), seconds)


# --------------------------------------------------------------------------------------- events, updates


class EventLog:
    """Changes visible to users, numbered by a sequence that increases per bot."""

    def __init__(self) -> None:
        self.last_seq = 0
        self.closed = False
        self._by_user: dict[int, list[Json]] = {}
        self._signal = Signal()

    def add(self, user_id: int, kind: str, **payload: Any) -> Json:
        self.last_seq += 1
        event = {"seq": self.last_seq, "type": kind, "user_id": user_id, **payload}
        self._by_user.setdefault(user_id, []).append(event)
        self._signal.fire()
        return event

    def since(self, user_id: int, after: int) -> list[Json]:
        events = self._by_user.get(user_id, [])
        return events[bisect.bisect_right(events, after, key=lambda event: int(event["seq"])) :]

    async def wait(self, user_id: int, after: int, seconds: float) -> list[Json]:
        """Events after ``after``, waiting up to ``seconds`` for the first one."""
        deadline = time.monotonic() + seconds
        while True:
            found = self.since(user_id, after)
            remaining = deadline - time.monotonic()
            if found or remaining <= 0 or self.closed:
                return found
            await self._signal.wait(remaining)

    def close(self) -> None:
        """Ends every long poll at once (server shutdown)."""
        self.closed = True
        self._signal.fire()

    def reopen(self) -> None:
        self.closed = False


def update_type(update: Json) -> str:
    return next((key for key in update if key != "update_id"), "")


def update_chat(update: Json) -> int | None:
    """The chat an update belongs to (its message's chat, else its sender), None for neither."""
    body = update.get(update_type(update))
    if not isinstance(body, dict):
        return None
    message = body.get("message")
    chat = body.get("chat") or (message.get("chat") if isinstance(message, dict) else None)
    if isinstance(chat, dict) and isinstance(chat.get("id"), int):
        return int(chat["id"])
    sender = body.get("from")
    return int(sender["id"]) if isinstance(sender, dict) and isinstance(sender.get("id"), int) else None


@dataclass
class _Queued:
    update: Json
    replayed: bool = False
    handed_out: bool = False


class UpdateQueue:
    """Pending updates of one bot, in order, kept until confirmed (getUpdates offset) or webhook-delivered."""

    def __init__(self) -> None:
        self.signal = Signal()
        self.poll_generation = 0
        self.created = 0
        self.delivered = 0
        self._queue: list[_Queued] = []
        self._history: dict[int, Json] = {}

    @property
    def pending(self) -> int:
        return len(self._queue)

    def push(self, body: Json) -> Json:
        self.created += 1
        update = {"update_id": self.created, **body}
        self._history[self.created] = update
        self._queue.append(_Queued(copy.deepcopy(update)))
        self.signal.fire()
        return update

    def replay(self, update_id: int) -> Json | None:
        """Queues an already known update again, same update_id and content, regardless of offsets."""
        update = self._history.get(update_id)
        if update is not None:
            self._queue.append(_Queued(copy.deepcopy(update), replayed=True))
            self.signal.fire()
        return update

    def confirm(self, offset: int) -> None:
        """Drops what ``offset`` confirms; a negative offset keeps only the last ``-offset`` updates."""
        if offset < 0:
            fresh = [q for q in self._queue if not q.replayed]
            dropped = {id(q) for q in fresh[: max(len(fresh) + offset, 0)]}
            self._queue = [q for q in self._queue if id(q) not in dropped]
        else:
            self._queue = [q for q in self._queue if q.replayed or q.update["update_id"] >= offset]

    def take(self, limit: int, allowed: frozenset[str] | None) -> list[Json]:
        """The next updates to hand out (replayed ones first, then dropped); others stay until confirmed."""
        self._drop_unwanted(allowed)
        batch = sorted(self._queue, key=lambda q: not q.replayed)[:limit]
        for queued in batch:
            self._hand_out(queued)
        self._queue = [q for q in self._queue if not (q.replayed and q.handed_out)]
        return [q.update for q in batch]

    def heads(self, allowed: frozenset[str] | None, busy: set[int | None]) -> list[Json]:
        """The first pending update of each chat not in ``busy`` (replayed ones first), oldest chat first."""
        self._drop_unwanted(allowed)
        heads: dict[int | None, Json] = {}
        for queued in sorted(self._queue, key=lambda q: not q.replayed):
            chat = update_chat(queued.update)
            if chat not in busy and chat not in heads:
                heads[chat] = queued.update
        return list(heads.values())

    def remove(self, update: Json) -> None:
        """Marks a webhook-delivered update as done."""
        for queued in self._queue:
            if queued.update is update:
                self._hand_out(queued)
                self._queue.remove(queued)
                return

    def new_poller(self) -> int:
        """Starts a getUpdates request; older ones still waiting are terminated (409, as Telegram does)."""
        self.poll_generation += 1
        self.signal.fire()
        return self.poll_generation

    def clear(self) -> None:
        self._queue.clear()

    def _hand_out(self, queued: _Queued) -> None:
        if not queued.handed_out:
            queued.handed_out = True
            self.delivered += 1

    def _drop_unwanted(self, allowed: frozenset[str] | None) -> None:
        def wanted(update: Json) -> bool:
            kind = update_type(update)
            return kind not in NOT_BY_DEFAULT if allowed is None else kind in allowed

        self._queue = [q for q in self._queue if wanted(q.update)]


def allowed_updates(value: Any) -> frozenset[str] | None:
    """The allowed_updates setting: None means Telegram's default (all but a few kinds)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request("can't parse allowed updates")
    return frozenset(value) or None


# ---------------------------------------------------------------------------------------------- chats


@dataclass
class MessageRecord:
    """A message in a chat, in its current state; ``keyboard`` is a reply keyboard sent with it."""

    message: Json
    from_bot: bool
    deleted: bool = False
    keyboard: Json | None = None


@dataclass
class ChatState:
    """The private chat of one simulated user with the bot."""

    user: Json
    messages: dict[int, MessageRecord] = field(default_factory=dict)
    callback_answers: list[Json] = field(default_factory=list)
    reply_keyboard: Json | None = None
    blocked: bool = False
    last_message_id: int = 0

    @property
    def chat_id(self) -> int:
        return int(self.user["id"])

    def chat(self) -> Json:
        user = self.user
        return _with(
            id=user["id"],
            type="private",
            first_name=user["first_name"],
            last_name=user.get("last_name"),
            username=user.get("username"),
        )

    def live(self, message_id: int) -> MessageRecord | None:
        record = self.messages.get(message_id)
        return None if record is None or record.deleted else record


@dataclass
class CallbackRecord:
    user_id: int
    message_id: int
    answered: bool = False


@dataclass
class Webhook:
    """A set webhook and its delivery counters."""

    url: str
    secret: str | None
    max_connections: int
    allowed: frozenset[str] | None
    delivered: int = 0
    failed_attempts: int = 0
    last_error_date: int | None = None
    last_error_message: str | None = None
    task: asyncio.Task[None] | None = None


def bot_user_for(token: str) -> Json:
    """The bot's User, derived from the token (its numeric prefix, else a hash)."""
    prefix = token.split(":", 1)[0]
    if re.fullmatch(r"[0-9]{1,15}", prefix):
        bot_id = int(prefix)
    else:
        bot_id = int.from_bytes(hashlib.sha256(token.encode()).digest()[:5], "big")
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": BOT_FIRST_NAME,
        "username": BOT_USERNAME,
        "can_join_groups": False,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def chat_instance(bot_id: int, chat_id: int) -> str:
    digest = hashlib.sha256(f"{bot_id}:{chat_id}".encode()).digest()
    return str(int.from_bytes(digest[:8], "big", signed=True))


def _without_reply(message: Json) -> Json:
    return {key: copy.deepcopy(value) for key, value in message.items() if key != "reply_to_message"}


class BotState:
    """Everything the sandbox knows about one bot token."""

    def __init__(self, token: str, session: Callable[[], aiohttp.ClientSession]) -> None:
        self.bot_user = bot_user_for(token)
        self.sim_path = f"/sim/{token}"
        self.chats: dict[int, ChatState] = {}
        self.files = FileStore()
        self.updates = UpdateQueue()
        self.events = EventLog()
        self.limits = RateLimiter()
        # method name (lower case) → how many of its next calls fail with 502 Bad Gateway (sim /faults)
        self.faults: dict[str, int] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.commands: dict[str, list[Json]] = {}
        self.last_commands_key: str | None = None
        self.menu_button: Json = {"type": "default"}
        self.webhook: Webhook | None = None
        self.allowed_updates: frozenset[str] | None = None
        self.stats: Counter[str] = Counter()
        self.api_calls: Counter[str] = Counter()
        self.closed = False
        self._session = session
        self.api = BotApi(self)
        self.sim = Simulation(self)

    def __repr__(self) -> str:
        return f"BotState(bot_id={self.bot_user['id']})"

    @property
    def bot_id(self) -> int:
        return int(self.bot_user["id"])

    def chat_for_api(self, chat_id: int) -> ChatState:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def post(
        self,
        chat: ChatState,
        body: Json,
        *,
        from_bot: bool,
        date: int | None = None,
        keyboard: Json | None = None,
    ) -> MessageRecord:
        """Adds a message to the chat and tells the user."""
        chat.last_message_id += 1
        sender = self.bot_user if from_bot else chat.user
        message = {
            "message_id": chat.last_message_id,
            "from": copy.deepcopy(sender),
            "chat": chat.chat(),
            "date": date if date is not None else int(time.time()),
            **body,
        }
        record = MessageRecord(message, from_bot, keyboard=keyboard)
        chat.messages[chat.last_message_id] = record
        if keyboard is not None and "force_reply" not in keyboard:
            chat.reply_keyboard = None if keyboard.get("remove_keyboard") else keyboard
        self.emit(chat, "message", record)
        return record

    def send(self, chat: ChatState, body: Json, keyboard: Json | None) -> Json:
        """A message from the bot (already checked and throttled)."""
        self.stats["sent"] += 1
        return copy.deepcopy(self.post(chat, body, from_bot=True, keyboard=keyboard).message)

    def emit(self, chat: ChatState, kind: str, record: MessageRecord) -> None:
        message_id = record.message["message_id"]
        self.events.add(chat.chat_id, kind, message_id=message_id, message=self.view(record))

    def view(self, record: MessageRecord) -> Json:
        """A message as the simulation API shows it."""
        view = copy.deepcopy(record.message)
        view["from_bot"] = record.from_bot
        if record.deleted:
            view["deleted"] = True
        if record.keyboard is not None:
            view["keyboard"] = copy.deepcopy(record.keyboard)
        file_id = main_file_id(record.message)
        if file_id is not None:
            view["file_url"] = f"{self.sim_path}/files/{file_id}"
        return view

    def throttle(self, chat: ChatState) -> None:
        """Counts a send or an edit against the rate limits; 429 when over."""
        wait = self.limits.acquire(chat.chat_id, time.monotonic())
        if wait is not None:
            self.stats["rejected_429"] += 1
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

    def new_callback(self, chat: ChatState, message: Json, data: str) -> Json:
        """A callback query about ``message`` (a Message, or an InaccessibleMessage with date 0)."""
        query_id = str(10**15 + len(self.callbacks) + 1)
        self.callbacks[query_id] = CallbackRecord(chat.chat_id, int(message["message_id"]))
        self.stats["callback_queries"] += 1
        return {
            "id": query_id,
            "from": copy.deepcopy(chat.user),
            "message": copy.deepcopy(message),
            "chat_instance": chat_instance(self.bot_id, chat.chat_id),
            "data": data,
        }

    # webhook -----------------------------------------------------------------------------------------

    def set_webhook(self, hook: Webhook) -> None:
        self.stop_webhook()
        self.webhook = hook
        hook.task = asyncio.get_running_loop().create_task(self._deliver(hook))
        self.updates.signal.fire()

    def stop_webhook(self) -> asyncio.Task[None] | None:
        hook, self.webhook = self.webhook, None
        self.updates.signal.fire()
        if hook is None or hook.task is None:
            return None
        hook.task.cancel()
        return hook.task

    async def close(self) -> None:
        """Ends long polls and webhook delivery (server shutdown)."""
        self.closed = True
        self.events.close()
        task = self.stop_webhook()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def reopen(self) -> None:
        """Undoes :meth:`close` (the server starts again)."""
        self.closed = False
        self.events.reopen()

    async def _deliver(self, hook: Webhook) -> None:
        """Delivers as Telegram does: the updates of one chat one at a time and in order (the next only
        after a 2xx answer to the one before), up to ``max_connections`` chats at once; an update answered
        with a non-2xx status, or not within ``WEBHOOK_TIMEOUT``, is posted again after a backoff."""
        busy: dict[int | None, asyncio.Task[None]] = {}

        def done(chat: int | None, _task: asyncio.Task[None]) -> None:
            busy.pop(chat, None)
            self.updates.signal.fire()

        try:
            while self.webhook is hook:
                free = max(hook.max_connections - len(busy), 0)
                for update in self.updates.heads(hook.allowed, set(busy))[:free]:
                    chat = update_chat(update)
                    busy[chat] = asyncio.create_task(self._deliver_one(hook, update))
                    busy[chat].add_done_callback(functools.partial(done, chat))
                await self.updates.signal.wait(30.0)
        finally:
            tasks = list(busy.values())
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _deliver_one(self, hook: Webhook, update: Json) -> None:
        delay = BACKOFF_FIRST
        while self.webhook is hook:
            error = await self._post_update(hook, update)
            if error is None:
                self.updates.remove(update)
                hook.delivered += 1
                return
            hook.failed_attempts += 1
            hook.last_error_date, hook.last_error_message = int(time.time()), error
            log.info("sandbox: webhook delivery for bot %s failed: %s", self.bot_id, error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)

    async def _post_update(self, hook: Webhook, update: Json) -> str | None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret} if hook.secret else {}
        timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT)
        try:
            async with self._session().post(
                hook.url, json=update, headers=headers, timeout=timeout
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Connection timed out"
        except aiohttp.ClientError as error:
            return f"Connection failed: {type(error).__name__}"


# ------------------------------------------------------------------------------------------ the Bot API

ApiMethod = Callable[[Params], Awaitable[Any]]


def _chat_id(p: Params) -> int:
    value = p.as_text("chat_id")
    if not value:
        raise bad_request("chat_id is empty")
    try:
        return int(value)
    except ValueError:
        raise bad_request("chat not found") from None


def _scope_key(scope: Any, language_code: str | None) -> str:
    """A BotCommandScope plus language, as a key: e.g. ``chat:10001|zh``."""
    scope = scope if isinstance(scope, dict) else {"type": "default"}
    parts = [str(scope.get("type") or "default")] + [
        str(scope[k]) for k in ("chat_id", "user_id") if k in scope
    ]
    return ":".join(parts) + "|" + (language_code or "")


def _user_scope_keys(user: Json) -> list[str]:
    """The scopes Telegram looks at, in order, for the commands a user sees in the private chat."""
    language = str(user.get("language_code") or "").split("-")[0]
    scopes = [{"type": "chat", "chat_id": user["id"]}, {"type": "all_private_chats"}, {"type": "default"}]
    return [_scope_key(scope, lang) for scope in scopes for lang in dict.fromkeys((language, ""))]


def _check_commands(commands: Any) -> list[Json]:
    if not isinstance(commands, list) or not all(isinstance(c, dict) for c in commands):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    return [{"command": c["command"], "description": c["description"]} for c in commands]


def _differs(old: Any, new: Any) -> bool:
    return (old if old not in ([], "") else None) != (new if new not in ([], "") else None)


class BotApi:
    """The Bot API methods of one bot (method names are case-insensitive)."""

    def __init__(self, state: BotState) -> None:
        self.s = state
        methods: dict[str, ApiMethod] = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "getFile": self.get_file,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "sendChatAction": self.send_chat_action,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "setChatMenuButton": self.set_chat_menu_button,
            "getChatMenuButton": self.get_chat_menu_button,
        }
        for kind in ("photo", "document", "audio", "voice", "video", "video_note"):
            name = "send" + "".join(part.title() for part in kind.split("_"))
            methods[name] = functools.partial(self._send_media, kind)
        self._methods = {name.lower(): method for name, method in methods.items()}

    async def call(self, method: str, params: Params) -> Any:
        handler = self._methods.get(method.lower())
        if handler is None:
            raise ApiError(404, "Not Found")
        self.s.api_calls[method] += 1
        if self.s.faults.get(method.lower(), 0) > 0:
            self.s.faults[method.lower()] -= 1
            raise ApiError(502, "Bad Gateway")
        return await handler(params)

    # helpers -----------------------------------------------------------------------------------------

    def _target(self, p: Params) -> ChatState:
        """The chat a message goes to: it must exist and not have blocked the bot."""
        chat = self.s.chat_for_api(_chat_id(p))
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _replied(self, chat: ChatState, p: Params) -> Json | None:
        params = p.as_json("reply_parameters")
        if not isinstance(params, dict):
            params = {
                "message_id": p.as_int("reply_to_message_id"),
                "allow_sending_without_reply": p.as_bool("allow_sending_without_reply"),
            }
        if params.get("message_id") is None:
            return None
        try:
            record = chat.live(int(params["message_id"]))
        except (TypeError, ValueError):
            raise bad_request("invalid reply_parameters specified") from None
        if record is not None:
            return _without_reply(record.message)
        if params.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")

    def _message(self, p: Params, action: str) -> tuple[ChatState, MessageRecord]:
        if p.raw("inline_message_id") is not None:
            raise bad_request("inline messages are not supported by the sandbox")
        chat = self.s.chat_for_api(_chat_id(p))
        record = chat.live(p.required_int("message_id"))
        if record is None:
            raise bad_request(f"message to {action} not found")
        if action == "edit" and not record.from_bot:
            raise bad_request("message can't be edited")
        return chat, record

    def _edit(self, chat: ChatState, record: MessageRecord, fields: Json, p: Params) -> Json:
        changes = {**fields, "reply_markup": inline_only(p.as_json("reply_markup"))}
        message = record.message
        if not any(_differs(message.get(key), value) for key, value in changes.items()):
            raise bad_request(NOT_MODIFIED)
        self.s.throttle(chat)
        for key, value in changes.items():
            if value in (None, [], ""):
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = int(time.time())
        self.s.stats["edited"] += 1
        self.s.emit(chat, "edited_message", record)
        return copy.deepcopy(message)

    async def _media(self, kind: str, p: Params) -> Any:
        source = p.as_file(kind)
        if source is None:
            raise bad_request(f"there is no {kind} in the request")
        if isinstance(source, str):
            return self._reuse(kind, source)
        if not source.data:
            raise bad_request("file must be non-empty")
        spec = MediaSpec(
            kind,
            source.data,
            filename=source.filename,
            mime_type=source.content_type,
            duration=p.as_int("duration"),
            width=p.as_int("width"),
            height=p.as_int("height"),
            length=p.as_int("length"),
            title=p.as_text("title"),
            performer=p.as_text("performer"),
        )
        return await store_media(self.s.files, spec, strict_image=True)

    def _reuse(self, kind: str, file_id: str) -> Any:
        if re.match(r"https?://", file_id):
            raise bad_request("failed to get HTTP URL content")
        stored = self.s.files.get(file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request("type of file mismatch")
        return copy.deepcopy(stored.media)

    def _no_webhook(self) -> None:
        if self.s.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )

    # methods -----------------------------------------------------------------------------------------

    async def get_me(self, p: Params) -> Json:
        return copy.deepcopy(self.s.bot_user)

    async def get_updates(self, p: Params) -> list[Json]:
        """Long polling: waits up to ``timeout`` seconds; ``offset`` confirms older updates."""
        self._no_webhook()
        updates = self.s.updates
        if p.raw("allowed_updates") is not None:
            self.s.allowed_updates = allowed_updates(p.as_json("allowed_updates"))
        offset = p.as_int("offset")
        if offset is not None:
            updates.confirm(offset)
        limit = min(max(p.as_int("limit") or 100, 1), 100)
        deadline = time.monotonic() + max(p.as_float("timeout") or 0.0, 0.0)
        generation = updates.new_poller()
        while True:
            self._no_webhook()
            if updates.poll_generation != generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = updates.take(limit, self.s.allowed_updates)
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self.s.closed:
                return batch
            await updates.signal.wait(remaining)

    async def send_message(self, p: Params) -> Json:
        chat = self._target(p)
        text, entities = formatted(
            p.as_text("text"), p.as_text("parse_mode"), p.as_json("entities"), caption=False
        )
        inline, keyboard = check_markup(p.as_json("reply_markup"))
        body = _with(
            text=text,
            entities=entities,
            reply_markup=inline,
            reply_to_message=self._replied(chat, p),
            has_protected_content=True if p.as_bool("protect_content") else None,
            link_preview_options=p.as_json("link_preview_options") or None,
        )
        self.s.throttle(chat)
        return self.s.send(chat, body, keyboard)

    async def _send_media(self, kind: str, p: Params) -> Json:
        chat = self._target(p)
        caption, entities = formatted(
            p.as_text("caption"), p.as_text("parse_mode"), p.as_json("caption_entities"), caption=True
        )
        inline, keyboard = check_markup(p.as_json("reply_markup"))
        reply = self._replied(chat, p)
        media = await self._media(kind, p)
        body = _with(
            **{kind: media},
            caption=caption,
            caption_entities=entities,
            reply_markup=inline,
            reply_to_message=reply,
            has_protected_content=True if p.as_bool("protect_content") else None,
        )
        self.s.throttle(chat)
        return self.s.send(chat, body, keyboard)

    async def edit_message_text(self, p: Params) -> Json:
        chat, record = self._message(p, "edit")
        if "text" not in record.message:
            raise bad_request("there is no text in the message to edit")
        text, entities = formatted(
            p.as_text("text"), p.as_text("parse_mode"), p.as_json("entities"), caption=False
        )
        return self._edit(chat, record, {"text": text, "entities": entities}, p)

    async def edit_message_caption(self, p: Params) -> Json:
        chat, record = self._message(p, "edit")
        if "text" in record.message:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = formatted(
            p.as_text("caption"), p.as_text("parse_mode"), p.as_json("caption_entities"), caption=True
        )
        return self._edit(chat, record, {"caption": caption, "caption_entities": entities}, p)

    async def edit_message_reply_markup(self, p: Params) -> Json:
        chat, record = self._message(p, "edit")
        return self._edit(chat, record, {}, p)

    async def delete_message(self, p: Params) -> bool:
        chat, record = self._message(p, "delete")
        record.deleted = True
        self.s.stats["deleted"] += 1
        self.s.emit(chat, "deleted_message", record)
        return True

    async def answer_callback_query(self, p: Params) -> bool:
        query_id = p.as_text("callback_query_id") or ""
        query = self.s.callbacks.get(query_id)
        if query is None or query.answered:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = p.as_text("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        answer = _with(
            callback_query_id=query_id,
            message_id=query.message_id,
            text=text,
            url=p.as_text("url"),
            date=int(time.time()),
        )
        answer["show_alert"] = p.as_bool("show_alert")
        self.s.stats["callback_answers"] += 1
        self.s.chats[query.user_id].callback_answers.append(answer)
        self.s.events.add(query.user_id, "callback_answer", answer=copy.deepcopy(answer))
        return True

    async def get_file(self, p: Params) -> Json:
        stored = self.s.files.get(p.as_text("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.file_path is None:
            raise bad_request("file is too big")
        return stored.as_file()

    async def set_my_commands(self, p: Params) -> bool:
        commands = _check_commands(p.as_json("commands"))
        key = self.s.last_commands_key = _scope_key(p.as_json("scope"), p.as_text("language_code"))
        self.s.commands[key] = commands
        return True

    async def get_my_commands(self, p: Params) -> list[Json]:
        return copy.deepcopy(
            self.s.commands.get(_scope_key(p.as_json("scope"), p.as_text("language_code")), [])
        )

    async def delete_my_commands(self, p: Params) -> bool:
        self.s.commands.pop(_scope_key(p.as_json("scope"), p.as_text("language_code")), None)
        return True

    async def send_chat_action(self, p: Params) -> bool:
        chat = self._target(p)
        action = p.as_text("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.s.events.add(chat.chat_id, "chat_action", action=action)
        return True

    async def set_webhook(self, p: Params) -> Described:
        url = (p.as_text("url") or "").strip()
        if not url:
            return await self.delete_webhook(p)
        if not re.match(r"https?://[^\s/]+", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.as_text("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        if p.raw("allowed_updates") is not None:
            self.s.allowed_updates = allowed_updates(p.as_json("allowed_updates"))
        if p.as_bool("drop_pending_updates"):
            self.s.updates.clear()
        hook = Webhook(url, secret or None, p.as_int("max_connections") or 40, self.s.allowed_updates)
        self.s.set_webhook(hook)
        return Described(True, "Webhook was set")

    async def delete_webhook(self, p: Params) -> Described:
        if p.as_bool("drop_pending_updates"):
            self.s.updates.clear()
        if self.s.webhook is None:
            return Described(True, "Webhook is already deleted")
        self.s.stop_webhook()
        return Described(True, "Webhook was deleted")

    async def get_webhook_info(self, p: Params) -> Json:
        hook = self.s.webhook
        info: Json = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": self.s.updates.pending,
        }
        if hook is not None:
            info.update(
                _with(
                    url=hook.url,
                    max_connections=hook.max_connections,
                    last_error_date=hook.last_error_date,
                    last_error_message=hook.last_error_message,
                    allowed_updates=sorted(hook.allowed) if hook.allowed else None,
                )
            )
        return info

    async def set_chat_menu_button(self, p: Params) -> bool:
        button = p.as_json("menu_button")
        self.s.menu_button = button if isinstance(button, dict) else {"type": "default"}
        return True

    async def get_chat_menu_button(self, p: Params) -> Json:
        return copy.deepcopy(self.s.menu_button)


# ------------------------------------------------------------------------------------- the simulation


def _opt_int(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SimError(400, f"{name} must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SimError(400, f"{name} must be an integer") from None


def _req_int(fields: Mapping[str, Any], name: str) -> int:
    value = _opt_int(fields.get(name), name)
    if value is None:
        raise SimError(400, f"{name} is required")
    return value


def _opt_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _origin_part(raw: Json, key: str, defaults: Json) -> Json:
    part = raw.get(key)
    if not isinstance(part, dict) or "id" not in part:
        raise SimError(400, f"forward_origin.{key} must be an object with an id")
    return {**defaults, **part}


def normalize_origin(raw: Any, date: int) -> Json | None:
    """A Bot API 7 ``MessageOrigin`` from what a test gave (JSON text or object), with defaults filled in."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise SimError(400, "forward_origin must be JSON") from None
    if not isinstance(raw, dict):
        raise SimError(400, "forward_origin must be an object")
    kind = raw.get("type")
    origin: Json = {"type": kind, "date": _opt_int(raw.get("date"), "forward_origin.date") or date - 3600}
    if kind == "user":
        origin["sender_user"] = _origin_part(raw, "sender_user", {"is_bot": False, "first_name": "User"})
    elif kind == "hidden_user":
        if not raw.get("sender_user_name"):
            raise SimError(400, "forward_origin.sender_user_name is required")
        origin["sender_user_name"] = str(raw["sender_user_name"])
    elif kind == "chat":
        origin["sender_chat"] = _origin_part(raw, "sender_chat", {"type": "supergroup", "title": "Group"})
    elif kind == "channel":
        origin["chat"] = _origin_part(raw, "chat", {"type": "channel", "title": "Channel"})
        origin["message_id"] = _req_int(raw, "message_id")
    else:
        raise SimError(400, "forward_origin.type must be user, hidden_user, chat or channel")
    if kind in ("chat", "channel") and raw.get("author_signature"):
        origin["author_signature"] = str(raw["author_signature"])
    return origin


def _membership(bot_user: Json, status: str) -> Json:
    member: Json = {"status": status, "user": copy.deepcopy(bot_user)}
    if status == "kicked":
        member["until_date"] = 0
    return member


def _button_data(record: MessageRecord, data: Any, text: Any) -> str:
    if data is None and text is None:
        raise SimError(400, "data or text is required")
    markup = record.message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if (data is not None and button.get("callback_data") == data) or (
                text is not None and button.get("text") == text
            ):
                if "callback_data" not in button:
                    raise SimError(400, f"button {button['text']!r} has no callback_data")
                return str(button["callback_data"])
    wanted = f"data {data!r}" if data is not None else f"text {text!r}"
    raise SimError(400, f"message {record.message['message_id']} has no inline button with {wanted}")


class Simulation:
    """The user side: actions of simulated users, and what their chats look like."""

    def __init__(self, state: BotState) -> None:
        self.s = state
        self._next_user_id = FIRST_USER_ID

    def _chat(self, fields: Mapping[str, Any]) -> ChatState:
        user_id = _req_int(fields, "user_id")
        chat = self.s.chats.get(user_id)
        if chat is None:
            raise SimError(404, f"unknown user {user_id}: create it first (POST /sim/{{token}}/users)")
        return chat

    def _answer(self, update: Json) -> Json:
        return {**copy.deepcopy(update), "seq": self.s.events.last_seq}

    def create_user(self, body: Json) -> Json:
        user_id = _opt_int(body.get("id"), "id")
        if user_id is None:
            while self._next_user_id in self.s.chats:
                self._next_user_id += 1
            user_id = self._next_user_id
        user = _with(
            id=user_id,
            is_bot=False,
            first_name=_opt_str(body.get("first_name")) or f"User {user_id}",
            last_name=_opt_str(body.get("last_name")),
            username=_opt_str(body.get("username")),
            language_code=_opt_str(body.get("language_code")) or "zh-hans",
        )
        chat = self.s.chats.get(user_id)
        if chat is None:
            self.s.chats[user_id] = ChatState(user)
        else:
            chat.user = user
        return copy.deepcopy(user)

    def users(self) -> list[Json]:
        return [copy.deepcopy(chat.user) for chat in self.s.chats.values()]

    def send_text(self, body: Json) -> Json:
        """A user sends (or forwards) a text message."""
        chat = self._chat(body)
        text = body.get("text")
        if not isinstance(text, str) or not text:
            raise SimError(400, "text is required")
        entities = body.get("entities")
        content = {"text": text, "entities": auto_entities(text) if entities is None else entities}
        return self._user_message(chat, body, content)

    async def send_file(self, form: Mapping[str, Any]) -> Json:
        """A user sends (or forwards) a photo, document, voice, audio, video or video note."""
        chat = self._chat(form)
        kind = form.get("kind")
        if kind not in MEDIA_KINDS:
            raise SimError(400, f"kind must be one of {', '.join(MEDIA_KINDS)}")
        upload = form.get("file")
        if not isinstance(upload, Upload) or not upload.data:
            raise SimError(400, "file is required (a non-empty multipart file part)")
        spec = MediaSpec(
            kind,
            upload.data,
            filename=_opt_str(form.get("filename")) or upload.filename,
            mime_type=_opt_str(form.get("mime_type")) or upload.content_type,
            duration=_opt_int(form.get("duration"), "duration"),
            width=_opt_int(form.get("width"), "width"),
            height=_opt_int(form.get("height"), "height"),
            length=_opt_int(form.get("length"), "length"),
            title=_opt_str(form.get("title")),
            performer=_opt_str(form.get("performer")),
        )
        caption = _opt_str(form.get("caption"))
        content = {
            kind: await store_media(self.s.files, spec),
            "caption": caption,
            "caption_entities": auto_entities(caption) if caption else None,
        }
        return self._user_message(chat, form, content)

    def _user_message(self, chat: ChatState, fields: Mapping[str, Any], content: Json) -> Json:
        date = _opt_int(fields.get("date"), "date") or int(time.time())
        reply_to = _opt_int(fields.get("reply_to_message_id"), "reply_to_message_id")
        replied = chat.live(reply_to) if reply_to is not None else None
        if reply_to is not None and replied is None:
            raise SimError(400, f"message {reply_to} not found in the chat")
        body = _with(
            forward_origin=normalize_origin(fields.get("forward_origin"), date),
            media_group_id=_opt_str(fields.get("media_group_id")),
            reply_to_message=_without_reply(replied.message) if replied else None,
            **content,
        )
        record = self.s.post(chat, body, from_bot=False, date=date)
        return self._answer(self.s.updates.push({"message": copy.deepcopy(record.message)}))

    def press(self, body: Json) -> Json:
        """A user presses an inline button (by callback_data or text), or forges callback data.

        A forged press may name a message the user cannot see: the query then carries an
        InaccessibleMessage (``date`` 0), as Telegram sends for messages it no longer has.
        """
        chat = self._chat(body)
        message_id = _req_int(body, "message_id")
        record = chat.live(message_id)
        if body.get("forge"):
            data = body.get("data")
            if not isinstance(data, str):
                raise SimError(400, "data is required with forge")
        elif record is None:
            raise SimError(400, f"message {message_id} not found in the chat")
        else:
            data = _button_data(record, body.get("data"), body.get("text"))
        message = record.message if record else {"chat": chat.chat(), "message_id": message_id, "date": 0}
        query = self.s.new_callback(chat, message, data)
        return self._answer(self.s.updates.push({"callback_query": query}))

    def chat(self, user_id: int) -> Json:
        chat = self._chat({"user_id": user_id})
        return {
            "user": copy.deepcopy(chat.user),
            "blocked": chat.blocked,
            "messages": [self.s.view(record) for record in chat.messages.values()],
            "callback_answers": copy.deepcopy(chat.callback_answers),
            "reply_keyboard": copy.deepcopy(chat.reply_keyboard),
        }

    async def events(self, user_id: int, after: int, seconds: float) -> list[Json]:
        """Long poll: the user's events after ``after``, waiting up to ``seconds`` for the first."""
        self._chat({"user_id": user_id})
        return copy.deepcopy(await self.s.events.wait(user_id, after, seconds))

    def block(self, body: Json) -> Json:
        """The user blocks (or unblocks) the bot; Telegram then sends a my_chat_member update."""
        chat = self._chat(body)
        blocked = bool(body.get("blocked", True))
        answer: Json = {"user_id": chat.chat_id, "blocked": blocked}
        if blocked != chat.blocked:
            chat.blocked = blocked
            statuses = ("member", "kicked") if blocked else ("kicked", "member")
            old, new = (_membership(self.s.bot_user, status) for status in statuses)
            member = {
                "chat": chat.chat(),
                "from": copy.deepcopy(chat.user),
                "date": int(time.time()),
                "old_chat_member": old,
                "new_chat_member": new,
            }
            answer.update(self._answer(self.s.updates.push({"my_chat_member": member})))
        return answer

    def replay(self, body: Json) -> Json:
        update_id = _req_int(body, "update_id")
        update = self.s.updates.replay(update_id)
        if update is None:
            raise SimError(404, f"unknown update {update_id}")
        return self._answer(update)

    def set_limits(self, body: Json) -> Json:
        rates: dict[str, float | None] = {}
        for name in ("global_per_second", "per_chat_per_second"):
            value = body.get(name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
            ):
                raise SimError(400, f"{name} must be a positive number or null")
            rates[name] = None if value is None else float(value)
        self.s.limits.global_per_second = rates["global_per_second"]
        self.s.limits.per_chat_per_second = rates["per_chat_per_second"]
        return self.s.limits.as_json()

    def set_faults(self, body: Json) -> Json:
        """Make the next N calls of a Bot API method fail with 502 (transient failures in tests)."""
        for method, count in body.items():
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise SimError(400, f"{method}: the number of failures must be a whole number ≥ 0")
            self.s.faults[str(method).lower()] = count
        return dict(self.s.faults)

    def stats(self) -> Json:
        counters = ("sent", "edited", "deleted", "rejected_429", "callback_queries", "callback_answers")
        return {
            **{name: self.s.stats[name] for name in counters},
            "updates_created": self.s.updates.created,
            "updates_delivered": self.s.updates.delivered,
            "updates_pending": self.s.updates.pending,
            "api_calls": dict(self.s.api_calls),
            "limits": self.s.limits.as_json(),
        }

    def commands(
        self, scope: Any = None, language_code: str | None = None, user_id: int | None = None
    ) -> list[Json]:
        """With a user: what that user sees; with a scope: what was set for it; else what was set last."""
        if user_id is not None:
            keys = _user_scope_keys(self._chat({"user_id": user_id}).user)
            return copy.deepcopy(next((self.s.commands[k] for k in keys if k in self.s.commands), []))
        if scope is None and language_code is None:
            key = self.s.last_commands_key
        else:
            key = _scope_key(scope, language_code)
        return copy.deepcopy(self.s.commands.get(key or "", []))

    def file(self, file_id: str) -> StoredFile:
        stored = self.s.files.get(file_id)
        if stored is None:
            raise SimError(404, f"unknown file {file_id}")
        return stored

    def webhook(self) -> Json:
        hook = self.s.webhook
        info: Json = {"url": "", "pending_update_count": self.s.updates.pending}
        if hook is not None:
            info.update(
                url=hook.url,
                has_secret=hook.secret is not None,
                max_connections=hook.max_connections,
                delivered=hook.delivered,
                failed_attempts=hook.failed_attempts,
                last_error_date=hook.last_error_date,
                last_error_message=hook.last_error_message,
            )
        return info


# ------------------------------------------------------------------------------------------- HTTP glue

SimHandler = Callable[[Simulation, web.Request], Awaitable[Any]]


def file_response(stored: StoredFile) -> web.Response:
    content_type = (stored.mime_type or "").split(";")[0].strip() or "application/octet-stream"
    return web.Response(body=stored.data, content_type=content_type)


def _json_response(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=functools.partial(json.dumps, ensure_ascii=False))


async def _json_body(request: web.Request) -> Json:
    try:
        body = await request.json() if request.body_exists else {}
    except ValueError:
        raise SimError(400, "the body must be JSON") from None
    if not isinstance(body, dict):
        raise SimError(400, "the body must be a JSON object")
    return body


def _query_int(request: web.Request, name: str, default: int | None = None) -> int:
    value = _opt_int(request.query.get(name), name)
    if value is None:
        if default is None:
            raise SimError(400, f"{name} is required")
        return default
    return value


async def _sim_me(sim: Simulation, request: web.Request) -> Any:
    return copy.deepcopy(sim.s.bot_user)


async def _sim_users(sim: Simulation, request: web.Request) -> Any:
    return sim.users()


async def _sim_create_user(sim: Simulation, request: web.Request) -> Any:
    return sim.create_user(await _json_body(request))


async def _sim_messages(sim: Simulation, request: web.Request) -> Any:
    return sim.send_text(await _json_body(request))


async def _sim_files(sim: Simulation, request: web.Request) -> Any:
    if request.content_type != "multipart/form-data":
        raise SimError(400, "send the file as multipart/form-data")
    return await sim.send_file(await read_form(request))


async def _sim_press(sim: Simulation, request: web.Request) -> Any:
    return sim.press(await _json_body(request))


async def _sim_chat(sim: Simulation, request: web.Request) -> Any:
    return sim.chat(_req_int(request.match_info, "user_id"))


async def _sim_events(sim: Simulation, request: web.Request) -> Any:
    try:
        timeout = float(request.query.get("timeout", "25"))
    except ValueError:
        raise SimError(400, "timeout must be a number") from None
    user_id, after = _query_int(request, "user_id"), _query_int(request, "after", 0)
    return await sim.events(user_id, after, min(max(timeout, 0.0), 60.0))


async def _sim_block(sim: Simulation, request: web.Request) -> Any:
    return sim.block(await _json_body(request))


async def _sim_replay(sim: Simulation, request: web.Request) -> Any:
    return sim.replay(await _json_body(request))


async def _sim_limits(sim: Simulation, request: web.Request) -> Any:
    return sim.set_limits(await _json_body(request))


async def _sim_faults(sim: Simulation, request: web.Request) -> Any:
    return sim.set_faults(await _json_body(request))


async def _sim_stats(sim: Simulation, request: web.Request) -> Any:
    return sim.stats()


async def _sim_commands(sim: Simulation, request: web.Request) -> Any:
    scope = request.query.get("scope")
    try:
        parsed_scope = json.loads(scope) if scope else None
    except ValueError:
        raise SimError(400, "scope must be JSON") from None
    user_id = _opt_int(request.query.get("user_id"), "user_id")
    return sim.commands(parsed_scope, request.query.get("language_code"), user_id)


async def _sim_file(sim: Simulation, request: web.Request) -> Any:
    return file_response(sim.file(request.match_info["file_id"]))


async def _sim_webhook(sim: Simulation, request: web.Request) -> Any:
    return sim.webhook()


SIM_ROUTES: tuple[tuple[str, str, SimHandler], ...] = (
    ("GET", "/me", _sim_me),
    ("GET", "/users", _sim_users),
    ("POST", "/users", _sim_create_user),
    ("POST", "/messages", _sim_messages),
    ("POST", "/files", _sim_files),
    ("POST", "/press", _sim_press),
    ("GET", "/chats/{user_id}", _sim_chat),
    ("GET", "/events", _sim_events),
    ("POST", "/block", _sim_block),
    ("POST", "/replay", _sim_replay),
    ("POST", "/limits", _sim_limits),
    ("POST", "/faults", _sim_faults),
    ("GET", "/stats", _sim_stats),
    ("GET", "/commands", _sim_commands),
    ("GET", "/files/{file_id}", _sim_file),
    ("GET", "/webhook", _sim_webhook),
)


def bot_api_url(root: str) -> str:
    """PTB's ``base_url`` for a Bot API served at ``root`` (Telegram's layout: ``/bot<token>/<method>``)."""
    return f"{root}/bot"


def file_url(root: str) -> str:
    """PTB's ``base_file_url`` for a Bot API served at ``root``."""
    return f"{root}/file/bot"


class SandboxServer:
    """The sandbox over HTTP: the Bot API at ``/bot{token}/{method}``, files at ``/file/bot{token}/{path}``
    and the simulation API at ``/sim/{token}/...``."""

    def __init__(self) -> None:
        self._bots: dict[str, BotState] = {}
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None
        self._session: aiohttp.ClientSession | None = None

    # lifecycle ---------------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serves on host:port (port 0 picks a free one); the access log is off so no token is logged."""
        if self._runner is not None:
            raise RuntimeError("the sandbox server is already running")
        for state in self._bots.values():
            state.reopen()
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

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("the sandbox server is not running")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    @property
    def bot_api_url(self) -> str:
        return bot_api_url(self.base_url)

    @property
    def file_url(self) -> str:
        return file_url(self.base_url)

    def bot(self, token: str) -> BotState:
        """The state of a bot, created on first use (any token is accepted)."""
        state = self._bots.get(token)
        if state is None:
            state = self._bots[token] = BotState(token, self._client_session)
        return state

    def make_app(self) -> web.Application:
        """The aiohttp application; callers may add routes (e.g. static files for the demo page).

        Whoever runs it should turn the access log off (``web.AppRunner(app, access_log=None)``): the
        request paths contain the bot token.
        """
        app = web.Application(client_max_size=MAX_REQUEST)
        app.router.add_route("GET", "/bot{token}/{method}", self._bot_api)
        app.router.add_route("POST", "/bot{token}/{method}", self._bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        for method, path, handler in SIM_ROUTES:
            app.router.add_route(method, "/sim/{token}" + path, self._sim_route(handler))
        app.on_shutdown.append(self._on_shutdown)
        app.on_cleanup.append(self._on_cleanup)
        return app

    def _client_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _on_shutdown(self, app: web.Application) -> None:
        for state in self._bots.values():
            await state.close()

    async def _on_cleanup(self, app: web.Application) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    # handlers ----------------------------------------------------------------------------------------

    async def _bot_api(self, request: web.Request) -> web.Response:
        state = self.bot(request.match_info["token"])
        method = request.match_info["method"]
        try:
            result = await state.api.call(method, await read_params(request))
        except ApiError as error:
            return _json_response(error.body(), status=error.code)
        except Exception:
            log.exception("sandbox: %s failed for bot %s", method[:64], state.bot_id)
            return _json_response(
                {"ok": False, "error_code": 500, "description": "Internal Server Error"}, 500
            )
        if isinstance(result, Described):
            return _json_response({"ok": True, "result": result.result, "description": result.description})
        return _json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        stored = self.bot(request.match_info["token"]).files.by_path(request.match_info["path"])
        if stored is None:
            return _json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return file_response(stored)

    def _sim_route(self, handler: SimHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def route(request: web.Request) -> web.StreamResponse:
            sim = self.bot(request.match_info["token"]).sim
            try:
                result = await handler(sim, request)
            except SimError as error:
                return _json_response({"error": error.message}, status=error.status)
            except ApiError as error:
                return _json_response({"error": error.description}, status=error.code)
            return result if isinstance(result, web.StreamResponse) else _json_response(result)

        return route
