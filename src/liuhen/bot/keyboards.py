"""Inline keyboards. Callback data is a prefix and an opaque server-side token (≤ 64 bytes)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from liuhen.app.usecases.intake import Receipt, ReceiptAction
from liuhen.texts import common as texts

INTAKE_PREFIX = "i:"


def receipt(r: Receipt) -> InlineKeyboardMarkup:
    b = r.buttons

    def button(label: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=INTAKE_PREFIX + b[action])

    return InlineKeyboardMarkup(
        [
            [button(texts.BUTTON_FILL, ReceiptAction.FILL), button(texts.BUTTON_LATER, ReceiptAction.LATER)],
            [
                button(texts.BUTTON_SPLIT, ReceiptAction.SPLIT),
                button(texts.BUTTON_DIRECT, ReceiptAction.DIRECT),
            ],
        ]
    )
