"""FileEvidenceStore on real directories: content addressing, dedup, durability order, crash safety."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from liuhen.evidence import durable
from liuhen.evidence import store as store_module
from liuhen.evidence.store import (
    BlobTooLargeError,
    CorruptBlobError,
    FileEvidenceStore,
    VerifyState,
    validate_digest,
)
from tests.waiting import until

SRC = Path(__file__).resolve().parents[2] / "src"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tmp_files(root: Path) -> list[Path]:
    tmp = root / "tmp"
    return sorted(tmp.iterdir()) if tmp.exists() else []


def tamper(path: Path, data: bytes) -> None:
    path.chmod(0o600)  # stored files are read-only
    path.write_bytes(data)


@pytest.fixture
def store(tmp_path: Path) -> FileEvidenceStore:
    return FileEvidenceStore(tmp_path / "evidence")


async def test_round_trip_and_layout(store: FileEvidenceStore) -> None:
    data = os.urandom(3000)
    blob = await store.put_bytes(data)
    digest = sha(data)
    assert blob.sha256 == digest
    assert blob.size == 3000
    assert not blob.existed
    assert blob.path == store.root / "sha256" / digest[:2] / digest[2:4] / digest
    assert store.path_for(digest) == blob.path
    assert store.exists(digest)
    assert await store.read(digest) == data
    with store.open(digest) as f:
        assert f.read() == data
    assert (await store.verify(digest)).ok
    assert tmp_files(store.root) == []


async def test_empty_blob(store: FileEvidenceStore) -> None:
    blob = await store.put_bytes(b"")
    assert blob.sha256 == sha(b"") and blob.size == 0
    assert await store.read(blob.sha256) == b""


def test_constructing_does_no_io(tmp_path: Path) -> None:
    FileEvidenceStore(tmp_path / "not-yet")
    assert not (tmp_path / "not-yet").exists()


async def test_same_bytes_stored_once(store: FileEvidenceStore) -> None:
    data = b"\xe6\x96\xbd\xe5\x8e\x8b" * 1000
    first = await store.put_bytes(data)
    second = await store.put_bytes(data)
    assert not first.existed
    assert second.existed
    assert second.path == first.path
    assert list(store.iter_all()) == [sha(data)]
    assert tmp_files(store.root) == []


async def test_concurrent_puts_of_the_same_bytes(store: FileEvidenceStore) -> None:
    data = os.urandom(200_000)
    blobs = await asyncio.gather(*(store.put_bytes(data) for _ in range(8)))
    assert {b.sha256 for b in blobs} == {sha(data)}
    assert list(store.iter_all()) == [sha(data)]
    assert (await store.verify(sha(data))).ok
    assert tmp_files(store.root) == []


async def test_put_file(store: FileEvidenceStore, tmp_path: Path) -> None:
    src = tmp_path / "用户的 文件名.jpg"
    data = os.urandom(3 * 1024 * 1024 + 17)  # several chunks, the last one short
    src.write_bytes(data)
    blob = await store.put_file(src)
    assert blob.sha256 == sha(data) and blob.size == len(data)
    assert blob.path.read_bytes() == data
    assert src.read_bytes() == data  # a copy: the source is left alone
    assert (await store.put_file(src)).existed


@pytest.mark.parametrize("chunk", [1, 4096, 65_536, 1_048_576, 3_000_000])
async def test_streamed_writer_hashes_match_hashlib(store: FileEvidenceStore, chunk: int) -> None:
    data = os.urandom(2_500_000) if chunk > 1 else os.urandom(5000)
    async with store.writer() as w:
        for i in range(0, len(data), chunk):
            await w.write(data[i : i + chunk])
        assert w.size == len(data)
    assert w.result.sha256 == hashlib.sha256(data).hexdigest()
    assert w.result.size == len(data)
    assert await store.read(w.result.sha256) == data
    assert tmp_files(store.root) == []


async def test_writer_result_unavailable_before_completion(store: FileEvidenceStore) -> None:
    w = store.writer()
    with pytest.raises(RuntimeError):
        _ = w.result
    with pytest.raises(RuntimeError):
        await w.write(b"outside")


@pytest.mark.parametrize(
    "bad",
    [
        "../../etc/passwd",
        "../" * 21 + "x",
        "A" * 64,
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "a" * 63,
        "a" * 65,
        "",
        "a" * 63 + "\n",
        "a" * 62 + "/a",
        "g" * 64,
        "０" * 64,  # fullwidth digits
        "/" + "a" * 63,
    ],
)
async def test_bad_digests_are_rejected(store: FileEvidenceStore, bad: str) -> None:
    with pytest.raises(ValueError):
        validate_digest(bad)
    with pytest.raises(ValueError):
        store.path_for(bad)
    with pytest.raises(ValueError):
        store.exists(bad)
    with pytest.raises(ValueError):
        await store.read(bad)
    with pytest.raises(ValueError):
        await store.verify(bad)
    with pytest.raises(ValueError):
        store.open(bad)


def test_non_string_digest_rejected(store: FileEvidenceStore) -> None:
    with pytest.raises(ValueError):
        store.path_for(b"a" * 64)  # type: ignore[arg-type]


async def test_verify_detects_a_flipped_byte(store: FileEvidenceStore) -> None:
    data = os.urandom(10_000)
    blob = await store.put_bytes(data)
    flipped = bytearray(data)
    flipped[5000] ^= 0x01
    tamper(blob.path, bytes(flipped))
    result = await store.verify(blob.sha256)
    assert result.state is VerifyState.CORRUPT
    assert not result.ok
    assert result.actual_sha256 == sha(bytes(flipped))
    with pytest.raises(CorruptBlobError) as exc:
        await store.read(blob.sha256)
    assert exc.value.actual == sha(bytes(flipped))


async def test_verify_detects_a_removed_file(store: FileEvidenceStore) -> None:
    blob = await store.put_bytes(b"will vanish")
    blob.path.unlink()
    result = await store.verify(blob.sha256)
    assert result.state is VerifyState.MISSING
    assert result.actual_sha256 is None
    assert not store.exists(blob.sha256)
    with pytest.raises(FileNotFoundError):
        await store.read(blob.sha256)
    assert (await store.verify(sha(b"never stored"))).state is VerifyState.MISSING


async def test_a_wrong_file_at_the_address_is_quarantined_and_replaced(store: FileEvidenceStore) -> None:
    data = b"the real evidence"
    blob = await store.put_bytes(data)
    tamper(blob.path, b"truncated")
    again = await store.put_bytes(data)
    assert not again.existed
    assert again.quarantined is not None
    assert again.quarantined.read_bytes() == b"truncated"  # kept, not deleted
    assert (await store.verify(blob.sha256)).ok


async def test_no_temp_file_left_after_exception_mid_write(store: FileEvidenceStore) -> None:
    with pytest.raises(RuntimeError, match="download failed"):
        async with store.writer() as w:
            await w.write(os.urandom(1_500_000))  # already in the temp file
            await w.write(b"partial")
            raise RuntimeError("download failed")
    assert tmp_files(store.root) == []
    assert list(store.iter_all()) == []
    with pytest.raises(RuntimeError):
        _ = w.result


async def test_no_temp_file_left_after_cancellation(store: FileEvidenceStore) -> None:
    written = asyncio.Event()

    async def download() -> None:
        chunks = 0
        async with store.writer() as w:
            while True:
                await w.write(os.urandom(300_000))
                chunks += 1
                if chunks == 4:  # more than the 1 MiB the writer buffers: the temp file has bytes
                    written.set()

    task = asyncio.create_task(download())
    await written.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert tmp_files(store.root) == []
    assert list(store.iter_all()) == []


async def test_no_temp_file_left_after_cancellation_while_opening(
    store: FileEvidenceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Callers cancelled while their temp file is being opened in a thread: each opening, once done, is
    aborted, and no temp file stays."""
    release = threading.Event()

    class HeldOpening(store_module._BlobBuilder):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            release.wait(30)  # the opening thread is held until its caller has been cancelled
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(store_module, "_BlobBuilder", HeldOpening)

    async def download() -> None:
        async with store.writer() as w:
            await w.write(b"never")

    for n in range(1, 6):
        task = asyncio.create_task(download())
        await until(lambda n=n: len(store_module._OPENING) == n, what="the temp file's opening to begin")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    release.set()  # now the openings finish, after their callers have gone
    await until(
        lambda: not store_module._OPENING and not tmp_files(store.root),
        what="the openings to finish and their temp files to go",
    )
    assert not store_module._OPENING
    assert tmp_files(store.root) == []


async def test_writer_max_bytes(store: FileEvidenceStore) -> None:
    with pytest.raises(BlobTooLargeError):
        async with store.writer(max_bytes=1000) as w:
            await w.write(b"x" * 600)
            await w.write(b"x" * 600)
    assert tmp_files(store.root) == []
    async with store.writer(max_bytes=1000) as w:
        await w.write(b"x" * 1000)
    assert w.result.size == 1000


async def test_no_temp_file_left_after_io_error(
    store: FileEvidenceStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(3 * 1024 * 1024))
    real_write_all = durable.write_all
    calls = 0

    def failing_write_all(fd: int, data: durable.BytesLike) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError(28, "No space left on device")
        return real_write_all(fd, data)

    monkeypatch.setattr(durable, "write_all", failing_write_all)
    with pytest.raises(OSError, match="No space"):
        await store.put_file(src)
    assert tmp_files(store.root) == []
    assert list(store.iter_all()) == []


def durability_events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """From now on, every fsync (with the path of its file descriptor) and every replace (its target), in
    order: the durability order of a put is read off this list. Every durable write goes through
    ``evidence/durable.py``, which calls ``os.fsync`` and ``os.replace`` by name: patched here."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: str | Path, dst: str | Path) -> None:
        events.append(("replace", str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name file descriptors")
async def test_durability_order(store: FileEvidenceStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """fsync(temp file) → replace → fsync(final directory) → return; new directories are fsync'ed."""
    events = durability_events(monkeypatch)
    blob = await store.put_bytes(b"order matters")
    root = str(store.root.resolve())
    final = str(blob.path.resolve())
    names = [(kind, p.removeprefix(root)) for kind, p in events]
    i_replace = events.index(("replace", final))
    tmp_fsyncs = [i for i, (k, p) in enumerate(names) if k == "fsync" and p.startswith("/tmp/")]
    assert tmp_fsyncs and max(tmp_fsyncs) < i_replace
    assert ("fsync", str(blob.path.parent.resolve())) in events[i_replace + 1 :]
    fsynced = {p for k, p in names if k == "fsync"}
    # the new directories and their parents
    rel = final.removeprefix(root)
    level2, level1 = rel.rsplit("/", 1)[0], rel.rsplit("/", 2)[0]
    assert {level2, level1, "/sha256", "/tmp", ""} <= fsynced

    events.clear()
    again = await store.put_bytes(b"order matters")  # dedup: still made durable
    assert again.existed
    assert ("fsync", final) in events
    assert ("fsync", str(blob.path.parent.resolve())) in events
    assert not [e for e in events if e[0] == "replace"]


async def test_iter_all_ignores_strays(store: FileEvidenceStore) -> None:
    digests = sorted([(await store.put_bytes(bytes([i]) * 10)).sha256 for i in range(5)])
    (store.root / "sha256" / "zz").mkdir()
    (store.root / "sha256" / digests[0][:2] / digests[0][2:4] / "notes.txt").write_text("x")
    misplaced = store.root / "sha256" / digests[0][:2] / digests[0][2:4] / ("0" * 64)
    misplaced.write_text("x")
    assert list(store.iter_all()) == digests


async def test_iter_all_on_empty_store(store: FileEvidenceStore) -> None:
    assert list(store.iter_all()) == []


async def test_cleanup_tmp(store: FileEvidenceStore) -> None:
    await store.put_bytes(b"creates the layout")
    old = store.root / "tmp" / "abandoned.tmp"
    fresh = store.root / "tmp" / "in-flight.tmp"
    old.write_bytes(b"half")
    fresh.write_bytes(b"half")
    long_ago = time.time() - 7200
    os.utime(old, (long_ago, long_ago))
    assert await store.cleanup_tmp(older_than_seconds=3600) == 1
    assert not old.exists() and fresh.exists()
    assert await store.cleanup_tmp(older_than_seconds=0) == 1
    assert tmp_files(store.root) == []
    assert await FileEvidenceStore(store.root / "nowhere").cleanup_tmp(0) == 0


# --- crash simulation ----------------------------------------------------------------------------------

CRASH_CHILD = textwrap.dedent(
    """
    import asyncio, random, sys
    from pathlib import Path
    from liuhen.evidence.store import FileEvidenceStore

    async def main() -> None:
        root, seed = Path(sys.argv[1]), int(sys.argv[2])
        store = FileEvidenceStore(root)
        rnd = random.Random(seed)
        scratch = root.parent / f"scratch-{seed}"
        scratch.mkdir(exist_ok=True)
        previous = b""
        for i in range(10_000):
            size = rnd.choice([0, 1, 999, 70_000, 1_300_000])
            data = previous if rnd.random() < 0.15 else rnd.randbytes(size)
            previous = data
            how = i % 3
            if how == 0:
                blob = await store.put_bytes(data)
            elif how == 1:
                async with store.writer() as w:
                    for j in range(0, len(data), 50_000):
                        await w.write(data[j : j + 50_000])
                blob = w.result
            else:
                src = scratch / "download.bin"
                src.write_bytes(data)
                blob = await store.put_file(src)
            print(blob.sha256, flush=True)

    asyncio.run(main())
    """
)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    return env


def _read_lines(proc: subprocess.Popen[str], n: int) -> Iterator[str]:
    assert proc.stdout is not None
    for _ in range(n):
        line = proc.stdout.readline()
        if not line:
            return
        yield line.strip()


async def _check_store(root: Path, acknowledged: set[str], round_: int) -> None:
    store = FileEvidenceStore(root)
    for digest in acknowledged:
        result = await store.verify(digest)
        assert result.ok, f"round {round_}: acknowledged blob {digest} is {result.state}"
    # nothing partial is ever visible at a content address
    for digest in store.iter_all():
        assert (await store.verify(digest)).ok, f"round {round_}: {digest} is not what its name says"
    await store.cleanup_tmp(older_than_seconds=0)
    assert tmp_files(root) == []


@pytest.mark.slow
def test_crash_at_a_random_moment_loses_no_acknowledged_blob(tmp_path: Path) -> None:
    """A child stores blobs and prints each digest once put returned; SIGKILL at a random moment, ten
    times over the same store: every acknowledged digest verifies, and nothing partial is ever visible."""
    root = tmp_path / "evidence"
    rnd = random.Random()
    acknowledged: set[str] = set()
    for round_ in range(10):
        proc = subprocess.Popen(
            [sys.executable, "-c", CRASH_CHILD, str(root), str(rnd.randrange(1 << 30))],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_child_env(),
        )
        try:
            acknowledged.update(_read_lines(proc, rnd.randint(1, 12)))
            time.sleep(rnd.uniform(0, 0.03))
            proc.send_signal(signal.SIGKILL)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == -signal.SIGKILL, f"round {round_}: child ended on its own: {err}"
        acknowledged.update(line for line in out.split() if line)  # printed before the kill
        asyncio.run(_check_store(root, acknowledged, round_))
    assert len(acknowledged) >= 10
