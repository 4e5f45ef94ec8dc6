"""Chinese court case numbers (案号), e.g. ``（2021）豫0825民初123号`` (docs/domain.md "What a record holds").

The format is the one courts use since 2016: ``（year）court-code type-word sequence号``. The court code is a
province abbreviation (or 最高法 for the Supreme People's Court) followed by the court's digits: none for a
high court, two for an intermediate court, four for a basic court (豫0825 = 温县人民法院). The type word
(类型代字) names the kind of case: 民初, 民终, 刑初, 执, 执恢, 行初, 民申, 赔, 司救, 知民终 …

Input is forgiving, because judges type on phones and OCR reads screenshots: full-width or ASCII brackets,
〔〕 [] 【】, full-width digits, spaces between the parts, ``号`` optional. Output is always the normalised
form with full-width brackets and no spaces. Pre-2016 numbers (``（2014）温民初字第123号``, court named by
its own abbreviation) and procuratorate document numbers (``如检刑诉〔2016〕12号``) are not accepted.

A catalogue (tests/unit/test_core_speaks_no_words.py): its Chinese is the case number's own grammar, as the
Supreme People's Court's rules on case numbers (最高人民法院《关于人民法院案件案号的若干规定》, in force since
2016) write it — the province abbreviations, 最高法, the brackets, 号 — and the ways a recorder says that a
case has none yet. The system reads these; it never says them. ``NOT_YET_FILED`` is what the questionnaire
stores as the answer for such a case (seed 004 登记表: 案号), so records made long ago hold it too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

NOT_YET_FILED = "尚未立案"

MIN_YEAR = 1990
MAX_YEAR = 2100
MAX_SEQ = 9_999_999  # at most 7 digits

SUPREME_COURT = "最高法"
# Province-level abbreviations used in court codes; 兵 = Xinjiang Production and Construction Corps courts,
# 军 = military courts.
PROVINCE_CODES = frozenset("京津冀晋内辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新渝兵军")

_PROV = "[" + "".join(sorted(PROVINCE_CODES)) + "]"
_CJK = "[\u4e00-\u9fff]"
# Any CJK character but 号; nor 字/第, which only the pre-2016 style has (民初字第123号).
_TYPE_CHAR = "(?:(?![号字第])" + _CJK + ")"
# After NFKC, （）［］ are ASCII; 〔〕 and 【】 stay; ﹝﹞ become 〔〕.
_OPEN = r"[(\[〔【]"
_CLOSE = r"[)\]〕】]"

_COURT_CODE = re.compile(rf"(?:{SUPREME_COURT}|{_PROV}{{1,2}})\d{{0,4}}")
_TYPE_WORD = re.compile(rf"{_TYPE_CHAR}{{1,4}}")

# Spaces are allowed between the parts and between the characters of the court code and the type word,
# never inside a run of digits (so "…民初123 2021年" does not read as sequence 1232021).
_PATTERN = re.compile(
    rf"""
    {_OPEN}\s*(?P<year>\d{{4}})\s*{_CLOSE}\s*
    (?P<court>最\s*高\s*法|{_PROV}(?:\s*{_PROV})?)\s*
    (?P<digits>\d{{0,4}})\s*
    (?P<type>{_TYPE_CHAR}(?:\s*{_TYPE_CHAR}){{0,3}})\s*
    (?P<seq>\d{{1,7}})(?!\d)
    (?:\s*号)?
    """,
    re.VERBOSE,
)

_WS = re.compile(r"\s+")
_NOT_FILED = re.compile(
    r"(?:目前|现在|当前)?(?:尚|还|暂|仍)?(?:未|没|没有)(?:正式)?立案了?"
    r"|(?:尚|还|暂|目前)?(?:无|没有)案号"
)
_TRAILING_PUNCT = ".,;!。，；！…~～"


@dataclass(frozen=True)
class CaseNumber:
    """A validated case number; ``normalised`` is ``（YYYY）CODE TYPE SEQ号`` without the spaces."""

    year: int
    court_code: str
    type_word: str
    seq: int

    def __post_init__(self) -> None:
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"year {self.year} outside {MIN_YEAR}..{MAX_YEAR}")
        if not _COURT_CODE.fullmatch(self.court_code):
            raise ValueError(f"invalid court code {self.court_code!r}")
        if not _TYPE_WORD.fullmatch(self.type_word):
            raise ValueError(f"invalid type word {self.type_word!r}")
        if not 1 <= self.seq <= MAX_SEQ:
            raise ValueError(f"sequence {self.seq} outside 1..{MAX_SEQ}")

    @property
    def normalised(self) -> str:
        return f"（{self.year}）{self.court_code}{self.type_word}{self.seq}号"

    def __str__(self) -> str:
        return self.normalised


def _from_match(m: re.Match[str]) -> CaseNumber | None:
    court = _WS.sub("", m["court"]) + m["digits"]
    type_word = _WS.sub("", m["type"])
    try:
        return CaseNumber(int(m["year"]), court, type_word, int(m["seq"]))
    except ValueError:
        return None


def _prepare(text: str) -> str:
    # NFKC folds full-width brackets, digits and spaces to ASCII (and ﹝﹞ to 〔〕); CJK is unchanged.
    return unicodedata.normalize("NFKC", text)


def parse_case_number(text: str) -> CaseNumber | None:
    """The case number that ``text`` consists of (surrounding spaces allowed), or None."""
    m = _PATTERN.fullmatch(_prepare(text).strip())
    return _from_match(m) if m else None


def find_case_numbers(text: str) -> list[CaseNumber]:
    """Every case number in free text (e.g. OCR of a screenshot), in order, each once."""
    found: dict[str, CaseNumber] = {}
    for m in _PATTERN.finditer(_prepare(text)):
        number = _from_match(m)
        if number is not None:
            found.setdefault(number.normalised, number)
    return list(found.values())


def split_case_answer(text: str) -> tuple[str | None, str]:
    """A free answer that gives the case number and, after or before it, the cause or the case's name
    ("（2026）豫0825民初123号 合同纠纷"): (the case answer as `parse_case_answer` reads it, the rest). The
    rest is empty when nothing else was written; the answer is None when no case number is in it."""
    prepared = _prepare(text).strip()
    m = _PATTERN.search(prepared)
    if m is not None:
        number = _from_match(m)
        rest = (prepared[: m.start()] + " " + prepared[m.end() :]).strip(" ,;:，；：、。" + _TRAILING_PUNCT)
        return (number.normalised if number else None), _WS.sub(" ", rest)
    words = prepared.split(maxsplit=1)
    if words and _NOT_FILED.fullmatch(words[0].rstrip(_TRAILING_PUNCT + "，,")):
        return NOT_YET_FILED, (words[1].strip(" ,;:，；：、") if len(words) > 1 else "")
    return None, prepared


def parse_case_answer(text: str) -> str | None:
    """A recorder's answer to "案号？": the normalised number, ``NOT_YET_FILED`` for 尚未立案 / 未立案 /
    还没立案 / 无案号 …, or None when it is neither (ask again)."""
    cleaned = _WS.sub("", _prepare(text)).rstrip(_TRAILING_PUNCT)
    if _NOT_FILED.fullmatch(cleaned):
        return NOT_YET_FILED
    number = parse_case_number(cleaned)
    return number.normalised if number else None
