"""evidence/durable.py, the one module that writes files durably: temp file, fsync, rename (or link), fsync
the directory, in that order; nothing partial at the final name; and no other module of the product calls
fsync, replace, rename or link itself."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from liuhen.evidence import durable
from tests.integration.test_evidence_store import durability_events

SRC = Path(__file__).resolve().parents[2] / "src" / "liuhen"
needs_proc = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names file descriptors")


@needs_proc
def test_write_file_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events = durability_events(monkeypatch)
    target = tmp_path / "a" / "b" / "journal.json"
    assert durable.write_file(target, b"first") == 5
    i = events.index(("replace", str(target)))
    synced_before = [p for kind, p in events[:i] if kind == "fsync"]
    assert any(p.startswith(str(target.parent / ".journal.json.")) for p in synced_before)  # the temp file
    assert {str(tmp_path / "a"), str(tmp_path / "a" / "b")} <= set(synced_before)  # new directories
    assert ("fsync", str(target.parent)) in events[i + 1 :]
    assert target.read_bytes() == b"first"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["journal.json"]


def test_write_file_replaces_atomically_or_refuses(tmp_path: Path) -> None:
    target = tmp_path / "keys" / "k"
    durable.write_file(target, [b"one ", memoryview(b"stream")], mode=0o644)
    assert target.read_bytes() == b"one stream" and stat.S_IMODE(target.stat().st_mode) == 0o644
    durable.write_file(target, b"two")
    assert target.read_bytes() == b"two"
    with pytest.raises(FileExistsError):
        durable.write_file(target, b"three", overwrite=False)
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["k"]  # no temp file left


def test_a_failing_stream_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "backup.bin"
    target.write_bytes(b"old")

    def chunks() -> Iterator[bytes]:
        yield b"partial"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        durable.write_file(target, chunks())
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["backup.bin"]


@needs_proc
def test_temp_file_steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tmp").mkdir()
    (tmp_path / "final").mkdir()
    events = durability_events(monkeypatch)
    with durable.TempFile(tmp_path / "tmp") as tmp:
        tmp.write(b"abc")
        tmp.write(bytearray(b"def"))
        with pytest.raises(RuntimeError):
            tmp.install(tmp_path / "final" / "x")  # not synced yet
        tmp.sync(0o400)
        tmp.install(tmp_path / "final" / "x")
    assert tmp.size == 6
    assert [k for k, _ in events] == ["fsync", "replace", "fsync"]
    assert events[2] == ("fsync", str(tmp_path / "final"))
    assert stat.S_IMODE((tmp_path / "final" / "x").stat().st_mode) == 0o400
    with pytest.raises(ValueError), durable.TempFile(tmp_path / "tmp") as dropped:
        dropped.write(b"never")
        raise ValueError
    assert not list((tmp_path / "tmp").iterdir())


def test_move_and_append(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x")
    durable.makedirs(tmp_path / "q")
    durable.move(tmp_path / "a", tmp_path / "q" / "a")
    assert (tmp_path / "q" / "a").read_bytes() == b"x" and not (tmp_path / "a").exists()
    fd = durable.open_append(tmp_path / "wire" / "s.wire")
    try:
        durable.append(fd, b"boot 1\n")
        durable.append(fd, b"42\n")
    finally:
        os.close(fd)
    assert (tmp_path / "wire" / "s.wire").read_bytes() == b"boot 1\n42\n"


def test_no_other_module_writes_durably_by_itself() -> None:
    """fsync, os.replace, os.rename and os.link are called in evidence/durable.py only."""
    pattern = re.compile(r"\bos\.(fsync|fdatasync|replace|rename|link)\(|\.rename\(")
    offenders = [
        f"{path.relative_to(SRC)}:{n}"
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "durable.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []


def test_without_hard_links_an_existing_file_is_still_never_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a backup drive formatted exFAT or FAT, ``link`` fails: the file is renamed into place instead,
    and an existing one is still left alone."""

    def no_links(src: object, dst: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "usb" / "manifest.json"
    durable.write_file(target, b"{}", overwrite=False)
    assert target.read_bytes() == b"{}"
    with pytest.raises(FileExistsError):
        durable.write_file(target, b"[]", overwrite=False)
    assert target.read_bytes() == b"{}"
    assert [p.name for p in target.parent.iterdir()] == ["manifest.json"]
