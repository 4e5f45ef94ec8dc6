"""The articles behind a rule, as a reader of a document or a message knows them: the code cites the five
source documents by number (``seed 004 §13``); people read the documents' names and 第十三条. A court's
reader never sees a procuratorate's article and the other way round (``Voice.documents``): such a reference
is left out, with the punctuation around it."""

from __future__ import annotations

import re

from liuhen.texts.profile import COURT, Voice

DOCUMENTS = {
    "001": "《三个规定》",
    "001 实施办法": "《最高法实施办法》",
    "002": "《法院实施细则》",
    "003": "《中级法院实施办法》",
    "004": "《检察机关规定》",
}
_REF = re.compile(r"seed (\d{3})((?: 实施办法)?)(?: §(\d+)((?:\(\d+\))?)| (登记表))?")
_DIGITS = "零一二三四五六七八九"


def numeral(n: int) -> str:
    """1 → 一, 13 → 十三, 20 → 二十, 34 → 三十四 (articles of these documents stay below a hundred)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def _one(m: re.Match[str]) -> str:
    document = DOCUMENTS.get(m.group(1) + m.group(2), f"《文件{m.group(1)}》")
    if m.group(5):
        return f"{document}附登记表"
    if m.group(3) is None:
        return document
    item = m.group(4)
    return document + f"第{numeral(int(m.group(3)))}条" + (f"第{numeral(int(item[1:-1]))}项" if item else "")


_EMPTY = (
    (re.compile(r"([，、；])\s*[，、；]"), r"\1"),  # two separators: the one before the gap stays
    (re.compile(r"[，、；]\s*(?=[）)])"), ""),  # a separator before the close
    (re.compile(r"(?<=[（(])\s*[，、；]"), ""),  # a separator right after the open
    (re.compile(r"（\s*）|\(\s*\)"), ""),  # nothing left between
)


def cite(text: str, v: Voice = COURT) -> str:
    """Every ``seed NNN …`` reference in ``text`` in the words its reader knows; references to documents
    the reader's organisation does not follow are left out."""

    def one(m: re.Match[str]) -> str:
        return _one(m) if m.group(1) + m.group(2) in v.documents else ""

    out = _REF.sub(one, text)
    if out == _REF.sub(_one, text):
        return out
    for pattern, replacement in _EMPTY:
        out = pattern.sub(replacement, out)
    return out
