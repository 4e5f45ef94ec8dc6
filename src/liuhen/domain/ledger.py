"""The hash-chained audit ledger's pure rules (docs/architecture.md "Nothing is deleted"; seed 003 §12:
全程留痕).

Each entry commits to the previous one: changing, removing or reordering any entry breaks every hash after
it. Storage appends entries in the same transaction as the change they describe.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

GENESIS = "0" * 64


def canonical_json(payload: Any) -> bytes:
    return json.dumps(
        payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    ).encode()


def payload_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()


@dataclass(eq=False)
class LedgerEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    payload: dict[str, Any]
    payload_hash: str
    prev_hash: str
    entry_hash: str


def entry_hash(
    *,
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    payload_digest: str,
) -> str:
    body = [prev_hash, seq, at.isoformat(), actor, action, object_type, object_id, payload_digest]
    return hashlib.sha256(canonical_json(body)).hexdigest()


class ChainBreak(enum.StrEnum):
    """Why an entry does not verify."""

    SEQ_GAP = "seq_gap"  # not the seq expected (``Break.expected``)
    PREV_HASH = "prev_hash"  # does not name the entry before it
    PAYLOAD_HASH = "payload_hash"  # the payload was changed
    ENTRY_HASH = "entry_hash"  # a field of the entry was changed


class Break(NamedTuple):
    seq: int
    reason: ChainBreak
    expected: int | None = None  # the seq that should have come (SEQ_GAP)


def first_break(
    entries: Iterable[LedgerEntry], *, prev_hash: str = GENESIS, first_seq: int = 1
) -> Break | None:
    """The first entry that does not verify, as (seq, reason, expected), or None when the chain holds.

    ``prev_hash`` and ``first_seq`` continue a chain checked in parts (the previous hash and seq + 1)."""
    prev, expected_seq = prev_hash, first_seq
    for e in entries:
        if e.seq != expected_seq:
            return Break(e.seq, ChainBreak.SEQ_GAP, expected_seq)
        if e.prev_hash != prev:
            return Break(e.seq, ChainBreak.PREV_HASH)
        if payload_hash(e.payload) != e.payload_hash:
            return Break(e.seq, ChainBreak.PAYLOAD_HASH)
        recomputed = entry_hash(
            prev_hash=e.prev_hash,
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            payload_digest=e.payload_hash,
        )
        if recomputed != e.entry_hash:
            return Break(e.seq, ChainBreak.ENTRY_HASH)
        prev, expected_seq = e.entry_hash, expected_seq + 1
    return None
