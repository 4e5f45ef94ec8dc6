"""Chinese texts of the sign-off chain, kept beside `texts.py` by feature."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

from liuhen.app.usecases import casezero, registers
from liuhen.app.usecases.access import AccessDenied
from liuhen.app.usecases.intake import Button
from liuhen.app.usecases.signoff import (
    LATE,
    Act,
    Card,
    Closed,
    DelegationError,
    DelegationProblem,
    Delivery,
    PendingItem,
    PressResult,
    Say,
    Upward,
)
from liuhen.domain import catalogue as cat
from liuhen.domain.questionnaire import BY_KEY, FIELDS, Kind, option_label
from liuhen.domain.questionnaire import Context as QuestionContext
from liuhen.domain.records import Evidence, Record, RecordStatus, short_hash
from liuhen.domain.signoff import (
    Chain,
    DecisionKind,
    Level,
    Note,
    SignoffError,
    Skip,
    SkipCase,
    SkipReason,
    Why,
)
from liuhen.texts import common as common_words
from liuhen.texts import followup as followup_words
from liuhen.texts import monthly as casezero_words
from liuhen.texts import notices as notice_words
from liuhen.texts import registers as register_words
from liuhen.texts import witnesses as witness_words
from liuhen.texts.access import denied
from liuhen.texts.citations import cite
from liuhen.texts.labels import RECORD_STATUS, evidence_kind, human_size, record_status
from liuhen.texts.profile import COURT, Voice

LEVEL_LABELS: Mapping[Level, str] = {
    Level.DEPARTMENT_HEAD: "部门负责人",
    Level.VICE_PRESIDENT: "分管院领导",
    Level.DISCIPLINE: "纪检监察机构",
}

SKIP_LABELS: Mapping[SkipReason, str] = {
    SkipReason.OWN_RECORD: "本人记录",
    SkipReason.MISSING: "无人在岗",
    SkipReason.CONFLICT: "回避",
    SkipReason.SAME_OFFICER: "同一人",
    SkipReason.DIRECT: "直接报告",
}

_SKIPS: Mapping[SkipCase, str] = {
    SkipCase.LEADER_OWN: "记录人系院领导，本人所作的记录直接移交本院纪检监察机构",
    SkipCase.HEAD_OWN: "记录人系部门负责人，本人所作的记录直接报告分管院领导和纪检监察机构",
    SkipCase.SELF_OFFICER: "记录人本人系{level}，不签署本人的记录",
    SkipCase.CONFLICT: "{level}{name}系过问人或被列为涉及人员，回避，跳过该环节",
    SkipCase.SAME_OFFICER: "{level}{name}已在前一环节签署，同一人不重复签署",
    SkipCase.DIRECT: "记录人直接向纪检监察机构报告，不经{level}",
    SkipCase.DISCIPLINE_OWN: "纪检监察人员{name}系记录人，不签署本人的记录，由纪检监察机构其他人员签署",
    SkipCase.DISCIPLINE_CONFLICT: (
        "纪检监察人员{name}系过问人或被列为涉及人员，回避，由纪检监察机构其他人员签署"
    ),
}


def skip_text(s: Skip) -> str:
    """Why a level is left out or a person does not sign, as the record and the form say it."""
    if s.case is None:
        return s.text or SKIP_LABELS.get(s.reason, "")
    if s.case is SkipCase.MISSING:
        where = (
            "记录人所在部门的部门负责人" if s.level is Level.DEPARTMENT_HEAD else "分管记录人所在部门的院领导"
        )
        return f"名册中没有在岗的{where}，跳过该环节"
    return _SKIPS[s.case].format(level=LEVEL_LABELS[s.level], name=s.officer_name or "")


VACANT = "本院纪检监察机构暂无可签署人员（均为记录人或涉及人员，或名册中无人），应报告上级纪检监察机构"


def note_text(note: Note, level: Level | None, v: Voice = COURT) -> str:
    if note is Note.DIRECT:
        return "记录人直接报告"
    if note is Note.VACANT:
        return VACANT
    if note is Note.REROUTED:
        return "记录更正后，过问人或涉及人员有变：尚未签批的环节按回避规定重新确定签批人"
    if note is Note.DEFER_OVERRIDDEN:
        return f"纪检监察机构未采纳暂缓建议（应经{v.chief}批准），三个工作日内告知记录人{v.defer_rule}"
    if level is Level.DISCIPLINE:
        return f"纪检监察机构逾期未处理（三个工作日）{v.chain_rule}，必要时报告上级纪检监察机构"
    return f"{LEVEL_LABELS[level] if level else ''}逾期未签署（三个工作日）{v.chain_rule}"


def _notes(payload: Mapping[str, object], level: Level | None, v: Voice = COURT) -> str:
    """The notes of an outbox message; older rows carry their words in ``note``."""
    values = payload.get("notes")
    if isinstance(values, list):
        return "；".join(note_text(Note(n), level, v) for n in values)
    return str(payload.get("note") or "")


_WHY: Mapping[Why, str] = {
    Why.DONE: "已处理",
    Why.STALE: "该按钮无效或已过期。",
    Why.IN_CHAIN: "记录已进入签批流程",
    Why.ONLY_RETURNED: "只有已退回补正的记录才能重新提交",
    Why.RECORDER_RESUBMITS: "只有记录人本人可以重新提交",
    Why.NOT_SUBMITTED: "记录尚未提交，请提交时选择直接报告纪检监察机构",
    Why.RECORDER_REPORTS: "只有记录人本人可以直接报告纪检监察机构",
    Why.AT_DISCIPLINE: "记录已在纪检监察机构",
    Why.CHOOSE_DISPOSITION: "纪检监察机构请选择处理方式",
    Why.REASON_NEEDED: "请填写退回补正的理由",
    Why.UNKNOWN_DISPOSITION: "未知的处理方式",
    Why.DEFER_ANSWER_NEEDED: "记录人建议暂缓或不予调查、分流、通报，请明确是否采纳{defer_rule}",
    Why.DEFER_CHOOSE: "请选择采纳或不采纳暂缓建议",
    Why.DEFER_CONFLICT: "已采纳暂缓或不予调查、分流的建议，不能同时作出该处理{defer_rule}",
    Why.NO_DEFER: "记录人未提出暂缓建议",
    Why.NOT_IN_CHAIN: "记录尚未进入签批流程",
    Why.LEVEL_SKIPPED: "该记录不经{level}签批",
    Why.INVOLVED: "您是该记录的记录人或涉及人员，不能签署",
    Why.NOT_SIGNER: "您不是该记录的{level}签批人",
    Why.OBO_NOT_SIGNER: "被代签人不是该记录的{level}签批人",
    Why.NO_DELEGATION: "您没有有效的代签授权",
    Why.RETURNED: "记录已退回补正，待记录人重新提交",
    Why.NOT_YET: "尚未轮到{level}签批，当前为{current}",
}


def refusal(exc: SignoffError, v: Voice = COURT) -> str:
    """Why a sign-off action changed nothing."""
    return _WHY[exc.why].format(
        level=LEVEL_LABELS[exc.level] if exc.level else "",
        current=LEVEL_LABELS[exc.current] if exc.current else "",
        defer_rule=v.defer_rule,
    )


def level_label(value: str) -> str:
    """A chain level as people name it (部门负责人, 分管院领导, 纪检监察)."""
    return _level(value)


def record_type_label(value: str | None) -> str:
    return _option_label("record_type", value) if value else "（未填）"


def _level(value: str) -> str:
    try:
        return LEVEL_LABELS[Level(value)]
    except ValueError:
        return value


def _when(at: datetime | None, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%m月%d日 %H:%M") if at else "—"


_BUTTONS: dict[Act, str] = {
    Act.APPROVE: "同意{late}",
    Act.RETURN: "退回补正",
    Act.OPINION: "填写意见",
    Act.EVIDENCE: "查看证据",
    Act.FULL: "查看全文",
    Act.FIX: "去补正",
    Act.DIRECT: "直接报告纪检",
    Act.DIRECT_ABOVE: "直接报告上级纪检",
    Act.SEVERE: "标记情节严重",
    Act.FORWARD: "已收到，报送上一级",
    Act.DEFER_ACCEPT: "采纳暂缓建议",
    Act.DEFER_OVERRIDE: "不采纳（经{chief}批准）",
    Act.DISPOSE: "{shows}",
    Act.APPROVE_WITH: "以此意见同意",
    Act.RETURN_WITH: "以此意见退回补正",
    Act.CANCEL: "取消",
    Act.SIGN: "签批 {shows}",
    Act.VIEW: "查看 {shows}",
}


def button_label(b: Button, v: Voice = COURT) -> str:
    if b.act == Act.FORWARD and b.shows == "top":  # the top of the deployment: on to the highest organ
        return f"已收到（另行报送最高人民{v.org}）"
    late = "补记" if b.act == Act.APPROVE and b.shows == LATE else ""
    return _BUTTONS[Act(b.act)].format(shows=b.shows, chief=v.chief, late=late)


_SAID: dict[Say, str] = {
    Say.STALE: "该按钮无效或已过期。",
    Say.EDITING: "该记录正在由记录人修改，重新提交后再签批。",
    Say.CANCELLED: "已取消",
    Say.DONE: "已处理",
    Say.ASK_OPINION: "请输入意见",
    Say.ASK_REASON: "请输入退回理由",
    Say.DEFER_FIRST: "记录人建议暂缓，请先明确是否采纳",
    Say.CHOOSE: "请选择处理方式",
    Say.SUBMITTED: "已提交",
    Say.FIX: "请修改后重新提交",
    Say.DIRECT: "已直接报告纪检监察机构",
    Say.DIRECT_ABOVE: "已直接报告上级纪检监察机构",
    Say.SEVERE: "已标记为情节严重：各签批人和纪检监察机构已同时收到，纪检监察机构应当日一事一报",
    Say.SEVERE_FORBIDDEN: "只有记录人和本记录的签批人可以标记情节严重",
    Say.SEVERE_FILED: "该记录已办结；如认为情节严重，请直接联系纪检监察机构",
    Say.FORWARDED: "已登记收到；已报送上一级（最高一级的，请按规定另行报送）",
    Say.NO_COURT_ABOVE: "本系统没有接入上一级院，无法在此直接报告上级纪检监察机构",
    Say.FULL: "全文如下",
    Say.RESENT: "已重新发送",
    Say.EMPTY: "内容不能为空，请重新输入。",
}


def notice(r: PressResult, v: Voice = COURT) -> str | None:
    """The short answer to a press, or the message answering a typed text."""
    if r.notice is None or r.notice is Say.OPINION:
        return None
    if r.notice is Say.REFUSED:
        if isinstance(r.refusal, SignoffError):
            return refusal(r.refusal, v)
        if isinstance(r.refusal, AccessDenied):
            return denied(r.refusal)
        return str(r.refusal) if r.refusal is not None else _SAID[Say.STALE]
    if r.notice is Say.EVIDENCE:
        return f"共 {len(r.evidence)} 件证据"
    if r.notice is Say.STATUS:
        status = RecordStatus(r.status) if r.status in set(RecordStatus) else None
        return f"记录 {r.number} 当前状态：{RECORD_STATUS[status] if status else r.status}"
    if r.notice is Say.WAITS_FOR:
        return f"记录 {r.number} 当前由{LEVEL_LABELS[r.level] if r.level else ''}签批"
    return _SAID[r.notice]


def ask(r: PressResult) -> str | None:
    """The question to type an answer to."""
    if r.ask is Say.ASK_OPINION:
        return f"请输入您对记录 {r.number} 的意见（发送文字即可）："
    if r.ask is Say.ASK_REASON:
        return f"请输入退回补正记录 {r.number} 的理由："
    return None


def opinion(r: PressResult) -> str | None:
    """The typed opinion, to approve or return with."""
    if r.opinion is None:
        return None
    return f"您对记录 {r.number} 的意见：\n{r.opinion}\n请选择："


def _intervener(c: Card) -> str:
    return (c.intervener or "不详") + (f"（{c.intervener_unit}）" if c.intervener_unit else "")


def _gist(c: Card) -> tuple[str, ...]:
    return c.gist or ("（无文字内容，见证据）",)


def _summary(c: Card) -> list[str]:
    """What every card of a record shows: type, intervener, case, method, the content's first lines and
    the number of evidence files."""
    return [
        f"类型：{c.record_type or '—'}",
        f"过问人：{_intervener(c)}",
        f"案件：{c.case or '—'}",
        f"方式：{c.method or '—'}",
        "内容摘要：",
        *(f"  {line[:80]}" for line in _gist(c)),
        f"证据：{c.evidence_count} 件",
    ]


def card(c: Card, tz: tzinfo, v: Voice = COURT) -> str:
    head = f"【待签批 · {_level(c.level)}】记录 {c.number}"
    if c.obo_name:
        head += f"（代 {c.obo_name} 签批）"
    lines = [
        head,
        *_summary(c),
        f"签批期限：{_when(c.deadline, tz)}（三个工作日）" + ("，已逾期" if c.lapsed else ""),
    ]
    if c.skips:
        lines.append("说明：" + "；".join(skip_text(s) for s in c.skips))
    if c.severe_by is not None:
        lines.append(f"⚠️ 情节严重（{c.severe_by} 标记）：纪检监察机构应当日一事一报。")
    if c.late_reason:
        lines.append(
            f"补记：本记录超过三个工作日的记录时限，事后补记，理由：{c.late_reason}。"
            f"“同意补记”即同意事后补记（{v.late_rule}）。"
        )
    if c.defer_suggested and c.level == Level.DISCIPLINE.value:
        lines.append(f"记录人建议暂缓或不予调查、通报，请明确是否采纳{v.defer_rule}。")
    return "\n".join(lines)


_CLOSED = {
    DecisionKind.APPROVE: "同意",
    DecisionKind.RETURN: "退回补正",
    DecisionKind.DIRECT: "记录人已直接报告纪检监察机构",
}


def closed(c: Closed, tz: tzinfo) -> str:
    who = f"{c.signer}（代 {c.obo}）" if c.obo else c.signer
    what = f"处理：{c.disposition}" if c.what is DecisionKind.DISPOSE else _CLOSED.get(c.what, "")
    return f"已处理：{who} {what}（{_when(c.at, tz)}）"


def reminder(d: Delivery, c: Card, tz: tzinfo, v: Voice = COURT) -> str:
    return (
        f"提醒：记录 {c.number} 待您签批（{_level(c.level)}），期限 {_when(c.deadline, tz)}，明天到期。\n\n"
        + card(c, tz, v)
    )


def step(d: Delivery, tz: tzinfo, v: Voice = COURT) -> str:
    event = d.payload.get("event")
    level = _level(str(d.payload.get("level") or ""))
    note = _notes(d.payload, Level(str(d.payload["level"])) if d.payload.get("level") else None, v)
    nxt = "、".join(d.next_people)
    dec = d.decision or {}
    who = f"{dec.get('signer')}（代 {dec['obo']}）" if dec.get("obo") else str(dec.get("signer", ""))
    if event == "arrived":
        text = f"记录 {d.number} 已送{level}{(' ' + nxt) if nxt else ''}签批。"
        if note:
            text += f"\n说明：{note}"
        if d.rows:
            text += "\n如有需要，您可以随时直接报告纪检监察机构。"
        return text
    if event == "approved":
        level = _level(str(dec.get("level", "")))
        opinion = str(dec.get("text", ""))
        said = "" if opinion == "同意" else f"（意见：{opinion}）"
        return f"记录 {d.number}：{level} {who} 已同意{said}。"
    if event == "returned":
        level = _level(str(dec.get("level", "")))
        return (
            f"记录 {d.number} 被{level} {who} 退回补正。\n理由：{dec.get('text', '')}\n"
            "请点“去补正”修改后重新提交；也可以直接报告纪检监察机构。"
        )
    if event == "filed":
        return (
            f"记录 {d.number} 已办结：纪检监察机构 {who} 处理为“{dec.get('disposition') or ''}”。\n"
            f"意见：{dec.get('text', '')}\n感谢您如实记录。"
        )
    if event == "defer_overridden":
        return f"记录 {d.number}：纪检监察机构未采纳您暂缓调查、通报的建议（经{v.chief}批准）。{note}"
    return f"记录 {d.number} 有新的进展。"


def escalated(d: Delivery, v: Voice = COURT) -> str:
    level = _level(str(d.payload.get("level") or ""))
    return (
        f"【逾期提醒】记录 {d.number} 在{level}环节已超过三个工作日未签批{v.chain_rule}。"
        "请督促办理；纪检监察机构可发送 /pending 查看全部逾期记录。"
    )


def form_copy(d: Delivery, tz: tzinfo, v: Voice = COURT) -> str:
    """The caption of the form sent to the discipline office and trial management (seed 002 §6)."""
    due = d.payload.get("due")
    by = _when(datetime.fromisoformat(str(due)), tz) if due else "—"
    return (
        f"【登记表副本】记录 {d.number}，本年度第 {d.payload.get('count')} 件。按规定于记录后三日内送达"
        f"纪检监察机构和{v.management}办公室{v.copy_rule}，送达期限 {by}。"
    )


def upward(d: Delivery, c: Card | None, tz: tzinfo, v: Voice = COURT) -> str:
    p = d.payload
    why = str(p.get("why") or "")
    # Older outbox rows carry the words themselves.
    why = _UPWARD.get(why, why)
    head = f"【下级{v.org}报送 · {why}】{p.get('court')} 记录 {d.number}"
    if c is None:
        return head
    return "\n".join(
        [
            head,
            *_summary(c),
            cite("按规定同时报送上一级纪检监察机构（seed 001 实施办法 §6；seed 001 §7）。", v),
        ]
    )


def upward_told(d: Delivery) -> str:
    """The recorder: the record went to the court above's discipline office, as the rules send it."""
    why = _UPWARD.get(str(d.payload.get("why") or ""), "")
    court = d.payload.get("court") or "上一级"
    return f"【已报送上一级】记录 {d.number} 已按规定同时报送{court}纪检监察机构（{why}）。"


_UPWARD = {
    Upward.IMMEDIATE.value: "一事一报",
    Upward.PRINCIPAL_LEADER.value: "涉及同级党委或政法委主要领导",
    Upward.DIRECT.value: "记录人直接报告",
    Upward.SEVERE.value: "情节严重 · 一事一报",
    Upward.FORWARDED.value: "层报",
}


def vacant(d: Delivery) -> str:
    return (
        f"【需要处理】记录 {d.number} 在本院纪检监察机构没有可签署的人员"
        "（均为记录人或涉及人员，或名册中无人），"
        "请报告上级纪检监察机构，并在名册中补充纪检监察人员。"
    )


def delegated(d: Delivery) -> str:
    p = d.payload
    return f"{p.get('officer')} 已指定 {p.get('deputy')} 在 {p.get('until')} 前代为签批（以本人名义署“代”）。"


ASK_DEFAULT = "请输入内容："
SUBMITTED = "已提交。"


def news(number: str) -> str:
    return f"记录 {number} 有新的进展。"


def pending(items: list[PendingItem], tz: tzinfo, *, more: bool = False) -> str:
    if not items and not more:
        return "目前没有待您签批的记录。"
    lines = ["待签批记录（期限最早的在前）：" if more else "待签批记录："]
    for item in items:
        flag = "（已逾期）" if item.overdue else ""
        whose = "" if item.mine else "（逾期督办）"
        lines.append(f"· {item.number} {_level(item.level)} 期限 {_when(item.deadline, tz)}{flag}{whose}")
    if more:
        lines.append(PENDING_MORE)
    return "\n".join(lines)


PENDING_MORE = (
    "……另有更多待签批记录未列出：签完以上各件后再发 /pending，或在网页工作台（/desk）的记录列表中按状态筛选。"
)


def full(record: Record, chain: Chain | None, names: Mapping[int, str], tz: tzinfo) -> str:
    """查看全文: every answered field, the skips and the decisions (seed 004 登记表)."""
    lines = [f"【全文】记录 {record.number}（{record_status(record.status)}，第 {record.version} 版）"]
    lines += [f"· {label}：{value}" for label, value in field_pairs(record, tz)]
    lines += [f"· {line}" for line in chain_lines(chain, names, tz)]
    return "\n".join(lines)[:4000]


def field_pairs(record: Record, tz: tzinfo) -> list[tuple[str, str]]:
    """Every answered field of the 登记表 as (label, value), in the form's order (seed 004 登记表)."""
    pairs = []
    for f in FIELDS:
        if f.key not in record.answers:
            continue
        value = record.answers[f.key]
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "是" if value else "否"
        elif f.kind is Kind.DATETIME or f.kind is Kind.MULTI or f.options(QuestionContext()):
            value = option_label(f, value, QuestionContext(), tz)  # the form's words (是/否, 拒绝…)
        elif isinstance(value, list):
            value = "、".join(_option_label(f.key, v) for v in value)
        else:
            value = _option_label(f.key, value)
        pairs.append((f.label, str(value)))
    return pairs


def chain_lines(chain: Chain | None, names: Mapping[int, str], tz: tzinfo) -> list[str]:
    """The chain's skips (回避, vacancies) and each level's opinion, as the form prints them."""
    lines: list[str] = []
    if chain is not None and chain.route is not None:
        for s in chain.route.skips:
            lines.append(f"说明：{skip_text(s)}")
        for d in chain.decisions:
            if d.kind in (DecisionKind.APPROVE, DecisionKind.RETURN, DecisionKind.DISPOSE):
                who = names.get(d.signer_pk, "?")
                if d.on_behalf_of is not None:
                    who += f"（代 {names.get(d.on_behalf_of, '?')}）"
                what = {"approve": "同意", "return": "退回补正", "dispose": "处理"}[d.kind.value]
                level = LEVEL_LABELS[d.level] if d.level else ""
                lines.append(f"{level}意见（{what}）：{d.text} —— {who} {_when(d.at, tz)}")
    return lines


def _option_label(key: str, value: object) -> str:
    catalogues = {
        "record_type": cat.RECORD_TYPES,
        "method": cat.METHODS,
        "relation": cat.RELATIONS,
        "organ_category": cat.ORGAN_CATEGORIES,
        "stage": cat.STAGES,
    }
    if key in catalogues and isinstance(value, str):
        return cat.label(catalogues[key], value, value)
    return str(value)


def evidence_caption(number: str, e: Evidence) -> str:
    kind, size = evidence_kind(e.kind), human_size(e.size)
    return f"记录 {number} 证据 #{e.seq}（{kind}，{size}，SHA-256 {short_hash(e.sha256)}）"


def evidence_text(number: str, e: Evidence) -> str:
    return f"{evidence_caption(number, e)}\n{e.text or ''}"[:4000]


def evidence_missing(number: str, e: Evidence) -> str:
    return f"{evidence_caption(number, e)}：原件尚未取得（{e.state}），请向记录人索取。"


ASK_OPINION = "请输入意见："


def delegation_refused(exc: DelegationError) -> str:
    if exc.problem is DelegationProblem.SELF:
        return "不能指定本人为代签人"
    if exc.problem is DelegationProblem.PAST:
        return f"截止日期 {exc.until.isoformat() if exc.until else ''} 已过"
    return f"名册中没有在岗人员 {exc.staff_id}"


def _value(key: str, value: object) -> str:
    if value is None or value == "" or value == []:
        return "（空）"
    f = BY_KEY.get(key)
    if f is None:
        return str(value)
    return option_label(f, value, QuestionContext())


def change_line(key: str, old: object, new: object) -> str:
    """One changed field of a correction: "label：old → new"."""
    f = BY_KEY.get(key)
    return f"{f.label if f else key}：{_value(key, old)} → {_value(key, new)}"


def corrected(d: Delivery) -> str:
    """更正: a submitted record's new version, each changed field old → new (seed 004 §15: 全程留痕)."""
    p = d.payload
    lines = [
        f"【更正】记录 {d.number} 已由记录人更正为第 {p.get('version')} 版。",
        f"更正原因：{p.get('reason')}",
    ]
    changes = [c for c in p.get("changes") or [] if isinstance(c, list) and len(c) == 3]
    lines += [f"· {change_line(str(key), old, new)}" for key, old, new in changes]
    if not changes:
        lines.append("（各项内容未变）")
    lines.append("原版本永久保留；签批流程照常进行。")
    return "\n".join(lines)


def direct_reported(number: str, v: Voice = COURT) -> str:
    return (
        f"记录 {number} 已直接报告纪检监察机构{v.chain_rule}；尚未签署的环节不再签批，"
        "登记表注明“直接向纪检监察机构报告”。"
    )


def severe(d: Delivery, c: Card | None, tz: tzinfo, v: Voice = COURT) -> str:
    """To every level of the chain and the discipline office at once (seed 001 §7; seed 004 §17(1))."""
    due = _when(datetime.fromisoformat(str(d.payload["due"])), tz)
    head = f"【情节严重 · 一事一报】记录 {d.number}（{d.payload.get('by')} 标记）"
    lines = [head, *(_summary(c) if c is not None else [])]
    lines.append(
        f"情节严重、可能影响案件公正办理：各签批人和纪检监察机构同时收到；纪检监察机构应于 {due} 前一事一报"
        f"{cite('（seed 001 §7；seed 004 §17(1)）', v)}。"
    )
    return "\n".join(lines)


def severe_overdue(d: Delivery, c: Card | None, tz: tzinfo, v: Voice = COURT) -> str:
    due = _when(datetime.fromisoformat(str(d.payload["due"])), tz)
    head = f"【一事一报逾期】记录 {d.number}"
    lines = [head, *(_summary(c) if c is not None else [])]
    lines.append(f"该记录已标记情节严重，应于 {due} 前一事一报，至今尚未处理，请纪检监察机构立即报告并层报。")
    return "\n".join(lines)


def concurrent(d: Delivery, c: Card | None, v: Voice = COURT) -> str:
    """To the discipline office, at the same time as the vice-president: a department head's own record."""
    head = f"【同时报送 · 部门负责人本人记录】记录 {d.number}"
    if c is None:
        return head
    return "\n".join(
        [
            head,
            *_summary(c),
            f"部门负责人本人所作的记录，同时报送分管院领导和纪检监察机构{v.chain_rule}；"
            "分管院领导签署后送纪检监察机构签批。",
        ]
    )


def delivery(d: Delivery, tz: tzinfo, v: Voice) -> str:
    """An outbox message in words, for whichever chat door sends it."""
    if d.kind == "card" and d.card is not None:
        return card(d.card, tz, v)
    if d.kind == "remind" and d.card is not None:
        return reminder(d, d.card, tz, v)
    if d.kind == "step":
        return step(d, tz, v)
    if d.kind == "escalated":
        return escalated(d, v)
    if d.kind == "copy":
        return form_copy(d, tz, v)
    if d.kind == "upward":
        return upward(d, d.card, tz, v)
    if d.kind == "upward_told":
        return upward_told(d)
    if d.kind == "concurrent":
        return concurrent(d, d.card, v)
    if d.kind == "vacant":
        return vacant(d)
    if d.kind == "delegated":
        return delegated(d)
    if d.kind == "corrected":
        return corrected(d)
    if d.kind == "severe":
        return severe(d, d.card, tz, v)
    if d.kind == "severe_overdue":
        return severe_overdue(d, d.card, tz, v)
    if d.kind == "told" and d.told is not None:
        return followup_words.told(d.told, tz, v)
    if d.kind == "notice":
        return notice_words.received(str(d.payload.get("reference") or ""))
    if d.kind == casezero.CARD:
        return casezero_words.casezero_card(casezero.card_of(d.chat_id, d.payload))
    if d.kind == casezero.TOLD:
        told = casezero.told_of(d.chat_id, d.payload)
        return (
            casezero_words.casezero_note(told)
            if told.kind == "noted"
            else casezero_words.casezero_to_officer(told)
        )
    if d.kind == "followup" and d.followup_card is not None:
        return followup_words.card(d.followup_card, tz)
    if d.kind == "register" and d.alert is not None:
        return register_words.alert(d.alert)
    if d.kind == registers.CASE:
        return register_words.alert(registers.alert_of(str(d.payload["number"]), d.chat_id, d.payload))
    if d.kind == "witness" and d.witness is not None:
        return witness_words.request(d.witness, tz)
    if d.kind == "witnessed":
        return witness_words.to_recorder(str(d.payload.get("name")), d.number, str(d.payload.get("status")))
    if d.kind == "enrol_burst":
        return common_words.enrol_burst(int(d.payload.get("failures") or 0))
    return news(d.number)
