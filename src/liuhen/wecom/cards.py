"""Typed outcomes as WeCom template cards (模板卡片): a receipt and a question are button cards (at most
six buttons, 按钮交互型); a question with more options is a one-choice card (投票选择型, up to twenty). Each
button's key is the opaque token the core issued for it, behind the feature's prefix."""

from __future__ import annotations

import secrets
from typing import Any

from liuhen.app.usecases.intake import Receipt, ReceiptAction
from liuhen.app.usecases.questionnaire import View
from liuhen.texts import common as texts
from liuhen.texts import questions as words
from liuhen.texts import wecom as wecom_words

Json = dict[str, Any]

INTAKE = "i:"
QUESTION = "q:"
SIGNOFF = "s:"
MONTHLY = "m:"
WITNESS = "w:"
CASEFILE = "cf:"
FOLLOWUP = "fu:"
COMPLAINT = "kg:"
CASEZERO = "z:"
ACCOUNTABILITY = "ac:"
NOTICE = "nt:"
CONFIRM = "enrol:yes"
NOT_ME = "enrol:no"
CHOICE = "choice"  # the question key of a one-choice card; its options' ids are the tokens
MAX_BUTTONS = 6
MAX_OPTIONS = 20
TITLE_MAX = 26  # WeCom shows about this much of a main title


def task_id(kind: str) -> str:
    """A card's task id: unique in the application (WeCom refuses a second card with the same one)."""
    return f"{kind}-{secrets.token_hex(8)}"


def _buttons(pairs: list[tuple[str, str]]) -> list[Json]:
    return [{"text": label, "style": 1 if i == 0 else 2, "key": key} for i, (label, key) in enumerate(pairs)]


def button_card(title: str, text: str, pairs: list[tuple[str, str]], *, kind: str) -> Json:
    return {
        "card_type": "button_interaction",
        "task_id": task_id(kind),
        "main_title": {"title": title[:TITLE_MAX]},
        "sub_title_text": text,
        "button_list": _buttons(pairs[:MAX_BUTTONS]),
    }


def receipt(r: Receipt) -> Json:
    b = r.buttons
    pairs = [
        (texts.BUTTON_FILL, INTAKE + b[ReceiptAction.FILL]),
        (texts.BUTTON_LATER, INTAKE + b[ReceiptAction.LATER]),
        (texts.BUTTON_SPLIT, INTAKE + b[ReceiptAction.SPLIT]),
        (texts.BUTTON_DIRECT, INTAKE + b[ReceiptAction.DIRECT]),
    ]
    return button_card(f"{wecom_words.RECEIPT_TITLE} · {r.record_number}", texts.receipt(r), pairs, kind="r")


def choices(title: str, text: str, options: list[tuple[str, str]], *, prefix: str, kind: str) -> Json:
    """A card of ``options`` (label, token): buttons when they fit, else one choice and [确定] (its
    option ids are the tokens; the submit button's key is ``prefix`` + CHOICE)."""
    if len(options) <= MAX_BUTTONS:
        return button_card(title, text, [(label, prefix + token) for label, token in options], kind=kind)
    return {
        "card_type": "vote_interaction",
        "task_id": task_id(kind),
        "main_title": {"title": title[:TITLE_MAX], "desc": text},
        "checkbox": {
            "question_key": CHOICE,
            "option_list": [{"id": token, "text": label} for label, token in options[:MAX_OPTIONS]],
            "mode": 0,
        },
        "submit_button": {"text": wecom_words.CHOOSE, "key": prefix + CHOICE},
    }


def question(view: View) -> Json | None:
    """The view's card; None when it has no buttons (the text alone is sent)."""
    options = [(words.button_label(b), b.token) for row in view.rows for b in row]
    if not options:
        return None
    title = f"{wecom_words.QUESTION_TITLE} · {view.record_number}"
    return choices(title, words.view(view), options, prefix=QUESTION, kind="q")


def confirm(text: str) -> Json:
    pairs = [(wecom_words.CONFIRM_BUTTON, CONFIRM), (wecom_words.NOT_ME_BUTTON, NOT_ME)]
    return button_card(wecom_words.CONFIRM_TITLE, text, pairs, kind="enrol")
