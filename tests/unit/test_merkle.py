"""RFC 6962 tree heads (domain/merkle.py) and the pure ledger audit of checkpoints (domain/checkpoints.py)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from liuhen.domain import ledger as rules
from liuhen.domain.checkpoints import Checkpoint, LedgerAudit, ProblemKind
from liuhen.domain.ledger import GENESIS, LedgerEntry
from liuhen.domain.merkle import TreeBuilder, tree_head
from liuhen.texts import integrity as texts

# The test vectors of RFC 6962's reference implementation (certificate-transparency merkle_tree_test):
# the heads of the first n of these eight leaves.
LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
HEADS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def reference_mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 word for word, recursively (independent of the implementation under test)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + reference_mth(leaves[:k]) + reference_mth(leaves[k:])).digest()


def test_empty_tree_is_the_hash_of_nothing() -> None:
    assert tree_head([]) == hashlib.sha256(b"").digest()
    assert tree_head([]).hex() == HEADS[0]


def test_known_vectors() -> None:
    for n in range(len(LEAVES) + 1):
        assert tree_head(LEAVES[:n]).hex() == HEADS[n], n
        assert reference_mth(LEAVES[:n]).hex() == HEADS[n], n


def test_one_leaf_is_the_leaf_hash() -> None:
    assert tree_head([b"abc"]) == hashlib.sha256(b"\x00abc").digest()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=70))
def test_every_prefix_head_equals_the_recursive_definition(leaves: list[bytes]) -> None:
    builder = TreeBuilder()
    assert builder.root() == reference_mth([])
    for i, leaf in enumerate(leaves, start=1):
        builder.append(leaf)
        assert builder.size == i
        assert builder.root() == reference_mth(leaves[:i])


@given(st.lists(st.binary(min_size=1, max_size=8), min_size=2, max_size=20, unique=True), st.data())
def test_swapping_two_leaves_changes_the_head(leaves: list[bytes], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(leaves) - 2))
    swapped = [*leaves[:i], leaves[i + 1], leaves[i], *leaves[i + 2 :]]
    assert tree_head(swapped) != tree_head(leaves)


# --- the ledger audit ---------------------------------------------------------------------------------------

T0 = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)


def chain(n: int) -> list[LedgerEntry]:
    entries, prev = [], GENESIS
    for seq in range(1, n + 1):
        at, payload = T0 + timedelta(seconds=seq), {"n": seq}
        digest = rules.payload_hash(payload)
        h = rules.entry_hash(
            prev_hash=prev,
            seq=seq,
            at=at,
            actor="t",
            action="a",
            object_type="o",
            object_id=str(seq),
            payload_digest=digest,
        )
        entries.append(LedgerEntry(seq, at, "t", "a", "o", str(seq), payload, digest, prev, h))
        prev = h
    return entries


def checkpoint_over(entries: list[LedgerEntry], n: int, pk: int = 1) -> Checkpoint:
    root = tree_head(bytes.fromhex(e.entry_hash) for e in entries[:n]).hex()
    return Checkpoint(n, n, root, entries[n - 1].entry_hash, T0, "k", "00", id=pk)


def audit(entries: list[LedgerEntry], cps: list[Checkpoint], batch: int = 7) -> LedgerAudit:
    a = LedgerAudit(cps)
    for i in range(0, len(entries), batch):
        a.feed(entries[i : i + batch])
    return a


def test_an_intact_ledger_with_checkpoints_passes_in_any_batch_size() -> None:
    entries = chain(40)
    cps = [checkpoint_over(entries, 1, 1), checkpoint_over(entries, 17, 2), checkpoint_over(entries, 40, 3)]
    for batch in (1, 3, 16, 100):
        a = audit(entries, cps, batch)
        assert a.finish(40, entries[-1].entry_hash) == [], batch
        assert a.root == cps[-1].root


def test_a_consistently_rewritten_prefix_is_caught_by_the_checkpoint_only() -> None:
    entries = chain(30)
    cp = checkpoint_over(entries, 30)
    forged = chain(30)
    forged[4].payload = {"n": "改写"}  # rewrite entry 5 and re-hash everything after it
    prev = forged[3].entry_hash
    for e in forged[4:]:
        e.prev_hash = prev
        e.payload_hash = rules.payload_hash(e.payload)
        e.entry_hash = rules.entry_hash(
            prev_hash=prev,
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            payload_digest=e.payload_hash,
        )
        prev = e.entry_hash
    problems = audit(forged, [cp]).finish(30, forged[-1].entry_hash)
    assert [p.kind for p in problems] == [ProblemKind.CHECKPOINT]
    assert "默克尔树根" in texts.reason(problems[0])


def test_a_cut_tail_shows_in_the_head_and_in_a_checkpoint_that_reached_further() -> None:
    entries = chain(30)
    cp = checkpoint_over(entries, 30)
    problems = audit(entries[:25], [cp]).finish(30, entries[-1].entry_hash)
    assert {p.kind for p in problems} == {ProblemKind.HEAD, ProblemKind.CHECKPOINT}
    # the head rewound as well: the checkpoint still knows there were 30
    problems = audit(entries[:25], [cp]).finish(25, entries[24].entry_hash)
    assert [p.kind for p in problems] == [ProblemKind.CHECKPOINT]
    assert "只有 25 条" in texts.reason(problems[0])


def test_the_first_broken_entry_is_named() -> None:
    entries = chain(20)
    entries[11].actor = "someone else"
    problems = audit(entries, []).finish(20, entries[-1].entry_hash)
    assert problems[0].kind is ProblemKind.LEDGER and problems[0].seq == 12


def test_chain_from_trusts_the_prefix_but_checks_its_root() -> None:
    entries = chain(20)
    cp = checkpoint_over(entries, 10)
    entries[3].payload = {"n": "x"}  # payload edited in place below the checkpoint: hashes unchanged
    a = LedgerAudit([cp], chain_from=10)
    a.feed(entries)
    assert a.finish(20, entries[-1].entry_hash) == []  # the checkpoint attests the hashes only
    entries[15].payload = {"n": "y"}  # after it: checked
    a = LedgerAudit([cp], chain_from=10)
    a.feed(entries)
    assert a.finish(20, entries[-1].entry_hash)[0].seq == 16
