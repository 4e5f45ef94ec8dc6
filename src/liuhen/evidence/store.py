"""A content-addressed, crash-durable store for evidence files.

Layout under ``root``::

    sha256/ab/cd/abcd…   one file per distinct content, named by the full SHA-256 of the ORIGINAL bytes
    tmp/<random>.tmp     files being written; abandoned ones are removed by ``cleanup_tmp`` at start-up
    quarantine/…         whatever was found at a content address with the wrong size (kept, never deleted)

A blob is returned only once it is durable: the data is written to a temp file in ``tmp/`` while it is
hashed (it is read once), flushed and fsync'ed, renamed to its content address with ``os.replace``, and
every directory created on the way and the final directory are fsync'ed. A crash at any point leaves either
nothing at the address or the complete file; a blob whose put returned survives a crash. The same bytes are
stored once: if the address already holds a file of the right size the temp file is dropped (the existing
file and its directories are fsync'ed all the same).

Blocking I/O runs in worker threads (``asyncio.to_thread``); hashlib releases the GIL on large buffers.

The on-disk format sits behind a small codec (``_Codec``). With a keyring (``FileEvidenceStore(root,
keyring=…)``) files are written as AES-GCM envelopes (``evidence/envelope.py``): ``encoder``
encrypts while writing, ``open_decoded`` decrypts while reading; the digests and sizes stay those of the
original bytes, so the content address does not change. Without a keyring files are written as they are.
Either way both kinds are read: a header magic tells an envelope from a plaintext file written before
encryption was switched on, and a plaintext file that happens to begin with the magic is recognised by
its hash.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Final, Protocol, Self, TypeAlias

from liuhen.evidence import envelope
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

BytesLike: TypeAlias = bytes | bytearray | memoryview

CHUNK_SIZE: Final = 1 << 20
_DIGEST_RE: Final = re.compile(r"[0-9a-f]{64}")
_HEX2_RE: Final = re.compile(r"[0-9a-f]{2}")
_TMP_SUFFIX: Final = ".tmp"
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
    """Writes AES-GCM envelopes under the keyring's active key (plain bytes without a keyring); reads both."""

    def __init__(self, keyring: Keyring | None) -> None:
        self.keyring = keyring

    def encoder(self) -> _Encoder:
        return envelope.Encryptor(self.keyring) if self.keyring is not None else _PlainEncoder()

    def open_decoded(self, path: Path) -> BinaryIO:
        f = open(path, "rb")  # noqa: SIM115 - handed to the caller, who closes it
        try:
            if not envelope.is_envelope(f.read(len(envelope.MAGIC))):
                f.seek(0)
                return f
            f.seek(0)
            return envelope.open_decrypting(f, self.keyring)
        except BaseException:
            f.close()
            raise


# --- small durable-filesystem helpers ------------------------------------------------------------------


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _makedirs_durable(path: Path) -> None:
    """Create ``path`` and its missing parents, fsyncing each created directory and its parent."""
    missing: list[Path] = []
    p = path
    while not p.is_dir():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, _DIR_MODE)
        except FileExistsError:
            if not d.is_dir():
                raise
        _fsync_dir(d)
        _fsync_dir(d.parent)


def _write_all(fd: int, data: BytesLike) -> int:
    view = memoryview(data).cast("B")
    total = len(view)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    return total


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
        self._disk_size = 0  # encoded bytes written
        self._tmp = store._tmp_dir / f"{secrets.token_hex(16)}{_TMP_SUFFIX}"
        flags = (
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
        )
        self._fd: int | None = os.open(self._tmp, flags, 0o600)

    def write(self, data: BytesLike) -> None:
        view = memoryview(data).cast("B")
        with self._lock:
            if self._fd is None:
                raise RuntimeError("blob writer is closed")
            if self._max_bytes is not None and self._size + len(view) > self._max_bytes:
                raise BlobTooLargeError(f"more than {self._max_bytes} bytes")
            self._hash.update(view)
            self._size += len(view)
            self._disk_size += _write_all(self._fd, self._encoder.update(view))

    def commit(self) -> StoredBlob:
        with self._lock:
            if self._fd is None:
                raise RuntimeError("blob writer is closed")
            try:
                fd = self._fd
                self._disk_size += _write_all(fd, self._encoder.finalize())
                os.fchmod(fd, _FILE_MODE)
                os.fsync(fd)
                self._fd = None
                os.close(fd)
                return self._store._install(self._tmp, self._hash.hexdigest(), self._size, self._disk_size)
            except BaseException:
                self._abort_locked()
                raise

    def abort(self) -> None:
        with self._lock:
            self._abort_locked()

    def _abort_locked(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
        self._tmp.unlink(missing_ok=True)


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
            _makedirs_durable(self._tmp_dir)
            _makedirs_durable(self._blob_dir)
            self._layout_ready = True

    def _install(self, tmp: Path, sha256: str, size: int, disk_size: int) -> StoredBlob:
        """Move a complete, fsync'ed temp file to its content address, durably."""
        final = self.path_for(sha256)
        if final.parent not in self._dirs_made:  # a stat per level otherwise, for every blob
            _makedirs_durable(final.parent)
            self._dirs_made.add(final.parent)
        try:
            st: os.stat_result | None = os.lstat(final)
        except FileNotFoundError:
            st = None
        same = st is not None and stat.S_ISREG(st.st_mode)
        if same and st is not None and st.st_size != disk_size:
            same = self._verify_sync(final, sha256).ok  # e.g. a plaintext copy from before encryption
        if same:
            tmp.unlink()
            # the copy there may come from a process that died before its fsyncs: make sure it is durable
            _fsync_path(final)
            for d in (final.parent, final.parent.parent, self._blob_dir):
                _fsync_dir(d)
            return StoredBlob(sha256=sha256, size=size, path=final, existed=True)
        quarantined = None
        if st is not None:
            quarantined = self._quarantine(final, sha256)
        try:
            os.replace(tmp, final)
        except FileNotFoundError:  # the directory went away under us (restored or cleaned): make it again
            self._dirs_made.discard(final.parent)
            _makedirs_durable(final.parent)
            os.replace(tmp, final)
        _fsync_dir(final.parent)
        return StoredBlob(sha256=sha256, size=size, path=final, existed=False, quarantined=quarantined)

    def _quarantine(self, final: Path, sha256: str) -> Path | None:
        _makedirs_durable(self._quarantine_dir)
        target = self._quarantine_dir / f"{sha256}.{time.time_ns()}"
        try:
            os.rename(final, target)
        except FileNotFoundError:  # another writer got there first
            return None
        _fsync_dir(self._quarantine_dir)
        _fsync_dir(final.parent)
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
        try:
            with self._codec.open_decoded(path) as f:
                actual, size = _hash_stream(f)
        except FileNotFoundError:
            return VerifyResult(sha256, VerifyState.MISSING)
        except IsADirectoryError:
            return VerifyResult(sha256, VerifyState.CORRUPT)
        except DecodeError as exc:
            with open(path, "rb") as plain:  # a plaintext file that begins with the envelope magic?
                actual, size = _hash_stream(plain)
            if actual == sha256:
                return VerifyResult(sha256, VerifyState.OK, actual_sha256=actual, size=size)
            state = VerifyState.NO_KEY if isinstance(exc, UnknownKeyError) else VerifyState.CORRUPT
            return VerifyResult(sha256, state, error=str(exc))
        state = VerifyState.OK if actual == sha256 else VerifyState.CORRUPT
        return VerifyResult(sha256, state, actual_sha256=actual, size=size)

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
        tmp = self._tmp_dir / f"{secrets.token_hex(16)}{_TMP_SUFFIX}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            with open(src, "rb") as f:
                while chunk := f.read(CHUNK_SIZE):
                    _write_all(fd, chunk)
            os.fchmod(fd, _FILE_MODE)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        os.close(fd)
        _makedirs_durable(final.parent)
        os.replace(tmp, final)
        _fsync_dir(final.parent)

    # -- keys -----------------------------------------------------------------------------------

    def key_id_of(self, sha256: str) -> str | None:
        """The deployment key an envelope is sealed under; None for a plaintext file.

        Raises FileNotFoundError if the digest is not stored."""
        with open(self.path_for(sha256), "rb") as f:
            head = f.read(envelope.HEADER_LEN)
        if not envelope.is_envelope(head):
            return None
        try:
            return envelope.Header.parse(head).key_id
        except DecodeError:
            return None

    async def reseal(self, sha256: str) -> str:
        """Bring one file under the keyring's active key: "rewrapped" (an envelope under another key: only
        the header changes), "encrypted" (a plaintext file), or "unchanged". The new file replaces the old
        one durably (temp file, fsync, rename, fsync dir); a file that does not verify is left alone
        (CorruptBlobError)."""
        return await asyncio.to_thread(self._reseal_sync, sha256)

    def _reseal_sync(self, sha256: str) -> str:
        keyring = self._codec.keyring
        if keyring is None:
            raise UnknownKeyError(None)
        final = self.path_for(sha256)
        check = self._verify_sync(final, sha256)
        if check.state is VerifyState.MISSING:
            raise FileNotFoundError(final)
        if not check.ok:
            raise CorruptBlobError(sha256, check.actual_sha256)
        key_id = self.key_id_of(sha256)
        if key_id == keyring.active:
            return "unchanged"
        self._ensure_layout()
        tmp = self._tmp_dir / f"{secrets.token_hex(16)}{_TMP_SUFFIX}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(tmp, flags, 0o600)
        try:
            with open(final, "rb") as src:
                if key_id is not None:
                    _write_all(fd, envelope.rewrap(src.read(envelope.HEADER_LEN), keyring))
                    while chunk := src.read(CHUNK_SIZE):
                        _write_all(fd, chunk)
                else:
                    encoder = envelope.Encryptor(keyring)
                    while chunk := src.read(CHUNK_SIZE):
                        _write_all(fd, encoder.update(chunk))
                    _write_all(fd, encoder.finalize())
            os.fchmod(fd, _FILE_MODE)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        os.close(fd)
        if not self._verify_sync(tmp, sha256).ok:  # never replace a good file by a bad one
            tmp.unlink(missing_ok=True)
            raise CorruptBlobError(sha256, None)
        os.replace(tmp, final)
        _fsync_dir(final.parent)
        return "rewrapped" if key_id is not None else "encrypted"

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
