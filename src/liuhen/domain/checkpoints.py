"""Signed checkpoints of the audit ledger and the pure checks of `liuhen verify`.

The rules keep records 全程留痕、永久存储、有据可查 (seed 003 §12, seed 004 §15). The hash chain
(``domain/ledger.py``) shows that no entry was changed in place; a *checkpoint* adds what a chain alone
cannot: a signed statement "the first N entries have Merkle tree head R" (RFC 6962, ``domain/merkle.py``),
signed with the deployment's Ed25519 key that lives outside the database. Someone who can write the
database can rewrite the whole chain consistently, or cut its tail, but cannot forge the signature.

Everything here is pure; signing and signature checks are ports (``CheckpointSigner``,
``SignatureVerifier``), implemented with ``cryptography`` in ``evidence/keys.py``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from liuhen.domain.ledger import GENESIS, ChainBreak, LedgerEntry, canonical_json, first_break
from liuhen.domain.merkle import TreeBuilder

STATEMENT_TYPE = "liuhen.checkpoint"
STATEMENT_VERSION = 1


@dataclass(eq=False)
class Checkpoint:
    """A signed tree head of the first ``tree_size`` ledger entries.

    ``seq`` is the last entry covered; the ledger is numbered from 1 without gaps, so it equals
    ``tree_size`` (both are stored and signed so that either being altered shows)."""

    seq: int
    tree_size: int
    root: str  # hex MTH over the entries' hashes
    last_entry_hash: str
    signed_at: datetime
    key_id: str
    signature: str  # hex Ed25519 signature over ``statement(self)``
    tsa_token: str | None = None  # base64 DER TimeStampResp (RFC 3161) over statement + signature
    tsa_at: datetime | None = None  # the TSA's genTime
    id: int | None = None


def statement(cp: Checkpoint) -> bytes:
    """The exact bytes signed: canonical JSON of everything a checkpoint asserts."""
    return canonical_json(
        {
            "type": STATEMENT_TYPE,
            "v": STATEMENT_VERSION,
            "seq": cp.seq,
            "tree_size": cp.tree_size,
            "root": cp.root,
            "last_entry_hash": cp.last_entry_hash,
            "signed_at": cp.signed_at.isoformat(),
            "key_id": cp.key_id,
        }
    )


def timestamped_message(cp: Checkpoint) -> bytes:
    """What an RFC 3161 timestamp of the checkpoint covers: the statement and its signature."""
    return statement(cp) + bytes.fromhex(cp.signature)


class CheckpointSigner(Protocol):
    @property
    def key_id(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


class SignatureVerifier(Protocol):
    def knows(self, key_id: str) -> bool: ...

    def verify(self, key_id: str, message: bytes, signature: bytes) -> bool: ...


class TimestampUnavailable(Exception):
    """The timestamp authority gave no usable token (the checkpoint is kept without one)."""


class Timestamper(Protocol):
    async def stamp(self, message: bytes) -> tuple[str, datetime]:
        """An RFC 3161 token (base64 of the DER TimeStampResp) over ``message`` and its genTime; raises
        TimestampUnavailable."""
        ...


class TimestampChecker(Protocol):
    def check(self, token: str, message: bytes) -> str | None:
        """None when the token is a granted timestamp over ``message`` (and chains to the configured
        TSA certificate when one is configured); otherwise the reason, for the operator."""
        ...


class ProblemKind(enum.StrEnum):
    LEDGER = "ledger"
    HEAD = "ledger_head"
    CHECKPOINT = "checkpoint"
    FILE = "file"
    EVIDENCE = "evidence"  # an evidence row says other than the ledger entry that took it in


class Place(enum.StrEnum):
    """What a problem is about."""

    ENTRY = "entry"  # a ledger entry (``seq``)
    HEAD = "ledger_head"
    CHECKPOINT = "checkpoint"  # ``checkpoint_id``, covering entries 1 to ``tree_size``
    EVIDENCE = "evidence"  # a record's (``number``) evidence (``seq``): its file
    EVIDENCE_MESSAGE = "evidence_message"  # the stored message of that evidence
    EVIDENCE_THUMBNAIL = "evidence_thumbnail"  # the intake thumbnail of that evidence
    COMPLAINT_ITEM = "complaint_item"  # a complaint's (``number``) item (``seq``): its file
    COMPLAINT_MESSAGE = "complaint_message"  # the stored message of that item
    UNREFERENCED = "unreferenced"  # a stored file no row names (``sha256``)


@dataclass(frozen=True)
class Where:
    place: Place
    number: str = ""  # the record's or the complaint's number
    seq: int | None = None  # the entry's, the evidence's or the complaint item's
    checkpoint_id: int | None = None
    tree_size: int | None = None
    sha256: str = ""


def checkpoint_place(cp: Checkpoint) -> Where:
    return Where(Place.CHECKPOINT, checkpoint_id=cp.id, tree_size=cp.tree_size)


class Finding(enum.StrEnum):
    """Why a checkpoint, the head row, an evidence row or a file does not hold (``ChainBreak`` for an
    entry). The particulars are the problem's ``detail``."""

    BAD_SIZE = "bad_size"  # a checkpoint covering no entry
    ROOT_MISMATCH = "root_mismatch"  # entries rewritten, deleted or swapped under a checkpoint
    LAST_ENTRY_MISMATCH = "last_entry_mismatch"
    BEYOND_LEDGER = "beyond_ledger"  # signed: the entries it covers; entries: the ledger's
    NO_PUBLIC_KEY = "no_public_key"
    UNKNOWN_KEY = "unknown_key"  # key_id
    BAD_SIGNATURE = "bad_signature"
    BAD_TIMESTAMP = "bad_timestamp"  # why: the checker's reason
    HEAD_MISSING = "head_missing"
    HEAD_MISMATCH = "head_mismatch"  # head_seq: what the head names; last_seq: the last entry
    NOT_ATTESTED = "not_attested"  # no ledger entry took this evidence in
    DUPLICATE_MESSAGE = "duplicate_message"
    HASH_DIFFERS = "hash_differs"  # from the ledger's
    SIZE_DIFFERS = "size_differs"  # from the ledger's
    FILE_NOT_ATTESTED = "file_not_attested"
    FILE_MISSING = "file_missing"
    FILE_CORRUPT = "file_corrupt"
    FILE_NO_KEY = "file_no_key"  # why: the store's reason, if any
    FILE_UNREADABLE = "file_unreadable"  # state: the store's
    FILE_SIZE = "file_size"  # registered, actual


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    where: Where
    reason: ChainBreak | Finding
    detail: dict[str, str | int] = field(default_factory=dict, hash=False)
    seq: int | None = None
    checkpoint_id: int | None = None
    sha256: str | None = None


@dataclass
class LedgerAudit:
    """Checks the ledger in one pass, fed in sequence order in batches of any size: the hash chain, the
    Merkle head at every checkpoint's size, and at the end the head row and the checkpoints' reach.

    ``chain_from``: entries up to this seq are only hashed into the tree, not chain-checked (taking a new
    checkpoint trusts the previous one, whose root must still match, and checks the chain after it)."""

    checkpoints: Sequence[Checkpoint]
    chain_from: int = 0
    problems: list[Problem] = field(default_factory=list)
    entries: int = 0
    _tree: TreeBuilder = field(default_factory=TreeBuilder)
    _prev_hash: str = GENESIS
    _next_seq: int = 1
    _chain_broken: bool = False
    _pending: list[Checkpoint] = field(default_factory=list)
    _last: LedgerEntry | None = None

    def __post_init__(self) -> None:
        self._pending = sorted(self.checkpoints, key=lambda c: (c.tree_size, c.id or 0))
        self._skip_empty_checkpoints()

    def _skip_empty_checkpoints(self) -> None:
        while self._pending and self._pending[0].tree_size <= self._tree.size:
            cp = self._pending.pop(0)
            if cp.tree_size < 1:
                self._checkpoint_problem(cp, Finding.BAD_SIZE)

    def feed(self, batch: Sequence[LedgerEntry]) -> None:
        if not batch:
            return
        trusted = [e for e in batch if e.seq <= self.chain_from]
        if trusted:
            self._prev_hash, self._next_seq = trusted[-1].entry_hash, trusted[-1].seq + 1
            batch_to_check: Sequence[LedgerEntry] = batch[len(trusted) :]
        else:
            batch_to_check = batch
        if batch_to_check and not self._chain_broken:
            broken = first_break(batch_to_check, prev_hash=self._prev_hash, first_seq=self._next_seq)
            if broken is not None:
                detail: dict[str, str | int] = (
                    {} if broken.expected is None else {"expected": broken.expected}
                )
                where = Where(Place.ENTRY, seq=broken.seq)
                self.problems.append(
                    Problem(ProblemKind.LEDGER, where, broken.reason, detail, seq=broken.seq)
                )
                self._chain_broken = True
            else:
                self._prev_hash, self._next_seq = batch[-1].entry_hash, batch[-1].seq + 1
        for entry in batch:
            self._tree.append(_hash_bytes(entry.entry_hash))
            self.entries += 1
            self._last = entry
            while self._pending and self._pending[0].tree_size == self._tree.size:
                self._check_at(self._pending.pop(0), entry)

    @property
    def root(self) -> str:
        """Hex tree head of the entries fed so far."""
        return self._tree.root().hex()

    @property
    def last(self) -> LedgerEntry | None:
        return self._last

    def _check_at(self, cp: Checkpoint, entry: LedgerEntry) -> None:
        if cp.root != self._tree.root().hex():
            self._checkpoint_problem(cp, Finding.ROOT_MISMATCH)
        elif cp.last_entry_hash != entry.entry_hash or cp.seq != entry.seq:
            self._checkpoint_problem(cp, Finding.LAST_ENTRY_MISMATCH)

    def _checkpoint_problem(self, cp: Checkpoint, reason: Finding, **detail: str | int) -> None:
        self.problems.append(
            Problem(ProblemKind.CHECKPOINT, checkpoint_place(cp), reason, detail, checkpoint_id=cp.id)
        )

    def finish(self, head_seq: int | None, head_hash: str | None) -> list[Problem]:
        """After the last batch: the head row must name the last entry; no checkpoint may reach further."""
        last_seq = self._last.seq if self._last else 0
        last_hash = self._last.entry_hash if self._last else GENESIS
        head = Where(Place.HEAD)
        if head_seq is None or head_hash is None:
            self.problems.append(Problem(ProblemKind.HEAD, head, Finding.HEAD_MISSING))
        elif head_seq != last_seq or head_hash != last_hash:
            self.problems.append(
                Problem(
                    ProblemKind.HEAD,
                    head,
                    Finding.HEAD_MISMATCH,
                    {"head_seq": head_seq, "last_seq": last_seq},
                    seq=last_seq + 1 if head_seq > last_seq else last_seq,
                )
            )
        for cp in self._pending:
            self._checkpoint_problem(cp, Finding.BEYOND_LEDGER, signed=cp.tree_size, entries=self.entries)
        self._pending = []
        return self.problems


def check_signatures(
    checkpoints: Iterable[Checkpoint],
    verifier: SignatureVerifier | None,
    timestamps: TimestampChecker | None,
) -> list[Problem]:
    """Every checkpoint's signature against the public keys kept outside the database; its RFC 3161
    token, when it has one."""
    problems: list[Problem] = []
    for cp in checkpoints:
        if verifier is None:
            problems.append(
                Problem(
                    ProblemKind.CHECKPOINT, checkpoint_place(cp), Finding.NO_PUBLIC_KEY, checkpoint_id=cp.id
                )
            )
            continue
        reason: Finding | None = None
        detail: dict[str, str | int] = {}
        if not verifier.knows(cp.key_id):
            reason, detail = Finding.UNKNOWN_KEY, {"key_id": cp.key_id}
        else:
            try:
                signature = bytes.fromhex(cp.signature)
            except ValueError:
                signature = b""
            if not verifier.verify(cp.key_id, statement(cp), signature):
                reason = Finding.BAD_SIGNATURE
        if reason is None and cp.tsa_token and timestamps is not None:
            bad = timestamps.check(cp.tsa_token, timestamped_message(cp))
            if bad is not None:
                reason, detail = Finding.BAD_TIMESTAMP, {"why": bad}
        if reason is not None:
            problems.append(
                Problem(ProblemKind.CHECKPOINT, checkpoint_place(cp), reason, detail, checkpoint_id=cp.id)
            )
    return problems


def _hash_bytes(entry_hash: str) -> bytes:
    try:
        return bytes.fromhex(entry_hash)
    except ValueError:
        return entry_hash.encode()  # a mangled hash still gets a (wrong) leaf: the root will not match


@dataclass(frozen=True)
class FileReference:
    """A stored file a database row names, and which row (``where``)."""

    sha256: str
    where: Where
    size: int | None = None  # of the original bytes, when the row records it


@dataclass(frozen=True)
class EvidenceClaim:
    """What an evidence row says it holds (the storage layer reads these for `verify`)."""

    where: Where  # Place.EVIDENCE
    stored: bool
    sha256: str | None
    size: int | None
    message_sha256: str


@dataclass
class EvidenceAttestations:
    """What the ledger attests of each piece of evidence (a row pointed at another intact file
    is found, not only a changed file). The `evidence.add` entry names the message's stored JSON
    (``message_sha256``: unique to one message) and, when the file was stored at intake, its digest and
    size; a file downloaded later is attested by an `evidence.file` entry. Fed in sequence order, like
    `LedgerAudit`."""

    added: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)
    filed: set[str] = field(default_factory=set)

    def feed(self, batch: Sequence[LedgerEntry]) -> None:
        for entry in batch:
            payload = entry.payload or {}
            if entry.action == "evidence.add" and isinstance(payload.get("message_sha256"), str):
                self.added.setdefault(payload["message_sha256"], (payload.get("sha256"), payload.get("size")))
            elif entry.action == "evidence.file" and isinstance(payload.get("sha256"), str):
                self.filed.add(payload["sha256"])

    def check(self, claims: Iterable[EvidenceClaim]) -> list[Problem]:
        problems: list[Problem] = []
        seen: set[str] = set()

        def problem(claim: EvidenceClaim, reason: Finding) -> None:
            problems.append(Problem(ProblemKind.EVIDENCE, claim.where, reason, sha256=claim.sha256))

        for claim in claims:
            attested = self.added.get(claim.message_sha256)
            if attested is None:
                problem(claim, Finding.NOT_ATTESTED)
                continue
            if claim.message_sha256 in seen:
                problem(claim, Finding.DUPLICATE_MESSAGE)
            seen.add(claim.message_sha256)
            if not claim.stored:
                continue
            sha256, size = attested
            if sha256 is not None and claim.sha256 != sha256:
                problem(claim, Finding.HASH_DIFFERS)
            elif sha256 is not None and size is not None and claim.size != size:
                problem(claim, Finding.SIZE_DIFFERS)
            elif sha256 is None and claim.sha256 not in self.filed:
                problem(claim, Finding.FILE_NOT_ATTESTED)
        return problems
