"""Telegram messages → the domain's `IncomingEvidence` (keep text, entities and provenance)."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import (
    Message,
    MessageOrigin,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)

from liuhen.domain.records import EvidenceKind, FileRef, IncomingEvidence, Origin


def origin_of(message: Message) -> Origin:
    o: MessageOrigin | None = message.forward_origin
    date = o.date.astimezone(UTC) if o is not None and o.date else None
    if isinstance(o, MessageOriginUser):
        u = o.sender_user
        return Origin("user", name=u.full_name, username=u.username, sender_id=u.id, date=date)
    if isinstance(o, MessageOriginHiddenUser):
        return Origin("hidden_user", name=o.sender_user_name, date=date)
    if isinstance(o, MessageOriginChat):
        c = o.sender_chat
        return Origin(
            "chat",
            name=c.title or c.full_name,
            username=c.username,
            sender_id=c.id,
            chat_title=c.title,
            author_signature=o.author_signature,
            date=date,
        )
    if isinstance(o, MessageOriginChannel):
        c = o.chat
        return Origin(
            "channel",
            name=c.title,
            username=c.username,
            sender_id=c.id,
            chat_title=c.title,
            message_id=o.message_id,
            author_signature=o.author_signature,
            date=date,
        )
    return Origin("direct")


def _file(message: Message) -> tuple[EvidenceKind, FileRef, bool | None] | None:
    if message.photo:
        p = message.photo[-1]  # the largest size
        return (
            EvidenceKind.PHOTO,
            FileRef(p.file_id, p.file_unique_id, p.file_size, "image/jpeg", width=p.width, height=p.height),
            True,
        )
    if message.document:
        d = message.document
        compressed = False if (d.mime_type or "").startswith("image/") else None
        return (
            EvidenceKind.DOCUMENT,
            FileRef(d.file_id, d.file_unique_id, d.file_size, d.mime_type, file_name=d.file_name),
            compressed,
        )
    if message.voice:
        v = message.voice
        return (
            EvidenceKind.VOICE,
            FileRef(v.file_id, v.file_unique_id, v.file_size, v.mime_type, duration=_seconds(v.duration)),
            None,
        )
    if message.audio:
        a = message.audio
        return (
            EvidenceKind.AUDIO,
            FileRef(
                a.file_id,
                a.file_unique_id,
                a.file_size,
                a.mime_type,
                file_name=a.file_name,
                duration=_seconds(a.duration),
            ),
            None,
        )
    if message.video:
        v2 = message.video
        return (
            EvidenceKind.VIDEO,
            FileRef(
                v2.file_id,
                v2.file_unique_id,
                v2.file_size,
                v2.mime_type,
                file_name=v2.file_name,
                width=v2.width,
                height=v2.height,
                duration=_seconds(v2.duration),
            ),
            None,
        )
    if message.video_note:
        n = message.video_note
        return (
            EvidenceKind.VIDEO_NOTE,
            FileRef(
                n.file_id,
                n.file_unique_id,
                n.file_size,
                "video/mp4",
                width=n.length,
                height=n.length,
                duration=_seconds(n.duration),
            ),
            None,
        )
    return None


def _seconds(value: object) -> int | None:
    if value is None:
        return None
    total = getattr(value, "total_seconds", None)
    return int(total()) if callable(total) else int(value)  # type: ignore[call-overload]


def _describe(message: Message) -> str:
    """A line for messages that carry no text or file of their own (kept: nothing is discarded)."""
    if message.contact:
        c = message.contact
        return f"[联系人] {c.first_name} {c.last_name or ''} {c.phone_number}".strip()
    if message.location:
        return f"[位置] {message.location.latitude:.6f}, {message.location.longitude:.6f}"
    if message.sticker:
        return f"[贴纸] {message.sticker.emoji or ''}".strip()
    return "[其他类型的消息]"


def incoming_from(message: Message, update_id: int) -> IncomingEvidence:
    """Every message becomes evidence; its raw JSON is kept beside it by the caller."""
    origin = origin_of(message)
    sent_at = message.date.astimezone(UTC) if message.date else datetime.now(UTC)
    found = _file(message)
    if found is not None:
        kind, ref, compressed = found
        return IncomingEvidence(
            kind=kind,
            chat_id=message.chat_id,
            message_id=message.message_id,
            update_id=update_id,
            sent_at=sent_at,
            origin=origin,
            text=message.caption,
            entities=[e.to_dict() for e in message.caption_entities or ()],
            file=ref,
            media_group_id=message.media_group_id,
            photo_compressed=compressed,
        )
    kind = EvidenceKind.TEXT if origin.forwarded else EvidenceKind.NOTE
    return IncomingEvidence(
        kind=kind,
        chat_id=message.chat_id,
        message_id=message.message_id,
        update_id=update_id,
        sent_at=sent_at,
        origin=origin,
        text=message.text or _describe(message),
        entities=[e.to_dict() for e in message.entities or ()],
    )


def typed_text(update: Update) -> str | None:
    """Text a person typed themselves (not forwarded): the only thing that can answer a question."""
    message = update.message
    if message is None or message.forward_origin is not None or not message.text:
        return None
    return message.text
