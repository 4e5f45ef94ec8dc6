"""Chinese texts of the sign-off chain, kept beside `texts.py` by feature."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

from liuhen.app.usecases.signoff import Card, Closed, Delivery, PendingItem
from liuhen.domain import catalogue as cat
from liuhen.domain.questionnaire import FIELDS
from liuhen.domain.records import Evidence, Record, human_size, short_hash
from liuhen.domain.signoff import LEVEL_LABELS, Chain, DecisionKind, Level


def _level(value: str) -> str:
    try:
        return LEVEL_LABELS[Level(value)]
    except ValueError:
        return value


def _when(at: datetime | None, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%m月%d日 %H:%M") if at else "—"


def card(c: Card, tz: tzinfo) -> str:
    head = f"【待签批 · {_level(c.level)}】记录 {c.number}"
    if c.obo_name:
        head += f"（代 {c.obo_name} 签批）"
    lines = [
        head,
        f"类型：{c.record_type}",
        f"过问人：{c.intervener}",
        f"案件：{c.case}",
        f"方式：{c.method}",
        "内容摘要：",
        *(f"  {line[:80]}" for line in c.gist),
        f"证据：{c.evidence_count} 件",
        f"签批期限：{_when(c.deadline, tz)}（三个工作日）" + ("，已逾期" if c.lapsed else ""),
    ]
    if c.skips:
        lines.append("说明：" + "；".join(c.skips))
    if c.defer_suggested and c.level == Level.DISCIPLINE.value:
        lines.append("记录人建议暂缓或不予调查、通报，请明确是否采纳（检察机关规定第十八条）。")
    return "\n".join(lines)


def closed(c: Closed, tz: tzinfo) -> str:
    who = f"{c.signer}（代 {c.obo}）" if c.obo else c.signer
    return f"已处理：{who} {c.what}（{_when(c.at, tz)}）"


def reminder(d: Delivery, c: Card, tz: tzinfo) -> str:
    return (
        f"提醒：记录 {c.number} 待您签批（{_level(c.level)}），期限 {_when(c.deadline, tz)}，明天到期。\n\n"
        + card(c, tz)
    )


def step(d: Delivery, tz: tzinfo) -> str:
    event = d.payload.get("event")
    level = _level(str(d.payload.get("level") or ""))
    note = str(d.payload.get("note") or "")
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
        return f"记录 {d.number}：纪检监察机构未采纳您暂缓调查、通报的建议（经检察长批准）。{note}"
    return f"记录 {d.number} 有新的进展。"


def escalated(d: Delivery) -> str:
    level = _level(str(d.payload.get("level") or ""))
    return (
        f"【逾期提醒】记录 {d.number} 在{level}环节已超过三个工作日未签批（检察机关规定第十三条）。"
        "请督促办理；纪检监察机构可发送 /pending 查看全部逾期记录。"
    )


def copy_to_trial_management(d: Delivery) -> str:
    return (
        f"【过问记录副本】本院新提交过问记录 {d.number}，本年度第 {d.payload.get('count')} 件。"
        "按规定抄送审判管理部门（过问记录内容不予显示，法院实施细则第六条）。"
    )


def upward(d: Delivery, c: Card | None, tz: tzinfo) -> str:
    p = d.payload
    head = f"【下级法院报送 · {p.get('why')}】{p.get('court')} 记录 {d.number}"
    if c is None:
        return head
    return "\n".join(
        [
            head,
            f"类型：{c.record_type}",
            f"过问人：{c.intervener}",
            f"案件：{c.case}",
            f"方式：{c.method}",
            "内容摘要：",
            *(f"  {line[:80]}" for line in c.gist),
            f"证据：{c.evidence_count} 件",
            "按规定同时报送上一级纪检监察机构（法院实施办法第六条；三个规定第七条）。",
        ]
    )


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


def pending(items: list[PendingItem], tz: tzinfo) -> str:
    if not items:
        return "目前没有待您签批的记录。"
    lines = ["待签批记录："]
    for item in items:
        flag = "（已逾期）" if item.overdue else ""
        whose = "" if item.mine else "（逾期督办）"
        lines.append(f"· {item.number} {_level(item.level)} 期限 {_when(item.deadline, tz)}{flag}{whose}")
    return "\n".join(lines)


def full(record: Record, chain: Chain | None, names: Mapping[int, str], tz: tzinfo) -> str:
    """查看全文: every answered field, the skips and the decisions (seed 004 登记表)."""
    lines = [f"【全文】记录 {record.number}（{record.status_label}，第 {record.version} 版）"]
    for f in FIELDS:
        if f.key not in record.answers:
            continue
        value = record.answers[f.key]
        if value is None or value == "":
            continue
        if isinstance(value, list):
            value = "、".join(_option_label(f.key, v) for v in value)
        else:
            value = _option_label(f.key, value)
        lines.append(f"· {f.label}：{value}")
    if chain is not None and chain.route is not None:
        for s in chain.route.skips:
            lines.append(f"· 说明：{s.text}")
        for d in chain.decisions:
            if d.kind in (DecisionKind.APPROVE, DecisionKind.RETURN, DecisionKind.DISPOSE):
                who = names.get(d.signer_pk, "?")
                if d.on_behalf_of is not None:
                    who += f"（代 {names.get(d.on_behalf_of, '?')}）"
                what = {"approve": "同意", "return": "退回补正", "dispose": "处理"}[d.kind.value]
                level = LEVEL_LABELS[d.level] if d.level else ""
                lines.append(f"· {level}意见（{what}）：{d.text} —— {who} {_when(d.at, tz)}")
    return "\n".join(lines)[:4000]


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
    return (
        f"记录 {number} 证据 #{e.seq}（{e.kind_label}，{human_size(e.size)}，SHA-256 {short_hash(e.sha256)}）"
    )


def evidence_text(number: str, e: Evidence) -> str:
    return f"{evidence_caption(number, e)}\n{e.text or ''}"[:4000]


def evidence_missing(number: str, e: Evidence) -> str:
    return f"{evidence_caption(number, e)}：原件尚未取得（{e.state}），请向记录人索取。"


ASK_OPINION = "请输入意见："
