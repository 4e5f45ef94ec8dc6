"""Records and their evidence (docs/domain.md "What a record holds"; seed 001 实施办法 §4, seed 002 §3).

A record starts as a draft the moment the first piece of evidence arrives; the questions come after.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from liuhen.domain.answers import Answers

if TYPE_CHECKING:
    from liuhen.domain.signoff import Chain


class RecordStatus(enum.StrEnum):
    """Exactly the statuses of docs/architecture.md (external interface)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    AWAITING_DEPARTMENT_HEAD = "awaiting_department_head"
    AWAITING_VICE_PRESIDENT = "awaiting_vice_president"
    AWAITING_DISCIPLINE = "awaiting_discipline"
    RETURNED = "returned"
    FILED = "filed"


class EvidenceKind(enum.StrEnum):
    TEXT = "text"  # a message with text, typically forwarded from WeChat/SMS screenshots' sender
    NOTE = "note"  # the recorder's own typed description
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO = "video"
    VIDEO_NOTE = "video_note"


class EvidenceState(enum.StrEnum):
    STORED = "stored"  # bytes on disk, hash recorded
    PENDING = "pending"  # download failed for now; retried in the background
    TOO_BIG = "too_big"  # over Telegram's 20 MB download limit: the original must be handed in
    FAILED = "failed"  # retries exhausted


#: Telegram bots may download files up to 20 MB (Bot API getFile).
TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024


#: The answers' working key of a correction in progress: the reason and the answers before it.
CORRECTING = "_correcting"


@dataclass(frozen=True)
class FileRef:
    """A file as Telegram describes it; never trust `file_name` for a path."""

    file_id: str
    file_unique_id: str
    size: int | None
    mime_type: str | None = None
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None


@dataclass(frozen=True)
class Origin:
    """Provenance of a forwarded message (Bot API ``forward_origin``), or ``direct`` when sent by the
    recorder. ``name`` is what Telegram shows for the sender."""

    type: str  # user | hidden_user | chat | channel | direct
    name: str | None = None
    username: str | None = None
    sender_id: int | None = None
    chat_title: str | None = None
    message_id: int | None = None
    author_signature: str | None = None
    date: datetime | None = None  # when the original was sent

    def as_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if v is not None}
        if self.date is not None:
            data["date"] = self.date.isoformat()
        return data

    @property
    def forwarded(self) -> bool:
        return self.type != "direct"


@dataclass(frozen=True)
class IncomingEvidence:
    """One Telegram message, reduced to what the record keeps (the adapter builds it)."""

    kind: EvidenceKind
    chat_id: int
    message_id: int
    update_id: int
    sent_at: datetime
    origin: Origin
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    file: FileRef | None = None
    media_group_id: str | None = None
    photo_compressed: bool | None = None  # True for photos (Telegram re-encodes); False for images as files


@dataclass(eq=False)
class Record:
    court_id: int
    number: str
    recorder_id: int
    status: RecordStatus
    created_at: datetime
    updated_at: datetime
    last_evidence_at: datetime
    evidence_count: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    version: int = 1
    direct_to_discipline: bool = False
    submitted_at: datetime | None = None
    chain: Chain | None = None  # the sign-off chain (stored as JSON, parsed at the storage boundary)
    level_deadline: datetime | None = None
    filed_at: datetime | None = None
    disposition: str | None = None
    id: int | None = None

    @property
    def being_corrected(self) -> bool:
        """A correction of the submitted record is being written (it stays in the register meanwhile)."""
        return CORRECTING in self.answers

    @property
    def editable(self) -> bool:
        """Only a draft, a returned record or a correction is changed; a submitted record never goes back
        to being a draft (全程留痕: a change after submission is a new version with a reason)."""
        return self.status in (RecordStatus.DRAFT, RecordStatus.RETURNED) or self.being_corrected

    @property
    def given(self) -> Answers:
        """The answers as typed values (the questionnaire writes ``answers`` by key; everything else reads
        this)."""
        return Answers.of(self.answers)


@dataclass(eq=False)
class Evidence:
    record_id: int
    seq: int
    kind: EvidenceKind
    state: EvidenceState
    received_at: datetime
    chat_id: int
    message_id: int
    update_id: int
    origin: dict[str, Any]
    sha256: str | None = None
    size: int | None = None
    media_type: str | None = None
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    file_name: str | None = None
    telegram_file_id: str | None = None
    telegram_file_unique_id: str | None = None
    media_group_id: str | None = None
    message_sha256: str | None = None
    photo_compressed: bool | None = None
    download_attempts: int = 0
    stored_at: datetime | None = None
    receipt_message_id: int | None = None
    inspection: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


def record_number(year: int, seq: int) -> str:
    """`LH-2026-0042`: per court and year (docs/architecture.md receipt example)."""
    return f"LH-{year}-{seq:04d}"


def short_hash(sha256: str | None) -> str:
    return f"{sha256[:4]}…{sha256[-2:]}" if sha256 else "—"
