"""The ledger's hash chain (docs/architecture.md "Nothing is deleted"; seed 003 §12 全程留痕)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from liuhen.domain.ledger import GENESIS, LedgerEntry, entry_hash, first_break, payload_hash


def chain(n: int) -> list[LedgerEntry]:
    entries, prev = [], GENESIS
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(1, n + 1):
        payload = {"i": i, "text": "过问"}
        digest = payload_hash(payload)
        at = t0 + timedelta(minutes=i)
        h = entry_hash(
            prev_hash=prev,
            seq=i,
            at=at,
            actor="a",
            action="x",
            object_type="t",
            object_id=str(i),
            payload_digest=digest,
        )
        entries.append(LedgerEntry(i, at, "a", "x", "t", str(i), payload, digest, prev, h))
        prev = h
    return entries


def test_intact_chain_verifies() -> None:
    assert first_break(chain(20)) is None


@given(st.integers(min_value=0, max_value=9), st.sampled_from(["payload", "actor", "drop", "swap"]))
def test_any_mutation_is_found(index: int, kind: str) -> None:
    entries = chain(10)
    if kind == "payload":
        entries[index].payload = {"i": -1}
    elif kind == "actor":
        entries[index].actor = "mallory"
    elif kind == "drop":
        del entries[index]
        if index == 9:  # dropping the last entry is only visible against a checkpoint
            return
    else:
        j = (index + 1) % 10
        entries[index], entries[j] = entries[j], entries[index]
    assert first_break(entries) is not None
