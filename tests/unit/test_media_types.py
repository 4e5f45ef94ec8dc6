"""What a file really is: the magic bytes, the media type to store, and when it is not what it was said to
be (evidence/inspect.py)."""

from __future__ import annotations

import pytest

from liuhen.evidence.inspect import (
    MEDIA_MIME_TYPES,
    UNKNOWN_MEDIA_TYPE,
    content_mismatch,
    real_media_type,
    sniff_media_type,
)

PE = b"MZ\x90\x00" + bytes(56) + (128).to_bytes(4, "little") + bytes(64) + b"PE\x00\x00" + bytes(64)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x7fELF\x02\x01\x01" + bytes(57), "elf"),
        (PE, "pe"),
        (b"MZ" + bytes(62), None),  # "MZ" and no PE header where it should be
        (b"MZ", None),
        (b"\xcf\xfa\xed\xfe" + bytes(60), "macho"),
        (b"PK\x03\x04" + bytes(60), "zip"),
        (b"%PDF-1.7\n" + bytes(55), "pdf"),
        (b"OggS\x00\x02" + bytes(22) + b"OpusHead" + bytes(28), "opus"),
        (b"OggS\x00\x02" + bytes(58), "ogg"),
        (b"#!AMR\n" + bytes(58), "amr"),
        (b"#!AMR-WB\n" + bytes(55), "amr"),
        (b"\x00\x00\x00\x20ftypisom" + bytes(52), "mp4"),
        (b"hello, plain text", None),
    ],
)
def test_sniff(head: bytes, expected: str | None) -> None:
    assert sniff_media_type(head) == expected


def test_executables_have_media_types() -> None:
    assert MEDIA_MIME_TYPES["elf"] == "application/x-executable"
    assert MEDIA_MIME_TYPES["pe"] == "application/vnd.microsoft.portable-executable"


@pytest.mark.parametrize(
    ("head", "claimed", "name", "expected"),
    [
        (b"\x7fELF" + bytes(60), "image/jpeg", "photo.jpg", "application/x-executable"),
        (b"\x89PNG\r\n\x1a\n" + bytes(56), "image/jpeg", "a.jpg", "image/png"),  # the bytes win
        (bytes(64), "audio/ogg", None, UNKNOWN_MEDIA_TYPE),  # could have been recognised, was not
        (bytes(64), None, "photo.jpg", UNKNOWN_MEDIA_TYPE),  # the name's claim, likewise
        (bytes(64), "image/jpeg; charset=binary", None, UNKNOWN_MEDIA_TYPE),
        (bytes(64), None, None, UNKNOWN_MEDIA_TYPE),  # no claim at all
        (b"plain text", "text/plain", "notes.txt", "text/plain"),  # cannot be checked: kept
        (b"a,b\n1,2\n", None, "table.csv", "text/csv"),
        (b"\x00\x11", "audio/mpeg", "call.mp3", "audio/mpeg"),  # MP3 may start without a header
    ],
)
def test_real_media_type(head: bytes, claimed: str | None, name: str | None, expected: str) -> None:
    assert real_media_type(head, claimed, name) == expected


@pytest.mark.parametrize(
    ("kind", "name", "media_type", "expected"),
    [
        ("document", "photo.jpg", "application/x-executable", ("image", "executable")),
        ("voice", None, UNKNOWN_MEDIA_TYPE, ("audio", "unknown")),
        ("photo", None, "application/zip", ("image", "archive")),
        ("document", "函.pdf", "application/x-executable", ("pdf", "executable")),
        ("document", "photo.jpg", "image/png", None),  # another image format: still an image
        ("document", "合同.docx", "application/zip", None),  # office files are zip files
        ("document", "notes.txt", "text/plain", None),
        ("document", "setup", "application/x-executable", None),  # no claim to contradict
        ("audio", "通话.m4a", "video/mp4", None),  # one container for both
        ("video_note", None, "audio/ogg", None),
        ("text", None, "application/vnd.telegram.message+json", None),
        ("document", "a.jpg", None, None),
    ],
)
def test_content_mismatch(kind: str, name: str | None, media_type: str | None, expected: object) -> None:
    assert content_mismatch(kind, name, media_type) == expected
