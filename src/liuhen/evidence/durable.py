"""Durable writes, in one place: every file liuhen must not lose goes through here (docs/architecture.md,
"Receipt order": the evidence store, the key files, backups and restores, the broadcast's wire log).

A file is written to a temp file beside its final place (the same filesystem), the bytes are fsync'ed,
the temp file is renamed over the final name (``os.replace``, atomic) — or linked to it where an existing
file must never be overwritten (keys) — and the directory is fsync'ed so that the new name survives a
power loss too. A crash at any point leaves either the old file (or nothing) or the complete new one,
never a part; an abandoned temp file is all that may remain.

The steps are also offered one by one (``TempFile``) for the evidence store, which hashes and encrypts
while it writes and decides only afterwards where the file goes (docs/architecture.md, "Evidence at rest").
The calls go through ``os.fsync`` and ``os.replace`` by name so that a test can record their order.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Final, Self, TypeAlias

__all__ = [
    "CHUNK_SIZE",
    "BytesLike",
    "TempFile",
    "append",
    "fsync_dir",
    "fsync_file",
    "makedirs",
    "move",
    "open_append",
    "read_chunks",
    "write_all",
    "write_file",
]

BytesLike: TypeAlias = bytes | bytearray | memoryview

CHUNK_SIZE: Final = 1 << 20
_NO_LINKS: Final = frozenset({errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK})
_CREATE: Final = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
)


def fsync_dir(path: Path | str) -> None:
    """Make the entries of a directory (new names, renames, removals) durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path | str) -> None:
    """Make the bytes of an existing file durable (one another process may have left unsynced)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def makedirs(path: Path, mode: int = 0o700) -> None:
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
            os.mkdir(d, mode)
        except FileExistsError:
            if not d.is_dir():
                raise
        fsync_dir(d)
        fsync_dir(d.parent)


def move(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst`` (which must not exist: ``os.rename``), then fsync both directories."""
    os.rename(src, dst)
    fsync_dir(dst.parent)
    if src.parent != dst.parent:
        fsync_dir(src.parent)


def write_all(fd: int, data: BytesLike) -> int:
    """Write every byte (``os.write`` may write fewer); the number written."""
    view = memoryview(data).cast("B")
    total = len(view)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    return total


def read_chunks(path: Path, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The bytes of a file, chunk by chunk (for streaming a copy through ``write_file``)."""
    with open(path, "rb") as f:
        while chunk := f.read(size):
            yield chunk


class TempFile:
    """A file on its way to its final name: created exclusively (mode 0600) in ``directory``, which must be
    on the final name's filesystem; ``write`` as often as needed, ``sync`` (chmod, fsync, close), then
    ``install`` (rename or link, fsync the directory) — or ``discard``. As a context manager, leaving with an
    exception discards it."""

    def __init__(self, directory: Path, *, prefix: str = "", mode: int = 0o600) -> None:
        self.path = directory / f"{prefix}{secrets.token_hex(16)}.tmp"
        self._fd: int | None = os.open(self.path, _CREATE, mode)
        self.size = 0

    @property
    def fd(self) -> int:
        if self._fd is None:
            raise RuntimeError("the temp file is closed")
        return self._fd

    def write(self, data: BytesLike) -> int:
        n = write_all(self.fd, data)
        self.size += n
        return n

    def sync(self, mode: int | None = None) -> None:
        """Set the final mode, fsync the bytes and close; after this the file can only be installed."""
        fd = self.fd
        if mode is not None:
            os.fchmod(fd, mode)
        os.fsync(fd)
        self._fd = None
        os.close(fd)

    def install(self, target: Path, *, overwrite: bool = True, sync_dir: bool = True) -> None:
        """Put the synced file at ``target`` atomically, then fsync its directory (``sync_dir=False`` when
        the caller fsyncs the directory once for many files). Without ``overwrite`` an existing target is
        left alone (FileExistsError) and the temp file removed."""
        if self._fd is not None:
            raise RuntimeError("sync the temp file before installing it")
        if overwrite:
            os.replace(self.path, target)
        else:
            try:
                os.link(self.path, target)  # fails if the target exists: never overwrite it
            except OSError as exc:
                if exc.errno not in _NO_LINKS:
                    self.path.unlink(missing_ok=True)
                    raise
                # a filesystem without hard links (exFAT, FAT: backup drives): check, then rename
                if os.path.lexists(target):
                    self.path.unlink(missing_ok=True)
                    raise FileExistsError(errno.EEXIST, "file exists", str(target)) from None
                os.replace(self.path, target)
            else:
                self.path.unlink()
        if sync_dir:
            fsync_dir(target.parent)

    def discard(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if et is not None:
            self.discard()


def write_file(
    path: Path,
    data: BytesLike | Iterable[BytesLike],
    *,
    mode: int = 0o600,
    overwrite: bool = True,
    tmp_dir: Path | None = None,
    sync_dir: bool = True,
) -> int:
    """Write ``data`` (bytes, or chunks of a stream) to ``path`` durably and atomically: temp file beside it,
    fsync, rename (or link, without ``overwrite``: FileExistsError if the file exists), fsync the directory.
    The directory is created if missing. Returns the number of bytes written."""
    makedirs(path.parent)
    with TempFile(tmp_dir or path.parent, prefix=f".{path.name}.", mode=mode) as tmp:
        if isinstance(data, bytes | bytearray | memoryview):
            tmp.write(data)
        else:
            for chunk in data:
                tmp.write(chunk)
        tmp.sync(mode)
        tmp.install(path, overwrite=overwrite, sync_dir=sync_dir)
    return tmp.size


def open_append(path: Path, mode: int = 0o600) -> int:
    """A descriptor appending to ``path`` (created if missing, its directory too). Appends are plain writes:
    they survive the process being killed, not a power loss (for a journal that names the boot it was
    written in, docs/architecture.md "Broadcast at most once")."""
    makedirs(path.parent)
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0), mode)


def append(fd: int, data: BytesLike) -> None:
    """Append every byte to a descriptor from ``open_append``."""
    write_all(fd, data)
