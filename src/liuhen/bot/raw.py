"""The messages as Telegram sent them, kept from the moment they arrive until their handler stores them.

A message of evidence is kept in the evidence store as JSON (docs/architecture.md "Durability order"). The
JSON Telegram sent is the better record of what the judge forwarded: python-telegram-bot's
``Message.to_dict()`` writes it again from PTB's objects and adds what Telegram never said (e.g.
``"group_chat_created": false``), and it costs more CPU than the rest of the receipt's JSON (the profile
in docs/performance.md). Both doors of Telegram have the JSON in hand: long polling in the answer of
``getUpdates`` (bot/http.py), the webhook in the body of the post (bot/webhook.py). They keep it here by
``update_id``; the handler takes it once. An update not found here (handled from elsewhere, or pushed out
by newer ones) is written from PTB's objects, as before.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, MutableMapping
from typing import Any

from telegram import Message, Update

from liuhen.domain.ledger import canonical_json

RAW_KEY = "liuhen.raw_updates"
KEPT = 1_000  # messages kept at most; a batch of getUpdates brings 100, the webhook a round of chats


def raw_updates(bot_data: MutableMapping[Any, Any]) -> RawUpdates:
    """The application's store (``bot_data``), made empty where nothing has made it (a test's stand-in)."""
    raw = bot_data.setdefault(RAW_KEY, RawUpdates())
    assert isinstance(raw, RawUpdates)
    return raw


class RawUpdates:
    def __init__(self, size: int = KEPT) -> None:
        self._size = size
        self._kept: collections.OrderedDict[int, dict[str, Any]] = collections.OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def keep(self, updates: Iterable[Any]) -> None:
        """Keep the messages of these updates (dicts as decoded from Telegram's JSON); others are ignored."""
        for update in updates:
            if not isinstance(update, dict):
                continue
            update_id, message = update.get("update_id"), update.get("message")
            if isinstance(update_id, int) and isinstance(message, dict):
                self._kept[update_id] = message
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)

    def message_json(self, update: Update, message: Message) -> bytes:
        """The message's JSON as Telegram sent it when kept (taken: a second call writes it from PTB's
        objects), else from PTB's objects."""
        raw = self._kept.pop(update.update_id, None)
        if (
            raw is not None
            and raw.get("message_id") == message.message_id
            and isinstance(raw.get("chat"), dict)
            and raw["chat"].get("id") == message.chat_id
        ):
            return canonical_json(raw)
        return canonical_json(message.to_dict())
