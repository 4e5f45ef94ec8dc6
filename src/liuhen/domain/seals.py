"""Seals: the ledger's word on what each row that carries meaning holds now (seed 003 §12, seed 004 §15:
全程留痕、永久存储、有据可查).

The hash chain proves that no *entry* was changed; it says nothing of the rows beside it. So whenever a
transaction creates or changes a sealed row — a record, an evidence row, a decision, a record's version, a
staff member (the binding to a chat account included), a complaint and its items, a case's zero report — the
same transaction appends a ``seal`` entry naming the row and a digest of each meaningful field as it now is.
``liuhen verify`` replays the seals (the latest per row wins) and compares every current row with them: a
field edited in the database, a row moved to another record, a row deleted or one inserted behind the
application's back each show, with the row, the field and the entry that says otherwise.

Per-field digests (not the values) keep the ledger free of the register's content and still name the field.
Fields are never removed from a kind's list; a field added later is compared from its first seal on (rows
sealed before it are compared on the fields their seal names).

Everything here is pure: storage reads the rows and the entries, this module decides.
"""

from __future__ import annotations

import enum
import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from json.encoder import encode_basestring
from typing import Any

from liuhen.domain.ledger import LedgerEntry, canonical_json

SEAL = "seal"  # a transaction's change to a row
BASELINE = "seal.baseline"  # rows that existed when sealing began (sealed once by a migration)
ACTIONS = frozenset({SEAL, BASELINE})
DIGEST_HEX = 32  # 128 bits per field


class Kind(enum.StrEnum):
    RECORD = "record"
    EVIDENCE = "evidence"
    DECISION = "decision"
    VERSION = "record_version"
    STAFF = "staff"
    COMPLAINT = "complaint"
    COMPLAINT_ITEM = "complaint_item"
    CASE_ZERO = "case_zero"


@dataclass(frozen=True)
class Sealed:
    key: tuple[str, ...]  # the columns that name the row (``object_id`` of its seals)
    fields: tuple[str, ...]  # the columns that carry meaning


#: What is sealed of each kind. Left out on purpose: derived or housekeeping columns that change without a
#: change of meaning (counters, update times, download attempts, receipts' message ids, the deadline of the
#: level waited for, OCR output) — each can be recomputed from what is sealed.
SEALED: Mapping[Kind, Sealed] = {
    Kind.RECORD: Sealed(
        ("id",),
        (
            "court_id",
            "number",
            "recorder_id",
            "status",
            "created_at",
            "answers",
            "version",
            "direct_to_discipline",
            "submitted_at",
            "chain",
            "filed_at",
            "disposition",
        ),
    ),
    Kind.EVIDENCE: Sealed(
        ("id",),
        (
            "record_id",
            "seq",
            "kind",
            "state",
            "received_at",
            "chat_id",
            "message_id",
            "update_id",
            "origin",
            "sha256",
            "size",
            "media_type",
            "text",
            "entities",
            "file_name",
            "media_group_id",
            "message_sha256",
            "photo_compressed",
            "stored_at",
        ),
    ),
    Kind.DECISION: Sealed(
        ("record_id", "seq"),
        (
            "record_id",
            "round",
            "seq",
            "kind",
            "level",
            "signer_id",
            "on_behalf_of",
            "at",
            "text",
            "disposition",
            "defer_answer",
        ),
    ),
    Kind.VERSION: Sealed(
        ("record_id", "version"),
        ("record_id", "version", "status", "answers", "reason", "actor", "created_at"),
    ),
    Kind.STAFF: Sealed(
        ("id",),
        (
            "court_id",
            "staff_id",
            "name",
            "department_id",
            "position",
            "role",
            "phone",
            "active",
            "telegram_user_id",
            "enrolled_at",
            "deactivated_at",
        ),
    ),
    Kind.COMPLAINT: Sealed(
        ("id",),
        ("court_id", "number", "complainant_id", "status", "created_at", "submitted_at", "destination"),
    ),
    Kind.COMPLAINT_ITEM: Sealed(
        ("id",),
        (
            "complaint_id",
            "seq",
            "kind",
            "state",
            "received_at",
            "update_id",
            "message_id",
            "text",
            "sha256",
            "size",
            "media_type",
            "file_name",
            "message_sha256",
        ),
    ),
    Kind.CASE_ZERO: Sealed(
        ("id",),
        (
            "court_id",
            "officer_pk",
            "case_number",
            "status",
            "statement",
            "created_at",
            "reviewer_pk",
            "reviewed_at",
            "review_note",
        ),
    ),
}


def plain(value: Any) -> Any:
    """One form of a value whether it was just set by a use case or read back from the database."""
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def field_digest(kind: Kind, name: str, value: Any) -> str:
    """The digest of one field: SHA-256 of the canonical JSON of ``[kind, name, value]``. Every row a
    transaction writes has a dozen or more sealed fields and ``liuhen verify`` digests every field of the
    register, so the usual values — text, whole numbers, yes/no, nothing — are written straight into the
    same bytes ``canonical_json`` gives (``_scalar_json``); the others go through it."""
    value = plain(value)
    scalar = _scalar_json(value)
    if scalar is None:
        data = canonical_json([kind.value, name, value])
    else:
        data = f"{_field_prefix(kind, name)}{scalar}]".encode()
    return hashlib.sha256(data).hexdigest()[:DIGEST_HEX]


@functools.cache
def _field_prefix(kind: Kind, name: str) -> str:
    """``["kind","name",`` exactly as ``canonical_json`` begins the list."""
    return canonical_json([kind.value, name]).decode()[:-1] + ","


def _scalar_json(value: Any) -> str | None:
    """``value`` as ``canonical_json`` writes it, for the plain scalar types; None for any other."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = type(value)
    if kind is str:
        return encode_basestring(value)  # what json.dumps(ensure_ascii=False) writes for a str
    if kind is int:
        return int.__repr__(value)  # as json.dumps writes an int
    return None


def object_id(kind: Kind, values: Mapping[str, Any]) -> str:
    return ":".join(str(plain(values[k])) for k in SEALED[kind].key)


def seal_payload(kind: Kind, values: Mapping[str, Any]) -> dict[str, Any]:
    """What a seal entry holds: each sealed field's digest."""
    return {"fields": {name: field_digest(kind, name, values[name]) for name in SEALED[kind].fields}}


def digests_of(kind: Kind, values: Mapping[str, Any], names: Iterable[str]) -> dict[str, str]:
    return {name: field_digest(kind, name, values[name]) for name in names if name in values}


@dataclass(frozen=True)
class Row:
    """A sealed row as the database holds it now, with what to call it."""

    kind: Kind
    object_id: str
    values: Mapping[str, Any]
    label: Mapping[str, Any] = field(default_factory=dict)  # e.g. the record's number, for the report


class Difference(enum.StrEnum):
    FIELD = "field"  # a field is not what the latest seal says
    UNSEALED = "unsealed"  # a row no seal names (inserted behind the application's back)
    GONE = "gone"  # a sealed row that is no longer there (deleted)


@dataclass(frozen=True)
class Mismatch:
    kind: Kind
    object_id: str
    difference: Difference
    entry: int | None = None  # the seal entry that says otherwise
    column: str | None = None  # the field that differs (None: the seal names fields the row lacks)
    label: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)


def _combined(fields: Mapping[str, str]) -> bytes:
    return hashlib.sha256(canonical_json(sorted(fields.items()))).digest()[:16]


@dataclass
class SealAudit:
    """Fed the ledger in sequence order (like ``LedgerAudit``); keeps the latest seal of each row — its
    entry, the names it seals and one digest over theirs, so that a province's rows fit in memory.
    ``suspects`` compares rows (any number of batches) and returns those that differ with the entry to read;
    ``differences`` then names the fields from that entry; ``gone`` names the sealed rows never offered."""

    latest: dict[tuple[Kind, str], tuple[int, bytes, tuple[str, ...]]] = field(default_factory=dict)
    _names: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    _seen: set[tuple[Kind, str]] = field(default_factory=set)

    def feed(self, batch: Sequence[LedgerEntry]) -> None:
        for entry in batch:
            if entry.action not in ACTIONS:
                continue
            try:
                kind = Kind(entry.object_type)
            except ValueError:
                continue
            fields = (entry.payload or {}).get("fields")
            if isinstance(fields, dict):
                names = tuple(sorted(str(k) for k in fields))
                names = self._names.setdefault(names, names)
                digests = {str(k): str(v) for k, v in fields.items()}
                self.latest[(kind, entry.object_id)] = (entry.seq, _combined(digests), names)

    def suspects(self, rows: Iterable[Row]) -> tuple[list[tuple[Row, int]], list[Mismatch]]:
        """(rows that differ from their latest seal, with its entry's seq; rows no seal names)."""
        differ: list[tuple[Row, int]] = []
        unsealed: list[Mismatch] = []
        for row in rows:
            key = (row.kind, row.object_id)
            self._seen.add(key)
            sealed = self.latest.get(key)
            if sealed is None:
                unsealed.append(Mismatch(row.kind, row.object_id, Difference.UNSEALED, label=row.label))
                continue
            seq, combined, names = sealed
            if _combined(digests_of(row.kind, row.values, names)) != combined:
                differ.append((row, seq))
        return differ, unsealed

    def gone(self) -> list[Mismatch]:
        return [
            Mismatch(kind, oid, Difference.GONE, seq)
            for (kind, oid), (seq, _, _) in sorted(self.latest.items(), key=lambda item: item[1][0])
            if (kind, oid) not in self._seen
        ]


def differences(row: Row, entry: LedgerEntry) -> list[Mismatch]:
    """The fields of ``row`` that are not what its seal ``entry`` says."""
    fields = (entry.payload or {}).get("fields") or {}
    now = digests_of(row.kind, row.values, fields)
    named = [n for n in SEALED[row.kind].fields if n in fields] + sorted(
        set(fields) - set(SEALED[row.kind].fields)
    )
    found = [
        Mismatch(row.kind, row.object_id, Difference.FIELD, entry.seq, name, label=row.label)
        for name in named
        if now.get(name) != fields[name]
    ]
    # a field the seal names and the row no longer has
    return found or [Mismatch(row.kind, row.object_id, Difference.FIELD, entry.seq, None, label=row.label)]
