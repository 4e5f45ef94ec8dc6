"""`liuhen backup -o DIR` and `liuhen restore DIR` (seed 003 §12: 永久存储).

A backup directory::

    manifest.json          what is here, with the SHA-256 and size of every file (written last)
    database.sqlite3       SQLite online-backup snapshot   | database.pgdump   pg_dump --format=custom
    evidence/sha256/…      the evidence files exactly as on disk (encrypted, when the deployment encrypts)
    keys/checkpoint-*.pub.pem   the checkpoint public keys (verify needs them)
    keys/checkpoint-signing.pem, keys/evidence.keys   only with --include-keys

The database is snapshotted first and the files copied after: every file a row of the snapshot refers to
was durable before its row was committed (docs/architecture.md "Receipt order", the durability order), so
it is in the backup even while the bot keeps receiving evidence. Every copy is written through
``evidence/durable.py``. The private keys are left out by default: a backup on the same shelf as its keys
protects nothing. To read the evidence after a restore, the evidence keyring must be put back (from where
it is kept apart); to go on signing checkpoints, the signing key too (or `liuhen init` makes a new one,
whose public key then joins the old ones).
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liuhen.app.runtime import Runtime, open_runtime
from liuhen.app.settings import SIGNED_HEAD_FILE, Settings
from liuhen.domain.clock import Clock, SystemClock
from liuhen.evidence import durable
from liuhen.evidence.keys import PUBLIC_KEY_GLOB, SIGNING_KEY_FILE, read_keyring
from liuhen.evidence.store import FileEvidenceStore, validate_digest
from liuhen.storage.backup import (
    BackupError,
    backend_of,
    database_is_empty,
    dump_database,
    dump_file_name,
    restore_database,
)

FORMAT = "liuhen-backup/1"
MANIFEST = "manifest.json"
KEYRING_NAME = "evidence.keys"
CHUNK = 1 << 20

ProgressFn = Callable[[str, int, int], None]


class BackupProblem(enum.StrEnum):
    """Why a backup or a restore refused; its particulars are the error's ``params``."""

    NOT_EMPTY = "not_empty"  # path: the backup directory
    NO_MANIFEST = "no_manifest"  # path: the directory given, file: the manifest's name
    BAD_MANIFEST = "bad_manifest"  # file, detail: the parser's message
    WRONG_FORMAT = "wrong_format"  # file, format: the one expected
    INCOMPLETE = "incomplete"  # path: the missing file, inside the backup
    CORRUPT = "corrupt"  # path: the file whose hash differs, inside the backup
    OTHER_COURT = "other_court"  # found: the backup's court code, configured: ours
    OTHER_BACKEND = "other_backend"  # found: the backup's database, configured: ours
    EVIDENCE_NOT_EMPTY = "evidence_not_empty"  # path: the evidence directory
    DATABASE_NOT_EMPTY = "database_not_empty"


class BackupRefused(BackupError):
    """Nothing was written (a backup) or restored: ``problem``, with its ``params``."""

    def __init__(self, problem: BackupProblem, **params: str) -> None:
        super().__init__(f"{problem.value}: {params}")
        self.problem = problem
        self.params = params


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


def _copy_hashed(src: Path, dst: Path, mode: int = 0o600) -> tuple[str, int]:
    """Copy durably (temp file, fsync, rename; the directories are fsync'ed once, by ``_seal``); the
    SHA-256 and size of the bytes copied."""
    h = hashlib.sha256()

    def hashed() -> Iterator[bytes]:
        for chunk in durable.read_chunks(src, CHUNK):
            h.update(chunk)
            yield chunk

    size = durable.write_file(dst, hashed(), mode=mode, overwrite=False, sync_dir=False)
    return h.hexdigest(), size


def _hash_file(path: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


@dataclass(frozen=True)
class BackupResult:
    directory: Path
    manifest_sha256: str
    files: int
    ledger_seq: int
    keys_included: bool


def _prepare(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        raise BackupRefused(BackupProblem.NOT_EMPTY, path=str(out))
    durable.makedirs(out, 0o700)


def _copy_store(
    store: FileEvidenceStore, out: Path, progress: ProgressFn
) -> tuple[list[dict[str, Any]], set[str]]:
    files: list[dict[str, Any]] = []
    key_ids: set[str] = set()
    digests = list(store.iter_all())  # after the snapshot: a superset of what its rows refer to
    for n, digest in enumerate(digests, start=1):
        src = store.path_for(digest)
        sha, size = _copy_hashed(src, out / "evidence" / src.relative_to(store.root))
        files.append({"sha256": digest, "disk_sha256": sha, "size": size})
        key_id = store.key_id_of(digest)
        if key_id:
            key_ids.add(key_id)
        progress("files", n, len(digests))
    return files, key_ids


def _copy_keys(settings: Settings, out: Path, include_keys: bool) -> list[dict[str, Any]]:
    keys: list[dict[str, Any]] = []
    for pub in sorted(settings.keys_path.glob(PUBLIC_KEY_GLOB)) if settings.keys_path.is_dir() else []:
        sha, size = _copy_hashed(pub, out / "keys" / pub.name, 0o644)
        keys.append({"file": f"keys/{pub.name}", "sha256": sha, "size": size, "private": False})
    if include_keys:
        for src, name in (
            (settings.keys_path / SIGNING_KEY_FILE, SIGNING_KEY_FILE),
            (settings.evidence_keyring_path, KEYRING_NAME),
        ):
            if src.exists():
                sha, size = _copy_hashed(src, out / "keys" / name)
                keys.append({"file": f"keys/{name}", "sha256": sha, "size": size, "private": True})
    return keys


def _copy_signed_head(settings: Settings, out: Path) -> dict[str, Any] | None:
    source = settings.data_dir / SIGNED_HEAD_FILE
    if not source.is_file():
        return None
    sha, size = _copy_hashed(source, out / SIGNED_HEAD_FILE, 0o644)
    return {"file": SIGNED_HEAD_FILE, "sha256": sha, "size": size}


def _restore_signed_head(settings: Settings, src: Path, manifest: dict[str, Any]) -> None:
    head = manifest.get("signed_head")
    target = settings.data_dir / SIGNED_HEAD_FILE
    if head and not target.exists():
        _copy_hashed(src / head["file"], target, 0o644)
        durable.fsync_dir(settings.data_dir)


def _seal(out: Path, manifest: dict[str, Any]) -> str:
    """Make the copies durable, then write the manifest: its presence says the backup is complete."""
    data = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode()
    for d in sorted({p.parent for p in out.rglob("*") if p.is_file()}, reverse=True):
        durable.fsync_dir(d)
    durable.write_file(out / MANIFEST, data, mode=0o600, overwrite=False)
    durable.fsync_dir(out.parent)
    return hashlib.sha256(data).hexdigest()


async def backup(
    rt: Runtime, out: Path, *, include_keys: bool, actor: str, progress: ProgressFn = _no_progress
) -> BackupResult:
    await asyncio.to_thread(_prepare, out)
    settings = rt.settings
    async with rt.db.uow() as uow:  # the backup is itself in the ledger, and in the backup
        await uow.ledger.append(
            actor=actor,
            action="backup.create",
            object_type="deployment",
            object_id=settings.court_code,
            payload={"include_keys": include_keys},
        )
        await uow.commit()
    async with rt.db.uow(read_only=True) as uow:
        head = await uow.ledger.head()
    # The signed head beside the data, copied before the snapshot: its checkpoint is in the snapshot, so
    # the restored ledger extends it (seed 003 §12, seed 004 §15: 有据可查).
    signed_head = await asyncio.to_thread(_copy_signed_head, settings, out)
    progress("database", 0, 1)
    db_name = dump_file_name(settings.db_url)
    await dump_database(settings.db_url, out / db_name)
    db_sha, db_size = await asyncio.to_thread(_hash_file, out / db_name)
    progress("database", 1, 1)
    files, key_ids = await asyncio.to_thread(_copy_store, rt.store, out, progress)
    keys = await asyncio.to_thread(_copy_keys, settings, out, include_keys)
    seq = head[0] if head else 0
    manifest = {
        "format": FORMAT,
        "created_at": rt.clock.now().isoformat(),
        "court_code": settings.court_code,
        "backend": backend_of(settings.db_url),
        "database": {"file": db_name, "sha256": db_sha, "size": db_size},
        "ledger_seq_at_least": seq,
        "evidence": files,
        "evidence_key_ids": sorted(key_ids),
        "keys": keys,
        "private_keys_included": include_keys,
        "signed_head": signed_head,
    }
    digest = await asyncio.to_thread(_seal, out, manifest)
    return BackupResult(out, digest, len(files), seq, include_keys)


@dataclass
class RestoreResult:
    files: int
    manifest_sha256: str
    created_at: str
    keys_restored: list[str] = field(default_factory=list)
    keys_kept: list[str] = field(default_factory=list)  # present already with other content: left alone
    missing_keyring: bool = False  # the evidence is encrypted and no keyring is in place yet
    missing_key_ids: list[str] = field(default_factory=list)


def _restore_keys(settings: Settings, src: Path, manifest: dict[str, Any], result: RestoreResult) -> None:
    for key in manifest["keys"]:
        name = Path(key["file"]).name
        target = settings.evidence_keyring_path if name == KEYRING_NAME else settings.keys_path / name
        data = (src / key["file"]).read_bytes()
        if target.exists():
            if target.read_bytes() != data:
                result.keys_kept.append(str(target))
            continue
        durable.write_file(target, data, mode=0o600 if key["private"] else 0o644, overwrite=False)
        result.keys_restored.append(str(target))
    ring = read_keyring(settings.evidence_keyring_path)
    needed = set(manifest["evidence_key_ids"])
    result.missing_keyring = bool(needed) and ring is None
    result.missing_key_ids = sorted(needed - {k["id"] for k in ring.keys}) if ring else sorted(needed)


def read_manifest(src: Path) -> tuple[dict[str, Any], str]:
    try:
        data = (src / MANIFEST).read_bytes()
        manifest = json.loads(data)
    except FileNotFoundError:
        raise BackupRefused(BackupProblem.NO_MANIFEST, path=str(src), file=MANIFEST) from None
    except ValueError as exc:
        raise BackupRefused(BackupProblem.BAD_MANIFEST, file=MANIFEST, detail=str(exc)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused(BackupProblem.WRONG_FORMAT, file=MANIFEST, format=FORMAT)
    return manifest, hashlib.sha256(data).hexdigest()


def check_backup(src: Path, manifest: dict[str, Any], progress: ProgressFn = _no_progress) -> None:
    """Every file the manifest lists is there with its hash (BackupError naming the first that is not)."""
    listed: list[tuple[Path, str]] = [(src / manifest["database"]["file"], manifest["database"]["sha256"])]
    for entry in manifest["evidence"]:
        digest = validate_digest(entry["sha256"])
        listed.append((src / "evidence" / "sha256" / digest[:2] / digest[2:4] / digest, entry["disk_sha256"]))
    listed += [(src / k["file"], k["sha256"]) for k in manifest["keys"]]
    if manifest.get("signed_head"):
        listed.append((src / manifest["signed_head"]["file"], manifest["signed_head"]["sha256"]))
    for n, (path, expected) in enumerate(listed, start=1):
        try:
            actual, _ = _hash_file(path)
        except FileNotFoundError:
            raise BackupRefused(BackupProblem.INCOMPLETE, path=str(path.relative_to(src))) from None
        if actual != expected:
            raise BackupRefused(BackupProblem.CORRUPT, path=str(path.relative_to(src)))
        progress("check", n, len(listed))


async def restore(
    settings: Settings,
    src: Path,
    *,
    actor: str,
    clock: Clock | None = None,
    progress: ProgressFn = _no_progress,
) -> RestoreResult:
    manifest, manifest_sha = await asyncio.to_thread(read_manifest, src)
    if manifest["court_code"] != settings.court_code:
        raise BackupRefused(
            BackupProblem.OTHER_COURT, found=str(manifest["court_code"]), configured=settings.court_code
        )
    if manifest["backend"] != backend_of(settings.db_url):
        raise BackupRefused(
            BackupProblem.OTHER_BACKEND,
            found=str(manifest["backend"]),
            configured=backend_of(settings.db_url),
        )
    evidence_root = settings.data_dir / "evidence"
    store = FileEvidenceStore(evidence_root)
    if await store.digests():
        raise BackupRefused(BackupProblem.EVIDENCE_NOT_EMPTY, path=str(evidence_root))
    if not await database_is_empty(settings.db_url):
        raise BackupRefused(BackupProblem.DATABASE_NOT_EMPTY)
    await asyncio.to_thread(check_backup, src, manifest, progress)

    await restore_database(settings.db_url, src / manifest["database"]["file"])
    entries = manifest["evidence"]
    for n, entry in enumerate(entries, start=1):
        digest = entry["sha256"]
        await store.adopt(digest, src / "evidence" / "sha256" / digest[:2] / digest[2:4] / digest)
        progress("files", n, len(entries))
    result = RestoreResult(len(entries), manifest_sha, manifest["created_at"])
    await asyncio.to_thread(_restore_keys, settings, src, manifest, result)
    await asyncio.to_thread(_restore_signed_head, settings, src, manifest)
    rt = await open_runtime(settings, clock=clock or SystemClock())  # migrates a snapshot of an older schema
    try:
        async with rt.db.uow() as uow:
            await uow.ledger.append(
                actor=actor,
                action="backup.restore",
                object_type="deployment",
                object_id=settings.court_code,
                payload={"manifest_sha256": manifest_sha, "backup_created_at": manifest["created_at"]},
            )
            await uow.commit()
    finally:
        await rt.close()
    return result
