"""Integrity wired together for the bot and the CLI: key files, signed checkpoints, trusted timestamps.

Settings say where the keys are (``LIUHEN_KEY_DIR``, ``LIUHEN_EVIDENCE_KEY_FILE``) and whether a timestamp
authority is used (``LIUHEN_TSA_URL``, ``LIUHEN_TSA_CA_FILE``); the use cases are in
``app/usecases/integrity.py``.

After every checkpoint the signed head (the statement and its signature) is also written beside the data,
``<data dir>/signed-head.json``, durably (``evidence/durable.py``): a copy of what was signed that does not
live in the database, so that deleting the newest checkpoints together with the ledger's tail is seen
(seed 003 §12, seed 004 §15: 全程留痕、永久存储、有据可查). Copies kept elsewhere (`verify --against`)
protect against whoever can also replace that file.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import structlog

from liuhen.app.runtime import Runtime
from liuhen.app.settings import SIGNED_HEAD_FILE, Settings
from liuhen.app.usecases import integrity
from liuhen.app.usecases.integrity import (
    CheckpointResult,
    LedgerBroken,
    Progress,
    VerifyNote,
    VerifyReport,
)
from liuhen.domain.checkpoints import (
    Checkpoint,
    Finding,
    HeadFileDefect,
    Problem,
    ProblemKind,
    SignedHeadUnreadable,
    Timestamper,
    head_place,
    parse_signed_head,
    signed_head_document,
)
from liuhen.domain.clock import Clock
from liuhen.evidence import durable
from liuhen.evidence.keys import (
    Ed25519Signer,
    KeyFileError,
    PublicKeys,
    create_keyring,
    create_signer,
    load_signer,
    read_keyring,
)
from liuhen.evidence.store import FileEvidenceStore
from liuhen.evidence.timestamp import TimestampVerifier, TsaClient, load_certificates

log = structlog.get_logger(__name__)
_warned: set[Path] = set()


class KeyProblem(enum.StrEnum):
    KEYRING_LOST = "keyring_lost"  # `init`: encrypted evidence, and the keyring is not where it should be
    KEYRING_NEEDED = "keyring_needed"  # `run`: encrypted evidence, and no keyring to read it with
    NO_SIGNING_KEY = "no_signing_key"  # a checkpoint, and no signing key in the key directory


class KeysMissing(KeyFileError):
    """A key the command needs is not there: ``problem``, and where it was looked for (``path``)."""

    def __init__(self, problem: KeyProblem, path: Path) -> None:
        super().__init__(f"{problem.value}: {path}")
        self.problem = problem
        self.path = path


@dataclass(frozen=True)
class Keys:
    signer: Ed25519Signer
    signer_created: bool
    keyring_path: Path
    keyring_created: bool
    key_dir: Path
    inside_data_dir: bool  # fine for trying out; in production keep the keys on another disk


def _inside(path: Path, parent: Path) -> bool:
    return path.resolve().is_relative_to(parent.resolve())


def encrypted_file_exists(store: FileEvidenceStore) -> bool:
    for digest in store.iter_all():
        try:
            if store.key_id_of(digest) is not None:
                return True
        except FileNotFoundError:
            continue
    return False


async def ensure_keys(settings: Settings, clock: Clock) -> Keys:
    """`liuhen init`: the checkpoint signing key and the evidence keyring, each created if absent (never
    replaced). Refuses to create a new keyring when the store already holds files encrypted under a
    keyring that is missing: they would be unreadable; the old keyring must be put back."""
    signer, signer_created = create_signer(settings.keys_path)
    ring_path = settings.evidence_keyring_path
    if read_keyring(ring_path) is None:
        store = FileEvidenceStore(settings.data_dir / "evidence")
        if await asyncio.to_thread(encrypted_file_exists, store):
            raise KeysMissing(KeyProblem.KEYRING_LOST, ring_path)
    _, keyring_created = create_keyring(ring_path, clock.now())
    return Keys(
        signer,
        signer_created,
        ring_path,
        keyring_created,
        settings.keys_path,
        _inside(settings.keys_path, settings.data_dir) or _inside(ring_path, settings.data_dir),
    )


def missing_keyring_problem(rt: Runtime) -> KeysMissing | None:
    """A reason not to run: encrypted evidence and no keyring to read it with."""
    if rt.store.keyring is None and encrypted_file_exists(rt.store):
        return KeysMissing(KeyProblem.KEYRING_NEEDED, rt.settings.evidence_keyring_path)
    return None


def public_keys(settings: Settings, files: list[Path] | None = None) -> PublicKeys | None:
    """The keys verify trusts: the files given (an auditor's own copies), else the key directory's."""
    keys = PublicKeys.from_files(files) if files else PublicKeys.from_dir(settings.keys_path)
    return keys if keys else None


def timestamper(settings: Settings) -> Timestamper | None:
    if not settings.tsa_url:
        return None
    roots = load_certificates(settings.tsa_ca_file) if settings.tsa_ca_file else []
    return TsaClient(settings.tsa_url, roots=roots)


def timestamp_checker(settings: Settings) -> TimestampVerifier:
    return TimestampVerifier(load_certificates(settings.tsa_ca_file) if settings.tsa_ca_file else [])


def signed_head_path(settings: Settings) -> Path:
    """Where the latest signed head is kept beside the data."""
    return settings.data_dir / SIGNED_HEAD_FILE


def read_signed_head(path: Path) -> Checkpoint:
    """The checkpoint a signed head file states (not yet checked); raises SignedHeadUnreadable."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SignedHeadUnreadable(HeadFileDefect.MISSING, str(path)) from None
    except OSError as exc:
        raise SignedHeadUnreadable(HeadFileDefect.UNREADABLE, str(exc)) from None
    return parse_signed_head(data)


def write_signed_head(path: Path, checkpoint: Checkpoint) -> None:
    """Replace the signed head file atomically and durably (readable by all: it holds nothing secret)."""
    durable.write_file(path, signed_head_document(checkpoint), mode=0o644)


def unreadable_head(exc: SignedHeadUnreadable) -> Problem:
    detail: dict[str, str | int] = {"defect": exc.defect.value, "why": exc.why}
    return Problem(ProblemKind.SIGNED_HEAD, head_place(None), Finding.HEAD_FILE_UNREADABLE, detail)


async def take_checkpoint(
    rt: Runtime,
    *,
    force: bool = False,
    min_interval: timedelta | None = None,
    progress: Progress | None = None,
) -> CheckpointResult:
    """Sign a checkpoint now, then write it as the signed head beside the data. Raises KeyFileError without a
    signing key, LedgerBroken over a broken ledger — or one that no longer extends the signed head file,
    or when that file cannot be read (nothing is signed over what may be a cut ledger)."""
    signer = load_signer(rt.settings.keys_path)
    if signer is None:
        raise KeysMissing(KeyProblem.NO_SIGNING_KEY, rt.settings.keys_path)
    path = signed_head_path(rt.settings)
    signed_head: Checkpoint | None = None
    try:
        signed_head = await asyncio.to_thread(read_signed_head, path)
    except SignedHeadUnreadable as exc:
        if exc.defect is not HeadFileDefect.MISSING:
            raise LedgerBroken(unreadable_head(exc)) from None
    extra = {"progress": progress} if progress is not None else {}
    result = await integrity.take_checkpoint(
        rt.db.uow(read_only=True),
        rt.db.uow(),
        signer=signer,
        clock=rt.clock,
        timestamper=timestamper(rt.settings),
        keys=public_keys(rt.settings),
        min_interval=min_interval,
        force=force,
        signed_head=signed_head,
        **extra,
    )
    if result.checkpoint is not None:  # after the row is committed: the file never names a missing row
        try:
            await asyncio.to_thread(write_signed_head, path, result.checkpoint)
        except OSError as exc:
            result = dataclasses.replace(result, head_file_error=str(exc))
    return result


async def scheduled_checkpoint(rt: Runtime, *, at_shutdown: bool = False) -> None:
    """The bot's daily checkpoint (when the last is older than ``LIUHEN_CHECKPOINT_SECONDS``) and the one at
    shutdown (whenever entries were appended since the last). Never raises: the bot keeps serving."""
    interval = None if at_shutdown else timedelta(seconds=rt.settings.checkpoint_seconds)
    try:
        result = await take_checkpoint(rt, min_interval=interval)
        if result.checkpoint is not None:
            cp = result.checkpoint
            log.info("checkpoint", tree_size=cp.tree_size, key_id=cp.key_id, timestamped=bool(cp.tsa_token))
        if result.timestamp_error:
            log.warning("checkpoint_timestamp_failed", error=result.timestamp_error)
        if result.head_file_error:
            log.error("signed_head_not_written", error=result.head_file_error)
    except KeyFileError as exc:
        if rt.settings.keys_path not in _warned:  # once per process, not every run of the job
            _warned.add(rt.settings.keys_path)
            log.warning("checkpoint_skipped", reason=str(exc))
    except LedgerBroken as exc:
        where = exc.problem.where
        log.error("ledger_broken", problem=exc.problem.reason.value, place=where.place.value, seq=where.seq)
    except Exception as exc:  # a failed checkpoint must not stop the bot; it is tried again
        log.error("checkpoint_failed", error=repr(exc))


async def run_verify(
    rt: Runtime,
    *,
    actor: str,
    public_key_files: list[Path] | None = None,
    progress: Progress | None = None,
    record: bool = False,
    against: Path | None = None,
) -> VerifyReport:
    """`liuhen verify` (and the demo page's button): check everything. Verifying changes nothing: only
    when asked (``record``) is the run itself appended to the ledger (it read every evidence file).
    ``against``: a signed head file the ledger must still extend (raises SignedHeadUnreadable when it
    cannot be read); without it, the one beside the data when it exists (unreadable: a problem)."""
    extra = {"progress": progress} if progress is not None else {}
    path = against or signed_head_path(rt.settings)
    signed_head: Checkpoint | None = None
    unreadable: Problem | None = None
    try:
        signed_head = await asyncio.to_thread(read_signed_head, path)
    except SignedHeadUnreadable as exc:
        if against is not None:
            raise
        if exc.defect is not HeadFileDefect.MISSING:
            unreadable = unreadable_head(exc)
    report = await integrity.verify(
        rt.db.uow(read_only=True),
        files=rt.store,
        keys=public_keys(rt.settings, public_key_files),
        timestamps=timestamp_checker(rt.settings),
        signed_head=signed_head,
        **extra,
    )
    report.head_file = str(path) if signed_head is not None or unreadable is not None else None
    if unreadable is not None:
        report.problems.insert(0, unreadable)
    elif signed_head is None and report.checkpoints:
        report.notes.append(VerifyNote.NO_SIGNED_HEAD)
    if not record:
        return report
    async with rt.db.uow() as uow:
        await uow.ledger.append(
            actor=actor,
            action="integrity.verify",
            object_type="deployment",
            object_id=rt.settings.court_code,
            payload={
                "ok": report.ok,
                "entries": report.entries,
                "files": report.files,
                "problems": len(report.problems),
            },
        )
        await uow.commit()
    return report
