"""The questions that complete a record, as data (docs/architecture.md "asks only what is still missing").

Each field names the registration-form row (seed 004 登记表) or article it comes from, its answer kind,
whether it is required and when it applies. The next question is always the first field that applies and
has no answer; "还差 N 项" counts the required ones. A skipped optional field is stored as ``None``
(knowingly skipped). Keys starting with ``_`` in the answers are working state, never fields.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from liuhen.domain import catalogue as cat
from liuhen.domain.casenumber import parse_case_answer
from liuhen.domain.catalogue import ELECTRONIC_METHODS, ORAL_METHODS
from liuhen.domain.inference import (
    STORAGE_BY_METHOD,
    EvidenceFacts,
    infer,
    read_case,
    read_person,
)

__all__ = ["EvidenceFacts"]  # what the evidence tells: ``domain/inference.py``

Answers = Mapping[str, Any]
MAX_TEXT = 2000


class Kind(enum.StrEnum):
    CHOICE = "choice"  # one button
    MULTI = "multi"  # several buttons, then 完成
    YESNO = "yesno"
    TEXT = "text"  # typed, with optional quick buttons
    DATETIME = "datetime"
    CASE = "case"  # case number (案号) or 尚未立案


def named_people(text: str | None) -> list[str]:
    """The names in an answer of persons present (在场人员, seed 001 实施办法 §4), however separated."""
    return [p.strip() for p in re.split(r"[、,，;；\s]+", text or "") if p.strip()]


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class Context:
    """What the rules need besides the answers."""

    special_profile: str = "court"
    #: recorded after the deadline: a late-entry reason is required (seed 004 §7); None while the time of
    #: the intervention is not known yet (the reason may still be needed)
    late: bool | None = False


def _choices(entries: Sequence[cat.Entry]) -> tuple[Option, ...]:
    return tuple(Option(e.key, e.label, getattr(e, "hint", "")) for e in entries)


YES_NO = (Option("yes", "是"), Option("no", "否"))


#: The yes/no facts asked on one card of toggles (retired · principal leader · severe · defer), each a field
#: of its own on the form.
FLAGS = "flags"
GROUPS: dict[str, tuple[str, str]] = {
    FLAGS: ("是否有以下情形", "符合的请点选（可多选），都不符合直接点“完成”。"),
}


def _always(_a: Answers, _c: Context) -> bool:
    return True


def _type_in(*types: str) -> Callable[[Answers, Context], bool]:
    return lambda a, _c: a.get("record_type") in types


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    question: str
    kind: Kind
    source: str
    section: str
    required: bool = True
    applies: Callable[[Answers, Context], bool] = _always
    options: Callable[[Context], tuple[Option, ...]] = lambda _c: ()
    quick: tuple[str, ...] = ()  # quick answers for typed fields
    depends: tuple[str, ...] = ()  # the answers ``applies`` reads: while one is missing, it may apply
    group: str | None = None  # asked together with the other fields of its group, on one card of toggles
    toggle: str = ""  # the field's words on that card
    asked: bool = True  # False: optional and not asked; the summary card offers it as an "add" button


SECTIONS: dict[str, str] = {
    "type": "记录类型",
    "event": "过问时间、方式、地点",
    "intervener": "过问人",
    "case": "被过问案件",
    "content": "主要内容与答复",
    "notes": "特别报告与说明",
}

FIELDS: tuple[Field, ...] = (
    Field(
        "record_type",
        "记录类型",
        "这属于哪一类？拿不准就选“不确定”，照样记录。",
        Kind.CHOICE,
        "seed 003 §11, §5",
        "type",
        options=lambda _c: _choices(cat.RECORD_TYPES),
    ),
    Field(
        "intervention_time",
        "过问时间",
        "过问发生在什么时间？可点建议时间，或输入如“11-23 09:30”“昨天 15:00”。",
        Kind.DATETIME,
        "seed 004 登记表",
        "event",
    ),
    Field(
        "method",
        "过问方式",
        "以什么方式过问？",
        Kind.CHOICE,
        "seed 001 实施办法 §4; seed 004 登记表",
        "event",
        options=lambda _c: _choices(cat.METHODS),
    ),
    Field(
        "storage_medium",
        "信息存储介质",
        "原始信息保存在哪里？（如：本人手机微信）",
        Kind.TEXT,
        "seed 001 实施办法 §4; seed 002 §3",
        "event",
        applies=lambda a, _c: a.get("method") in ELECTRONIC_METHODS,
        quick=tuple(STORAGE_BY_METHOD.values()),
        depends=("method",),
    ),
    Field(
        "place",
        "发生场所",
        "在什么地方？（如：本人办公室）",
        Kind.TEXT,
        "seed 001 实施办法 §4",
        "event",
        applies=lambda a, _c: a.get("method") in ORAL_METHODS,
        quick=("本人办公室", "电话中，本人在办公室"),
        depends=("method",),
    ),
    Field(
        "persons_present",
        "在场人员",
        "当时还有谁在场？写姓名，用顿号隔开；在场的本院人员会收到确认请求。",
        Kind.TEXT,
        "seed 001 实施办法 §4",
        "event",
        applies=lambda a, _c: a.get("method") in ORAL_METHODS,
        quick=("无其他人在场",),
        depends=("method",),
    ),
    Field(
        "letter_reference",
        "函文文号及日期",
        "函文的文号和日期？（如：某委〔2026〕12号，2026年11月20日）",
        Kind.TEXT,
        "seed 001 实施办法 §2, §4; seed 001 §5（以组织名义发文发函）",
        "event",
        applies=lambda a, _c: a.get("method") == "letter",
        quick=("无文号",),
        depends=("method",),
    ),
    Field(
        "materials_passed",
        "批转情况",
        "谁批转、转递了什么材料？（如：某局长批转当事人的申诉材料）",
        Kind.TEXT,
        "seed 001 实施办法 §7(14); seed 004 §11(5)",
        "event",
        applies=lambda a, _c: a.get("method") == "materials",
        depends=("method",),
    ),
    Field(
        "intervener_name",
        "过问人姓名",
        "过问人是谁？姓名、单位职务、电话可以一句写完（如：某县委书记王某某 13800000000）。",
        Kind.TEXT,
        "seed 004 登记表",
        "intervener",
    ),
    Field(
        "intervener_unit",
        "过问人单位及职务",
        "过问人的所在单位及职务？可一并写电话（如：某县委书记 13800000000；不清楚可写“不详”）",
        Kind.TEXT,
        "seed 004 登记表; seed 001 实施办法 §4",
        "intervener",
        quick=("不详",),
    ),
    Field(
        "intervener_contact",
        "过问人联系方式",
        "过问人的联系方式（电话等）？不知道就点“跳过”。",
        Kind.TEXT,
        "seed 004 登记表（联系方式）",
        "intervener",
        required=False,
        asked=False,
    ),
    Field(
        "relation",
        "与领导干部的关系",
        "过问人是领导干部本人，还是其身边工作人员、亲属，或以组织名义？",
        Kind.CHOICE,
        "seed 001 §5; 实施办法 §2",
        "intervener",
        applies=_type_in("external"),
        options=lambda _c: _choices(cat.RELATIONS),
        depends=("record_type",),
    ),
    Field(
        "organ_category",
        "过问人所在机关类别",
        "过问人所在机关属于哪一类？",
        Kind.CHOICE,
        "seed 001 §12; 实施办法 §10",
        "intervener",
        applies=_type_in("external", "internal"),
        options=lambda _c: _choices(cat.ORGAN_CATEGORIES),
        depends=("record_type",),
    ),
    Field(
        "retired",
        "是否离退休",
        "过问人是否为离退休领导干部？",
        Kind.YESNO,
        "seed 001 实施办法 §10",
        "intervener",
        applies=_type_in("external"),
        options=lambda _c: YES_NO,
        depends=("record_type",),
        group=FLAGS,
        toggle="过问人已离退休",
    ),
    Field(
        "principal_leader",
        "是否同级党委或政法委主要领导",
        "过问人是否为同级党委或党委政法委的主要领导？（是则须同时报送上一级）",
        Kind.YESNO,
        "seed 001 实施办法 §6",
        "intervener",
        applies=_type_in("external"),
        options=lambda _c: YES_NO,
        depends=("record_type",),
        group=FLAGS,
        toggle="同级党委或政法委主要领导",
    ),
    Field(
        "case_number",
        "案号",
        "被过问案件的案号？可连同案由一起写（如：（2026）豫0825民初1187号 民间借贷纠纷；未立案点“尚未立案”）",
        Kind.CASE,
        "seed 004 登记表; seed 002 §3",
        "case",
        quick=("尚未立案",),
    ),
    Field(
        "case_cause",
        "案由或案件名称",
        "案由或案件名称？（如：民间借贷纠纷）",
        Kind.TEXT,
        "seed 004 登记表",
        "case",
    ),
    Field(
        "stage",
        "诉讼阶段",
        "案件处于哪个阶段？",
        Kind.CHOICE,
        "seed 004 登记表; seed 001 §8(1)",
        "case",
        options=lambda _c: _choices(cat.STAGES),
    ),
    Field(
        "case_officer", "承办人", "案件承办人是谁？", Kind.TEXT, "seed 004 登记表", "case", quick=("本人",)
    ),
    Field(
        "content",
        "主要内容",
        "过问的主要内容？可直接使用转发的原文，或简要写明。",
        Kind.TEXT,
        "seed 004 登记表",
        "content",
    ),
    Field(
        "response",
        "记录人答复",
        "您是如何答复的？",
        Kind.CHOICE,
        "seed 004 登记表",
        "content",
        options=lambda _c: _choices(cat.RESPONSES),
    ),
    Field(
        "response_detail",
        "答复内容",
        "请简要写明您的答复内容。",
        Kind.TEXT,
        "seed 004 登记表",
        "content",
        applies=lambda a, _c: a.get("response") == "other",
        depends=("response",),
    ),
    Field(
        "severe",
        "情节严重",
        "情节严重、可能影响案件公正办理的，须立即报告。",
        Kind.YESNO,
        "seed 001 §7; seed 002 §7; seed 004 §17(1)",
        "notes",
        required=False,
        options=lambda _c: YES_NO,
        group=FLAGS,
        toggle="情节严重，须立即报告",
    ),
    Field(
        "special_items",
        "特别报告事项",
        "是否涉及以下特别报告事项？可多选，选完点“完成”；都不涉及直接点“完成”。",
        Kind.MULTI,
        "seed 001 实施办法 §7; seed 002 §9; seed 004 §11（内部人员过问亦然）",
        "notes",
        required=False,
        options=lambda c: _choices(cat.special_items(c.special_profile)),
    ),
    Field(
        "defer_suggestion",
        "建议暂缓调查",
        "口头过问未留痕迹：是否建议暂缓调查、通报？",
        Kind.YESNO,
        "seed 004 §18",
        "notes",
        required=False,
        applies=lambda a, _c: a.get("method") in ORAL_METHODS,
        options=lambda _c: YES_NO,
        depends=("method",),
        group=FLAGS,
        toggle="口头过问未留痕，建议暂缓调查",
    ),
    Field(
        "special_notes",
        "需要特别说明的事项",
        "还有需要特别说明的吗？没有就点“跳过”。",
        Kind.TEXT,
        "seed 004 登记表, §18",
        "notes",
        required=False,
        asked=False,
    ),
    Field(
        "late_reason",
        "补记理由",
        "已超过记录时限，请写明补记理由（需部门负责人审核）。",
        Kind.TEXT,
        "seed 004 §7",
        "notes",
        applies=lambda _a, c: bool(c.late),
        depends=("intervention_time",),
    ),
)

BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}


def answered(answers: Answers, key: str) -> bool:
    return key in answers


def pending(answers: Answers, ctx: Context) -> list[Field]:
    """Every field that is asked, applies and has no answer yet, required or not, in asking order."""
    return [f for f in FIELDS if f.asked and f.applies(answers, ctx) and not answered(answers, f.key)]


def addable(answers: Answers, ctx: Context) -> list[Field]:
    """The optional fields not asked and not filled: "add" buttons on the summary card."""
    return [f for f in FIELDS if not f.asked and f.applies(answers, ctx) and not answered(answers, f.key)]


def group_of(f: Field, answers: Answers, ctx: Context) -> list[Field]:
    """The fields asked on the same card as ``f`` that apply and are still open (``f`` alone if none)."""
    if f.group is None:
        return [f]
    editing = answers.get("_editing", [])
    return [
        g
        for g in FIELDS
        if g.group == f.group
        and g.applies(answers, ctx)
        and (not answered(answers, g.key) or g.key in editing)
    ]


def _may_apply(f: Field, answers: Answers, ctx: Context) -> bool:
    if any(not answered(answers, d) for d in f.depends):
        return True  # the answer that decides is still to come: count it until it is
    if f.key == "late_reason" and ctx.late is None:
        return True
    return f.applies(answers, ctx)


def left(answers: Answers, ctx: Context) -> int:
    """还差 N 项: the cards still to answer before the summary card, counted so that the number only ever
    goes down as answers come in (a question that an open answer may bring is counted until that answer
    comes; a card of toggles counts once; what inference fills is not counted)."""
    seen: set[str] = set()
    n = 0
    for f in FIELDS:
        if not f.asked or answered(answers, f.key) or not _may_apply(f, answers, ctx):
            continue
        if f.group is not None:
            if f.group in seen:
                continue
            seen.add(f.group)
        n += 1
    return n


def missing(answers: Answers, ctx: Context | None = None) -> list[Field]:
    """Required fields that apply and have no answer yet, in asking order."""
    return [f for f in pending(answers, ctx or Context()) if f.required]


def next_field(answers: Answers, ctx: Context) -> Field | None:
    """The first pending field; fields being edited or added (``_editing``) come first."""
    editing = [BY_KEY[k] for k in answers.get("_editing", []) if k in BY_KEY]
    for f in editing:
        if f.applies(answers, ctx) and not answered(answers, f.key):
            return f
    todo = pending(answers, ctx)
    return todo[0] if todo else None


class Invalid(ValueError):
    """A clear Chinese explanation of why an answer was not accepted."""


_DT_PATTERNS = (
    re.compile(
        r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?\s*(?P<H>\d{1,2})[:：点时](?P<M>\d{1,2})?分?$"
    ),
    re.compile(r"^(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?\s*(?P<H>\d{1,2})[:：点时](?P<M>\d{1,2})?分?$"),
    re.compile(r"^(?P<rel>今天|昨天|前天)\s*(?P<H>\d{1,2})[:：点时](?P<M>\d{1,2})?分?$"),
)


def parse_datetime(text: str, now: datetime, tz: tzinfo) -> datetime:
    """A local date-time typed by a person → aware UTC. Not in the future, not before 2000."""
    s = text.strip().replace("上午", "").replace("下午", "")
    pm = "下午" in text or "晚上" in text
    local_now = now.astimezone(tz)
    for pattern in _DT_PATTERNS:
        m = pattern.match(s.replace("晚上", ""))
        if not m:
            continue
        g = m.groupdict()
        hour, minute = int(g["H"]), int(g["M"] or 0)
        if pm and hour < 12:
            hour += 12
        if g.get("rel"):
            day = local_now.date() - timedelta(days={"今天": 0, "昨天": 1, "前天": 2}[g["rel"]])
            year, month, dom = day.year, day.month, day.day
        else:
            year, month, dom = int(g.get("y") or local_now.year), int(g["m"]), int(g["d"])
        try:
            local = datetime(year, month, dom, hour, minute, tzinfo=tz)
        except ValueError as exc:
            raise Invalid("日期或时间不存在，请检查。") from exc
        if not g.get("y") and not g.get("rel") and local > local_now + timedelta(minutes=5):
            local = local.replace(year=year - 1)  # "12-30 10:00" typed in January
        return _check_time(local.astimezone(UTC), now)
    raise Invalid("没有看懂这个时间。请按“11-23 09:30”“2026-11-23 9:30”或“昨天 15:00”的格式输入。")


def _check_time(value: datetime, now: datetime) -> datetime:
    if value > now + timedelta(minutes=5):
        raise Invalid("过问时间不能晚于现在。")
    if value.year < 2000:
        raise Invalid("时间过早，请检查年份。")
    return value


def validate(f: Field, value: Any, ctx: Context, *, now: datetime, tz: tzinfo) -> Any:
    """The stored form of an answer, or `Invalid` with the reason (nothing invalid is ever stored)."""
    if value is None:
        if f.required:
            raise Invalid(f"“{f.label}”是必填项，不能跳过。")
        return None
    if f.kind in (Kind.CHOICE, Kind.YESNO):
        if value not in {o.value for o in f.options(ctx)}:
            raise Invalid("请点击下方按钮选择。")
        return value
    if f.kind is Kind.MULTI:
        allowed = {o.value for o in f.options(ctx)}
        if not isinstance(value, list) or not set(value) <= allowed:
            raise Invalid("请点击下方按钮选择。")
        return [o.value for o in f.options(ctx) if o.value in value]
    text = str(value).strip()
    if f.kind is Kind.DATETIME:
        if re.match(r"^\d{4}-\d{2}-\d{2}T", text):
            return _check_time(datetime.fromisoformat(text).astimezone(UTC), now).isoformat()
        return parse_datetime(text, now, tz).isoformat()
    if f.kind is Kind.CASE:
        case = parse_case_answer(text)
        if case is None:
            raise Invalid("没有识别出案号。请按“（2026）豫0825民初1187号”的格式输入，未立案请点“尚未立案”。")
        return case
    if not text:
        raise Invalid("内容不能为空。")
    if len(text) > MAX_TEXT:
        raise Invalid(f"内容过长（最多 {MAX_TEXT} 字），请精简后再发送。")
    return text


def option_label(f: Field, value: Any, ctx: Context, tz: tzinfo | None = None) -> str:
    """How an answer reads on the summary card and the registration form; a time in the court's zone, in
    Chinese form, when ``tz`` is given."""
    if value is None:
        return "（已跳过）"
    options = {o.value: o.label for o in f.options(ctx)}
    if f.kind is Kind.MULTI:
        return "、".join(options.get(v, v) for v in value) or "无"
    if f.kind is Kind.DATETIME:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        if tz is None or moment.tzinfo is None:
            return str(value)
        local = moment.astimezone(tz)
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return options.get(str(value), str(value))


@dataclass(frozen=True)
class Suggestion:
    """A pre-filled answer taken from the evidence, offered as one button to confirm."""

    value: str
    label: str


USE_FORWARDED_TEXT = "@forwarded"
SELF = "本人"


def suggestions(f: Field, facts: EvidenceFacts, tz: tzinfo) -> list[Suggestion]:
    """Answers the evidence already tells, to be confirmed with one tap."""
    if f.key == "intervention_time":
        seen: list[Suggestion] = []
        for d in facts.origin_dates[:3]:
            s = Suggestion(d.isoformat(), f"{d.astimezone(tz):%m-%d %H:%M}（原消息时间）")
            if s not in seen:
                seen.append(s)
        return seen
    if f.key == "method":
        return [Suggestion(m, cat.label(cat.METHODS, m)) for m in dict.fromkeys(facts.methods)][:2]
    if f.key == "intervener_name":
        return [Suggestion(n, n) for n in dict.fromkeys(facts.origin_names) if n][:3]
    if f.key == "case_number":
        return [Suggestion(c, c) for c in dict.fromkeys(facts.case_numbers)][:3]
    if f.key == "content" and facts.texts:
        return [Suggestion(USE_FORWARDED_TEXT, "使用转发的原文")]
    return []


def resolve_special(f: Field, value: str, facts: EvidenceFacts) -> str:
    """Quick answers that stand for something else: the forwarded text, the recorder's own name."""
    if f.key == "content" and value == USE_FORWARDED_TEXT:
        return "\n".join(facts.texts)[:MAX_TEXT]
    if f.key == "case_officer" and value == SELF:
        return facts.recorder_name or value
    return value


#: Working state of the answers: the fields filled by inference (shown marked until submission confirms
#: them), and the fields read from another field's free answer.
INFERRED = "_inferred"
READ = "_read"


def marks(answers: Answers) -> dict[str, str]:
    """field → INFERRED or READ, for the fields filled without being asked."""
    out = {k: READ for k in answers.get(READ, [])}
    out.update({k: INFERRED for k in answers.get(INFERRED, [])})
    return {k: v for k, v in out.items() if k in answers}


def settle(
    answers: Answers, facts: EvidenceFacts, ctx: Context, *, now: datetime, tz: tzinfo
) -> dict[str, Any]:
    """The answers with every value that inference tells filled in and marked (``INFERRED``), and every
    marked value that is no longer told taken out again (so it is asked). The recorder's own answers, what
    was read from them, and the fields being edited are never touched."""
    out = dict(answers)
    inferred = [k for k in out.get(INFERRED, []) if k in out]
    editing = set(out.get("_editing", []))
    base = {k: v for k, v in out.items() if k not in inferred}
    guesses = infer(base, facts)
    for key in inferred:
        if key not in guesses:
            out.pop(key, None)
    marked: set[str] = set()
    for f in FIELDS:  # in asking order: an inferred method can tell the storage medium
        if f.key in base or f.key in editing or f.key not in guesses or not f.applies(out, ctx):
            if f.key in inferred and f.key in out and not f.applies(out, ctx):
                out.pop(f.key)
            continue
        try:
            guess = guesses[f.key]
            guess = guess[:MAX_TEXT] if isinstance(guess, str) else guess
            out[f.key] = validate(f, guess, ctx, now=now, tz=tz)
        except Invalid:
            continue
        marked.add(f.key)
    out[INFERRED] = [f.key for f in FIELDS if f.key in marked]
    if not out[INFERRED]:
        out.pop(INFERRED)
    return out


def left_after_inference(answers: Answers, facts: EvidenceFacts, *, now: datetime) -> int:
    """`left` as the receipt states it, before the questions open: what the evidence in hand tells is not
    counted, and a late-entry reason is counted until the time is known."""
    ctx = Context(late=None)
    return left(settle(answers, facts, ctx, now=now, tz=UTC), ctx)


def read_answer(f: Field, text: str, answers: Answers) -> tuple[str, dict[str, str]]:
    """One free answer that gives several fields (seed 004 登记表): the answer to ``f`` and the other fields
    it tells, for those the recorder has not answered himself. "某县委书记王某某 13800000000" to 过问人姓名
    gives the name, the unit and position and the contact; "（2026）豫0825民初123号 合同纠纷" to 案号 gives
    the case number and the cause."""
    own = (
        {k for k in answers if not k.startswith("_")}
        - set(answers.get(INFERRED, []))
        - set(answers.get(READ, []))
    )
    extra: dict[str, str] = {}
    main = text
    if f.key in ("intervener_name", "intervener_unit"):
        person = read_person(text)
        told = {"intervener_name": person.name, "intervener_unit": person.unit}
        told["intervener_contact"] = person.contact
        main = told[f.key] or text
        extra = {k: v for k, v in told.items() if v and k != f.key}
    elif f.key == "case_number":
        case, rest = read_case(text)
        if case is not None:
            main = case
            if rest:
                extra = {"case_cause": rest[:MAX_TEXT]}
    return main, {k: v for k, v in extra.items() if k not in own}
