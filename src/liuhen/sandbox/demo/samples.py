"""Sample evidence for the demo page: prepared pressure messages to forward, a WeChat-style
screenshot drawn with Pillow and a short voice note, written at demo start under ``<demo dir>/samples``.

The screenshot needs a CJK font. None is shipped (a font file is never committed): the system's is found
with fontconfig (``fc-list :lang=zh``, e.g. Debian's ``fonts-wqy-microhei``, which
``scripts/ensure-system-deps.sh`` installs) or in the usual font folders; without one the screenshot is a
drawn placeholder with a Latin caption, and the demo still works.
"""

from __future__ import annotations

import io
import math
import shutil
import struct
import subprocess
import wave
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

# ------------------------------------------------------------------------------------ prepared messages


@dataclass(frozen=True)
class PreparedMessage:
    """A pressure message as the judge would forward it: who sent it, as which forward origin, and what.

    ``origin`` is a Bot API ``MessageOrigin`` type: user, hidden_user, chat or channel.
    """

    key: str
    title: str
    sender: str
    origin: str
    text: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


#: Typical situations (invented; tests/fixtures/scenarios.md), worded as the message the judge received.
PREPARED_MESSAGES: tuple[PreparedMessage, ...] = (
    PreparedMessage(
        "party-secretary",
        "县委书记微信过问借款案",
        "刘书记",
        "user",
        "张法官，（2026）豫0825民初1187号那个借款案，原告是我们招商引资的企业，判的时候考虑一下地方发展。",
    ),
    PreparedMessage(
        "colleague",
        "其他庭室同事打听合议庭意见",
        "钱法官",
        "user",
        "张法官，1187号那个借款案什么时候能判？合议庭倾向什么意见？当事人托我问问，你私下跟我说一声就行。",
    ),
    PreparedMessage(
        "lawyer",
        "律师请吃饭、给“咨询费”",
        "王律师",
        "hidden_user",
        "张法官您好，我是原告的代理律师。周五晚上想请您吃个便饭，顺便就案子请教一下，咨询费我们按规矩来，您放心。",
    ),
    PreparedMessage(
        "township",
        "镇政府工作群转来的函",
        "城关镇人民政府",
        "chat",
        "关于（2026）豫0825民初0766号土地使用权纠纷一案：该案涉及群众较多，请贵院充分考虑社会稳定因素，"
        "妥善处理。——城关镇人民政府（函）",
    ),
    PreparedMessage(
        "channel",
        "某公众号频道转发的“打招呼”",
        "县营商环境观察",
        "channel",
        "县里有关领导已就（2026）豫0825民初1187号借款案作出指示，请承办法官注意把握尺度，优化营商环境。",
    ),
    PreparedMessage(
        "stranger",
        "陌生人提到领导名字（拿不准）",
        "陌生号码",
        "hidden_user",
        "（2026）豫0825民初0931号的事，县里李局长已经打过招呼了，你看着办。",
    ),
    PreparedMessage(
        "dept-head",
        "庭长本人要求推迟开庭",
        "李庭长",
        "user",
        "小张，0931号那个案子下周的庭先别开了，往后推一推，一方当事人是我老同学，我跟你说过的。",
    ),
)

FORWARD_KINDS: tuple[tuple[str, str], ...] = (
    ("user", "个人（可查看账号）"),
    ("hidden_user", "个人（隐藏了账号）"),
    ("chat", "群组（以群身份发言）"),
    ("channel", "频道"),
)


# ------------------------------------------------------------------------------------------ sample files


@dataclass(frozen=True)
class SampleFile:
    """A file the page can send as a user: ``kind`` is the sim API's media kind (photo, audio, …)."""

    name: str
    title: str
    filename: str
    kind: str
    mime_type: str
    path: Path

    def as_json(self, url: str) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "filename": self.filename,
            "kind": self.kind,
            "mime_type": self.mime_type,
            "size": self.path.stat().st_size,
            "url": url,
        }


def write_samples(folder: Path, font: Path | None) -> list[SampleFile]:
    """Writes the sample files into ``folder`` (replacing older ones) and returns them; ``font`` is a CJK
    font for the screenshot (see :func:`find_cjk_font`), None for the Latin placeholder."""
    folder.mkdir(parents=True, exist_ok=True)
    files = [
        (
            SampleFile(
                "screenshot", "微信聊天截图", "微信截图.png", "photo", "image/png", folder / "wechat.png"
            ),
            wechat_screenshot(font),
        ),
        (
            SampleFile(
                "voice", "语音备忘（通话后口述）", "语音备忘.wav", "audio", "audio/wav", folder / "voice.wav"
            ),
            voice_note(),
        ),
    ]
    for sample, data in files:
        tmp = sample.path.with_suffix(sample.path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(sample.path)
    return [sample for sample, _ in files]


# ------------------------------------------------------------------------------------------------ fonts

_CJK_FONT_NAMES = (
    "wqy-microhei",
    "wqy-zenhei",
    "notosanscjk",
    "notoserifcjk",
    "sourcehansans",
    "droidsansfallback",
)
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")


def _rank(path: Path) -> tuple[int, str]:
    name = path.name.lower().replace("-", "").replace("_", "")
    order = [n.replace("-", "") for n in _CJK_FONT_NAMES]
    return next((i for i, n in enumerate(order) if n in name), len(order)), path.name


def find_cjk_font() -> Path | None:
    """A font file with Chinese glyphs: fontconfig's answer, else a known font in the usual folders."""
    found: list[Path] = []
    fc_list = shutil.which("fc-list")
    if fc_list is not None:
        try:
            out = subprocess.run(
                [fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        found = [Path(line.split(":", 1)[0].strip()) for line in out.splitlines() if line.strip()]
    if not found:
        for folder in _FONT_DIRS:
            root = Path(folder).expanduser()
            if root.is_dir():
                found += [p for p in root.rglob("*") if p.suffix.lower() in (".ttf", ".ttc", ".otf")]
        found = [p for p in found if _rank(p)[0] < len(_CJK_FONT_NAMES)]
    usable = sorted((p for p in found if p.is_file() and "mono" not in p.name.lower()), key=_rank)
    return usable[0] if usable else None


def _font(path: Path | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path is not None:
        try:
            return ImageFont.truetype(str(path), size, index=0)
        except OSError:
            pass
    return ImageFont.load_default(size)


# ------------------------------------------------------------------------------------------- screenshot

WECHAT_BG = (237, 237, 237)
WECHAT_GREEN = (149, 236, 105)
WIDTH, HEIGHT = 720, 1280

#: (who, text): "them" on the left in white, "me" on the right in green.
_CHAT: tuple[tuple[str, str], ...] = (
    ("them", PREPARED_MESSAGES[0].text),
    ("me", "刘书记，案件正在依法审理，具体情况不便透露。"),
    ("them", "我也是为了全县的发展嘛，你们把握好。回头让办公室再跟你们院里沟通一下。"),
)
_CHAT_ASCII: tuple[tuple[str, str], ...] = (
    (
        "them",
        "Judge Zhang, the plaintiff in loan case (2026) No. 1187 is an investor we brought in: "
        "keep local development in mind.",
    ),
    ("them", "(placeholder: no CJK font on this machine, e.g. apt-get install fonts-wqy-microhei)"),
    ("me", "The case is being tried according to law."),
)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Any, width: int) -> list[str]:
    """Lines of at most ``width`` pixels, broken between characters (CJK) or words (Latin)."""
    lines: list[str] = []
    line = ""
    tokens: Iterable[str] = text if any(ord(c) > 0x2E80 for c in text) else text.split(" ")
    sep = "" if any(ord(c) > 0x2E80 for c in text) else " "
    for token in tokens:
        candidate = f"{line}{sep}{token}" if line else token
        if draw.textlength(candidate, font=font) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = token
    if line:
        lines.append(line)
    return lines


def _avatar(
    draw: ImageDraw.ImageDraw, x: int, y: int, color: tuple[int, int, int], text: str, font: Any
) -> None:
    draw.rounded_rectangle((x, y, x + 72, y + 72), radius=8, fill=color)
    draw.text((x + 36, y + 36), text, font=font, fill=(255, 255, 255), anchor="mm")


def wechat_screenshot(font_path: Path | None) -> bytes:
    """A PNG that looks like a WeChat chat on a phone, with the party secretary's message (scenario 1)."""
    cjk = font_path is not None
    big, body, small, title = (_font(font_path, s) for s in (30, 30, 22, 32))
    image = Image.new("RGB", (WIDTH, HEIGHT), WECHAT_BG)
    draw = ImageDraw.Draw(image)
    # status bar and title bar
    draw.text((36, 22), "21:47", font=small, fill=(0, 0, 0))
    draw.rounded_rectangle((WIDTH - 86, 24, WIDTH - 40, 44), radius=5, outline=(0, 0, 0), width=2)
    draw.rectangle((WIDTH - 82, 28, WIDTH - 54, 40), fill=(0, 0, 0))
    draw.line((0, 140, WIDTH, 140), fill=(214, 214, 214), width=1)
    draw.text((30, 105), "<", font=big, fill=(0, 0, 0), anchor="lm")
    draw.text(
        (WIDTH // 2, 105), "刘书记" if cjk else "Secretary Liu", font=title, fill=(0, 0, 0), anchor="mm"
    )
    for i in range(3):
        draw.ellipse((WIDTH - 62 + i * 14, 101, WIDTH - 56 + i * 14, 107), fill=(0, 0, 0))
    # time stamp and messages
    y = 180
    draw.text(
        (WIDTH // 2, y),
        "昨天 21:46" if cjk else "Yesterday 21:46",
        font=small,
        fill=(160, 160, 160),
        anchor="mm",
    )
    y += 44
    for who, text in _CHAT if cjk else _CHAT_ASCII:
        lines = _wrap(draw, text, body, 440)
        line_h = 44
        bubble_w = max(int(draw.textlength(line, font=body)) for line in lines) + 44
        bubble_h = line_h * len(lines) + 28
        if who == "them":
            _avatar(draw, 24, y, (84, 110, 164), "刘" if cjk else "L", big)
            left, fill = 114, (255, 255, 255)
            draw.polygon([(left, y + 28), (left - 12, y + 36), (left, y + 44)], fill=fill)
        else:
            _avatar(draw, WIDTH - 96, y, (92, 160, 112), "张" if cjk else "Z", big)
            left, fill = WIDTH - 114 - bubble_w, WECHAT_GREEN
            right = left + bubble_w
            draw.polygon([(right, y + 28), (right + 12, y + 36), (right, y + 44)], fill=fill)
        draw.rounded_rectangle((left, y, left + bubble_w, y + bubble_h), radius=10, fill=fill)
        for i, line in enumerate(lines):
            draw.text((left + 22, y + 14 + i * line_h), line, font=body, fill=(25, 25, 25))
        y += max(bubble_h, 72) + 36
    # input bar
    draw.rectangle((0, HEIGHT - 120, WIDTH, HEIGHT), fill=(246, 246, 246))
    draw.line((0, HEIGHT - 120, WIDTH, HEIGHT - 120), fill=(214, 214, 214), width=1)
    draw.ellipse((24, HEIGHT - 96, 76, HEIGHT - 44), outline=(40, 40, 40), width=3)
    draw.rounded_rectangle((96, HEIGHT - 98, WIDTH - 170, HEIGHT - 42), radius=8, fill=(255, 255, 255))
    for cx in (WIDTH - 126, WIDTH - 52):
        draw.ellipse((cx - 26, HEIGHT - 96, cx + 26, HEIGHT - 44), outline=(40, 40, 40), width=3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------- voice note

RATE = 8000


def _syllables(seconds: float) -> Sequence[tuple[float, float, float]]:
    """(start, length, pitch) of speech-like bursts."""
    pattern = (0.22, 0.18, 0.3, 0.16, 0.25, 0.2, 0.34, 0.18)
    pitches = (190.0, 220.0, 170.0, 205.0, 240.0, 180.0, 160.0, 210.0)
    bursts: list[tuple[float, float, float]] = []
    t, i = 0.15, 0
    while t < seconds - 0.4:
        length = pattern[i % len(pattern)]
        bursts.append((t, length, pitches[i % len(pitches)]))
        t += length + (0.35 if i % 4 == 3 else 0.07)
        i += 1
    return bursts


def voice_note(seconds: float = 3.0) -> bytes:
    """A mono 16-bit WAV of ``seconds`` with speech-like tone bursts (stands in for a recorded voice note)."""
    samples = [0.0] * int(RATE * seconds)
    for start, length, pitch in _syllables(seconds):
        first, count = int(start * RATE), int(length * RATE)
        for n in range(count):
            envelope = math.sin(math.pi * n / count)
            t = (first + n) / RATE
            glide = pitch * (1 + 0.08 * n / count)
            value = math.sin(2 * math.pi * glide * t) + 0.35 * math.sin(4 * math.pi * glide * t)
            samples[first + n] = 0.45 * envelope * value
    frames = b"".join(struct.pack("<h", int(max(-1.0, min(1.0, s)) * 32000)) for s in samples)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames)
    return buffer.getvalue()
