"""Evidence encrypted at rest (seed 003 §12, seed 004 §15, §29): one envelope per file, sealed with
libsodium's secretstream (``crypto_secretstream_xchacha20poly1305``, through PyNaCl).

Every file gets a fresh random 256-bit *data key*; the data key is wrapped (XChaCha20-Poly1305) by the
deployment key named in the header, which lives in a keyring file outside the data directory
(``evidence/keys.py``). Rotating the deployment key re-wraps the data keys: only the header changes, the
body stays.

The body is the plaintext in chunks pushed through one secretstream under the data key: each chunk is
authenticated together with its place in the stream (the stream's state advances with every chunk), and the
last one carries ``TAG_FINAL``. So chunks cannot be reordered, dropped, cut off at the end or followed by
anything without the file failing to decrypt, and a file of any size is streamed in constant memory.
Layout (122-byte header)::

    magic 8 | version 1 (= 2) | log2 chunk size 1 | key id 16 (ASCII hex) | wrap nonce 24 |
    wrapped data key 48 | secretstream header 24 | chunk₀ ‖ tag … chunkₙ ‖ tag (17 bytes each)

Every chunk's associated data is the immutable start of the header (magic, version, chunk size), so
re-wrapping does not touch the body. Files without the magic are plaintext from before encryption was
switched on; they are read as they are (``FileEvidenceStore`` decides by the magic, and falls back to the
content hash for a plaintext file that happens to begin with it).

Files of the first format (version 1: AES-GCM segments with a STREAM nonce, 93-byte header) are still
read; ``liuhen key rewrap`` re-encrypts them into this one (``FileEvidenceStore.reseal``).
"""

from __future__ import annotations

import abc
import io
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import BinaryIO, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nacl import bindings as sodium
from nacl.exceptions import CryptoError

from liuhen.evidence.errors import DecodeError, UnknownKeyError

MAGIC: Final = b"\x89LHE\r\n\x1a\n"
VERSION: Final = 2
KEY_ID_LEN: Final = 16
KEY_BYTES: Final = 32
ABYTES: Final[int] = sodium.crypto_secretstream_xchacha20poly1305_ABYTES  # per chunk: 17
WRAP_NONCE_LEN: Final[int] = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES  # 24
WRAPPED_LEN: Final[int] = KEY_BYTES + sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES  # 48
STREAM_HEADER_LEN: Final[int] = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES  # 24
HEADER_LEN: Final = len(MAGIC) + 1 + 1 + KEY_ID_LEN + WRAP_NONCE_LEN + WRAPPED_LEN + STREAM_HEADER_LEN
DEFAULT_CHUNK_LOG2: Final = 18  # 256 KiB
_TAG_MESSAGE: Final[int] = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
_TAG_FINAL: Final[int] = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL


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


def _key_id(data: bytes) -> str:
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        raise DecodeError("malformed key id") from None


@dataclass(frozen=True)
class Header:
    chunk_log2: int
    key_id: str
    wrap_nonce: bytes
    wrapped_key: bytes
    stream_header: bytes

    def to_bytes(self) -> bytes:
        return b"".join(
            (
                self.chunk_aad,
                self.key_id.encode("ascii"),
                self.wrap_nonce,
                self.wrapped_key,
                self.stream_header,
            )
        )

    @classmethod
    def parse(cls, data: bytes) -> Header:
        if len(data) < HEADER_LEN or not data.startswith(MAGIC):
            raise DecodeError("truncated envelope header")
        i = len(MAGIC)
        version, log2 = data[i], data[i + 1]
        if version != VERSION or not 10 <= log2 <= 24:
            raise DecodeError(f"unknown envelope version {version} / chunk size 2^{log2}")
        i += 2
        key_id = _key_id(data[i : i + KEY_ID_LEN])
        i += KEY_ID_LEN
        wrap_nonce = data[i : i + WRAP_NONCE_LEN]
        i += WRAP_NONCE_LEN
        wrapped = data[i : i + WRAPPED_LEN]
        i += WRAPPED_LEN
        return cls(log2, key_id, wrap_nonce, wrapped, data[i : i + STREAM_HEADER_LEN])

    @property
    def chunk_size(self) -> int:
        return 1 << self.chunk_log2

    @property
    def chunk_aad(self) -> bytes:
        return MAGIC + bytes((VERSION, self.chunk_log2))

    def unwrap(self, keyring: Keyring | None) -> bytes:
        if keyring is None:
            raise UnknownKeyError(None)
        try:
            return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
                self.wrapped_key, _wrap_aad(self.key_id), self.wrap_nonce, keyring.key(self.key_id)
            )
        except CryptoError:
            raise DecodeError("the data key does not unwrap (wrong key or altered header)") from None


def _wrap_aad(key_id: str) -> bytes:
    return MAGIC + bytes((VERSION,)) + key_id.encode("ascii")


def _wrap(keyring: Keyring, key_id: str, data_key: bytes) -> tuple[bytes, bytes]:
    nonce = os.urandom(WRAP_NONCE_LEN)
    wrapped = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        data_key, _wrap_aad(key_id), nonce, keyring.key(key_id)
    )
    return nonce, wrapped


def is_envelope(prefix: bytes) -> bool:
    return prefix.startswith(MAGIC)


def version_of(prefix: bytes) -> int | None:
    """The envelope format of a file beginning with ``prefix``; None for plaintext (no magic)."""
    if not prefix.startswith(MAGIC) or len(prefix) <= len(MAGIC):
        return None
    return prefix[len(MAGIC)]


def encrypted_size(plain_size: int, chunk_log2: int = DEFAULT_CHUNK_LOG2) -> int:
    chunks = max(1, -(-plain_size // (1 << chunk_log2)))
    return HEADER_LEN + plain_size + ABYTES * chunks


class Encryptor:
    """Seals a stream: ``update`` returns the ciphertext ready so far (the header first), ``finalize`` the
    rest. The last chunk is held back until ``finalize`` so that it can carry ``TAG_FINAL``."""

    def __init__(self, keyring: Keyring, chunk_log2: int = DEFAULT_CHUNK_LOG2) -> None:
        data_key = sodium.crypto_secretstream_xchacha20poly1305_keygen()
        wrap_nonce, wrapped = _wrap(keyring, keyring.active, data_key)
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        stream_header = sodium.crypto_secretstream_xchacha20poly1305_init_push(self._state, data_key)
        self.header = Header(chunk_log2, keyring.active, wrap_nonce, wrapped, stream_header)
        self._aad = self.header.chunk_aad
        self._size = self.header.chunk_size
        self._buf = bytearray()
        self._header_out = False
        self._done = False

    def _seal(self, chunk: bytes | bytearray, tag: int) -> bytes:
        return sodium.crypto_secretstream_xchacha20poly1305_push(self._state, bytes(chunk), self._aad, tag)

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
            out.append(self._seal(self._buf[: self._size], _TAG_MESSAGE))
            del self._buf[: self._size]
        return b"".join(out)

    def finalize(self) -> bytes:
        if self._done:
            raise RuntimeError("encryptor finalised")
        out = self._start()
        out.append(self._seal(self._buf, _TAG_FINAL))
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


class _Chunks(io.RawIOBase):
    """The plaintext of an envelope's body, chunk by chunk, each read ahead of the next so that the last one
    is known; ``_open`` authenticates one chunk and raises DecodeError when it does not hold."""

    def __init__(self, f: BinaryIO, sealed_len: int) -> None:
        self._f = f
        self._sealed_len = sealed_len
        self._count = 0
        self._out = memoryview(b"")
        self._done = False
        self._next = _read_exact(f, sealed_len)

    def readable(self) -> bool:
        return True

    @abc.abstractmethod
    def _open(self, sealed: bytes, index: int, last: bool) -> bytes:
        """The plaintext of one sealed chunk (each format opens its own)."""

    def _advance(self) -> None:
        current = self._next
        if len(current) < self._sealed_len:
            last, self._next = True, b""
        else:
            self._next = _read_exact(self._f, self._sealed_len)
            last = not self._next
        self._out = memoryview(self._open(current, self._count, last))
        self._count += 1
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


class _SecretStreamChunks(_Chunks):
    def __init__(self, f: BinaryIO, header: Header, data_key: bytes) -> None:
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        try:
            sodium.crypto_secretstream_xchacha20poly1305_init_pull(
                self._state, header.stream_header, data_key
            )
        except CryptoError:
            raise DecodeError("malformed stream header") from None
        self._aad = header.chunk_aad
        super().__init__(f, header.chunk_size + ABYTES)

    def _open(self, sealed: bytes, index: int, last: bool) -> bytes:
        if len(sealed) < ABYTES:
            raise DecodeError("truncated encrypted file")
        try:
            plain, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(self._state, sealed, self._aad)
        except CryptoError:
            raise DecodeError(f"chunk {index} fails its authentication tag") from None
        if last and tag != _TAG_FINAL:
            raise DecodeError("truncated encrypted file (no final chunk)")
        if not last and tag != _TAG_MESSAGE:
            raise DecodeError(f"data after the final chunk {index}")
        return plain


def open_decrypting(f: BinaryIO, keyring: Keyring | None) -> BinaryIO:
    """``f`` positioned at the start of an envelope of either format: a binary file object of the
    plaintext (closing it closes ``f``). Raises DecodeError (UnknownKeyError without the key) before
    reading the body."""
    head = _read_exact(f, len(MAGIC) + 1)
    version = version_of(head)
    if version == V1_VERSION:
        v1 = HeaderV1.parse(head + _read_exact(f, V1_HEADER_LEN - len(head)))
        raw: _Chunks = _AesGcmSegments(f, v1, v1.unwrap(keyring))
        return io.BufferedReader(raw, buffer_size=v1.segment_size)
    header = Header.parse(head + _read_exact(f, HEADER_LEN - len(head)))
    raw = _SecretStreamChunks(f, header, header.unwrap(keyring))
    return io.BufferedReader(raw, buffer_size=header.chunk_size)


def key_id_of(head: bytes) -> str | None:
    """The deployment key an envelope beginning with ``head`` (``MAX_HEADER_LEN`` bytes, or the whole file)
    is sealed under; None for plaintext. Raises DecodeError for a damaged header."""
    version = version_of(head)
    if version is None:
        return None
    if version == V1_VERSION:
        return HeaderV1.parse(head).key_id
    return Header.parse(head).key_id


def rewrap(header_bytes: bytes, keyring: Keyring, to_key_id: str | None = None) -> bytes:
    """The same envelope header with its data key wrapped by another deployment key (rotation)."""
    header = Header.parse(header_bytes)
    data_key = header.unwrap(keyring)
    key_id = to_key_id or keyring.active
    wrap_nonce, wrapped = _wrap(keyring, key_id, data_key)
    return Header(header.chunk_log2, key_id, wrap_nonce, wrapped, header.stream_header).to_bytes()


# --- the first format, read only ---------------------------------------------------------------------------
# Version 1 sealed 2^n-byte segments with AES-GCM under the data key, nonce = 7 random bytes ‖ 32-bit
# counter ‖ last-flag (the STREAM construction), the data key wrapped with AES-GCM. Layout (93 bytes)::
#
#     magic 8 | version 1 (= 1) | log2 segment size 1 | key id 16 | wrap nonce 12 | wrapped data key 48 |
#     nonce prefix 7 | segment₀ ‖ tag … segmentₙ ‖ tag (16 bytes each)

V1_VERSION: Final = 1
_V1_TAG: Final = 16
_V1_NONCE_PREFIX_LEN: Final = 7
V1_HEADER_LEN: Final = len(MAGIC) + 1 + 1 + KEY_ID_LEN + 12 + KEY_BYTES + _V1_TAG + _V1_NONCE_PREFIX_LEN
MAX_HEADER_LEN: Final = max(HEADER_LEN, V1_HEADER_LEN)
_V1_MAX_SEGMENTS: Final = 1 << 32


@dataclass(frozen=True)
class HeaderV1:
    segment_log2: int
    key_id: str
    wrap_nonce: bytes
    wrapped_key: bytes
    nonce_prefix: bytes

    @classmethod
    def parse(cls, data: bytes) -> HeaderV1:
        if len(data) < V1_HEADER_LEN or not data.startswith(MAGIC):
            raise DecodeError("truncated envelope header")
        i = len(MAGIC)
        version, log2 = data[i], data[i + 1]
        if version != V1_VERSION or not 10 <= log2 <= 24:
            raise DecodeError(f"unknown envelope version {version} / segment size 2^{log2}")
        i += 2
        key_id = _key_id(data[i : i + KEY_ID_LEN])
        i += KEY_ID_LEN
        wrap_nonce = data[i : i + 12]
        i += 12
        wrapped = data[i : i + KEY_BYTES + _V1_TAG]
        i += KEY_BYTES + _V1_TAG
        return cls(log2, key_id, wrap_nonce, wrapped, data[i : i + _V1_NONCE_PREFIX_LEN])

    @property
    def segment_size(self) -> int:
        return 1 << self.segment_log2

    @property
    def segment_aad(self) -> bytes:
        return MAGIC + bytes((V1_VERSION, self.segment_log2)) + self.nonce_prefix

    def unwrap(self, keyring: Keyring | None) -> bytes:
        if keyring is None:
            raise UnknownKeyError(None)
        aad = MAGIC + bytes((V1_VERSION,)) + self.key_id.encode("ascii")
        try:
            return AESGCM(keyring.key(self.key_id)).decrypt(self.wrap_nonce, self.wrapped_key, aad)
        except InvalidTag:
            raise DecodeError("the data key does not unwrap (wrong key or altered header)") from None


class _AesGcmSegments(_Chunks):
    def __init__(self, f: BinaryIO, header: HeaderV1, data_key: bytes) -> None:
        self._header = header
        self._aead = AESGCM(data_key)
        self._aad = header.segment_aad
        super().__init__(f, header.segment_size + _V1_TAG)

    def _open(self, sealed: bytes, index: int, last: bool) -> bytes:
        if len(sealed) < _V1_TAG:
            raise DecodeError("truncated encrypted file")
        if index >= _V1_MAX_SEGMENTS:
            raise DecodeError("too many segments")
        nonce = self._header.nonce_prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")
        try:
            return self._aead.decrypt(nonce, sealed, self._aad)
        except InvalidTag:
            raise DecodeError(f"segment {index} fails its authentication tag") from None
