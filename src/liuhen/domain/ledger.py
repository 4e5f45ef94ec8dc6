"""The hash-chained audit ledger's pure rules (docs/architecture.md "Nothing is deleted"; seed 003 §12:
全程留痕).

Each entry commits to the previous one: changing, removing or reordering any entry breaks every hash after
it. Storage appends entries in the same transaction as the change they describe.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


def first_break(
    entries: Iterable[LedgerEntry], *, prev_hash: str = GENESIS, first_seq: int = 1
) -> tuple[int, str] | None:
    """The first entry that does not verify, as (seq, reason), or None when the chain holds.

    ``prev_hash`` and ``first_seq`` continue a chain checked in parts (the previous hash and seq + 1)."""
    prev, expected_seq = prev_hash, first_seq
    for e in entries:
        if e.seq != expected_seq:
            return e.seq, f"序号不连续：应为 {expected_seq}"
        if e.prev_hash != prev:
            return e.seq, "前序哈希不符"
        if payload_hash(e.payload) != e.payload_hash:
            return e.seq, "内容哈希不符"
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
            return e.seq, "条目哈希不符"
        prev, expected_seq = e.entry_hash, expected_seq + 1
    return None
