"""A content-addressed, crash-durable store for evidence files.

Layout under ``root``::

    sha256/ab/cd/abcd…   one file per distinct content, named by the full SHA-256 of the ORIGINAL bytes
    tmp/<random>.tmp     files being written; abandoned ones are removed by ``cleanup_tmp`` at start-up
    quarantine/…         whatever was found at a content address with the wrong size (kept, never deleted)

A blob is returned only once it is durable (``evidence/durable.py``): the data is written to a temp file
in ``tmp/`` while it is hashed (it is read once), fsync'ed, renamed to its content address with
``os.replace``, and every directory created on the way and the final directory are fsync'ed. A crash at
any point leaves either nothing at the address or the complete file; a blob whose put returned survives
a crash. The same bytes are stored once: if the address already holds a file of the right size the temp
file is dropped (the existing file and its directories are fsync'ed all the same).

Blocking I/O runs in worker threads (``asyncio.to_thread``); hashlib releases the GIL on large buffers.

The on-disk format sits behind a small codec (``_Codec``). With a keyring (``FileEvidenceStore(root,
keyring=…)``) files are written as secretstream envelopes (``evidence/envelope.py``): ``encoder``
encrypts while writing, ``open_decoded`` decrypts while reading; the digests and sizes stay those of the
original bytes, so the content address does not change. Without a keyring files are written as they are.
Every kind is read: a header magic tells an envelope (of either format) from a plaintext file written
before encryption was switched on, and a plaintext file that happens to begin with the magic is
recognised by its hash. ``reseal`` brings a file under the active key and the current format.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import stat
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Final, Protocol, Self

from liuhen.evidence import durable, envelope
from liuhen.evidence.durable import BytesLike
from liuhen.evidence.envelope import Keyring
from liuhen.evidence.errors import DecodeError, EvidenceStoreError, UnknownKeyError

__all__ = [
    "CHUNK_SIZE",
    "BlobTooLargeError",
    "BytesLike",
    "CorruptBlobError",
    "DecodeError",
    "EvidenceStoreError",
    "EvidenceWriter",
    "FileEvidenceStore",
    "StoredBlob",
    "UnknownKeyError",
    "VerifyResult",
    "VerifyState",
    "validate_digest",
]

log = logging.getLogger(__name__)

CHUNK_SIZE: Final = durable.CHUNK_SIZE
_DIGEST_RE: Final = re.compile(r"[0-9a-f]{64}")
_HEX2_RE: Final = re.compile(r"[0-9a-f]{2}")
_FILE_MODE: Final = 0o400  # stored evidence is read-only
_DIR_MODE: Final = 0o700


class CorruptBlobError(EvidenceStoreError):
    """The bytes stored under a digest no longer hash to it."""

    def __init__(self, sha256: str, actual: str | None) -> None:
        super().__init__(f"blob {sha256} is corrupt (hashes to {actual})")
        self.sha256 = sha256
        self.actual = actual


class BlobTooLargeError(EvidenceStoreError):
    """A streamed write went past the writer's ``max_bytes``."""


def validate_digest(value: object) -> str:
    """Return ``value`` if it is a SHA-256 digest as 64 lowercase hex characters, else raise ValueError.

    Every path is built from a validated digest only, never from an untrusted string."""
    if not isinstance(value, str) or _DIGEST_RE.fullmatch(value) is None:
        raise ValueError(f"not a lowercase hex sha256 digest: {value!r:.80}")
    return value


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    size: int  # of the original bytes
    path: Path
    existed: bool  # the same content was already stored: nothing new was written
    quarantined: Path | None = None  # a wrong file found at the address was moved there


class VerifyState(StrEnum):
    OK = "ok"
    MISSING = "missing"
    CORRUPT = "corrupt"  # wrong hash, or an envelope that fails authentication
    NO_KEY = "no_key"  # encrypted under a deployment key the loaded keyring does not hold


@dataclass(frozen=True, slots=True)
class VerifyResult:
    sha256: str
    state: VerifyState
    actual_sha256: str | None = None  # what the stored bytes hash to (None if missing or undecodable)
    size: int | None = None  # of the decoded bytes
    error: str | None = None  # why an envelope could not be decoded

    @property
    def ok(self) -> bool:
        return self.state is VerifyState.OK


# --- the on-disk format ------------------------------------------------------------------------------


class _Encoder(Protocol):
    def update(self, data: memoryview) -> BytesLike: ...
    def finalize(self) -> bytes: ...


class _Codec(Protocol):
    def encoder(self) -> _Encoder: ...
    def open_decoded(self, path: Path) -> BinaryIO:
        """A binary file object yielding the original bytes; raises FileNotFoundError if absent and
        DecodeError (possibly on read) if the file cannot be decoded."""
        ...


class _PlainEncoder:
    def update(self, data: memoryview) -> BytesLike:
        return data

    def finalize(self) -> bytes:
        return b""


class _EnvelopeCodec:
    """Writes envelopes under the keyring's active key (plain bytes without a keyring); reads every kind."""

    def __init__(self, keyring: Keyring | None) -> None:
        self.keyring = keyring

    def encoder(self) -> _Encoder:
        return envelope.Encryptor(self.keyring) if self.keyring is not None else _PlainEncoder()

    def open_decoded(self, path: Path) -> BinaryIO:
        return self.open_reporting(path)[0]

    def open_reporting(self, path: Path) -> tuple[BinaryIO, bool]:
        """``open_decoded``, and whether the file is read as an envelope (False: as plaintext)."""
        f = open(path, "rb")  # noqa: SIM115 - handed to the caller, who closes it
        try:
            if not envelope.is_envelope(f.read(len(envelope.MAGIC))):
                f.seek(0)
                return f, False
            f.seek(0)
            return envelope.open_decrypting(f, self.keyring), True
        except BaseException:
            f.close()
            raise


def _hash_stream(f: BinaryIO) -> tuple[str, int]:
    h = hashlib.sha256()
    buf = bytearray(CHUNK_SIZE)
    view = memoryview(buf)
    size = 0
    while n := f.readinto(buf):  # type: ignore[attr-defined]
        h.update(view[:n])
        size += n
    return h.hexdigest(), size


# --- the store -----------------------------------------------------------------------------------------


class _BlobBuilder:
    """One blob being written to a temp file while it is hashed (sync; used from worker threads).

    A lock serialises write/commit/abort so that an abort after a cancelled write never closes the file
    under a write still running in its thread."""

    def __init__(self, store: FileEvidenceStore, max_bytes: int | None = None) -> None:
        store._ensure_layout()
        self._store = store
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._hash = hashlib.sha256()
        self._encoder = store._codec.encoder()
        self._size = 0  # original bytes
        self._file: durable.TempFile | None = durable.TempFile(store._tmp_dir)

    def write(self, data: BytesLike) -> None:
        view = memoryview(data).cast("B")
        with self._lock:
            if self._file is None:
                raise RuntimeError("blob writer is closed")
            if self._max_bytes is not None and self._size + len(view) > self._max_bytes:
                raise BlobTooLargeError(f"more than {self._max_bytes} bytes")
            self._hash.update(view)
            self._size += len(view)
            self._file.write(self._encoder.update(view))

    def commit(self) -> StoredBlob:
        """The durability order of a receipt (docs/architecture.md): the bytes are fsync'ed, renamed to
        their address and the directory fsync'ed before this returns; the caller commits the row after."""
        with self._lock:
            if self._file is None:
                raise RuntimeError("blob writer is closed")
            try:
                file = self._file
                file.write(self._encoder.finalize())
                file.sync(_FILE_MODE)
                blob = self._store._install(file, self._hash.hexdigest(), self._size)
                self._file = None
                return blob
            except BaseException:
                self._abort_locked()
                raise

    def abort(self) -> None:
        with self._lock:
            self._abort_locked()

    def _abort_locked(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            file.discard()


_OPENING: set[asyncio.Future[_BlobBuilder]] = set()


def _abort_when_opened(opening: asyncio.Future[_BlobBuilder]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        opening.result().abort()


class EvidenceWriter:
    """Streams one blob into the store: ``async with store.writer() as w: await w.write(chunk)``, then
    ``w.result``. Chunks are buffered up to 1 MiB and written and hashed in a worker thread. On an
    exception (or cancellation) inside the block the temp file is removed and nothing is stored."""

    def __init__(self, store: FileEvidenceStore, max_bytes: int | None) -> None:
        self._store = store
        self._max_bytes = max_bytes
        self._builder: _BlobBuilder | None = None
        self._buf = bytearray()
        self._size = 0
        self._result: StoredBlob | None = None
        self._closed = False

    async def __aenter__(self) -> Self:
        if self._builder is not None or self._closed:
            raise RuntimeError("an EvidenceWriter is used once")
        opening = asyncio.ensure_future(asyncio.to_thread(_BlobBuilder, self._store, self._max_bytes))
        _OPENING.add(opening)  # the loop keeps tasks only weakly: a cancelled caller's opening must live on
        opening.add_done_callback(_OPENING.discard)
        try:
            self._builder = await asyncio.shield(opening)
        except asyncio.CancelledError:
            opening.add_done_callback(_abort_when_opened)  # don't leave the temp file behind
            raise
        return self

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return self._size

    async def write(self, data: BytesLike) -> None:
        if self._builder is None or self._closed:
            raise RuntimeError("write outside the writer's async with block")
        view = memoryview(data).cast("B")
        if self._max_bytes is not None and self._size + len(view) > self._max_bytes:
            raise BlobTooLargeError(f"more than {self._max_bytes} bytes")
        self._size += len(view)
        if not self._buf and len(view) >= CHUNK_SIZE:
            await asyncio.to_thread(self._builder.write, bytes(view))
            return
        self._buf += view
        if len(self._buf) >= CHUNK_SIZE:
            buf, self._buf = self._buf, bytearray()
            await asyncio.to_thread(self._builder.write, buf)

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        builder = self._builder
        assert builder is not None
        self._closed = True
        if et is not None:
            # shielded: a second cancellation must not leave the temp file behind (the thread finishes)
            await asyncio.shield(asyncio.to_thread(builder.abort))
            return
        buf, self._buf = self._buf, bytearray()
        self._result = await asyncio.to_thread(self._commit, builder, buf)

    @staticmethod
    def _commit(builder: _BlobBuilder, buf: bytearray) -> StoredBlob:
        try:
            if buf:
                builder.write(buf)
        except BaseException:
            builder.abort()
            raise
        return builder.commit()

    @property
    def result(self) -> StoredBlob:
        if self._result is None:
            raise RuntimeError("the writer has not completed successfully")
        return self._result


class FileEvidenceStore:
    """Content-addressed durable file store (see the module docstring). Creating it does no I/O."""

    def __init__(self, root: Path | str, *, keyring: Keyring | None = None) -> None:
        self.root = Path(root)
        self._blob_dir = self.root / "sha256"
        self._dirs_made: set[Path] = set()  # directories this process made or found (fsync'ed)
        self._tmp_dir = self.root / "tmp"
        self._quarantine_dir = self.root / "quarantine"
        self._codec: _EnvelopeCodec = _EnvelopeCodec(keyring)
        self._layout_ready = False

    @property
    def keyring(self) -> Keyring | None:
        return self._codec.keyring

    @property
    def encrypts(self) -> bool:
        """New files are written encrypted (a keyring is loaded)."""
        return self._codec.keyring is not None

    # -- paths ------------------------------------------------------------------------------------------

    def path_for(self, sha256: str) -> Path:
        digest = validate_digest(sha256)
        return self._blob_dir / digest[:2] / digest[2:4] / digest

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def iter_all(self) -> Iterator[str]:
        """The digests stored, in order (a file not named as its place demands is skipped)."""
        for level1 in self._sorted_dirs(self._blob_dir):
            for level2 in self._sorted_dirs(level1):
                try:
                    with os.scandir(level2) as it:
                        names = sorted(e.name for e in it if e.is_file(follow_symlinks=False))
                except FileNotFoundError:
                    continue
                for name in names:
                    if _DIGEST_RE.fullmatch(name) and name[:2] == level1.name and name[2:4] == level2.name:
                        yield name

    @staticmethod
    def _sorted_dirs(path: Path) -> list[Path]:
        try:
            with os.scandir(path) as it:
                entries = list(it)
        except FileNotFoundError:
            return []
        names = sorted(
            e.name for e in entries if e.is_dir(follow_symlinks=False) and _HEX2_RE.fullmatch(e.name)
        )
        return [path / n for n in names]

    # -- writing ----------------------------------------------------------------------------------------

    async def put_bytes(self, data: BytesLike) -> StoredBlob:
        return await asyncio.to_thread(self._put_bytes_sync, data)

    async def put_many(self, blobs: Sequence[BytesLike], *, threads: int = 4) -> list[StoredBlob]:
        """`put_bytes` of several (a batch of evidence) in a few worker threads: their fsyncs overlap."""
        share = -(-len(blobs) // threads) or 1
        chunks = [blobs[i : i + share] for i in range(0, len(blobs), share)]
        done = await asyncio.gather(*(asyncio.to_thread(self._put_all_sync, chunk) for chunk in chunks))
        return [blob for chunk in done for blob in chunk]

    def _put_all_sync(self, blobs: Sequence[BytesLike]) -> list[StoredBlob]:
        return [self._put_bytes_sync(data) for data in blobs]

    async def put_file(self, src: Path | str) -> StoredBlob:
        """Store a copy of ``src`` (read once: hashed and written chunk by chunk)."""
        return await asyncio.to_thread(self._put_file_sync, Path(src))

    def writer(self, *, max_bytes: int | None = None) -> EvidenceWriter:
        """An incremental writer for streamed downloads (see EvidenceWriter)."""
        return EvidenceWriter(self, max_bytes)

    def _put_bytes_sync(self, data: BytesLike) -> StoredBlob:
        builder = _BlobBuilder(self)
        try:
            builder.write(data)
        except BaseException:
            builder.abort()
            raise
        return builder.commit()

    def _put_file_sync(self, src: Path) -> StoredBlob:
        buf = bytearray(CHUNK_SIZE)
        view = memoryview(buf)
        with open(src, "rb", buffering=0) as f:
            builder = _BlobBuilder(self)
            try:
                while n := f.readinto(buf):
                    builder.write(view[:n])
            except BaseException:
                builder.abort()
                raise
        return builder.commit()

    def _ensure_layout(self) -> None:
        if not self._layout_ready:
            durable.makedirs(self._tmp_dir, _DIR_MODE)
            durable.makedirs(self._blob_dir, _DIR_MODE)
            self._layout_ready = True

    def _install(self, tmp: durable.TempFile, sha256: str, size: int) -> StoredBlob:
        """Move a complete, fsync'ed temp file to its content address, durably."""
        final = self.path_for(sha256)
        if final.parent not in self._dirs_made:  # a stat per level otherwise, for every blob
            durable.makedirs(final.parent, _DIR_MODE)
            self._dirs_made.add(final.parent)
        try:
            st: os.stat_result | None = os.lstat(final)
        except FileNotFoundError:
            st = None
        same = st is not None and stat.S_ISREG(st.st_mode)
        if same and st is not None and st.st_size != tmp.size:
            same = self._verify_sync(final, sha256).ok  # e.g. a plaintext copy from before encryption
        if same:
            tmp.discard()
            # the copy there may come from a process that died before its fsyncs: make sure it is durable
            durable.fsync_file(final)
            for d in (final.parent, final.parent.parent, self._blob_dir):
                durable.fsync_dir(d)
            return StoredBlob(sha256=sha256, size=size, path=final, existed=True)
        quarantined = None
        if st is not None:
            quarantined = self._quarantine(final, sha256)
        try:
            tmp.install(final)
        except FileNotFoundError:  # the directory went away under us (restored or cleaned): make it again
            self._dirs_made.discard(final.parent)
            durable.makedirs(final.parent, _DIR_MODE)
            tmp.install(final)
        return StoredBlob(sha256=sha256, size=size, path=final, existed=False, quarantined=quarantined)

    def _quarantine(self, final: Path, sha256: str) -> Path | None:
        durable.makedirs(self._quarantine_dir, _DIR_MODE)
        target = self._quarantine_dir / f"{sha256}.{time.time_ns()}"
        try:
            durable.move(final, target)
        except FileNotFoundError:  # another writer got there first
            return None
        log.warning("evidence store: wrong file at %s moved to %s", final, target)
        return target

    # -- reading ----------------------------------------------------------------------------------------

    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes as a binary file object (not verified; use ``verify`` or ``read``).

        Raises FileNotFoundError if the digest is not stored."""
        return self._codec.open_decoded(self.path_for(sha256))

    async def read(self, sha256: str) -> bytes:
        """The stored bytes, checked against their digest (CorruptBlobError if they do not match).

        Raises FileNotFoundError if the digest is not stored."""
        return await asyncio.to_thread(self._read_sync, self.path_for(sha256), sha256)

    def _read_sync(self, path: Path, sha256: str) -> bytes:
        try:
            with self._codec.open_decoded(path) as f:
                data = f.read()
        except DecodeError:
            data = path.read_bytes()  # a plaintext file that begins with the envelope magic?
            if hashlib.sha256(data).hexdigest() != sha256:
                raise
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise CorruptBlobError(sha256, actual)
        return data

    async def verify(self, sha256: str) -> VerifyResult:
        """Re-hash the stored bytes: ok, missing, or corrupt (with what they hash to now)."""
        return await asyncio.to_thread(self._verify_sync, self.path_for(sha256), sha256)

    def _verify_sync(self, path: Path, sha256: str) -> VerifyResult:
        return self._check_sync(path, sha256)[0]

    def _check_sync(self, path: Path, sha256: str) -> tuple[VerifyResult, bool]:
        """The verdict, and whether the file was read as plaintext (not as an envelope)."""
        try:
            f, sealed = self._codec.open_reporting(path)
            with f:
                actual, size = _hash_stream(f)
        except FileNotFoundError:
            return VerifyResult(sha256, VerifyState.MISSING), False
        except IsADirectoryError:
            return VerifyResult(sha256, VerifyState.CORRUPT), False
        except DecodeError as exc:
            with open(path, "rb") as raw:  # a plaintext file that begins with the envelope magic?
                actual, size = _hash_stream(raw)
            if actual == sha256:
                return VerifyResult(sha256, VerifyState.OK, actual_sha256=actual, size=size), True
            state = VerifyState.NO_KEY if isinstance(exc, UnknownKeyError) else VerifyState.CORRUPT
            return VerifyResult(sha256, state, error=str(exc)), False
        state = VerifyState.OK if actual == sha256 else VerifyState.CORRUPT
        return VerifyResult(sha256, state, actual_sha256=actual, size=size), not sealed

    async def digests(self) -> list[str]:
        """Every digest stored (``iter_all`` in a worker thread)."""
        return await asyncio.to_thread(lambda: list(self.iter_all()))

    async def adopt(self, sha256: str, src: Path) -> None:
        """Install a file copied from a backup as it is (still encrypted; not decoded here), durably:
        temp file, fsync, rename, fsync dir. An existing file at the address is left alone."""
        await asyncio.to_thread(self._adopt_sync, sha256, src)

    def _adopt_sync(self, sha256: str, src: Path) -> None:
        final = self.path_for(sha256)
        if final.exists():
            return
        self._ensure_layout()
        durable.makedirs(final.parent, _DIR_MODE)
        with durable.TempFile(self._tmp_dir) as tmp:
            for chunk in durable.read_chunks(src):
                tmp.write(chunk)
            tmp.sync(_FILE_MODE)
            tmp.install(final)

    # -- keys and formats --------------------------------------------------------------------------------

    def key_id_of(self, sha256: str) -> str | None:
        """The deployment key an envelope is sealed under; None for a plaintext file.

        Raises FileNotFoundError if the digest is not stored."""
        with open(self.path_for(sha256), "rb") as f:
            head = f.read(envelope.MAX_HEADER_LEN)
        try:
            return envelope.key_id_of(head)
        except DecodeError:
            return None

    async def reseal(self, sha256: str) -> str:
        """Bring one file under the keyring's active key and the current envelope format: "rewrapped" (an
        envelope under another key: only the header changes), "migrated" (an envelope of the first format:
        decrypted and encrypted again into the current one), "encrypted" (a plaintext file), or "unchanged".

        The file's name is the SHA-256 of its plaintext, so it does not change: the new file is written to
        a temp file, fsync'ed and verified (decrypted and hashed) before it replaces the old one by rename,
        then the directory is fsync'ed. An interruption leaves the old file or the new one, both readable;
        running again finishes the rest and leaves converted files "unchanged". A file that does not verify
        is left alone (CorruptBlobError; UnknownKeyError when the keyring lacks its key)."""
        return await asyncio.to_thread(self._reseal_sync, sha256)

    def _reseal_sync(self, sha256: str) -> str:
        keyring = self._codec.keyring
        if keyring is None:
            raise UnknownKeyError(None)
        final = self.path_for(sha256)
        check, plain = self._check_sync(final, sha256)
        if check.state is VerifyState.MISSING:
            raise FileNotFoundError(final)
        if check.state is VerifyState.NO_KEY:
            raise UnknownKeyError(self.key_id_of(sha256))
        if not check.ok:
            raise CorruptBlobError(sha256, check.actual_sha256)
        with open(final, "rb") as f:
            head = f.read(envelope.MAX_HEADER_LEN)
        version = None if plain else envelope.version_of(head)
        if version == envelope.VERSION:
            if envelope.key_id_of(head) == keyring.active:
                return "unchanged"
            outcome = "rewrapped"
        else:
            outcome = "encrypted" if version is None else "migrated"
        self._ensure_layout()
        with durable.TempFile(self._tmp_dir) as tmp:
            if outcome == "rewrapped":  # the body stays as it is
                with open(final, "rb") as src:
                    tmp.write(envelope.rewrap(src.read(envelope.HEADER_LEN), keyring))
                    for chunk in iter(lambda: src.read(CHUNK_SIZE), b""):
                        tmp.write(chunk)
            else:
                encoder = envelope.Encryptor(keyring)
                with open(final, "rb") if plain else self._codec.open_decoded(final) as src:
                    for chunk in iter(lambda: src.read(CHUNK_SIZE), b""):
                        tmp.write(encoder.update(chunk))
                tmp.write(encoder.finalize())
            tmp.sync(_FILE_MODE)
            if not self._verify_sync(tmp.path, sha256).ok:  # never replace a good file by a bad one
                raise CorruptBlobError(sha256, None)
            tmp.install(final)
        return outcome

    # -- housekeeping -----------------------------------------------------------------------------------

    async def cleanup_tmp(self, older_than_seconds: float = 3600.0) -> int:
        """Remove temp files abandoned by a crash (older than the given age); returns how many."""
        return await asyncio.to_thread(self._cleanup_tmp_sync, older_than_seconds)

    def _cleanup_tmp_sync(self, older_than_seconds: float) -> int:
        cutoff = time.time() - older_than_seconds
        removed = 0
        try:
            with os.scandir(self._tmp_dir) as it:
                entries = list(it)
        except FileNotFoundError:
            return 0
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode) or st.st_mtime > cutoff:
                    continue
                os.unlink(entry.path)
                removed += 1
            except FileNotFoundError:
                continue
        return removed
