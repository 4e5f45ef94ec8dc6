"""Key files outside the database: the checkpoint signing key and the evidence keyring.

Key directory (``LIUHEN_KEY_DIR``; in production on another disk than the evidence)::

    checkpoint-signing.pem        Ed25519 private key, PKCS#8 PEM, mode 0600 — signs ledger checkpoints
    checkpoint-<key id>.pub.pem   its public key (and those of earlier signing keys), for `liuhen verify`
    evidence.keys                 the evidence keyring (``LIUHEN_EVIDENCE_KEY_FILE``), JSON, mode 0600

Secret files are created with mode 0600 in a 0700 directory, written to a temp file, fsync'ed and linked
into place (never over an existing key: a lost key means lost evidence), then the directory is fsync'ed
(``evidence/durable.py``); the keyring is replaced the same way, atomically, when it is rotated.
The key id of a signing key is the first 16 hex digits of SHA-256 over its raw public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from liuhen.evidence import durable
from liuhen.evidence.envelope import KEY_BYTES, Keyring, new_key_id

SIGNING_KEY_FILE: Final = "checkpoint-signing.pem"
PUBLIC_KEY_GLOB: Final = "checkpoint-*.pub.pem"
EVIDENCE_KEYRING_FILE: Final = "evidence.keys"
KEYRING_FORMAT: Final = "liuhen-evidence-keys/1"


class KeyFileError(Exception):
    """A key file is missing, malformed or unsafe; the message is Chinese, for the operator."""


def too_open(path: Path) -> bool:
    """The file can be read by the group or others."""
    return bool(path.stat().st_mode & 0o077)


# --- checkpoint signing (Ed25519) --------------------------------------------------------------------------


def key_id_of(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


@dataclass(frozen=True)
class Ed25519Signer:
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id_of(self.public)

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)

    def public_pem(self) -> str:
        return public_pem(self.public)


def public_key_file(key_dir: Path, key_id: str) -> Path:
    return key_dir / f"checkpoint-{key_id}.pub.pem"


def load_signer(key_dir: Path) -> Ed25519Signer | None:
    path = key_dir / SIGNING_KEY_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError as exc:
        raise KeyFileError(f"签名私钥文件 {path} 无法读取：{exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"签名私钥文件 {path} 不是 Ed25519 密钥")
    signer = Ed25519Signer(key)
    pub = public_key_file(key_dir, signer.key_id)
    if not pub.exists():  # e.g. restored with --include-keys into a directory without it
        durable.write_file(pub, signer.public_pem().encode(), mode=0o644, overwrite=False)
    return signer


def create_signer(key_dir: Path) -> tuple[Ed25519Signer, bool]:
    """The signing key, created when the directory has none; True when it was created now."""
    existing = load_signer(key_dir)
    if existing is not None:
        return existing, False
    signer = Ed25519Signer(Ed25519PrivateKey.generate())
    pem = signer.private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    durable.write_file(key_dir / SIGNING_KEY_FILE, pem, overwrite=False)
    public = signer.public_pem().encode()
    durable.write_file(public_key_file(key_dir, signer.key_id), public, mode=0o644, overwrite=False)
    return signer, True


class PublicKeys:
    """The public keys `liuhen verify` trusts, by key id (``SignatureVerifier`` of domain/checkpoints)."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey]) -> None:
        self.keys = dict(keys)

    def __bool__(self) -> bool:
        return bool(self.keys)

    def knows(self, key_id: str) -> bool:
        return key_id in self.keys

    def verify(self, key_id: str, message: bytes, signature: bytes) -> bool:
        key = self.keys.get(key_id)
        if key is None:
            return False
        try:
            key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> PublicKeys:
        keys: dict[str, Ed25519PublicKey] = {}
        for path in paths:
            try:
                key = serialization.load_pem_public_key(path.read_bytes())
            except (OSError, ValueError) as exc:
                raise KeyFileError(f"公钥文件 {path} 无法读取：{exc}") from exc
            if not isinstance(key, Ed25519PublicKey):
                raise KeyFileError(f"公钥文件 {path} 不是 Ed25519 公钥")
            keys[key_id_of(key)] = key
        return cls(keys)

    @classmethod
    def from_dir(cls, key_dir: Path) -> PublicKeys:
        return cls.from_files(sorted(key_dir.glob(PUBLIC_KEY_GLOB)) if key_dir.is_dir() else [])


# --- the evidence keyring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyringFile:
    """The keyring as stored: every key with its dates; retired keys stay readable for old files and
    old backups until dropped."""

    active: str
    keys: tuple[dict[str, Any], ...]

    def keyring(self) -> Keyring:
        return Keyring(self.active, {k["id"]: base64.b64decode(k["key"]) for k in self.keys})

    def to_json(self) -> bytes:
        data = {"format": KEYRING_FORMAT, "active": self.active, "keys": list(self.keys)}
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()

    @property
    def retired(self) -> list[str]:
        return [k["id"] for k in self.keys if k["id"] != self.active]


def _new_key_entry(now: datetime) -> dict[str, Any]:
    return {
        "id": new_key_id(),
        "key": base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii"),
        "created_at": now.isoformat(),
        "retired_at": None,
    }


def read_keyring(path: Path) -> KeyringFile | None:
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"证据密钥文件 {path} 无法读取：{exc}") from exc
    if not isinstance(data, dict) or data.get("format") != KEYRING_FORMAT:
        raise KeyFileError(f"证据密钥文件 {path} 格式不对")
    try:
        ring = KeyringFile(str(data["active"]), tuple(dict(k) for k in data["keys"]))
        ring.keyring()  # validates
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyFileError(f"证据密钥文件 {path} 内容不完整：{exc}") from exc
    return ring


def load_keyring(path: Path) -> Keyring | None:
    ring = read_keyring(path)
    return ring.keyring() if ring is not None else None


def create_keyring(path: Path, now: datetime) -> tuple[KeyringFile, bool]:
    """The keyring, created with one fresh key when there is none; True when it was created now."""
    existing = read_keyring(path)
    if existing is not None:
        return existing, False
    entry = _new_key_entry(now)
    ring = KeyringFile(entry["id"], (entry,))
    durable.write_file(path, ring.to_json(), overwrite=False)
    return ring, True


def rotate_keyring(path: Path, now: datetime) -> KeyringFile:
    """A new active key; the previous ones are kept as retired (files and backups still use them)."""
    ring = read_keyring(path)
    if ring is None:
        raise KeyFileError(f"没有证据密钥文件 {path}，请先运行 liuhen init")
    entry = _new_key_entry(now)
    keys = tuple(
        {**k, "retired_at": k.get("retired_at") or now.isoformat()} if k["id"] == ring.active else k
        for k in ring.keys
    )
    rotated = KeyringFile(entry["id"], (*keys, entry))
    durable.write_file(path, rotated.to_json())
    return rotated


def drop_retired(path: Path, keep: Iterable[str] = ()) -> list[str]:
    """Remove retired keys that no file uses any more (``keep``: ids still in use); returns those dropped."""
    ring = read_keyring(path)
    if ring is None:
        return []
    still = set(keep) | {ring.active}
    dropped = [k["id"] for k in ring.keys if k["id"] not in still]
    if dropped:
        durable.write_file(
            path, KeyringFile(ring.active, tuple(k for k in ring.keys if k["id"] in still)).to_json()
        )
    return dropped
