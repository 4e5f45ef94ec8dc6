"""Typed words a button asked for (a file number, a receiving body, a person, an organ's name), handed to the
feature's use case: the door's half of ``app/usecases/pending.py``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Message, Update

from liuhen.bot.context import Context
from liuhen.bot.parse import typed_text

R = TypeVar("R")


async def typed_words(
    update: Update, context: Context, take: Callable[..., Awaitable[R | None]], **extra: Any
) -> tuple[Message, R] | None:
    """The message and ``take``'s result for the text typed, or None when it is no text or ``take`` awaits
    none (the text is something else: evidence, another feature's answer)."""
    text = typed_text(update)
    if text is None or update.message is None:
        return None
    rt = context.runtime
    result = await take(
        rt.db.uow(),
        staff=context.me.staff,
        text=text,
        update_id=update.update_id,
        now=rt.clock.now(),
        **extra,
    )
    return None if result is None else (update.message, result)
