"""Signed checkpoints of the audit ledger and the pure checks of `liuhen verify`.

The rules keep records 全程留痕、永久存储、有据可查 (seed 003 §12, seed 004 §15). The hash chain
(``domain/ledger.py``) shows that no entry was changed in place; a *checkpoint* adds what a chain alone
cannot: a signed statement "the first N entries have Merkle tree head R" (RFC 6962, ``domain/merkle.py``),
signed with the deployment's Ed25519 key that lives outside the database. Someone who can write the
database can rewrite the whole chain consistently, or cut its tail, but cannot forge the signature.

Checkpoints chain to each other: each signs the tree size and root of the one before it (the first of a
deployment: the empty tree), so deleting one in the middle breaks the chain (``check_chain``). Deleting
the newest ones leaves a shorter, consistent chain: that is what the *signed head* kept outside the database
catches (``SignedHead``: the latest statement and its signature, in a file beside the data and wherever
copies of it are kept). Checkpoints signed before the chaining have no ``previous``; the chain starts at
the first one that has it.

Everything here is pure; signing and signature checks are ports (``CheckpointSigner``,
``SignatureVerifier``), implemented with ``cryptography`` in ``evidence/keys.py``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from liuhen.domain.ledger import GENESIS, ChainBreak, LedgerEntry, canonical_json, first_break
from liuhen.domain.merkle import EMPTY_ROOT, TreeBuilder

STATEMENT_TYPE = "liuhen.checkpoint"
STATEMENT_VERSION = 1
CHAINED_VERSION = 2  # the statement names the previous checkpoint
SIGNED_HEAD_FORMAT = "liuhen.signed-head"
EMPTY_TREE_ROOT = EMPTY_ROOT.hex()  # what the first chained checkpoint of a deployment names as previous


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
    # the checkpoint before this one (signed): None only in checkpoints signed before the chaining
    prev_tree_size: int | None = None
    prev_root: str | None = None

    @property
    def chained(self) -> bool:
        return self.prev_tree_size is not None or self.prev_root is not None


def statement(cp: Checkpoint) -> bytes:
    """The exact bytes signed: canonical JSON of everything a checkpoint asserts. A checkpoint from before
    the chaining keeps its version-1 statement (no ``previous``), so its signature still holds."""
    body: dict[str, object] = {
        "type": STATEMENT_TYPE,
        "v": STATEMENT_VERSION,
        "seq": cp.seq,
        "tree_size": cp.tree_size,
        "root": cp.root,
        "last_entry_hash": cp.last_entry_hash,
        "signed_at": cp.signed_at.isoformat(),
        "key_id": cp.key_id,
    }
    if cp.chained:
        body["v"] = CHAINED_VERSION
        body["previous"] = {"tree_size": cp.prev_tree_size, "root": cp.prev_root}
    return canonical_json(body)


def previous_of(last: Checkpoint | None) -> tuple[int, str]:
    """What a new checkpoint names as its previous: the latest checkpoint, or the empty tree."""
    return (0, EMPTY_TREE_ROOT) if last is None else (last.tree_size, last.root)


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
    SIGNED_HEAD = "signed_head"  # the signed head kept outside the database
    STATE = "state"  # a row is not what the ledger's seals say it holds (domain/seals.py)


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
    SIGNED_HEAD = "signed_head"  # the signed head file, covering entries 1 to ``tree_size`` (if read)
    # rows compared with their seals: ``number`` names the record (complaint, staff member, case), ``seq``
    # the evidence, decision, version or item within it
    RECORD = "record"
    EVIDENCE_ROW = "evidence_row"
    DECISION = "decision"
    VERSION = "version"
    STAFF = "staff"
    COMPLAINT = "complaint"
    COMPLAINT_ROW = "complaint_row"
    CASE_ZERO = "case_zero"


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
    FILE_NOT_A_DIGEST = "file_not_a_digest"  # the row names no SHA-256 at all (edited by hand)
    ROW_MISSING = "row_missing"  # the ledger took evidence in (entry ``seq``) and no row holds it now
    PREVIOUS_MISSING = "previous_missing"  # the chain: expected (size), found (the one before, or 0)
    PREVIOUS_DIFFERS = "previous_differs"  # the one before has the size named, another root
    HEAD_FILE_UNREADABLE = "head_file_unreadable"  # why
    CHECKPOINT_DELETED = "checkpoint_deleted"  # the signed head's checkpoint is not in the database
    FIELD_CHANGED = "field_changed"  # field: the column; entry: the seal that says otherwise
    NOT_SEALED = "not_sealed"  # a row no seal names
    SEALED_ROW_GONE = "sealed_row_gone"  # object, id: a sealed row no longer in the database


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
    checkpoint trusts the previous one, whose root must still match, and checks the chain after it).
    ``signed_head``: the signed head kept outside the database, checked like a checkpoint (its root over
    the first entries; reaching beyond the ledger: the ledger was cut or rewound below it)."""

    checkpoints: Sequence[Checkpoint]
    chain_from: int = 0
    signed_head: Checkpoint | None = None
    problems: list[Problem] = field(default_factory=list)
    entries: int = 0
    _tree: TreeBuilder = field(default_factory=TreeBuilder)
    _prev_hash: str = GENESIS
    _next_seq: int = 1
    _chain_broken: bool = False
    _pending: list[Checkpoint] = field(default_factory=list)
    _last: LedgerEntry | None = None

    def __post_init__(self) -> None:
        heads = [self.signed_head] if self.signed_head is not None else []
        self._pending = sorted([*self.checkpoints, *heads], key=lambda c: (c.tree_size, c.id or 0))
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
        if cp is self.signed_head:
            self.problems.append(Problem(ProblemKind.SIGNED_HEAD, head_place(cp), reason, detail))
            return
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


def _signature_finding(
    cp: Checkpoint, verifier: SignatureVerifier | None, timestamps: TimestampChecker | None
) -> tuple[Finding, dict[str, str | int]] | None:
    if verifier is None:
        return Finding.NO_PUBLIC_KEY, {}
    if not verifier.knows(cp.key_id):
        return Finding.UNKNOWN_KEY, {"key_id": cp.key_id}
    try:
        signature = bytes.fromhex(cp.signature)
    except ValueError:
        signature = b""
    if not verifier.verify(cp.key_id, statement(cp), signature):
        return Finding.BAD_SIGNATURE, {}
    if cp.tsa_token and timestamps is not None:
        bad = timestamps.check(cp.tsa_token, timestamped_message(cp))
        if bad is not None:
            return Finding.BAD_TIMESTAMP, {"why": bad}
    return None


def check_signatures(
    checkpoints: Iterable[Checkpoint],
    verifier: SignatureVerifier | None,
    timestamps: TimestampChecker | None,
) -> list[Problem]:
    """Every checkpoint's signature against the public keys kept outside the database; its RFC 3161
    token, when it has one."""
    problems: list[Problem] = []
    for cp in checkpoints:
        found = _signature_finding(cp, verifier, timestamps)
        if found is not None:
            reason, detail = found
            problems.append(
                Problem(ProblemKind.CHECKPOINT, checkpoint_place(cp), reason, detail, checkpoint_id=cp.id)
            )
    return problems


def check_chain(checkpoints: Iterable[Checkpoint]) -> list[Problem]:
    """Each chained checkpoint must name the one just before it (by tree size, then id) — the empty tree
    when it is the first: a checkpoint deleted in the middle, or altered, breaks the chain. Checkpoints
    from before the chaining are not checked themselves; the first chained one names the last of them."""
    problems: list[Problem] = []
    before: Checkpoint | None = None
    for cp in sorted(checkpoints, key=lambda c: (c.tree_size, c.id or 0)):
        if cp.chained:
            size, root = previous_of(before)
            detail: dict[str, str | int] = {"expected": cp.prev_tree_size or 0, "found": size}
            reason: Finding | None = None
            if cp.prev_tree_size != size:
                reason = Finding.PREVIOUS_MISSING
            elif cp.prev_root != root:
                reason = Finding.PREVIOUS_DIFFERS
            if reason is not None:
                problems.append(
                    Problem(ProblemKind.CHECKPOINT, checkpoint_place(cp), reason, detail, checkpoint_id=cp.id)
                )
        before = cp
    return problems


# --- the signed head, kept outside the database -------------------------------------------------------------


def head_place(cp: Checkpoint | None) -> Where:
    return Where(Place.SIGNED_HEAD, tree_size=cp.tree_size if cp is not None else None)


class HeadFileDefect(enum.StrEnum):
    MISSING = "missing"
    UNREADABLE = "unreadable"  # the file system's error
    NOT_JSON = "not_json"
    WRONG_FORMAT = "wrong_format"
    BAD_STATEMENT = "bad_statement"  # not a checkpoint statement, or not in its canonical form


class SignedHeadUnreadable(Exception):
    def __init__(self, defect: HeadFileDefect, why: str = "") -> None:
        super().__init__(f"{defect.value}: {why}" if why else defect.value)
        self.defect = defect
        self.why = why


def signed_head_document(cp: Checkpoint) -> bytes:
    """The signed head as it is kept outside the database: the exact statement signed, its signature and
    timestamp. Anyone with the public key can check it; nobody without the private key can make one."""
    doc: dict[str, object] = {
        "format": SIGNED_HEAD_FORMAT,
        "statement": statement(cp).decode(),
        "signature": cp.signature,
        "checkpoint_id": cp.id,
    }
    if cp.tsa_token:
        doc["tsa_token"] = cp.tsa_token
        doc["tsa_at"] = cp.tsa_at.isoformat() if cp.tsa_at else None
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"


def parse_signed_head(data: bytes) -> Checkpoint:
    """The checkpoint a signed head document states (its signature is not checked here); raises
    SignedHeadUnreadable."""
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise SignedHeadUnreadable(HeadFileDefect.NOT_JSON, str(exc)) from None
    if not isinstance(doc, dict) or doc.get("format") != SIGNED_HEAD_FORMAT:
        raise SignedHeadUnreadable(HeadFileDefect.WRONG_FORMAT)
    text, signature = doc.get("statement"), doc.get("signature")
    try:
        if not isinstance(text, str) or not isinstance(signature, str):
            raise TypeError("statement and signature must be strings")
        body = json.loads(text)
        previous = body.get("previous")
        cp = Checkpoint(
            seq=int(body["seq"]),
            tree_size=int(body["tree_size"]),
            root=str(body["root"]),
            last_entry_hash=str(body["last_entry_hash"]),
            signed_at=datetime.fromisoformat(body["signed_at"]),
            key_id=str(body["key_id"]),
            signature=signature,
            prev_tree_size=int(previous["tree_size"]) if previous is not None else None,
            prev_root=str(previous["root"]) if previous is not None else None,
        )
        tsa_token, tsa_at = doc.get("tsa_token"), doc.get("tsa_at")
        if isinstance(tsa_token, str):
            cp.tsa_token = tsa_token
            cp.tsa_at = datetime.fromisoformat(tsa_at) if isinstance(tsa_at, str) else None
        if body.get("type") != STATEMENT_TYPE or statement(cp) != text.encode():
            raise ValueError("not the canonical statement")
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise SignedHeadUnreadable(HeadFileDefect.BAD_STATEMENT, str(exc)) from None
    return cp


def check_signed_head(
    head: Checkpoint,
    checkpoints: Iterable[Checkpoint],
    verifier: SignatureVerifier | None,
    timestamps: TimestampChecker | None,
) -> list[Problem]:
    """The signed head's signature, and its checkpoint still in the database (checkpoints are never
    deleted: one missing was removed, the newest ones too). Its root against the ledger is
    ``LedgerAudit``'s."""
    if bad := check_head_signature(head, verifier, timestamps):
        return bad
    signed = statement(head)
    cps = list(checkpoints)
    if any(cp.signature == head.signature and statement(cp) == signed for cp in cps):
        return []
    latest = max((cp.tree_size for cp in cps), default=0)
    detail: dict[str, str | int] = {"signed": head.tree_size, "latest": latest}
    return [Problem(ProblemKind.SIGNED_HEAD, head_place(head), Finding.CHECKPOINT_DELETED, detail)]


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
    `LedgerAudit`. Evidence rows are never deleted: a piece the ledger took in with no row now was
    removed (its row, and perhaps its files with it)."""

    added: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)
    filed: set[str] = field(default_factory=set)
    added_in: dict[str, int] = field(default_factory=dict)  # message_sha256: the entry's seq

    def feed(self, batch: Sequence[LedgerEntry]) -> None:
        for entry in batch:
            payload = entry.payload or {}
            if entry.action == "evidence.add" and isinstance(payload.get("message_sha256"), str):
                self.added.setdefault(payload["message_sha256"], (payload.get("sha256"), payload.get("size")))
                self.added_in.setdefault(payload["message_sha256"], entry.seq)
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
        for message, seq in self.added_in.items():
            if message not in seen:
                where = Where(Place.ENTRY, seq=seq)
                problems.append(Problem(ProblemKind.EVIDENCE, where, Finding.ROW_MISSING, seq=seq))
        return problems


def check_head_signature(
    head: Checkpoint, verifier: SignatureVerifier | None, timestamps: TimestampChecker | None
) -> list[Problem]:
    found = _signature_finding(head, verifier, timestamps)
    return [] if found is None else [Problem(ProblemKind.SIGNED_HEAD, head_place(head), *found)]


def head_outruns(head: Checkpoint, last: Checkpoint | None) -> Problem | None:
    """Before a new checkpoint is signed: the latest checkpoint in the database must reach at least as far
    as the signed head (otherwise the newest checkpoints were deleted, and signing now would hide it)."""
    latest = last.tree_size if last is not None else 0
    if latest >= head.tree_size:
        return None
    detail: dict[str, str | int] = {"signed": head.tree_size, "latest": latest}
    return Problem(ProblemKind.SIGNED_HEAD, head_place(head), Finding.CHECKPOINT_DELETED, detail)
