"""An async client of the sandbox's simulation API: it plays the users of a bot.

async with SandboxClient(server.base_url, token) as sim:
    user = await sim.create_user(first_name="王", last_name="法官")
    await sim.send_text(user["id"], "/start")
    reply = await sim.wait_for(user["id"], "欢迎")
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote

import aiohttp

Json = dict[str, Any]
Predicate = Callable[[Json], bool] | str

MESSAGE_EVENTS = ("message", "edited_message")


class SandboxError(Exception):
    """The simulation API refused a request (HTTP ``status``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


def origin_user(
    user_id: int,
    first_name: str,
    *,
    last_name: str | None = None,
    username: str | None = None,
    is_bot: bool = False,
    date: int | None = None,
) -> Json:
    """A forward from a user who allows linking to their account."""
    user = _set(id=user_id, is_bot=is_bot, first_name=first_name, last_name=last_name, username=username)
    return _set(type="user", date=date, sender_user=user)


def origin_hidden(name: str, *, date: int | None = None) -> Json:
    """A forward from a user who hides their account."""
    return _set(type="hidden_user", date=date, sender_user_name=name)


def origin_chat(
    chat_id: int,
    title: str,
    *,
    chat_type: str = "supergroup",
    username: str | None = None,
    author_signature: str | None = None,
    date: int | None = None,
) -> Json:
    """A forward of a message sent on behalf of a group (anonymous admin)."""
    chat = _set(id=chat_id, type=chat_type, title=title, username=username)
    return _set(type="chat", date=date, sender_chat=chat, author_signature=author_signature)


def origin_channel(
    chat_id: int,
    title: str,
    message_id: int,
    *,
    username: str | None = None,
    author_signature: str | None = None,
    date: int | None = None,
) -> Json:
    """A forward of a channel post."""
    chat = _set(id=chat_id, type="channel", title=title, username=username)
    return _set(
        type="channel", date=date, chat=chat, message_id=message_id, author_signature=author_signature
    )


def _set(**fields: Any) -> Json:
    return {key: value for key, value in fields.items() if value is not None}


def _matches(predicate: Predicate, message: Json) -> bool:
    if isinstance(predicate, str):
        return predicate in (message.get("text") or message.get("caption") or "")
    return predicate(message)


def render_message(message: Json) -> str:
    """One line of a transcript."""
    who = "bot " if message.get("from_bot") else "user"
    body = message.get("text") or message.get("caption") or ""
    kinds = [
        kind for kind in ("photo", "document", "voice", "audio", "video", "video_note") if kind in message
    ]
    buttons = [
        button.get("text", "")
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
    ]
    parts = [f"#{message.get('message_id')} [{who}]", *(f"<{kind}>" for kind in kinds), repr(body)]
    if buttons:
        parts.append("[" + " | ".join(buttons) + "]")
    if message.get("edit_date"):
        parts.append("(edited)")
    if message.get("deleted"):
        parts.append("(deleted)")
    return " ".join(parts)


class SandboxClient:
    """The simulation API of one bot (``base_url`` of the sandbox server plus the bot's token)."""

    def __init__(self, base_url: str, token: str, *, session: aiohttp.ClientSession | None = None) -> None:
        self._root = f"{base_url.rstrip('/')}/sim/{quote(token, safe=':')}"
        self._session = session
        self._own_session = session is None
        self._cursor: dict[int, int] = {}

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None

    # plumbing ----------------------------------------------------------------------------------------

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: Json | None = None,
        form: aiohttp.FormData | None = None,
        query: Mapping[str, str] | None = None,
        seconds: float = 30.0,
        raw: bool = False,
    ) -> Any:
        timeout = aiohttp.ClientTimeout(total=seconds)
        async with self._http().request(
            method, self._root + path, json=body, data=form, params=query, timeout=timeout
        ) as response:
            payload = await response.read()
            if response.status >= 400:
                raise SandboxError(response.status, _error_text(payload))
            return payload if raw else json.loads(payload)

    def _moved(self, user_id: int, answer: Json) -> Json:
        """Remembers where the user's last action left the event log (see :meth:`wait_for`)."""
        self._cursor[user_id] = int(answer.get("seq", self._cursor.get(user_id, 0)))
        return answer

    # users -------------------------------------------------------------------------------------------

    async def me(self) -> Json:
        """The bot's User."""
        result: Json = await self._call("GET", "/me")
        return result

    async def create_user(
        self,
        first_name: str | None = None,
        *,
        id: int | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> Json:
        """A new simulated user (or updates user ``id``); ids are assigned from 10001 up when not given."""
        body = _set(
            id=id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        result: Json = await self._call("POST", "/users", body=body)
        return result

    async def users(self) -> list[Json]:
        result: list[Json] = await self._call("GET", "/users")
        return result

    # user actions ------------------------------------------------------------------------------------

    async def send_text(
        self,
        user_id: int,
        text: str,
        *,
        entities: list[Json] | None = None,
        forward_origin: Json | None = None,
        media_group_id: str | None = None,
        reply_to_message_id: int | None = None,
        date: int | None = None,
    ) -> Json:
        """The user sends (or forwards, with ``forward_origin``) a text; returns {update_id, message, seq}."""
        body = _set(
            user_id=user_id,
            text=text,
            entities=entities,
            forward_origin=forward_origin,
            media_group_id=media_group_id,
            reply_to_message_id=reply_to_message_id,
            date=date,
        )
        return self._moved(user_id, await self._call("POST", "/messages", body=body))

    async def send_file(
        self,
        user_id: int,
        kind: str,
        data: bytes,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
        caption: str | None = None,
        forward_origin: Json | None = None,
        media_group_id: str | None = None,
        duration: int | None = None,
        date: int | None = None,
        **attributes: str | int,
    ) -> Json:
        """The user sends a photo, document, voice, audio, video or video_note.

        ``attributes`` may add width, height, length, title or performer.
        """
        form = aiohttp.FormData()
        fields = _set(
            user_id=user_id,
            kind=kind,
            filename=filename,
            mime_type=mime_type,
            caption=caption,
            forward_origin=json.dumps(forward_origin) if forward_origin is not None else None,
            media_group_id=media_group_id,
            duration=duration,
            date=date,
            **attributes,
        )
        for name, value in fields.items():
            form.add_field(name, str(value))
        form.add_field(
            "file",
            data,
            filename=filename or f"{kind}.bin",
            content_type=mime_type or "application/octet-stream",
        )
        return self._moved(user_id, await self._call("POST", "/files", form=form, seconds=120.0))

    async def press(
        self,
        user_id: int,
        message_id: int,
        *,
        data: str | None = None,
        text: str | None = None,
        forge: bool = False,
    ) -> Json:
        """The user presses the inline button with this callback data or text (``forge``: any data)."""
        body = _set(user_id=user_id, message_id=message_id, data=data, text=text, forge=forge or None)
        return self._moved(user_id, await self._call("POST", "/press", body=body))

    async def block(self, user_id: int, blocked: bool = True) -> Json:
        """The user blocks (or unblocks) the bot."""
        return self._moved(
            user_id, await self._call("POST", "/block", body={"user_id": user_id, "blocked": blocked})
        )

    # what users see ----------------------------------------------------------------------------------

    async def chat_state(self, user_id: int) -> Json:
        """The whole chat: ``{user, blocked, messages, callback_answers, reply_keyboard}``."""
        result: Json = await self._call("GET", f"/chats/{user_id}")
        return result

    async def chat(self, user_id: int) -> list[Json]:
        """All messages of the chat in order, in their current state (deleted ones flagged)."""
        messages: list[Json] = (await self.chat_state(user_id))["messages"]
        return messages

    async def bot_messages(self, user_id: int) -> list[Json]:
        """The bot's messages that are still there."""
        return [m for m in await self.chat(user_id) if m.get("from_bot") and not m.get("deleted")]

    async def callback_answers(self, user_id: int) -> list[Json]:
        """The toasts and alerts the user was shown."""
        answers: list[Json] = (await self.chat_state(user_id))["callback_answers"]
        return answers

    async def transcript(self, user_id: int) -> str:
        state = await self.chat_state(user_id)
        lines = [render_message(message) for message in state["messages"]]
        lines += [f"(toast) {answer.get('text', '')!r}" for answer in state["callback_answers"]]
        return "\n".join(lines) or "(empty chat)"

    async def events(self, user_id: int, after: int = 0, timeout: float = 25.0) -> list[Json]:  # noqa: ASYNC109
        """Long poll for what changed for the user after ``after`` (``[]`` when nothing did in time)."""
        query = {"user_id": str(user_id), "after": str(after), "timeout": str(timeout)}
        result: list[Json] = await self._call("GET", "/events", query=query, seconds=timeout + 10.0)
        return result

    async def wait_for(
        self,
        user_id: int,
        predicate: Predicate,
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        after: int | None = None,
    ) -> Json:
        """The first new or edited bot message satisfying ``predicate`` (a substring of the text/caption, or a
        function of the message).

        Looks at what happened after this client's last action for the user (or after ``after``), so a reply
        that came before the call is still found. Raises TimeoutError with the chat transcript.
        """
        cursor = self._cursor.get(user_id, 0) if after is None else after
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            for event in await self.events(user_id, cursor, min(remaining, 25.0)):
                cursor = int(event["seq"])
                message = event.get("message") or {}
                if (
                    event["type"] in MESSAGE_EVENTS
                    and message.get("from_bot")
                    and _matches(predicate, message)
                ):
                    self._cursor[user_id] = cursor
                    return dict(message)
            await asyncio.sleep(0)
        transcript = await self.transcript(user_id)
        raise TimeoutError(
            f"no matching bot message for user {user_id} within {timeout}s; chat:\n{transcript}"
        )

    # the bot's side, as seen by the sandbox ----------------------------------------------------------

    async def replay(self, update_id: int) -> Json:
        """Telegram delivers this (already delivered) update again, same update_id."""
        result: Json = await self._call("POST", "/replay", body={"update_id": update_id})
        return result

    async def set_limits(
        self, *, global_per_second: float | None = None, per_chat_per_second: float | None = None
    ) -> Json:
        """Rate limits on the bot's sends and edits (None = off)."""
        body = {"global_per_second": global_per_second, "per_chat_per_second": per_chat_per_second}
        result: Json = await self._call("POST", "/limits", body=body)
        return result

    async def set_faults(self, **failures: int) -> Json:
        """The next N calls of each named Bot API method fail with 502 Bad Gateway, e.g. getFile=2."""
        result: Json = await self._call("POST", "/faults", body=failures)
        return result

    async def stats(self) -> Json:
        result: Json = await self._call("GET", "/stats")
        return result

    async def commands(
        self, *, user_id: int | None = None, scope: Json | None = None, language_code: str | None = None
    ) -> list[Json]:
        """What setMyCommands set: as ``user_id`` sees it (Telegram's scope order), for ``scope`` and
        ``language_code``, or, with no argument, what was set last."""
        query = _set(
            user_id=str(user_id) if user_id is not None else None,
            scope=json.dumps(scope) if scope else None,
            language_code=language_code,
        )
        result: list[Json] = await self._call("GET", "/commands", query=query)
        return result

    async def webhook(self) -> Json:
        result: Json = await self._call("GET", "/webhook")
        return result

    async def download(self, file_id: str) -> bytes:
        """The bytes of any file (sent by a user or by the bot)."""
        result: bytes = await self._call("GET", f"/files/{quote(file_id, safe='')}", seconds=120.0, raw=True)
        return result


def _error_text(payload: bytes) -> str:
    try:
        body = json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")
    if isinstance(body, dict):
        return str(body.get("error") or body.get("description") or body)
    return str(body)
