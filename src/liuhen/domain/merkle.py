"""Merkle tree heads over the audit ledger, as in Certificate Transparency (RFC 6962 §2.1).

A checkpoint signs the tree head of the first N ledger entries (seed 003 §12 全程留痕): changing,
removing or reordering any entry it covers changes the head. The leaves are the entries' hashes (the 32
raw bytes of ``entry_hash``), in sequence order.

    MTH({})       = SHA-256()
    MTH({d0})     = SHA-256(0x00 || d0)
    MTH(D[0:n])   = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   k = the largest power of two < n

``TreeBuilder`` computes the head of every prefix in one pass: it keeps the roots of the perfect subtrees
of the prefix (at most log2 n of them), which is the RFC's split rule read from the left.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

_sha256 = hashlib.sha256
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


class TreeBuilder:
    """Append leaves one at a time; ``root()`` is the tree head of the leaves so far (O(log n)).

    ``_stack`` holds the roots of the perfect subtrees the leaves so far form, largest first: one per set
    bit of ``size``. Appending a leaf merges as many as ``size`` has trailing one bits (a binary counter)."""

    __slots__ = ("_stack", "size")

    def __init__(self) -> None:
        self._stack: list[bytes] = []
        self.size = 0

    def append(self, data: bytes) -> None:
        node = _sha256(LEAF_PREFIX + data).digest()
        stack, n = self._stack, self.size
        while n & 1:
            node = _sha256(NODE_PREFIX + stack.pop() + node).digest()
            n >>= 1
        stack.append(node)
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        root = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            root = node_hash(left, root)
        return root


def tree_head(leaves: Iterable[bytes]) -> bytes:
    """MTH of the leaves (RFC 6962 §2.1)."""
    builder = TreeBuilder()
    for leaf in leaves:
        builder.append(leaf)
    return builder.root()
