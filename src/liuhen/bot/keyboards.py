"""Inline keyboards. Callback data is a prefix and an opaque server-side token (≤ 64 bytes)."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup

from liuhen.app.usecases.intake import Receipt, ReceiptAction
from liuhen.texts import common as texts

INTAKE_PREFIX = "i:"


def receipt_markup(r: Receipt) -> dict[str, Any]:
    """The receipt's buttons in the Bot API's own JSON, sent as they are (bot/lean.py): PTB's objects cost
    more to build and to write out than the rest of the request."""
    b = r.buttons

    def button(label: str, action: str) -> dict[str, str]:
        return {"text": label, "callback_data": INTAKE_PREFIX + b[action]}

    return {
        "inline_keyboard": [
            [button(texts.BUTTON_FILL, ReceiptAction.FILL), button(texts.BUTTON_LATER, ReceiptAction.LATER)],
            [
                button(texts.BUTTON_SPLIT, ReceiptAction.SPLIT),
                button(texts.BUTTON_DIRECT, ReceiptAction.DIRECT),
            ],
        ]
    }


def receipt(r: Receipt) -> InlineKeyboardMarkup:
    markup = InlineKeyboardMarkup.de_json(receipt_markup(r), None)
    assert markup is not None
    return markup
