"""Evidence encrypted at rest: secretstream envelopes per file under a deployment keyring, the content
address and hash of the original bytes, legacy plaintext files, rotation, and key files. Files of the
first envelope format: tests/integration/test_evidence_migration.py."""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from liuhen.evidence import envelope
from liuhen.evidence.envelope import ABYTES, HEADER_LEN, MAGIC, Keyring, encrypted_size
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
SEG = 1 << envelope.DEFAULT_CHUNK_LOG2


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
    [
        "magic",
        "version",
        "chunk size",
        "key id",
        "wrap nonce",
        "wrapped key",
        "stream header",
        "first chunk",
        "last tag",
        "truncate",
        "truncate a byte",
        "append",
    ],
)
async def test_any_change_on_disk_is_detected(store: FileEvidenceStore, where: str) -> None:
    data = os.urandom(SEG + 500)
    blob = await store.put_bytes(data)
    disk = bytearray(blob.path.read_bytes())
    offsets = {
        "magic": 2,
        "version": len(MAGIC),
        "chunk size": len(MAGIC) + 1,
        "key id": len(MAGIC) + 3,
        "wrap nonce": len(MAGIC) + 2 + 16 + 5,
        "wrapped key": HEADER_LEN - 24 - 20,
        "stream header": HEADER_LEN - 1,
        "first chunk": HEADER_LEN + 10,
        "last tag": len(disk) - 1,
    }
    if where == "truncate":
        changed = bytes(disk[: HEADER_LEN + SEG + ABYTES])  # the last chunk dropped
    elif where == "truncate a byte":
        changed = bytes(disk[:-1])
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


async def test_chunks_cannot_be_reordered_dropped_or_added(store: FileEvidenceStore) -> None:
    data = os.urandom(3 * SEG)  # three full chunks: the last one carries TAG_FINAL
    blob = await store.put_bytes(data)
    disk = blob.path.read_bytes()
    seg = SEG + ABYTES
    header, body = disk[:HEADER_LEN], disk[HEADER_LEN:]
    chunks = [body[i : i + seg] for i in range(0, len(body), seg)]
    assert len(chunks) == 3 and len(disk) == encrypted_size(3 * SEG)
    other = (await store.put_bytes(os.urandom(3 * SEG))).path.read_bytes()
    forged = {
        "swapped": header + chunks[1] + chunks[0] + chunks[2],
        "last two swapped": header + chunks[0] + chunks[2] + chunks[1],
        "last dropped": header + chunks[0] + chunks[1],  # whole chunks, but no final one
        "middle dropped": header + chunks[0] + chunks[2],
        "first repeated": header + chunks[0] + chunks[0] + chunks[1] + chunks[2],
        "final repeated": header + chunks[0] + chunks[1] + chunks[2] + chunks[2],
        "chunk of another file": header
        + chunks[0]
        + other[HEADER_LEN + seg : HEADER_LEN + 2 * seg]
        + chunks[2],
        "header of another file": other[:HEADER_LEN] + body,
    }
    for what, changed in forged.items():
        tamper(blob.path, changed)
        check = await store.verify(blob.sha256)
        assert check.state is VerifyState.CORRUPT, what
        with pytest.raises(envelope.DecodeError), store.open(blob.sha256) as f:
            f.read()
    tamper(blob.path, disk)
    assert (await store.verify(blob.sha256)).ok


def test_the_envelope_streams_in_constant_memory(keyring: Keyring) -> None:
    """Ciphertext leaves the encryptor chunk by chunk (only the last chunk is held back) and the decryptor
    holds one chunk and the next: neither keeps the file."""
    enc = envelope.Encryptor(keyring, chunk_log2=10)
    pieces = [enc.update(os.urandom(700)) for _ in range(100)]
    assert max(len(p) for p in pieces) <= HEADER_LEN + 2 * (1024 + ABYTES)
    assert len(enc._buf) <= 1024
    tail = enc.finalize()
    import io

    reader = envelope.open_decrypting(io.BytesIO(b"".join(pieces) + tail), keyring)
    assert len(reader.read(10)) == 10
    assert reader.raw._sealed_len == 1024 + ABYTES  # type: ignore[attr-defined]


def test_round_trip_without_the_store(keyring: Keyring) -> None:
    import io

    for size in (0, 1, 1023, 1024, 1025, 5000):
        data = os.urandom(size)
        enc = envelope.Encryptor(keyring, chunk_log2=10)
        sealed = enc.update(data) + enc.finalize()
        assert len(sealed) == encrypted_size(size, 10)
        with envelope.open_decrypting(io.BytesIO(sealed), keyring) as f:
            assert f.read() == data


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
    assert after[HEADER_LEN - 24 : HEADER_LEN] == before[HEADER_LEN - 24 : HEADER_LEN]  # its stream header
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
