"""Evidence encrypted at rest: an AES-GCM envelope per file (seed 003 §12, seed 004 §15, §29).

Every file gets a fresh random 256-bit *data key*; the data key is wrapped (AES-GCM) by the deployment key
named in the header, which lives in a keyring file outside the data directory (``evidence/keys.py``).
Rotating the deployment key re-wraps the data keys: only the header changes, the body stays.

The body is the plaintext in segments, each sealed with AES-GCM under the data key (the STREAM
construction of Hoang, Reyhanitabar, Rogaway and Vizár): nonce = 7 random bytes ‖ 32-bit counter ‖
last-flag, so segments cannot be reordered, dropped or cut off at the end without failing a tag, and a
file of any size is streamed in constant memory. Layout (93-byte header)::

    magic 8 | version 1 | log2 segment size 1 | key id 16 (ASCII hex) | wrap nonce 12 |
    wrapped data key 48 | nonce prefix 7 | segment₀ ‖ tag … segmentₙ ‖ tag

The segments' associated data is the immutable part of the header (magic, version, segment size, nonce
prefix), so re-wrapping does not touch them. Files without the magic are plaintext from before encryption
was switched on; they are read as they are (``FileEvidenceStore`` decides by the magic, and falls back to
the content hash for a plaintext file that happens to begin with it).
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import BinaryIO, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from liuhen.evidence.errors import DecodeError, UnknownKeyError

MAGIC: Final = b"\x89LHE\r\n\x1a\n"
VERSION: Final = 1
KEY_ID_LEN: Final = 16
KEY_BYTES: Final = 32
TAG: Final = 16
NONCE_PREFIX_LEN: Final = 7
WRAPPED_LEN: Final = KEY_BYTES + TAG
HEADER_LEN: Final = len(MAGIC) + 1 + 1 + KEY_ID_LEN + 12 + WRAPPED_LEN + NONCE_PREFIX_LEN
DEFAULT_SEGMENT_LOG2: Final = 18  # 256 KiB
_MAX_SEGMENTS: Final = 1 << 32


def new_key_id() -> str:
    return secrets.token_hex(KEY_ID_LEN // 2)


@dataclass(frozen=True)
class Keyring:
    """Deployment keys by id; new files are sealed under ``active``. Retired keys stay readable."""

    active: str
    keys: Mapping[str, bytes]

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise ValueError("the active key is not in the keyring")
        for key_id, key in self.keys.items():
            if len(key_id) != KEY_ID_LEN or len(key) != KEY_BYTES:
                raise ValueError(f"malformed evidence key {key_id!r}")

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise UnknownKeyError(key_id) from None


@dataclass(frozen=True)
class Header:
    segment_log2: int
    key_id: str
    wrap_nonce: bytes
    wrapped_key: bytes
    nonce_prefix: bytes

    def to_bytes(self) -> bytes:
        return b"".join(
            (
                MAGIC,
                bytes((VERSION, self.segment_log2)),
                self.key_id.encode("ascii"),
                self.wrap_nonce,
                self.wrapped_key,
                self.nonce_prefix,
            )
        )

    @classmethod
    def parse(cls, data: bytes) -> Header:
        if len(data) < HEADER_LEN or not data.startswith(MAGIC):
            raise DecodeError("truncated envelope header")
        i = len(MAGIC)
        version, log2 = data[i], data[i + 1]
        if version != VERSION or not 10 <= log2 <= 24:
            raise DecodeError(f"unknown envelope version {version} / segment size 2^{log2}")
        i += 2
        try:
            key_id = data[i : i + KEY_ID_LEN].decode("ascii")
        except UnicodeDecodeError:
            raise DecodeError("malformed key id") from None
        i += KEY_ID_LEN
        wrap_nonce = data[i : i + 12]
        i += 12
        wrapped = data[i : i + WRAPPED_LEN]
        i += WRAPPED_LEN
        return cls(log2, key_id, wrap_nonce, wrapped, data[i : i + NONCE_PREFIX_LEN])

    @property
    def segment_size(self) -> int:
        return 1 << self.segment_log2

    @property
    def segment_aad(self) -> bytes:
        return MAGIC + bytes((VERSION, self.segment_log2)) + self.nonce_prefix

    def unwrap(self, keyring: Keyring | None) -> bytes:
        if keyring is None:
            raise UnknownKeyError(None)
        try:
            return AESGCM(keyring.key(self.key_id)).decrypt(
                self.wrap_nonce, self.wrapped_key, _wrap_aad(self.key_id)
            )
        except InvalidTag:
            raise DecodeError("the data key does not unwrap (wrong key or altered header)") from None


def _wrap_aad(key_id: str) -> bytes:
    return MAGIC + bytes((VERSION,)) + key_id.encode("ascii")


def _wrap(keyring: Keyring, key_id: str, data_key: bytes) -> tuple[bytes, bytes]:
    nonce = os.urandom(12)
    return nonce, AESGCM(keyring.key(key_id)).encrypt(nonce, data_key, _wrap_aad(key_id))


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    if counter >= _MAX_SEGMENTS:
        raise DecodeError("too many segments")
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def is_envelope(prefix: bytes) -> bool:
    return prefix.startswith(MAGIC)


def encrypted_size(plain_size: int, segment_log2: int = DEFAULT_SEGMENT_LOG2) -> int:
    segments = max(1, -(-plain_size // (1 << segment_log2)))
    return HEADER_LEN + plain_size + TAG * segments


class Encryptor:
    """Seals a stream: ``update`` returns the ciphertext ready so far (the header first), ``finalize`` the
    rest. The last segment is held back until ``finalize`` so that it can carry the last-flag."""

    def __init__(self, keyring: Keyring, segment_log2: int = DEFAULT_SEGMENT_LOG2) -> None:
        data_key = AESGCM.generate_key(bit_length=256)
        wrap_nonce, wrapped = _wrap(keyring, keyring.active, data_key)
        self.header = Header(segment_log2, keyring.active, wrap_nonce, wrapped, os.urandom(NONCE_PREFIX_LEN))
        self._aead = AESGCM(data_key)
        self._aad = self.header.segment_aad
        self._size = self.header.segment_size
        self._buf = bytearray()
        self._counter = 0
        self._header_out = False
        self._done = False

    def _seal(self, segment: bytes | bytearray, last: bool) -> bytes:
        sealed = self._aead.encrypt(
            _nonce(self.header.nonce_prefix, self._counter, last), bytes(segment), self._aad
        )
        self._counter += 1
        return sealed

    def _start(self) -> list[bytes]:
        if self._header_out:
            return []
        self._header_out = True
        return [self.header.to_bytes()]

    def update(self, data: memoryview | bytes | bytearray) -> bytes:
        if self._done:
            raise RuntimeError("encryptor finalised")
        self._buf += data
        out = self._start()
        while len(self._buf) > self._size:
            out.append(self._seal(self._buf[: self._size], last=False))
            del self._buf[: self._size]
        return b"".join(out)

    def finalize(self) -> bytes:
        if self._done:
            raise RuntimeError("encryptor finalised")
        out = self._start()
        out.append(self._seal(self._buf, last=True))
        self._buf = bytearray()
        self._done = True
        return b"".join(out)


def _read_exact(f: BinaryIO, n: int) -> bytes:
    chunks: list[bytes] = []
    while n > 0:
        chunk = f.read(n)
        if not chunk:
            break
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


class _DecryptingRaw(io.RawIOBase):
    """The plaintext of an envelope, segment by segment; raises DecodeError on any failed tag, on a
    truncated file, and on data after the last segment."""

    def __init__(self, f: BinaryIO, header: Header, data_key: bytes) -> None:
        self._f = f
        self._header = header
        self._aead = AESGCM(data_key)
        self._aad = header.segment_aad
        self._seg_len = header.segment_size + TAG
        self._counter = 0
        self._out = memoryview(b"")
        self._done = False
        self._next = _read_exact(f, self._seg_len)

    def readable(self) -> bool:
        return True

    def _advance(self) -> None:
        current = self._next
        if len(current) < self._seg_len:
            last, self._next = True, b""
        else:
            self._next = _read_exact(self._f, self._seg_len)
            last = not self._next
        if len(current) < TAG:
            raise DecodeError("truncated encrypted file")
        nonce = _nonce(self._header.nonce_prefix, self._counter, last)
        try:
            plain = self._aead.decrypt(nonce, current, self._aad)
        except InvalidTag:
            raise DecodeError(f"segment {self._counter} fails its authentication tag") from None
        self._counter += 1
        self._out = memoryview(plain)
        self._done = last

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        target = memoryview(buffer).cast("B")
        while not self._out and not self._done:
            self._advance()
        n = min(len(target), len(self._out))
        target[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._f.close()
        super().close()


def open_decrypting(f: BinaryIO, keyring: Keyring | None) -> BinaryIO:
    """``f`` positioned at the start of an envelope: a binary file object of the plaintext (closing it
    closes ``f``). Raises DecodeError (UnknownKeyError without the key) before reading any segment."""
    header = Header.parse(_read_exact(f, HEADER_LEN))
    data_key = header.unwrap(keyring)
    return io.BufferedReader(_DecryptingRaw(f, header, data_key), buffer_size=header.segment_size)


def rewrap(header_bytes: bytes, keyring: Keyring, to_key_id: str | None = None) -> bytes:
    """The same envelope header with its data key wrapped by another deployment key (rotation)."""
    header = Header.parse(header_bytes)
    data_key = header.unwrap(keyring)
    key_id = to_key_id or keyring.active
    wrap_nonce, wrapped = _wrap(keyring, key_id, data_key)
    return Header(header.segment_log2, key_id, wrap_nonce, wrapped, header.nonce_prefix).to_bytes()
