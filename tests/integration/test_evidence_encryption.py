"""Evidence encrypted at rest: AES-GCM envelopes per file under a deployment keyring, the content
address and hash of the original bytes, legacy plaintext files, rotation, and key files."""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from liuhen.evidence import envelope
from liuhen.evidence.envelope import HEADER_LEN, MAGIC, TAG, Keyring, encrypted_size
from liuhen.evidence.keys import (
    KeyFileError,
    create_keyring,
    create_signer,
    drop_retired,
    load_keyring,
    load_signer,
    read_keyring,
    rotate_keyring,
)
from liuhen.evidence.store import CorruptBlobError, FileEvidenceStore, VerifyState
from tests.integration.test_evidence_store import durability_events

NOW = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
SEG = 1 << envelope.DEFAULT_SEGMENT_LOG2


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ring(*ids: str) -> Keyring:
    ids = ids or ("a" * 16,)
    return Keyring(ids[-1], {i: os.urandom(32) for i in ids})


def tamper(path: Path, data: bytes) -> None:
    path.chmod(0o600)
    path.write_bytes(data)


@pytest.fixture
def keyring() -> Keyring:
    return ring()


@pytest.fixture
def store(tmp_path: Path, keyring: Keyring) -> FileEvidenceStore:
    return FileEvidenceStore(tmp_path / "evidence", keyring=keyring)


@pytest.mark.parametrize("size", [0, 1, 1000, SEG - 1, SEG, SEG + 1, 3 * SEG + 5])
async def test_round_trip_keeps_the_address_and_hides_the_bytes(store: FileEvidenceStore, size: int) -> None:
    data = os.urandom(size) if size < 100 else (b"\xe7\x95\x99\xe7\x97\x95 " * (size // 7 + 1))[:size]
    blob = await store.put_bytes(data)
    assert blob.sha256 == sha(data) and blob.size == size
    assert blob.path == store.root / "sha256" / sha(data)[:2] / sha(data)[2:4] / sha(data)
    disk = blob.path.read_bytes()
    assert disk.startswith(MAGIC)
    assert len(disk) == encrypted_size(size)
    if size >= 16:
        assert data[:16] not in disk  # the plaintext does not appear on disk
    assert await store.read(blob.sha256) == data
    with store.open(blob.sha256) as f:
        assert f.read() == data
    check = await store.verify(blob.sha256)
    assert check.ok and check.size == size


async def test_streamed_writer_and_put_file(store: FileEvidenceStore, tmp_path: Path) -> None:
    data = os.urandom(2 * SEG + 12345)
    async with store.writer() as w:
        for i in range(0, len(data), 70_001):
            await w.write(data[i : i + 70_001])
    assert w.result.sha256 == sha(data)
    src = tmp_path / "原件.bin"
    src.write_bytes(data)
    again = await store.put_file(src)
    assert again.existed and again.sha256 == sha(data)
    assert await store.read(sha(data)) == data


async def test_two_copies_of_the_same_bytes_differ_on_disk_but_not_in_address(
    tmp_path: Path, keyring: Keyring
) -> None:
    a = await FileEvidenceStore(tmp_path / "a", keyring=keyring).put_bytes(b"same bytes")
    b = await FileEvidenceStore(tmp_path / "b", keyring=keyring).put_bytes(b"same bytes")
    assert a.sha256 == b.sha256
    assert a.path.read_bytes() != b.path.read_bytes()  # fresh data key and nonces per file


@pytest.mark.parametrize(
    "where",
    ["magic", "key id", "wrapped key", "nonce prefix", "first segment", "last tag", "truncate", "append"],
)
async def test_any_change_on_disk_is_detected(store: FileEvidenceStore, where: str) -> None:
    data = os.urandom(SEG + 500)
    blob = await store.put_bytes(data)
    disk = bytearray(blob.path.read_bytes())
    offsets = {
        "magic": 2,
        "key id": len(MAGIC) + 3,
        "wrapped key": HEADER_LEN - 20,
        "nonce prefix": HEADER_LEN - 1,
        "first segment": HEADER_LEN + 10,
        "last tag": len(disk) - 1,
    }
    if where == "truncate":
        changed = bytes(disk[:-TAG])
    elif where == "append":
        changed = bytes(disk) + b"\x00"
    else:
        disk[offsets[where]] ^= 0x01
        changed = bytes(disk)
    tamper(blob.path, changed)
    check = await store.verify(blob.sha256)
    assert not check.ok
    with pytest.raises((CorruptBlobError, envelope.DecodeError)):
        await store.read(blob.sha256)


async def test_segments_cannot_be_reordered_or_dropped(store: FileEvidenceStore) -> None:
    data = os.urandom(3 * SEG)
    blob = await store.put_bytes(data)
    disk = blob.path.read_bytes()
    seg = SEG + TAG
    header, body = disk[:HEADER_LEN], disk[HEADER_LEN:]
    segments = [body[i : i + seg] for i in range(0, len(body), seg)]
    tamper(blob.path, header + segments[1] + segments[0] + segments[2])
    assert (await store.verify(blob.sha256)).state is VerifyState.CORRUPT
    tamper(blob.path, header + segments[0] + segments[1])  # the last segment dropped
    assert (await store.verify(blob.sha256)).state is VerifyState.CORRUPT


async def test_without_the_key_a_file_is_reported_as_such(tmp_path: Path, store: FileEvidenceStore) -> None:
    blob = await store.put_bytes(b"confidential")
    no_keys = FileEvidenceStore(store.root)
    assert (await no_keys.verify(blob.sha256)).state is VerifyState.NO_KEY
    other = FileEvidenceStore(store.root, keyring=ring("b" * 16))
    result = await other.verify(blob.sha256)
    assert result.state is VerifyState.NO_KEY and "a" * 16 in (result.error or "")


async def test_plaintext_files_from_before_encryption_stay_readable(tmp_path: Path, keyring: Keyring) -> None:
    plain = FileEvidenceStore(tmp_path / "evidence")
    old = await plain.put_bytes(b"written before encryption was switched on")
    assert old.path.read_bytes() == b"written before encryption was switched on"
    enc = FileEvidenceStore(tmp_path / "evidence", keyring=keyring)
    assert await enc.read(old.sha256) == b"written before encryption was switched on"
    assert (await enc.verify(old.sha256)).ok
    again = await enc.put_bytes(b"written before encryption was switched on")
    assert again.existed and again.quarantined is None  # the plaintext copy is the same content
    assert enc.key_id_of(old.sha256) is None


async def test_a_plaintext_file_that_begins_with_the_magic_is_recognised_by_its_hash(
    tmp_path: Path, keyring: Keyring
) -> None:
    tricky = MAGIC + os.urandom(200)
    blob = await FileEvidenceStore(tmp_path / "evidence").put_bytes(tricky)
    for s in (
        FileEvidenceStore(tmp_path / "evidence"),
        FileEvidenceStore(tmp_path / "evidence", keyring=keyring),
    ):
        assert (await s.verify(blob.sha256)).ok
        assert await s.read(blob.sha256) == tricky


async def test_rotation_rewraps_only_the_header(tmp_path: Path) -> None:
    first = ring("1" * 16)
    store = FileEvidenceStore(tmp_path / "evidence", keyring=first)
    data = os.urandom(SEG + 99)
    blob = await store.put_bytes(data)
    before = blob.path.read_bytes()
    both = Keyring("2" * 16, {**first.keys, "2" * 16: os.urandom(32)})
    rotated = FileEvidenceStore(tmp_path / "evidence", keyring=both)
    assert await rotated.reseal(blob.sha256) == "rewrapped"
    after = blob.path.read_bytes()
    assert after[HEADER_LEN:] == before[HEADER_LEN:]  # the body is untouched
    assert rotated.key_id_of(blob.sha256) == "2" * 16
    assert await rotated.reseal(blob.sha256) == "unchanged"
    only_new = Keyring("2" * 16, {"2" * 16: both.keys["2" * 16]})
    assert await FileEvidenceStore(tmp_path / "evidence", keyring=only_new).read(blob.sha256) == data
    assert stat.S_IMODE(blob.path.stat().st_mode) == 0o400
    assert list((tmp_path / "evidence" / "tmp").iterdir()) == []


async def test_reseal_encrypts_plaintext_and_never_replaces_a_bad_file(
    tmp_path: Path, keyring: Keyring
) -> None:
    blob = await FileEvidenceStore(tmp_path / "evidence").put_bytes(b"old plaintext evidence")
    store = FileEvidenceStore(tmp_path / "evidence", keyring=keyring)
    assert await store.reseal(blob.sha256) == "encrypted"
    assert blob.path.read_bytes().startswith(MAGIC)
    assert await store.read(blob.sha256) == b"old plaintext evidence"
    bad = await FileEvidenceStore(tmp_path / "evidence").put_bytes(b"will be damaged")
    tamper(bad.path, b"damaged!")
    with pytest.raises(CorruptBlobError):
        await store.reseal(bad.sha256)
    assert bad.path.read_bytes() == b"damaged!"  # left as found, for the investigation


async def test_durability_order_of_an_encrypted_put(
    store: FileEvidenceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = durability_events(monkeypatch)
    blob = await store.put_bytes(b"order matters, encrypted too")
    final = str(blob.path.resolve())
    i = events.index(("replace", final))
    assert any(k == "fsync" and "/tmp/" in p for k, p in events[:i])
    assert ("fsync", str(blob.path.parent.resolve())) in events[i + 1 :]


# --- key files ----------------------------------------------------------------------------------------------


def test_key_files_are_private_and_never_replaced(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    signer, created = create_signer(keys)
    assert created
    again, created_again = create_signer(keys)
    assert not created_again and again.key_id == signer.key_id
    assert stat.S_IMODE((keys / "checkpoint-signing.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    assert (keys / f"checkpoint-{signer.key_id}.pub.pem").read_text().startswith("-----BEGIN PUBLIC KEY")
    assert load_signer(keys) is not None and load_signer(tmp_path / "none") is None
    ring_file, made = create_keyring(keys / "evidence.keys", NOW)
    same, made_again = create_keyring(keys / "evidence.keys", NOW)
    assert made and not made_again and same.active == ring_file.active
    assert stat.S_IMODE((keys / "evidence.keys").stat().st_mode) == 0o600
    assert list(keys.glob(".*.tmp")) == []


def test_keyring_rotation_keeps_old_keys_until_dropped(tmp_path: Path) -> None:
    path = tmp_path / "evidence.keys"
    first, _ = create_keyring(path, NOW)
    rotated = rotate_keyring(path, NOW)
    assert rotated.active != first.active
    loaded = load_keyring(path)
    assert loaded is not None and set(loaded.keys) == {first.active, rotated.active}
    assert drop_retired(path, keep={first.active}) == []  # still in use: kept
    assert drop_retired(path) == [first.active]
    after = read_keyring(path)
    assert after is not None and [k["id"] for k in after.keys] == [rotated.active]


def test_a_damaged_keyring_is_refused_with_a_chinese_message(tmp_path: Path) -> None:
    path = tmp_path / "evidence.keys"
    path.write_text('{"format": "something else"}')
    with pytest.raises(KeyFileError, match="格式不对"):
        load_keyring(path)
    with pytest.raises(KeyFileError, match="请先运行 liuhen init"):
        rotate_keyring(tmp_path / "missing.keys", NOW)
