"""Files of the first envelope format (AES-GCM segments, version 1) stay readable, and ``reseal`` — run by
`liuhen key rewrap` and `liuhen key rotate` — re-encrypts them into the secretstream format: every old file
once, durably (the new file fsync'ed and verified before it replaces the old one under the same name),
idempotently, and safely when interrupted at any moment; `liuhen verify` and backups work before and after
(docs/architecture.md, "Evidence at rest")."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from liuhen.evidence import durable, envelope
from liuhen.evidence.envelope import MAGIC, Keyring
from liuhen.evidence.store import CorruptBlobError, FileEvidenceStore, VerifyState
from tests.integration.test_backup import cli, env_for
from tests.integration.test_evidence_store import _child_env, durability_events, tmp_files
from tests.integrity_world import make_world

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "envelope_v1" / "files.json"
OLD, NEW = "1" * 16, "2" * 16


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def seal_v1(data: bytes, keyring: Keyring, key_id: str | None = None, log2: int = 18) -> bytes:
    """A file of the first format, written as its encoder wrote it (checked against the fixture below)."""
    key_id = key_id or keyring.active
    data_key, wrap_nonce, prefix = os.urandom(32), os.urandom(12), os.urandom(7)
    wrap_aad = MAGIC + bytes((1,)) + key_id.encode()
    wrapped = AESGCM(keyring.key(key_id)).encrypt(wrap_nonce, data_key, wrap_aad)
    header = MAGIC + bytes((1, log2)) + key_id.encode() + wrap_nonce + wrapped + prefix
    size = 1 << log2
    segments = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
    aead, aad = AESGCM(data_key), MAGIC + bytes((1, log2)) + prefix
    body = [
        aead.encrypt(prefix + i.to_bytes(4, "big") + bytes((i == len(segments) - 1,)), seg, aad)
        for i, seg in enumerate(segments)
    ]
    return header + b"".join(body)


def place(store: FileEvidenceStore, data: bytes, on_disk: bytes) -> str:
    """Put a file at its content address as an older release left it."""
    path = store.path_for(sha(data))
    durable.makedirs(path.parent)
    durable.write_file(path, on_disk, mode=0o400)
    return sha(data)


def resolved(path: Path) -> str:
    """The path as /proc names an open file (what the fsync recorder writes down)."""
    return os.path.realpath(path)


def fixture() -> tuple[Keyring, list[dict[str, object]]]:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return Keyring(doc["key_id"], {doc["key_id"]: base64.b64decode(doc["key"])}), doc["files"]


def version(store: FileEvidenceStore, digest: str) -> int | None:
    with open(store.path_for(digest), "rb") as f:
        return envelope.version_of(f.read(16))


# --- reading the first format -----------------------------------------------------------------------------


async def test_files_written_by_the_first_encoder_stay_readable(tmp_path: Path) -> None:
    keyring, files = fixture()
    store = FileEvidenceStore(tmp_path / "evidence", keyring=keyring)
    for entry in files:
        plain = base64.b64decode(str(entry["plaintext"]))
        sealed = base64.b64decode(str(entry["envelope"]))
        assert sha(plain) == entry["sha256"] and envelope.version_of(sealed) == 1
        digest = place(store, plain, sealed)
        assert (await store.verify(digest)).ok
        assert await store.read(digest) == plain
        with store.open(digest) as f:
            assert f.read() == plain
        assert store.key_id_of(digest) == keyring.active
        # the test's own writer of the first format agrees with it
        assert len(seal_v1(plain, keyring, log2=int(str(entry["segment_log2"])))) == len(sealed)
    assert (await FileEvidenceStore(store.root).verify(str(files[1]["sha256"]))).state is VerifyState.NO_KEY


@pytest.mark.parametrize("change", ["flip", "truncate", "append", "swap", "drop last"])
async def test_damage_to_a_first_format_file_is_still_found(tmp_path: Path, change: str) -> None:
    keyring = Keyring(NEW, {NEW: os.urandom(32)})
    store = FileEvidenceStore(tmp_path / "evidence", keyring=keyring)
    data = os.urandom(3 * 1024)
    sealed = seal_v1(data, keyring, log2=10)
    header, body = sealed[: envelope.V1_HEADER_LEN], sealed[envelope.V1_HEADER_LEN :]
    seg = [body[i : i + 1040] for i in range(0, len(body), 1040)]
    damaged = {
        "flip": sealed[:-1] + bytes((sealed[-1] ^ 1,)),
        "truncate": sealed[:-1],
        "append": sealed + b"\0",
        "swap": header + seg[1] + seg[0] + seg[2],
        "drop last": header + seg[0] + seg[1],
    }[change]
    digest = place(store, data, damaged)
    assert (await store.verify(digest)).state is VerifyState.CORRUPT
    with pytest.raises(CorruptBlobError):
        await store.reseal(digest)  # never converted: left as found
    assert store.path_for(digest).read_bytes() == damaged


# --- the migration ----------------------------------------------------------------------------------------


async def mixed_store(root: Path) -> tuple[FileEvidenceStore, dict[str, bytes], Keyring]:
    """Every kind of file an upgraded deployment may hold; the keyring's old key is retired."""
    keys = {OLD: os.urandom(32), NEW: os.urandom(32)}
    old_ring, ring = Keyring(OLD, {OLD: keys[OLD]}), Keyring(NEW, keys)
    plain = [bytes([i]) * (100 + i) + b"plain" for i in range(2)]
    v1_old = {b"": 18, os.urandom(3000): 10, os.urandom(5000): 18}
    store = FileEvidenceStore(root, keyring=ring)
    contents: dict[str, bytes] = {}
    for data in plain:
        contents[(await FileEvidenceStore(root).put_bytes(data)).sha256] = data
    for data, log2 in v1_old.items():
        contents[place(store, data, seal_v1(data, ring, OLD, log2))] = data
    data = os.urandom(700)
    contents[place(store, data, seal_v1(data, ring, NEW))] = data  # first format under the active key
    for key_store, data in ((FileEvidenceStore(root, keyring=old_ring), os.urandom(900)), (store, b"new")):
        contents[(await key_store.put_bytes(data)).sha256] = data
    return store, contents, ring


async def test_the_migration_converts_every_old_file_once(tmp_path: Path) -> None:
    store, contents, ring = await mixed_store(tmp_path / "evidence")
    digests = await store.digests()
    assert sorted(digests) == sorted(contents)
    outcomes = Counter([await store.reseal(d) for d in digests])
    assert outcomes == Counter(encrypted=2, migrated=4, rewrapped=1, unchanged=1)
    assert sorted(await store.digests()) == sorted(contents)  # the names do not change
    for digest, data in contents.items():
        assert version(store, digest) == envelope.VERSION and store.key_id_of(digest) == NEW
        assert (await store.verify(digest)).ok and await store.read(digest) == data
        assert stat.S_IMODE(store.path_for(digest).stat().st_mode) == 0o400
    assert tmp_files(store.root) == []

    before = {d: store.path_for(d).read_bytes() for d in digests}
    assert Counter([await store.reseal(d) for d in digests]) == Counter(unchanged=len(digests))
    assert {d: store.path_for(d).read_bytes() for d in digests} == before  # nothing rewritten
    only_new = FileEvidenceStore(store.root, keyring=Keyring(NEW, {NEW: ring.keys[NEW]}))
    for digest, data in contents.items():  # the retired key is no longer needed
        assert await only_new.read(digest) == data


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name file descriptors")
async def test_a_converted_file_is_durable_and_verified_before_it_replaces_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = Keyring(NEW, {NEW: os.urandom(32)})
    store = FileEvidenceStore(tmp_path / "evidence", keyring=keyring)
    data = os.urandom(5000)
    digest = place(store, data, seal_v1(data, keyring))
    events = durability_events(monkeypatch)
    verified: list[Path] = []
    real_verify = store._verify_sync

    def recording_verify(path: Path, sha256: str) -> object:
        verified.append(path)
        events.append(("verify", str(path)))
        return real_verify(path, sha256)

    monkeypatch.setattr(store, "_verify_sync", recording_verify)
    assert await store.reseal(digest) == "migrated"
    final = resolved(store.path_for(digest))
    i = events.index(("replace", final))
    tmp = verified[-1]
    assert events.index(("fsync", resolved(tmp))) < events.index(("verify", str(tmp))) < i
    assert ("fsync", resolved(store.path_for(digest).parent)) in events[i + 1 :]


async def test_a_migration_interrupted_half_way_is_resumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = Keyring(NEW, {OLD: os.urandom(32), NEW: os.urandom(32)})
    store = FileEvidenceStore(tmp_path / "evidence", keyring=keyring)
    contents = {}
    for i in range(10):
        data = os.urandom(200 + 3000 * i)
        contents[place(store, data, seal_v1(data, keyring, OLD, log2=10))] = data
    digests = sorted(contents)

    class PowerCut(BaseException):
        pass

    real_install, installs = durable.TempFile.install, 0

    def install(self: durable.TempFile, target: Path, **kwargs: bool) -> None:
        nonlocal installs
        installs += 1
        if installs == 5:  # the fifth new file is complete and fsync'ed, but not yet renamed
            shutil.copy(self.path, store.root / "tmp" / "left-by-the-crash.tmp")
            raise PowerCut
        real_install(self, target, **kwargs)

    monkeypatch.setattr(durable.TempFile, "install", install)
    done = []
    with pytest.raises(PowerCut):
        for digest in digests:
            done.append(await store.reseal(digest))
    monkeypatch.undo()
    assert done == ["migrated"] * 4
    assert [version(store, d) for d in digests] == [2] * 4 + [1] * 6
    for digest, data in contents.items():  # old or new, every file reads
        assert await store.read(digest) == data

    assert Counter([await store.reseal(d) for d in digests]) == Counter(unchanged=4, migrated=6)
    assert [version(store, d) for d in digests] == [2] * 10
    for digest, data in contents.items():
        assert (await store.verify(digest)).ok and await store.read(digest) == data
    assert await store.cleanup_tmp(older_than_seconds=0) == 1  # what the crash left
    assert tmp_files(store.root) == []


MIGRATION_CHILD = textwrap.dedent(
    """
    import asyncio, base64, sys
    from pathlib import Path
    from liuhen.evidence.envelope import Keyring
    from liuhen.evidence.store import FileEvidenceStore

    async def main() -> None:
        keys = {k: base64.b64decode(v) for k, v in (a.split(":", 1) for a in sys.argv[2:])}
        store = FileEvidenceStore(Path(sys.argv[1]), keyring=Keyring("2" * 16, keys))
        for digest in await store.digests():
            print(await store.reseal(digest), digest, flush=True)

    asyncio.run(main())
    """
)


def test_a_migration_killed_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    """A child converts the files and prints each one done; SIGKILL at a random moment, three times: every
    file reads as what its name says (in the old format or the new), and the last run finishes the rest."""
    keys = {OLD: os.urandom(32), NEW: os.urandom(32)}
    keyring = Keyring(NEW, keys)
    store = FileEvidenceStore(tmp_path / "evidence", keyring=keyring)
    rnd = random.Random()
    contents = {}
    for _ in range(60):
        data = rnd.randbytes(rnd.choice([0, 1, 5000, 70_000, 600_000]))
        contents[place(store, data, seal_v1(data, keyring, OLD))] = data
    args = [f"{k}:{base64.b64encode(v).decode()}" for k, v in keys.items()]
    converted: set[str] = set()
    for round_ in range(4):
        proc = subprocess.Popen(
            [sys.executable, "-c", MIGRATION_CHILD, str(store.root), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_child_env(),
        )
        assert proc.stdout is not None
        try:
            if round_ < 3:
                for _ in range(rnd.randint(1, 8)):
                    converted.add(proc.stdout.readline().split()[-1])
                time.sleep(rnd.uniform(0, 0.02))
                proc.send_signal(signal.SIGKILL)
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if round_ < 3:
            assert proc.returncode == -signal.SIGKILL, err
        else:
            assert proc.returncode == 0, err
            assert {line.split()[0] for line in out.splitlines()} <= {"migrated", "unchanged"}
        converted.update(line.split()[-1] for line in out.splitlines())
        for digest in contents:
            check = asyncio.run(store.verify(digest))
            assert check.ok, f"round {round_}: {digest} is {check.state}"
            if digest in converted:
                assert version(store, digest) == 2
    assert {version(store, d) for d in contents} == {2}
    for digest, data in contents.items():
        assert asyncio.run(store.read(digest)) == data
    asyncio.run(store.cleanup_tmp(older_than_seconds=0))  # temp files of the killed runs
    assert tmp_files(store.root) == []


# --- from the command line --------------------------------------------------------------------------------


async def test_rewrap_converts_a_deployment_and_verify_and_backups_work_before_and_after(
    db_url: str, tmp_path: Path
) -> None:
    world = await make_world(db_url, tmp_path / "data", files=3)
    store = world.rt.store
    assert store.keyring is not None
    digests = await store.digests()
    for digest in digests:  # as an older release wrote them
        place(store, data := await store.read(digest), seal_v1(data, store.keyring))
    await world.close()
    assert {version(store, d) for d in digests} == {1} and len(digests) == 6
    source = env_for(tmp_path / "data", db_url)
    assert cli(source, "checkpoint").returncode == 0
    before = cli(source, "verify", "--json")
    assert before.returncode == 0, before.stdout
    assert json.loads(before.stdout)["files"]["checked"] == 6
    assert cli(source, "backup", "-o", str(tmp_path / "old-backup")).returncode == 0

    done = cli(source, "key", "rewrap")
    assert done.returncode == 0, done.stderr
    assert "转为新格式 6 个" in done.stdout and "已是当前密钥 0 个" in done.stdout
    assert {version(store, d) for d in digests} == {2}
    after = cli(source, "verify", "--json")
    assert after.returncode == 0, after.stdout
    again = cli(source, "key", "rewrap")
    assert again.returncode == 0 and "转为新格式 0 个" in again.stdout and "已是当前密钥 6 个" in again.stdout
    assert cli(source, "backup", "-o", str(tmp_path / "new-backup")).returncode == 0

    if not db_url.startswith("sqlite"):
        return  # restoring into PostgreSQL: tests/integration/test_backup.py
    target = env_for(tmp_path / "restored", None)
    restored = cli(target, "restore", str(tmp_path / "old-backup"))  # files of the first format
    assert restored.returncode == 0, restored.stderr
    shutil.copy(
        store.root.parent / "keys" / "evidence.keys", tmp_path / "restored" / "keys" / "evidence.keys"
    )
    assert cli(target, "verify", "--json").returncode == 0
    assert "转为新格式 6 个" in cli(target, "key", "rewrap").stdout
    assert cli(target, "verify", "--json").returncode == 0
