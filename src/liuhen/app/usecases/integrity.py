"""Ledger checkpoints and `liuhen verify` (seed 003 §12, seed 004 §15: 全程留痕、永久存储、有据可查).

``take_checkpoint`` signs the Merkle tree head of the whole ledger (daily and at shutdown by the bot, and
by `liuhen checkpoint`), after checking the chain since the previous checkpoint and that the previous
checkpoint's root still holds: nothing broken is ever signed.

``verify`` proves the whole history and every file: the hash chain from the first entry, the head row, every
checkpoint (root against the first N entries, signature against public keys kept outside the database, its
RFC 3161 timestamp), and every stored file — decrypted and re-hashed — that a row refers to, plus any other
file in the store. A tail cut after the last checkpoint shows in the head row; one before it in the
checkpoints. Checkpoints chain (each signs the one before), so one deleted in the middle shows; the newest
ones deleted together with a cut tail and a rewound head show against the *signed head* kept outside the
database (``signed_head``): the ledger must still extend it, and its checkpoint must still be there.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from liuhen.app.ports import UnitOfWork
from liuhen.domain.checkpoints import (
    Checkpoint,
    CheckpointSigner,
    EvidenceAttestations,
    FileReference,
    Finding,
    LedgerAudit,
    Place,
    Problem,
    ProblemKind,
    SignatureVerifier,
    TimestampChecker,
    Timestamper,
    TimestampUnavailable,
    Where,
    check_chain,
    check_head_signature,
    check_signatures,
    check_signed_head,
    head_outruns,
    previous_of,
    statement,
    timestamped_message,
)
from liuhen.domain.clock import Clock
from liuhen.domain.model import Role
from liuhen.domain.seals import Difference, Mismatch, SealAudit, differences
from liuhen.domain.seals import Kind as SealKind

BATCH = 5_000
FILE_CONCURRENCY = 4


class Progress(Protocol):
    def __call__(self, phase: str, done: int, total: int | None) -> None: ...


def _no_progress(phase: str, done: int, total: int | None) -> None:
    return None


async def _audit_ledger(
    uow: UnitOfWork,
    audit: LedgerAudit,
    upto: int | None,
    total: int,
    progress: Progress,
    phase: str,
    attestations: EvidenceAttestations | None = None,
    seals: SealAudit | None = None,
) -> None:
    """Feed the entries up to seq ``upto`` (all of them when None) to the audit, in batches."""
    after = 0
    while upto is None or after < upto:
        batch = [
            e for e in await uow.ledger.entries(after=after, limit=BATCH) if upto is None or e.seq <= upto
        ]
        if not batch:
            break
        audit.feed(batch)
        if attestations is not None:
            attestations.feed(batch)
        if seals is not None:
            seals.feed(batch)
        after = batch[-1].seq
        progress(phase, audit.entries, total)


# --- checkpoints ------------------------------------------------------------------------------------------


class LedgerBroken(Exception):
    """The ledger does not verify: no checkpoint is signed over it (run `liuhen verify`). ``problem`` is the
    first thing found."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.reason.value)
        self.problem = problem


@dataclass(frozen=True)
class CheckpointResult:
    checkpoint: Checkpoint | None  # None: nothing was taken (see ``skipped``)
    skipped: str | None = None  # "empty" | "unchanged" | "recent" | "raced"
    timestamp_error: str | None = None  # the TSA failed; the checkpoint was kept without a token
    head_file_error: str | None = None  # the signed head could not be written beside the data


async def take_checkpoint(
    reader: UnitOfWork,
    writer: UnitOfWork,
    *,
    signer: CheckpointSigner,
    clock: Clock,
    timestamper: Timestamper | None = None,
    keys: SignatureVerifier | None = None,
    min_interval: timedelta | None = None,
    force: bool = False,
    progress: Progress = _no_progress,
    signed_head: Checkpoint | None = None,
) -> CheckpointResult:
    """Sign the tree head of the ledger as it stands. Skipped when nothing was appended since the last
    checkpoint (unless ``force``) or the last one is younger than ``min_interval`` (the daily job).
    ``reader`` is a read-only unit of work (a long read must not hold the write lock). The previous
    checkpoint is trusted for the entries it covers only if its signature holds under ``keys``.
    ``signed_head`` (the one kept outside the database, when there is one): the ledger must still extend it
    and the latest checkpoint reach it, or nothing is signed — a new checkpoint over a cut ledger would
    otherwise replace the head that shows the cut."""
    now = clock.now()
    async with reader:
        head = await reader.ledger.head()
        last = await reader.integrity.latest_checkpoint()
        if head is None or head[0] < 1:
            return CheckpointResult(None, "empty")
        if last is not None and not force:
            if last.tree_size >= head[0]:
                return CheckpointResult(None, "unchanged")
            if min_interval is not None and now - last.signed_at < min_interval:
                return CheckpointResult(None, "recent")
        if last is not None and keys is not None and (forged := check_signatures([last], keys, None)):
            raise LedgerBroken(forged[0])
        if signed_head is not None:
            if keys is not None and (forged := check_head_signature(signed_head, keys, None)):
                raise LedgerBroken(forged[0])
            if (deleted := head_outruns(signed_head, last)) is not None:
                raise LedgerBroken(deleted)
        audit = LedgerAudit(
            [last] if last else [], chain_from=last.tree_size if last else 0, signed_head=signed_head
        )
        await _audit_ledger(reader, audit, head[0], head[0], progress, "checkpoint")
        problems = audit.finish(*head)
    if problems:
        raise LedgerBroken(problems[0])
    prev_tree_size, prev_root = previous_of(last)
    assert audit.last is not None
    cp = Checkpoint(
        seq=audit.last.seq,
        tree_size=audit.entries,
        root=audit.root,
        last_entry_hash=audit.last.entry_hash,
        signed_at=now,
        key_id=signer.key_id,
        signature="",
        prev_tree_size=prev_tree_size,
        prev_root=prev_root,
    )
    cp.signature = signer.sign(statement(cp)).hex()
    timestamp_error = None
    if timestamper is not None:
        try:
            cp.tsa_token, cp.tsa_at = await timestamper.stamp(timestamped_message(cp))
        except TimestampUnavailable as exc:
            timestamp_error = str(exc)
    async with writer:
        # another signer (the bot's job, `liuhen checkpoint`) may have added one meanwhile: two naming the
        # same previous would break the chain, so this one is dropped — the other covers the ledger too
        latest = await writer.integrity.latest_checkpoint()
        if (latest.id if latest else None) != (last.id if last else None):
            return CheckpointResult(None, "raced")
        await writer.integrity.add_checkpoint(cp)
        await writer.commit()
    return CheckpointResult(cp, timestamp_error=timestamp_error)


# --- verify -----------------------------------------------------------------------------------------------


class BlobCheck(Protocol):
    @property
    def state(self) -> str: ...  # "ok" | "missing" | "corrupt" | "no_key"
    @property
    def size(self) -> int | None: ...
    @property
    def error(self) -> str | None: ...


class FileChecker(Protocol):
    """The evidence store, as verify sees it (``FileEvidenceStore``)."""

    async def verify(self, sha256: str) -> BlobCheck: ...
    async def digests(self) -> list[str]: ...


class VerifyNote(enum.StrEnum):
    """Not a problem, but worth knowing after a verify."""

    NO_CHECKPOINT = "no_checkpoint"  # nothing was ever signed
    UNSIGNED_TAIL = "unsigned_tail"  # entries after the latest checkpoint (``entries - covered``)
    NO_SIGNED_HEAD = "no_signed_head"  # checkpoints, and no signed head file where it is kept by default
    UNREFERENCED = "unreferenced"  # stored files no row names (``VerifyReport.unreferenced``)


@dataclass
class VerifyReport:
    entries: int = 0
    head_seq: int | None = None
    checkpoints: int = 0
    covered: int = 0  # entries covered by the latest checkpoint
    timestamped: int = 0
    files: int = 0
    referenced: int = 0
    rows: int = 0  # sealed rows compared with the ledger's seals
    unreferenced: list[str] = field(default_factory=list)  # digests of stored files no row names
    signed_head: int | None = None  # the tree size of the signed head checked against (when one was)
    head_file: str | None = None  # where it was read
    problems: list[Problem] = field(default_factory=list)
    notes: list[VerifyNote] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None


@dataclass(frozen=True)
class _NotADigest:
    state: str = "not_a_digest"
    size: int | None = None
    error: str | None = None


_FILE_FINDINGS = {
    "not_a_digest": Finding.FILE_NOT_A_DIGEST,
    "missing": Finding.FILE_MISSING,
    "corrupt": Finding.FILE_CORRUPT,
    "no_key": Finding.FILE_NO_KEY,
}


async def verify(
    uow: UnitOfWork,
    *,
    files: FileChecker,
    keys: SignatureVerifier | None,
    timestamps: TimestampChecker | None = None,
    progress: Progress = _no_progress,
    signed_head: Checkpoint | None = None,
) -> VerifyReport:
    """Check everything; the report lists every problem, the first broken entry or file first.
    ``signed_head``: a signed head kept outside the database, which the ledger must still extend."""
    report = VerifyReport()
    async with uow:
        head = await uow.ledger.head()
        checkpoints = list(await uow.integrity.checkpoints())
        refs = list(await uow.integrity.file_references())
        audit, attested = LedgerAudit(checkpoints, signed_head=signed_head), EvidenceAttestations()
        sealed = SealAudit()
        report.head_seq = head[0] if head else None
        # every entry, past the head too: entries beyond a rewound head must be seen
        await _audit_ledger(uow, audit, None, head[0] if head else 0, progress, "ledger", attested, sealed)
        ledger_problems = audit.finish(*(head or (None, None)))
        # the rows against the entries that took them in and the seals that say what they hold now (only
        # once the ledger itself holds: a broken ledger says nothing trustworthy of the rows)
        evidence_problems: list[Problem] = []
        if not ledger_problems:
            evidence_problems = attested.check(await uow.integrity.evidence_claims())
            evidence_problems += await _check_rows(uow, sealed, report, progress)
    report.entries = audit.entries
    report.checkpoints = len(checkpoints)
    report.covered = max((c.tree_size for c in checkpoints), default=0)
    report.timestamped = sum(1 for c in checkpoints if c.tsa_token)
    report.problems += ledger_problems
    report.problems += evidence_problems
    report.problems += check_signatures(checkpoints, keys, timestamps)
    report.problems += check_chain(checkpoints)
    if signed_head is not None:
        report.signed_head = signed_head.tree_size
        report.problems += check_signed_head(signed_head, checkpoints, keys, timestamps)
    report.problems += await _check_files(refs, files, report, progress)
    if not checkpoints:
        report.notes.append(VerifyNote.NO_CHECKPOINT)
    elif report.covered < report.entries:
        report.notes.append(VerifyNote.UNSIGNED_TAIL)
    return report


_PLACE_OF: dict[SealKind, Place] = {
    SealKind.RECORD: Place.RECORD,
    SealKind.EVIDENCE: Place.EVIDENCE_ROW,
    SealKind.DECISION: Place.DECISION,
    SealKind.VERSION: Place.VERSION,
    SealKind.STAFF: Place.STAFF,
    SealKind.COMPLAINT: Place.COMPLAINT,
    SealKind.COMPLAINT_ITEM: Place.COMPLAINT_ROW,
    SealKind.CASE_ZERO: Place.CASE_ZERO,
}
_FINDING_OF = {
    Difference.FIELD: Finding.FIELD_CHANGED,
    Difference.UNSEALED: Finding.NOT_SEALED,
    Difference.GONE: Finding.SEALED_ROW_GONE,
}


def _state_problem(m: Mismatch) -> Problem:
    if m.difference is Difference.GONE:
        where = Where(Place.ENTRY, seq=m.entry)
        detail: dict[str, str | int] = {"object": m.kind.value, "id": m.object_id}
    else:
        seq = m.label.get("seq")
        where = Where(
            _PLACE_OF[m.kind],
            str(m.label.get("number") or m.object_id),
            seq if isinstance(seq, int) else None,
        )
        detail = {"object": m.kind.value, "id": m.object_id}
        if m.column is not None:
            detail["field"] = m.column
        if m.entry is not None:
            detail["entry"] = m.entry
    return Problem(ProblemKind.STATE, where, _FINDING_OF[m.difference], detail, seq=m.entry)


async def _check_rows(
    uow: UnitOfWork, sealed: SealAudit, report: VerifyReport, progress: Progress
) -> list[Problem]:
    """Every sealed row against its latest seal; sealed rows no longer there (domain/seals.py)."""
    found: list[Mismatch] = []
    for kind in SealKind:
        async for rows in uow.integrity.sealed_rows(kind):
            differ, unsealed = sealed.suspects(rows)
            found += unsealed
            for row, seq in differ:
                entry = (await uow.ledger.entries(after=seq - 1, limit=1))[0]
                found += differences(row, entry)
            report.rows += len(rows)
            progress("rows", report.rows, None)
    found += sealed.gone()
    return [_state_problem(m) for m in found]


async def _check_files(
    refs: Sequence[FileReference], files: FileChecker, report: VerifyReport, progress: Progress
) -> list[Problem]:
    by_digest: dict[str, list[FileReference]] = {}
    for ref in refs:
        by_digest.setdefault(ref.sha256, []).append(ref)
    stored = await files.digests()
    order = list(by_digest) + sorted(set(stored) - set(by_digest))
    report.referenced, report.files = len(by_digest), len(order)
    report.unreferenced = order[len(by_digest) :]
    if report.unreferenced:
        report.notes.append(VerifyNote.UNREFERENCED)
    results: dict[str, BlobCheck] = {}
    gate = asyncio.Semaphore(FILE_CONCURRENCY)
    done = 0

    async def check(digest: str) -> None:
        nonlocal done
        async with gate:
            try:
                results[digest] = await files.verify(digest)
            except ValueError:  # not a digest at all: the row was edited by hand
                results[digest] = _NotADigest()
        done += 1
        progress("files", done, len(order))

    await asyncio.gather(*(check(d) for d in order))
    problems: list[Problem] = []
    for digest in order:
        result = results[digest]
        where = (
            by_digest[digest][0].where if digest in by_digest else Where(Place.UNREFERENCED, sha256=digest)
        )
        if result.state != "ok":
            reason = _FILE_FINDINGS.get(result.state, Finding.FILE_UNREADABLE)
            detail: dict[str, str | int] = {"state": result.state}
            if result.error and result.state == "no_key":
                detail["why"] = result.error
            problems.append(Problem(ProblemKind.FILE, where, reason, detail, sha256=digest))
            continue
        for ref in by_digest.get(digest, []):
            if ref.size is not None and result.size is not None and ref.size != result.size:
                sizes: dict[str, str | int] = {"registered": ref.size, "actual": result.size}
                problems.append(Problem(ProblemKind.FILE, ref.where, Finding.FILE_SIZE, sizes, sha256=digest))
    return problems


# --- the signed head, sent where the operator cannot reach it ----------------------------------------------

HEAD_NOTICE = "signed-head:"


@dataclass(frozen=True)
class HeadCopy:
    """One discipline officer to be sent the latest signed head (``key``: its notice, claimed once)."""

    key: str
    staff_pk: int
    chat_id: int
    checkpoint: Checkpoint


async def head_copies_due(uow: UnitOfWork, *, wecom: bool = False) -> list[HeadCopy]:
    """The latest checkpoint's signed head for every enrolled, active discipline officer of the deployment
    who has not been sent it: a copy of what was signed that lives in their chat, out of the server
    operator's reach (seed 003 §12: 全程留痕; seed 004 §15). Each copy is claimed once, so a restart
    resends nothing; a checkpoint taken by `liuhen checkpoint` goes out at the bot's next run. Each chat
    door sends the copies of the officers it reaches (``wecom``: WeCom's)."""
    async with uow:
        latest = await uow.integrity.latest_checkpoint()
        if latest is None:
            return []
        due: list[HeadCopy] = []
        for court in await uow.courts.list():
            if court.id is None:
                continue
            for person in await uow.staff.list(court.id):
                chat = person.chat_id
                if (
                    person.role is not Role.DISCIPLINE
                    or not person.active
                    or chat is None
                    or (chat < 0) != wecom
                ):
                    continue
                assert person.id is not None
                key = f"{HEAD_NOTICE}{latest.tree_size}:{person.id}"
                if await uow.notices.claim(key, chat):
                    due.append(HeadCopy(key, person.id, chat, latest))
        await uow.commit()
    return due


async def head_copy_sent(uow: UnitOfWork, copy: HeadCopy) -> None:
    async with uow:
        await uow.notices.mark_sent(copy.key)
        await uow.ledger.append(
            actor="system",
            action="signed_head.sent",
            object_type="checkpoint",
            object_id=str(copy.checkpoint.tree_size),
            payload={"staff": copy.staff_pk, "root": copy.checkpoint.root},
        )
        await uow.commit()
