"""Bytes first (docs/architecture.md "Durability order"): a message's JSON and its file into the evidence
store before anything is recorded. Shared by intake and by complaints, whose items are stored the same way."""

from __future__ import annotations

import structlog
from telegram import Bot, Message, Update
from telegram.error import BadRequest, TelegramError

from liuhen.app.usecases import intake
from liuhen.app.usecases.intake import StoredContent
from liuhen.bot.context import Context
from liuhen.domain.records import TELEGRAM_DOWNLOAD_LIMIT, EvidenceState, FileRef, IncomingEvidence
from liuhen.evidence.inspect import real_media_type
from liuhen.evidence.store import FileEvidenceStore

log = structlog.get_logger(__name__)


async def download(bot: Bot, store: FileEvidenceStore, ref: FileRef) -> StoredContent:
    """Fetch a file into the evidence store; the state says what happened (never raises for Telegram)."""
    if ref.size is not None and ref.size > TELEGRAM_DOWNLOAD_LIMIT:
        return StoredContent(EvidenceState.TOO_BIG, message_sha256="")
    try:
        tg_file = await bot.get_file(ref.file_id)
        data = await tg_file.download_as_bytearray()
    except BadRequest as exc:
        if "too big" in exc.message.lower():
            return StoredContent(EvidenceState.TOO_BIG, message_sha256="")
        log.warning("download_failed", error=exc.message)
        return StoredContent(EvidenceState.PENDING, message_sha256="")
    except (TelegramError, OSError) as exc:
        log.warning("download_failed", error=repr(exc))
        return StoredContent(EvidenceState.PENDING, message_sha256="")
    blob = await store.put_bytes(bytes(data))
    # what the bytes really are, whatever the name or the sender said (kept as sent; the receipt says so)
    media_type = real_media_type(bytes(data[:512]), ref.mime_type, ref.file_name)
    return StoredContent(EvidenceState.STORED, "", sha256=blob.sha256, size=blob.size, media_type=media_type)


async def store_message(
    context: Context, update: Update, message: Message, incoming: IncomingEvidence
) -> StoredContent:
    """Bytes first (docs/architecture.md "Durability order"): the message's JSON as Telegram sent it
    (bot/raw.py), then its file if it has one."""
    store = context.runtime.store
    raw = await store.put_bytes(context.raw.message_json(update, message))
    got = await download(context.bot, store, incoming.file) if incoming.file is not None else None
    return intake.stored_content(raw.sha256, raw.size, got)
