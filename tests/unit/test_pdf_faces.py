"""The documents' faces (GB/T 9704 党政机关公文格式: the body in 仿宋, first-level headings in 黑体): font
files the deployment provides are used and embedded; without them, or with a broken one, every text stays in
the built-in STSong-Light and the document is still made."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import reportlab

from liuhen.reports import pdf

FONTS = Path(reportlab.__file__).parent / "fonts"  # TrueType files that ship with reportlab


@pytest.fixture
def fresh_faces() -> Iterator[None]:
    pdf.faces.cache_clear()
    pdf.styles.cache_clear()
    yield
    pdf.faces.cache_clear()
    pdf.styles.cache_clear()


def document() -> bytes:
    story = [pdf.title("通报"), pdf.heading("一、总体情况"), pdf.para("正文 body")]
    return pdf.build(story, title="t", header="h")


def embedded(data: bytes) -> set[str]:
    """The faces a PDF names (an embedded subset carries a six-letter prefix)."""
    return {name.decode().split("+")[-1] for name in re.findall(rb"/BaseFont /([^ /\n]+)", data)}


def test_the_given_faces_are_used_for_body_and_headings(
    fresh_faces: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIUHEN_PDF_FONT_FANGSONG", str(FONTS / "Vera.ttf"))
    monkeypatch.setenv("LIUHEN_PDF_FONT_HEITI", str(FONTS / "VeraBd.ttf"))
    faces = pdf.faces()
    assert (faces.body, faces.heading, faces.subheading) == ("LiuhenFangsong", "LiuhenHeiti", "LiuhenHeiti")
    assert {"BitstreamVeraSans-Roman", "BitstreamVeraSans-Bold", "STSong-Light"} <= embedded(document())
    assert pdf.styles()["title"].fontName == pdf.FONT  # the title keeps a Song face (小标宋's nearest)


def test_without_faces_or_with_a_broken_file_everything_stays_in_stsong(
    fresh_faces: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    monkeypatch.setenv("LIUHEN_PDF_FONT_FANGSONG", str(broken))
    monkeypatch.delenv("LIUHEN_PDF_FONT_HEITI", raising=False)
    faces = pdf.faces()
    assert (faces.body, faces.heading) == (pdf.FONT, pdf.FONT)
    names = embedded(document())
    assert "STSong-Light" in names and not any("Vera" in name for name in names)
