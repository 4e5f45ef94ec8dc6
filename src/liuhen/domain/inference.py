"""What the register can tell without asking, and the several fields one free answer gives.

Seed 000 says why the paper registers died: recording was burdensome. The 登记表 (seed 004) still wants every
field, and seed 001 实施办法 §4 the storage medium, the place and the persons present; nothing here drops a
field. What the roster, the evidence or an earlier answer already tells is filled in and *marked*: the
recorder sees it on the summary card, changes it with one tap, and confirms it by submitting. Nothing is
guessed silently.

A catalogue like ``domain/grammar.py``: the Chinese here is the Chinese that units, positions and storage
media are written in — read, never said — plus the storage media stored as answers (seed 001 实施办法 §4:
信息存储介质). Adding a word widens what is recognised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from liuhen.domain.casenumber import NOT_YET_FILED, find_case_numbers, parse_case_number, split_case_answer
from liuhen.domain.model import Staff

#: The storage medium an electronic method implies for a message on the recorder's own phone (seed 001
#: 实施办法 §4: 记录信息存储介质; seed 002 §3). The values are stored answers.
STORAGE_BY_METHOD: Mapping[str, str] = {
    "wechat": "本人手机微信",
    "sms": "本人手机短信",
    "email": "本人电子邮箱",
    "microblog": "本人手机微博",
}

#: Positions as people write them, longest first at each place so 副书记 wins over 书记 and 秘书长 over 秘书.
#: 原 before a position marks a former (retired) holder (seed 001 实施办法 §10: 离退休领导干部).
POSITIONS = (  # noqa: SIM905 (a line per family of positions reads better than 56 quoted words)
    "常务副县长 常务副市长 常务副省长 常务副区长 副秘书长 秘书长 副检察长 检察长 "
    "副书记 书记 副县长 县长 副市长 市长 副省长 省长 副区长 区长 副州长 州长 副镇长 镇长 副乡长 乡长 "
    "副局长 局长 副主任 主任 副部长 部长 副厅长 厅长 副处长 处长 副科长 科长 副院长 院长 副庭长 庭长 "
    "副主席 主席 副所长 所长 副队长 队长 董事长 总经理 副经理 经理 调研员 秘书 司机 工作人员 律师 干部"
).split()
_POSITION = re.compile(
    r"(?P<former>原|前|退休)?(?P<pos>" + "|".join(sorted(POSITIONS, key=len, reverse=True)) + ")"
)
_PHONE = re.compile(r"(?<![\d-])(?:\+?86[- ]?)?(1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}-?\d{7,8})(?![\d-])")
_SEPARATORS = re.compile(r"[\s,，、;；:：/|]+")
_NAME = re.compile(r"^[\u4e00-\u9fff·]{1,6}$|^[A-Za-z][A-Za-z .'-]{1,30}$")

#: The organ category of a unit by the words its name is written in (seed 001 §12, 实施办法 §10), first
#: match wins: 纪委 before 党委, 人大常委会 before 委员会, 法院 before 院.
ORGAN_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("discipline", ("纪委", "监委", "纪检", "监察委", "派驻纪检")),
    ("congress", ("人大",)),
    ("cppcc", ("政协",)),
    ("court", ("法院", "法庭")),
    ("procuratorate", ("检察院",)),
    ("police", ("公安", "派出所", "国家安全", "国安")),
    ("justice", ("司法局", "司法厅", "司法部", "监狱", "戒毒所")),
    ("military", ("部队", "武警", "军分区", "人武部", "战区")),
    (
        "party",
        ("党委", "县委", "市委", "区委", "州委", "省委", "旗委", "政法委", "组织部", "宣传部", "统战部"),
    ),
    ("enterprise", ("公司", "集团", "企业", "银行", "工厂")),
    ("association", ("协会", "商会", "学会", "联合会", "律师事务所", "律所")),
    ("institution", ("学校", "大学", "学院", "医院", "研究院", "研究所", "中心")),
    ("government", ("政府", "局", "厅", "办公室", "委员会", "乡", "镇", "街道办")),
)
#: A leading cadre's people (seed 001 §5 第二款): his staff, his relatives.
STAFF_WORDS = ("秘书", "司机", "工作人员")
RELATIVE_WORDS = (
    "亲属", "亲戚", "妻子", "丈夫", "爱人", "儿子", "女儿", "父亲", "母亲", "哥哥", "弟弟", "姐姐", "妹妹",
    "表哥", "表弟", "表姐", "表妹", "堂哥", "堂弟", "侄子", "外甥", "女婿", "儿媳",
)  # fmt: skip
RETIRED_WORDS = ("退休", "离休", "原", "前任")
#: The principal leader of a party committee or its political-legal committee (seed 001 实施办法 §6): its
#: 书记, not a 副书记.
_PRINCIPAL = re.compile(r"(?:党委|县委|市委|区委|州委|省委|旗委|政法委)\s*(?<!副)书记")

#: The litigation stage a case number's type word (类型代字) names (seed 001 §8(1); seed 004 §11(1)): 执… is
#: enforcement; 初 / 终 / 再 are the trial (一审、二审、再审); 申 / 监 a petition; 赔 state compensation; 司救
#: judicial aid; 刑更 commutation and parole.
STAGE_BY_TYPE_WORD: tuple[tuple[str, str], ...] = (
    ("刑更", "commutation_parole"),
    ("司救", "judicial_aid"),
    ("执", "enforcement"),
    ("赔", "compensation"),
    ("申", "petition"),
    ("监", "petition"),
    ("初", "trial"),
    ("终", "trial"),
    ("再", "trial"),
)
#: A photo whose text reads like an official letter: a document number 〔2026〕12号 or a 函.
_LETTER = re.compile(r"[〔\[（(]\s*\d{4}\s*[〕\]）)]\s*\d{1,4}\s*号|函$|函\s*\n|关于.{2,30}的函")
_SMS_WORDS = ("短信", "信息", "iMessage", "SMS")


#: Words of the chat apps' own screens (title bars, tabs) that OCR reads from a screenshot and that are never
#: the other party's name; and the typing notice shown in the title bar ("对方正在输入…").
CHAT_UI_WORDS = frozenset(
    {"微信", "WeChat", "聊天信息", "通讯录", "发现", "短信", "信息", "消息", "文件传输助手"}
)
TYPING = "正在输入"


def chat_partner(title: str, recorder_name: str) -> str | None:
    """The other party of a one-to-one chat screenshot: OCR's centred top-bar line (WeChat, SMS) when it
    reads like a name; a group's title ends in its member count, "(12)"; UI words, typing notices,
    sentences and phone numbers are no names. Only ever a suggestion the recorder confirms."""
    t = title.strip().rstrip(".…").strip()
    if not 2 <= len(t) <= 12 or t == recorder_name or t in CHAT_UI_WORDS or TYPING in t:
        return None
    if t[-1] in ")）" and t[:-1].rstrip("0123456789").endswith(("(", "（")):
        return None  # a group chat
    if any(ch in "，。！？、；：,!?;:@/" for ch in t) or not any(ch.isalpha() for ch in t):
        return None
    return None if sum(ch.isdigit() for ch in t) * 2 > len(t) else t


class EvidenceLike(Protocol):
    """What an evidence item offers to inference (the evidence row, or the item just received)."""

    @property
    def kind(self) -> str: ...
    @property
    def origin(self) -> Mapping[str, Any] | None: ...
    @property
    def text(self) -> str | None: ...
    @property
    def inspection(self) -> Mapping[str, Any] | None: ...


@dataclass
class EvidenceFacts:
    """What the evidence already tells (forward origin, dates, kinds, texts), in the order it arrived."""

    origin_names: list[str] = field(default_factory=list)
    origin_dates: list[datetime] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    case_numbers: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)  # the method each item suggests, where it suggests one
    recorder_name: str = ""
    recorder_handles_cases: bool = False  # the recorder is the one who handles cases (本人 is the 承办人)


def _method_of(kind: str, forwarded: bool, ocr_title: str, ocr_text: str) -> str | None:
    """The method an evidence item suggests: a letter photographed or sent as a file is a 函文; a screenshot
    of the SMS app an 短信; a forwarded chat message or another screenshot 微信; a voice note the recorder
    made himself is his account of a call (电话). His own typed text suggests nothing."""
    if kind == "document":
        return "letter"
    if kind == "photo":
        if _LETTER.search(ocr_text):
            return "letter"
        if ocr_title.strip() in _SMS_WORDS or "短信" in ocr_text[:40]:
            return "sms"
        return "wechat"
    if kind in ("voice", "audio"):
        return "wechat" if forwarded else "phone"
    if kind == "text" and forwarded:
        return "wechat"
    return None


def facts_of(
    evidence: Iterable[EvidenceLike], recorder_name: str, *, handles_cases: bool = False
) -> EvidenceFacts:
    """The facts of a record's evidence, in the order it arrived."""
    facts = EvidenceFacts(recorder_name=recorder_name, recorder_handles_cases=handles_cases)
    read_names: list[str] = []
    for e in evidence:
        facts.kinds.append(e.kind)
        origin = e.origin or {}
        forwarded = origin.get("type", "direct") != "direct"
        if forwarded:
            if origin.get("name"):
                facts.origin_names.append(str(origin["name"]))
            if origin.get("date"):
                facts.origin_dates.append(datetime.fromisoformat(str(origin["date"])))
            if e.kind == "text" and e.text:
                facts.texts.append(e.text)
        inspection = e.inspection or {}
        ocr_text = str(inspection.get("ocr_text") or "")
        ocr_title = str(inspection.get("ocr_title") or "")
        method = _method_of(e.kind, forwarded, ocr_title, ocr_text)
        if method:
            facts.methods.append(method)
        # A chat bubble wraps wherever the line is full, even inside a case number ("民初11" / "87号", read as
        # 民初11 with 号 left out): OCR text is searched with its lines joined first, then as read.
        for text in (e.text or "", ocr_text.replace("\n", ""), ocr_text):
            facts.case_numbers.extend(c.normalised for c in find_case_numbers(text))
        name = chat_partner(ocr_title, recorder_name)
        if name:
            read_names.append(name)
    facts.origin_names.extend(read_names)  # after the forward origins' names, which are certain
    return facts


def recorder_facts(evidence: Iterable[EvidenceLike], recorder: Staff) -> EvidenceFacts:
    """`facts_of` for ``recorder``'s own record: their name, and whether they are the case's 承办人 (本人)."""
    return facts_of(evidence, recorder.name, handles_cases=recorder.role in HANDLES_CASES)


@dataclass(frozen=True)
class Person:
    """What one answer about the intervener gives: "某县委书记王某某 13800000000"."""

    name: str | None = None
    unit: str | None = None  # 单位及职务, as the form prints it: "某县委 书记"
    contact: str | None = None


def read_person(text: str) -> Person:
    """Name, unit and position, and a telephone number, from one free answer (seed 004 登记表: 过问人姓名、
    单位及职务、联系方式). What it cannot place it leaves out; the caller keeps the answer as typed."""
    contacts = [re.sub(r"[- ]", "", m.group(1)) for m in _PHONE.finditer(text)]
    rest = _PHONE.sub(" ", text).strip(" ,，、;；。")
    found = list(_POSITION.finditer(rest))
    m = found[-1] if found else None  # "李书记的秘书小王": the last position is the person's own
    if m is None:
        parts = [p for p in _SEPARATORS.split(rest) if p]
        name = parts[0] if len(parts) == 1 and _NAME.match(parts[0]) else None
        # "某镇人民政府": a unit speaking in its own name (a letter, seed 001 §5 第二款) is both
        unit = name if name and organ_of(name) else None
        return Person(name=name, unit=unit, contact=contacts[0] if contacts else None)
    if rest[m.end() :].startswith("的"):  # "王县长的儿子": who he is, not where he works
        return Person(unit=rest, contact=contacts[0] if contacts else None)
    before = [p for p in _SEPARATORS.split(rest[: m.start()]) if p]
    if len("".join(before)) == 1 and not rest[m.end() :].strip():
        return Person(name=rest, contact=contacts[0] if contacts else None)  # "王副院长": how he is called
    after = [p for p in _SEPARATORS.split(rest[m.end() :]) if p]
    name = None
    if after and _NAME.match(after[0]):
        name = after.pop(0)
    elif len(before) > 1 and _NAME.match(before[0]) and len(before[0]) <= 4:
        name = before.pop(0)  # "王某某，某县委书记"
    held = " ".join([(m["former"] or "") + m["pos"], *after])
    unit = f"{''.join(before)} {held}" if before else held
    return Person(name=name, unit=unit.strip(), contact=contacts[0] if contacts else None)


def organ_of(unit: str) -> str | None:
    """The organ category of a unit as written (seed 001 §12), or None when the words do not tell."""
    for key, words in ORGAN_WORDS:
        if any(w in unit for w in words):
            return key
    return None


def relation_of(unit: str, method: str | None) -> str | None:
    """The intervener's relation to the leading cadre (seed 001 §5, 实施办法 §2): a letter is in the
    organisation's name; a secretary or driver is staff; a relative is a relative; a cadre is himself."""
    if method == "letter":
        return "organisation"
    if any(w in unit for w in RELATIVE_WORDS):
        return "relative"
    positions = list(_POSITION.finditer(unit))
    if "身边" in unit or (positions and positions[-1]["pos"] in STAFF_WORDS):
        return "staff"
    return "self" if positions else None


def retired_hint(unit: str) -> bool:
    """原副主任, 退休干部: a former holder (seed 001 实施办法 §10)."""
    m = _POSITION.search(unit)
    return bool(m and m["former"]) or any(w in unit for w in ("退休", "离休"))


def principal_hint(unit: str) -> bool:
    """The 书记 of a party committee or its political-legal committee (seed 001 实施办法 §6)."""
    return bool(_PRINCIPAL.search(unit)) and not retired_hint(unit)


def stage_of(case_answer: str) -> str | None:
    """The litigation stage a case number names by its type word; 立案 when the case is not filed yet."""
    if case_answer == NOT_YET_FILED:
        return "filing"
    number = parse_case_number(case_answer)
    if number is None:
        return None
    for word, stage in STAGE_BY_TYPE_WORD:
        if word in number.type_word:
            return stage
    return None


def read_case(text: str) -> tuple[str | None, str]:
    """ "（2026）豫0825民初123号 合同纠纷" → the case answer and the cause (seed 004 登记表: 案号、案由)."""
    return split_case_answer(text)


#: The roles whose holders handle cases themselves (the roster's ``staff`` and ``dept_head``): their own
#: record's 承办人 is 本人 until they say otherwise.
HANDLES_CASES = frozenset({"staff", "dept_head"})

#: The response most recorders give (seed 004 §2: 告知相关规定并拒绝), preselected for confirmation.
COMMON_RESPONSE = "refused"


def infer(answers: Mapping[str, Any], facts: EvidenceFacts) -> dict[str, Any]:
    """Every field's value that the evidence, the roster or another answer tells, computed on ``answers``
    (the recorder's own answers and what was read from them) and on each other. The caller fills only what
    applies and is not answered, and marks it."""
    out: dict[str, Any] = {}

    def known(key: str) -> Any:
        return answers[key] if key in answers else out.get(key)

    if facts.origin_dates:
        out["intervention_time"] = min(facts.origin_dates).isoformat()
    if facts.methods:
        out["method"] = facts.methods[0]
    method = known("method")
    if method in STORAGE_BY_METHOD:
        out["storage_medium"] = STORAGE_BY_METHOD[method]
    names = [n for n in facts.origin_names if n]
    if names:
        out["intervener_name"] = names[0]
    unit = known("intervener_unit")
    if isinstance(unit, str) and unit:
        organ = organ_of(unit)
        if organ:
            out["organ_category"] = organ
        relation = relation_of(unit, method)
        if relation:
            out["relation"] = relation
    elif method == "letter":
        out["relation"] = "organisation"
    if facts.case_numbers:
        out["case_number"] = facts.case_numbers[0]
    case = known("case_number")
    if isinstance(case, str) and (stage := stage_of(case)):
        out["stage"] = stage
    if facts.recorder_handles_cases and facts.recorder_name:
        out["case_officer"] = facts.recorder_name
    if facts.texts:
        out["content"] = "\n".join(facts.texts)
    out["response"] = COMMON_RESPONSE
    return out


def toggles_preset(answers: Mapping[str, Any]) -> set[str]:
    """The yes/no facts an answer already suggests, ticked in advance on the card of toggles."""
    unit = answers.get("intervener_unit")
    if not isinstance(unit, str):
        return set()
    preset = set()
    if retired_hint(unit):
        preset.add("retired")
    if principal_hint(unit):
        preset.add("principal_leader")
    return preset
