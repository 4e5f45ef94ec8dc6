"""Offline OCR of screenshots ("pre-fill from the evidence"): rapidocr-onnxruntime with the models
its wheel ships, on screenshots drawn here with the system's CJK font (none is committed)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw, ImageFont

from liuhen.domain.casenumber import find_case_numbers
from liuhen.domain.inference import facts_of
from liuhen.evidence.ocr import ENGINE_PACKAGE, ocr_available, read_text

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 13), reason="rapidocr-onnxruntime (the ocr extra) is for Python < 3.13"
)

MESSAGE = "韩法官，（2026）豫0825民初1187号那个借款案，判的时候考虑一下地方发展。"
SENDER = "王建国"
CASE = "（2026）豫0825民初1187号"
WECHAT_BG, WECHAT_GREEN = (237, 237, 237), (149, 236, 105)


def cjk_font() -> Path:
    """A system font with Chinese glyphs, found by fontconfig (fonts-wqy-microhei; none is committed)."""
    fc_list = shutil.which("fc-list") or "fc-list"
    try:
        out = subprocess.run([fc_list, ":lang=zh", "file"], capture_output=True, text=True).stdout
    except OSError:  # no fontconfig
        out = ""
    fonts = sorted(
        (Path(line.split(":", 1)[0].strip()) for line in out.splitlines() if line.strip()),
        key=lambda p: ("mono" in p.name.lower(), "wqy" not in p.name.lower(), p.name),
    )
    assert fonts, "no CJK font: run scripts/ensure-system-deps.sh (installs fonts-wqy-microhei)"
    return fonts[0]


def wechat_bubble(
    message: str = MESSAGE,
    sender: str = SENDER,
    *,
    scale: float = 1.0,
    fmt: str = "PNG",
    wrap: float = 800,
) -> bytes:
    """A 1080×2340 phone screenshot of a WeChat chat: status bar, the sender's name centred in the title
    bar, a time stamp, the message in a white bubble (wrapped as WeChat wraps it), the judge's green reply."""
    path = cjk_font()

    def s(v: float) -> int:
        return round(v * scale)

    def font(px: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(str(path), s(px))

    width, height = s(1080), s(2340)
    image = Image.new("RGB", (width, height), WECHAT_BG)
    draw = ImageDraw.Draw(image)
    draw.text((s(60), s(30)), "10:23", font=font(40), fill=(0, 0, 0))
    draw.text((width - s(200), s(30)), "5G 85%", font=font(36), fill=(0, 0, 0))
    draw.text((s(40), s(178)), "<", font=font(56), fill=(0, 0, 0), anchor="lm")
    draw.text((width // 2, s(178)), sender, font=font(50), fill=(0, 0, 0), anchor="mm")
    draw.text((width - s(110), s(178)), "···", font=font(56), fill=(0, 0, 0), anchor="lm")
    draw.line((0, s(250), width, s(250)), fill=(210, 210, 210), width=max(1, s(2)))
    draw.text((width // 2, s(340)), "上午10:21", font=font(36), fill=(150, 150, 150), anchor="mm")
    body, line_h, top = font(48), s(70), s(420)
    lines: list[str] = [""]
    for ch in message:  # wrap at the bubble's width, anywhere (as WeChat does with Chinese)
        if draw.textlength(lines[-1] + ch, font=body) > s(wrap):
            lines.append("")
        lines[-1] += ch
    bubble_w = max(draw.textlength(line, font=body) for line in lines) + s(60)
    draw.rectangle((s(40), top, s(160), top + s(120)), fill=(90, 130, 180))  # avatar
    draw.rounded_rectangle(
        (s(190), top, s(190) + bubble_w, top + line_h * len(lines) + s(40)), radius=s(12), fill="white"
    )
    for i, line in enumerate(lines):
        draw.text((s(220), top + s(20) + i * line_h), line, font=body, fill=(25, 25, 25))
    y = top + line_h * len(lines) + s(100)
    reply_w = draw.textlength("收到。", font=body) + s(60)
    draw.rectangle((width - s(160), y, width - s(40), y + s(120)), fill=(120, 160, 90))
    draw.rounded_rectangle(
        (width - s(190) - reply_w, y, width - s(190), y + s(110)), radius=s(12), fill=WECHAT_GREEN
    )
    draw.text((width - s(160) - reply_w, y + s(25)), "收到。", font=body, fill=(25, 25, 25))
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return out.getvalue()


def recall(expected: str, read: str) -> float:
    """The share of the expected characters (punctuation and spaces aside) that OCR read, counted."""
    wanted = Counter(ch for ch in expected if ch.isalnum())
    got = Counter(read)
    return sum(min(n, got[ch]) for ch, n in wanted.items()) / sum(wanted.values())


def test_reads_the_case_number_the_message_and_the_chat_title() -> None:
    assert ocr_available()
    result = read_text(wechat_bubble())
    assert result is not None and result.engine.startswith(ENGINE_PACKAGE + " ")
    assert [c.normalised for c in find_case_numbers(result.text)] == [CASE]
    assert recall(MESSAGE, result.text) >= 0.9, result.text
    assert result.text == "\n".join(result.lines)
    assert result.lines[0] == "10:23" and result.lines[-1].startswith("收到")  # reading order: top to bottom
    assert result.title == SENDER  # the line centred in the title bar


def test_a_large_jpeg_screenshot_is_downscaled_and_still_read() -> None:
    result = read_text(wechat_bubble(scale=2.5, fmt="JPEG"))  # 2700×5850: 15.8 MP
    assert result is not None
    assert [c.normalised for c in find_case_numbers(result.text)] == [CASE]
    assert result.title == SENDER


def test_a_case_number_wrapped_inside_its_digits_is_still_found() -> None:
    """A bubble wraps wherever its line is full: here "（2026）豫0825民初11" / "87号那个借款案…"."""
    result = read_text(wechat_bubble(wrap=720))
    assert result is not None
    assert any(line.endswith("民初11") for line in result.lines), result.lines
    evidence = SimpleNamespace(
        kind="photo", origin={}, text=None, inspection={"ocr_text": result.text, "ocr_title": result.title}
    )
    facts = facts_of([evidence], "张法官")
    assert facts.case_numbers[0] == CASE and facts.origin_names == [SENDER]


def test_the_chat_title_is_a_name_only_when_it_reads_like_one() -> None:
    def names(title: str) -> list[str]:
        evidence = SimpleNamespace(kind="photo", origin={}, text=None, inspection={"ocr_title": title})
        return facts_of([evidence], "张法官").origin_names

    assert names("王建国") == ["王建国"]
    others = ("县招商引资工作群(35)", "对方正在输入...", "+86 138 0000 1111", "微信", "好的，收到")
    for not_a_name in (*others, "张法官"):  # a group, typing, a phone number, UI, a sentence, the recorder
        assert names(not_a_name) == [], not_a_name


@pytest.mark.parametrize(
    "data",
    [
        b"",
        os.urandom(4096),
        b"\x89PNG\r\n\x1a\n" + os.urandom(200),  # a PNG header and garbage
        b"%PDF-1.7\n" + os.urandom(200),  # not an allowlisted image format
    ],
    ids=["empty", "random", "broken-png", "pdf"],
)
def test_garbage_gives_none_without_raising(data: bytes) -> None:
    assert read_text(data) is None


@pytest.mark.parametrize("size", [(1, 1), (5, 5), (3000, 1), (1, 3000), (40, 4000)])
def test_tiny_and_thin_images_give_no_text(size: tuple[int, int]) -> None:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, "PNG")
    result = read_text(out.getvalue())
    assert result is None or result.text == ""


def test_truncated_screenshot_does_not_raise() -> None:
    data = wechat_bubble()
    result = read_text(data[: len(data) // 2])
    assert result is None or isinstance(result.text, str)


def test_one_engine_serves_concurrent_threads() -> None:
    data = wechat_bubble(scale=0.6)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(read_text, [data, data]))
    assert results[0] is not None and results[0] == results[1]


def test_nothing_imported_before_use_and_nothing_fetched_from_the_network(tmp_path: Path) -> None:
    """Importing liuhen loads no OCR engine; the engine starts and reads with every socket refused (its
    models are inside the wheel)."""
    image = tmp_path / "shot.png"
    image.write_bytes(wechat_bubble(scale=0.6))
    script = f"""
import socket, sys
import liuhen.evidence.ocr as ocr, liuhen.bot.handlers.intake
assert not {{"rapidocr_onnxruntime", "onnxruntime", "cv2"}} & set(sys.modules), "imported at import time"
def refuse(*args, **kwargs):
    raise OSError("network used")
socket.socket.connect = socket.socket.connect_ex = socket.create_connection = refuse
socket.getaddrinfo = refuse
result = ocr.read_text(open({str(image)!r}, "rb").read())
assert result is not None and "1187" in result.text, result
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
