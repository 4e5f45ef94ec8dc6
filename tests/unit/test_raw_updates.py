"""The messages kept as Telegram sent them (bot/raw.py): taken once, never another message's, bounded."""

from __future__ import annotations

import json
from typing import Any

from telegram import Bot, Update

from liuhen.bot.raw import RawUpdates

BOT = Bot("1:x")


def raw_update(update_id: int, message_id: int, chat: int = 7) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": 1_790_000_000,
            "chat": {"id": chat, "type": "private", "first_name": "张"},
            "text": "庭长让我关照一下那个案子",
        },
    }


def decoded(data: dict[str, Any]) -> Update:
    update = Update.de_json(data, BOT)
    assert update is not None and update.message is not None
    return update


def test_a_kept_message_is_taken_once_as_sent_then_written_from_the_objects() -> None:
    raw = RawUpdates()
    data = raw_update(1, 10)
    raw.keep([data, {"update_id": 2, "callback_query": {"id": "q"}}, "not an update"])
    assert len(raw) == 1  # only messages are kept
    update = decoded(data)
    assert update.message is not None
    first = raw.message_json(update, update.message)
    assert json.loads(first) == data["message"]
    second = json.loads(raw.message_json(update, update.message))  # taken: PTB's own writing
    assert second["text"] == data["message"]["text"] and second["group_chat_created"] is False


def test_another_messages_json_is_never_given() -> None:
    raw = RawUpdates()
    raw.keep([raw_update(1, 10, chat=7)])
    other = decoded(raw_update(1, 11, chat=7))  # same update id, another message
    assert other.message is not None
    assert json.loads(raw.message_json(other, other.message))["message_id"] == 11
    raw.keep([raw_update(1, 10, chat=7)])
    elsewhere = decoded(raw_update(1, 10, chat=8))  # same message id in another chat
    assert elsewhere.message is not None
    assert json.loads(raw.message_json(elsewhere, elsewhere.message))["chat"]["id"] == 8


def test_the_oldest_are_let_go_past_the_bound() -> None:
    raw = RawUpdates(size=3)
    raw.keep([raw_update(n, n) for n in range(1, 6)])
    assert len(raw) == 3
    gone = decoded(raw_update(1, 1))
    assert gone.message is not None
    assert "group_chat_created" in json.loads(raw.message_json(gone, gone.message))  # written again
    kept = decoded(raw_update(5, 5))
    assert kept.message is not None
    assert "group_chat_created" not in json.loads(raw.message_json(kept, kept.message))
