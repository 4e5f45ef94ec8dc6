"""Typed words a button asked for (a file number, a receiving body, the measures taken): the person's
conversation remembers what waits for them (``pending_field``, a feature's prefix and its argument); the
update that brings them is claimed once, so a replay answers nothing twice."""

from __future__ import annotations

import enum

from liuhen.app.ports import UnitOfWork
from liuhen.domain.model import Conversation, Staff


class Waiting(enum.Enum):
    NOTHING = "nothing"  # nothing of this feature waits: the text is something else
    DUPLICATE = "duplicate"  # a replayed update


async def awaited(
    uow: UnitOfWork, staff: Staff, prefix: str, *, update_id: int, kind: str
) -> tuple[Conversation, str] | Waiting:
    """Inside the caller's unit of work: the conversation and the argument after ``prefix`` when words with
    that prefix wait and this update is new."""
    assert staff.id is not None
    conversation = await uow.conversations.get(staff.id)
    pending = conversation.pending_field or ""
    if not pending.startswith(prefix):
        return Waiting.NOTHING
    if not await uow.inbox.claim(update_id, chat_id=staff.telegram_chat_id, kind=kind):
        return Waiting.DUPLICATE
    return conversation, pending.removeprefix(prefix)
